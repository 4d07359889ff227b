"""The reply reader on realistic messages (tests/data/replies, written for this project) and its
parts (new words, intent, dates, auto-replies) on small inputs."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from followthru.replies import Bounce, CalendarAnswer, Reply, read_reply
from followthru.replies.automatic import return_date
from followthru.replies.classify import classify
from followthru.replies.dates import find_dates
from followthru.replies.extract import html_to_text, new_words

DATA = Path(__file__).parent / "data" / "replies"
PLUS = "followthru+7qk2m4xw9hbd3r6tnp5c@acme-sales.test"
BASE = datetime(2026, 11, 30, 9, 0)   # naive local moment the request was answered
ASKED = {date(2026, 12, 9)}


def read(name: str, zone: str = "UTC") -> Reply:
    return read_reply((DATA / name).read_bytes(), zone)


def message(body: str, **headers: str) -> bytes:
    fields = {"From": "Sam Patel <sam.patel@acme-sales.test>", "To": PLUS,
              "Subject": "Re: Can you commit?", "Date": "Mon, 30 Nov 2026 10:00:00 +0000",
              "Message-ID": "<m-1@acme-sales.test>"}
    fields.update({name.replace("_", "-"): value for name, value in headers.items()})
    head = "".join(f"{name}: {value}\n" for name, value in fields.items())
    return f"{head}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}".encode()


# --- every test message: the intent it must get -------------------------------------------

EXPECTED = {
    "accept-apple-mail.eml": "accept",
    "accept-cant-wait.eml": "accept",
    "accept-first-line.eml": "accept",
    "accept-german-zusagen.eml": "accept",
    "accept-german.eml": "accept",
    "accept-gmail-html-only.eml": "accept",
    "accept-gmail-quoted.eml": "accept",
    "accept-inline-answers.eml": "accept",
    "accept-outlook-html-only.eml": "accept",
    "accept-outlook-html.eml": "accept",
    "accept-outlook-mobile.eml": "accept",
    "accept-precedence-bulk.eml": "accept",
    "accept-with-question.eml": "accept",
    "bounce-exchange-ndr.eml": "bounce",
    "bounce-exim-plain.eml": "bounce",
    "bounce-postfix-dsn.eml": "bounce",
    "calendar-subject-tentative.eml": "tentative",
    "counter-date.eml": "counter",
    "counter-german.eml": "counter",
    "counter-how-about.eml": "counter",
    "counter-instead.eml": "counter",
    "counter-scope.eml": "counter",
    "decline-first-line.eml": "decline",
    "decline-french.eml": "decline",
    "decline-german-absagen.eml": "decline",
    "decline-gmail-quoted.eml": "decline",
    "decline-outlook-plain.eml": "decline",
    "decline-spanish.eml": "decline",
    "delayed-dsn.eml": "auto_reply",
    "empty-reply.eml": "unclear",
    "forwarded.eml": "unclear",
    "itip-counter.eml": "counter",
    "itip-reply-accepted.eml": "accept",
    "itip-reply-declined.eml": "decline",
    "malformed-garbage.eml": "unclear",
    "malformed-headers.eml": "accept",
    "ooo-exchange-german.eml": "auto_reply",
    "ooo-precedence-auto-reply.eml": "auto_reply",
    "ooo-rfc3834.eml": "auto_reply",
    "ooo-subject-only.eml": "auto_reply",
    "ooo-x-autoreply-french.eml": "auto_reply",
    "question-clarify-html.eml": "question",
    "question.eml": "question",
    "tentative-maybe.eml": "tentative",
    "tentative-not-sure.eml": "tentative",
    "thanks-only.eml": "unclear",
    "ticket-acknowledgement.eml": "auto_reply",
}


def test_every_test_message_has_an_expectation():
    assert sorted(p.name for p in DATA.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_intent(name):
    reply = read(name)
    assert reply.intent == EXPECTED[name], (reply.evidence, reply.words)
    assert 0.0 <= reply.confidence <= 1.0
    if reply.intent == "unclear":
        assert reply.confidence < 0.6
    else:
        assert reply.confidence >= 0.6 and reply.evidence


QUOTING = [name for name in EXPECTED if name.split("-")[0] in
           ("accept", "decline", "tentative", "counter", "question", "empty", "thanks")]


@pytest.mark.parametrize("name", sorted(QUOTING))
def test_quoted_request_never_reaches_the_words(name):
    words = read(name).words
    for trap in ("ACCEPT or DECLINE", "can't make it", "Followthru", "counting on you",
                 "wrote:", "schrieb", "a écrit", "escribió", "From:", "Von:", "Sent from my",
                 "Get Outlook"):
        assert trap not in words


# --- headers ---------------------------------------------------------------------------------

def test_headers_of_a_gmail_reply():
    reply = read("accept-gmail-quoted.eml")
    assert reply.message_id.startswith("<CAF") and reply.message_id.endswith("@mail.gmail.com>")
    assert reply.in_reply_to == ["<req-1@followthru.test>"]
    assert reply.references == ["<req-1@followthru.test>"]
    assert (reply.sender, reply.sender_name) == ("sam.patel@acme-sales.test", "Sam Patel")
    assert reply.to == [PLUS, "followthru@acme-sales.test"]
    assert reply.subject.startswith("Re: Can you commit? ACME Corp - Q4 expansion")
    assert reply.date == datetime(2026, 11, 30, 11, 42, 17, tzinfo=timezone.utc)
    assert reply.calendar is None and reply.bounce is None and reply.return_date is None


def test_encoded_headers_are_decoded_and_addresses_lowercased():
    raw = message("Yes, I'm in.", From="=?utf-8?Q?Patel=2C_S=C3=A4m?= <Sam.Patel@ACME-Sales.test>",
                  Subject="=?utf-8?q?Re=3A_Gr=C3=BC=C3=9Fe?=", Cc="Riley <Riley@Acme-Sales.test>")
    reply = read_reply(raw)
    assert (reply.sender, reply.sender_name) == ("sam.patel@acme-sales.test", "Patel, Säm")
    assert reply.subject == "Re: Grüße"
    assert reply.to == [PLUS, "riley@acme-sales.test"]


# --- the person's own words ------------------------------------------------------------------

@pytest.mark.parametrize("name, words", [
    ("accept-gmail-quoted.eml",
     "Yes, count me in. I'll have the questionnaire back to you by Dec 9.\n\nSam"),
    ("accept-gmail-html-only.eml", "Confirmed, I'll handle the questionnaire."),
    ("accept-outlook-html-only.eml", "Will do. Count me in.\n\nSam"),
    ("accept-outlook-mobile.eml", "No problem, will do."),
    ("accept-apple-mail.eml", "Sounds good, I'm in!"),
    ("accept-first-line.eml", "ACCEPT"),
    ("accept-inline-answers.eml", "Yes.\n\nFine with me, it will be done by then."),
    ("accept-german.eml", "Ja, mache ich gerne. Bin dabei!\n\nViele Grüße\nJonas"),
    ("decline-french.eml",
     "Bonjour Riley,\n\nDésolé, je ne pourrai pas m'en charger ce mois-ci.\n\n"
     "Cordialement,\nClaire"),
    ("question-clarify-html.eml",
     "Could you clarify what the deep-dive call covers?\nIs it architecture or compliance?"),
    ("empty-reply.eml", ""),
    ("forwarded.eml", "FYI - see below."),
])
def test_words(name, words):
    assert read(name).words == words


@pytest.mark.parametrize("text, words", [
    ("Sounds good.\n\nSent from my iPhone\n\n> On Nov 30 ... wrote:\n> ACCEPT", "Sounds good."),
    ("Gerne.\n\nVon meinem iPhone gesendet", "Gerne."),
    ("Happy to.\n\n-- \nSam Patel\nNo calls after 6pm", "Happy to."),
    ("Yes\n\n-----Original Message-----\nFrom: Riley\nSent: Monday\nDECLINE", "Yes"),
    ("OK for me\n\nFrom: Riley Chen <ft@x.test>\nSent: Monday, November 30, 2026 9:00 AM\n"
     "To: Sam\nSubject: Can you commit?\n\nACCEPT or DECLINE", "OK for me"),
    ("Will do\n\nOn Mon, Nov 30, 2026 at 9:00 AM Riley Chen via Followthru <\nft@x.test> wrote:\n\n"
     "> DECLINE", "Will do"),
    ("Bin dabei\n\nRiley <ft@x.test> schrieb am Mo., 30.\nNov. 2026 um 10:00 Uhr:\n> ABSAGEN",
     "Bin dabei"),
    ("Oui\n\n---------- Forwarded message ---------\nFrom: Riley", "Oui"),
    ("> Can you commit?\n", ""),
])
def test_new_words_of_plain_text(text, words):
    assert new_words(text) == words


def test_html_to_text_drops_quotes_and_everything_after_an_outlook_reply_header():
    html = ('<div>Yes, I&#39;m in.</div><div class="gmail_quote">On Mon wrote:<blockquote>'
            'DECLINE</blockquote></div><p>Thanks<br>Sam</p><div id="divRplyFwdMsg"><b>From:</b>'
            ' Riley</div><div>ACCEPT or DECLINE</div>')
    assert html_to_text(html) == "Yes, I'm in.\n\nThanks\nSam"
    assert html_to_text("<p>unclosed <b>tags <blockquote>quote") == "unclosed tags"


# --- intents of words ------------------------------------------------------------------------

@pytest.mark.parametrize("words, intent", [
    ("ACCEPT", "accept"), ("DECLINE - on leave", "decline"), ("ZUSAGEN", "accept"),
    ("ABSAGEN", "decline"), ("Accept", "accept"),
    ("No problem, will do.", "accept"), ("Not a problem at all!", "accept"),
    ("Can't wait to start, count me in!", "accept"), ("I commit.", "accept"),
    ("Happy to help!", "accept"), ("Confirmed.", "accept"), ("Sounds good, I'm in.", "accept"),
    ("Sure thing", "accept"), ("No worries, I've got it covered.", "accept"),
    ("Sounds good. Which template should I use?", "accept"),
    ("I'll let you know if I have questions. Count me in.", "accept"),
    ("Klar, mache ich.", "accept"), ("Oui, avec plaisir.", "accept"),
    ("Sí, cuenta conmigo.", "accept"),
    ("No.", "decline"), ("No, sorry.", "decline"), ("Nope, I'm out.", "decline"),
    ("Unfortunately I can't commit to this one.", "decline"),
    ("I have to decline, I'm fully booked.", "decline"), ("I won't be able to help.", "decline"),
    ("Leider kann ich nicht.", "decline"), ("Je ne peux pas, désolé.", "decline"),
    ("No puedo esta vez.", "decline"), ("I'd love to but I can't.", "decline"),
    ("Maybe.", "tentative"), ("Not sure I can make it.", "tentative"), ("I'll try.", "tentative"),
    ("Probably, let me check my calendar.", "tentative"),
    ("I should be able to do it if legal signs off.", "tentative"),
    ("Sounds good, but I'll confirm tomorrow.", "tentative"), ("Vielleicht.", "tentative"),
    ("Peut-être, je vais vérifier.", "tentative"), ("Not confirmed yet.", "tentative"),
    ("I can do the questionnaire but not the call.", "counter"),
    ("I can only do the questionnaire.", "counter"),
    ("I won't make the call, but happy to do the questionnaire.", "counter"),
    ("Which version do they need?", "question"), ("Could you clarify the scope", "question"),
    ("What's the budget for this?", "question"),
    ("", "unclear"), ("Thanks!", "unclear"), ("Got it, thanks.", "unclear"), ("ok", "unclear"),
    ("I'm not happy to do this.", "unclear"), ("Das passt mir nicht.", "unclear"),
    ("Hmm.", "unclear"),
])
def test_classify(words, intent):
    verdict = classify(words, BASE, ASKED)
    assert verdict.intent == intent, verdict
    assert (verdict.confidence < 0.6) == (intent == "unclear")


def test_first_line_keyword_is_certain():
    assert classify("ACCEPT\n\nThanks, Sam", BASE).confidence == 1.0
    assert classify("DECLINE", BASE).evidence == "first line: DECLINE"


@pytest.mark.parametrize("words, intent", [
    ("Sorry, was out. ACCEPT.", "accept"), ("Hi Riley - DECLINE, sorry.", "decline"),
    ("I can't ACCEPT this deadline.", "decline"), ("ACCEPT or DECLINE?", "question"),
    ("Hi Riley, ACCEPT but only by Dec 14.", "counter"),
])
def test_capital_keyword_anywhere(words, intent):
    assert classify(words, BASE, ASKED).intent == intent


@pytest.mark.parametrize("words, proposed", [
    ("I can't do Dec 9 but Dec 11 works.", date(2026, 12, 11)),
    ("I can do it by Dec 11 instead.", date(2026, 12, 11)),
    ("Not by the 9th but the 11th works.", date(2026, 12, 11)),
    ("Wednesday is tight. How about Monday, December 14?", date(2026, 12, 14)),
    ("Could we push it to Friday?", date(2026, 12, 4)),
    ("Instead of Dec 9, could we do Dec 11?", date(2026, 12, 11)),
    ("Ich kann erst am 11.12. liefern.", date(2026, 12, 11)),
    ("Je ne peux pas le 9, mais le 11 décembre c'est possible.", date(2026, 12, 11)),
    ("Yes, I can have it by Dec 14.", date(2026, 12, 14)),   # later than the asked Dec 9
])
def test_counter_proposals_carry_the_proposed_date(words, proposed):
    verdict = classify(words, BASE, ASKED)
    assert (verdict.intent, verdict.proposed_date) == ("counter", proposed)


def test_a_yes_with_the_asked_date_is_an_accept():
    assert classify("Yes, I'll have it done by Wed 9 Dec.", BASE, ASKED).intent == "accept"
    assert classify("Count me in. See you at the review on Dec 16.", BASE, ASKED).intent == "accept"


@pytest.mark.parametrize("name, proposed", [
    ("counter-date.eml", date(2026, 12, 11)), ("counter-instead.eml", date(2026, 12, 11)),
    ("counter-how-about.eml", date(2026, 12, 14)), ("counter-german.eml", date(2026, 12, 11)),
    ("counter-scope.eml", None),
])
def test_counter_messages(name, proposed):
    assert read(name).proposed_date == proposed


def test_relative_dates_count_from_the_message_date_in_the_given_timezone():
    raw = message("I can't do the 9th. How about tomorrow instead?",
                  Date="Mon, 30 Nov 2026 23:30:00 +0000")
    assert read_reply(raw).proposed_date == date(2026, 12, 1)
    assert read_reply(raw, "Asia/Tokyo").proposed_date == date(2026, 12, 2)


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, day", [
    ("back on Monday, December 14", date(2026, 12, 14)),
    ("returning 14.12.2026", date(2026, 12, 14)),
    ("until 12/14/2026", date(2026, 12, 14)), ("zurück am 14.12.", date(2026, 12, 14)),
    ("le lundi 14 décembre", date(2026, 12, 14)), ("el 14 de diciembre", date(2026, 12, 14)),
    ("the 11th", date(2026, 12, 11)), ("Friday", date(2026, 12, 4)),
    ("2026-12-14", date(2026, 12, 14)),
    ("May 5th", date(2027, 5, 5)),
])
def test_find_dates(text, day):
    assert [found.day for found in find_dates(text, BASE)] == [day]


def test_words_that_only_look_like_dates_are_not_dates():
    assert find_dates("I may be able to sit on it; version 1.2.3 costs 2.5 and 9.30", BASE) == []


# --- auto-replies ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, back, evidence", [
    ("ooo-rfc3834.eml", date(2026, 12, 14), "Auto-Submitted: auto-replied"),
    ("ooo-exchange-german.eml", date(2026, 12, 14), "Auto-Submitted: auto-generated"),
    ("ooo-subject-only.eml", date(2026, 12, 14), "subject: Automatic reply"),
    ("ooo-x-autoreply-french.eml", date(2026, 12, 14), "X-Autoreply: yes"),
    ("ooo-precedence-auto-reply.eml", date(2026, 12, 14), "Precedence: auto_reply"),
    ("ticket-acknowledgement.eml", None, "subject: Request received"),
])
def test_out_of_office(name, back, evidence):
    reply = read(name)
    assert (reply.intent, reply.return_date, reply.evidence) == ("auto_reply", back, evidence)


@pytest.mark.parametrize("headers", [
    {"X_Auto_Response_Suppress": "All"}, {"Precedence": "bulk"}, {"Precedence": "list"},
    {"Auto_Submitted": "no"},
])
def test_headers_that_do_not_make_an_auto_reply(headers):
    assert read_reply(message("Yes, count me in.", **headers)).intent == "accept"


@pytest.mark.parametrize("headers", [
    {"Auto_Submitted": "auto-replied"}, {"X_Autoreply": "yes"}, {"X_Autorespond": "vacation"},
    {"Precedence": "auto_reply"}, {"X_Precedence": "auto_reply"}, {"X_Autogenerated": "Reply"},
    {"Subject": "Abwesenheitsnotiz: Can you commit?"}, {"Subject": "Autosvar: Can you commit?"},
    {"Subject": "Respuesta automática: Can you commit?"},
    {"Subject": "Risposta automatica: Can you commit?"},
])
def test_auto_reply_markers(headers):
    reply = read_reply(message("Yes, count me in. (I am away.)", **headers))
    assert reply.intent == "auto_reply"


@pytest.mark.parametrize("text, back", [
    ("I am out of the office and will be back on Monday, December 14.", date(2026, 12, 14)),
    ("I'm away, returning 14.12.2026.", date(2026, 12, 14)),
    ("Out until 12/14/2026.", date(2026, 12, 14)),
    ("Ich bin ab dem 7.12. im Urlaub und zurück am 14.12.", date(2026, 12, 14)),
    ("I have limited access to email.", None),
])
def test_return_date(text, back):
    assert return_date(text, BASE) == back


# --- delivery reports ------------------------------------------------------------------------

def test_postfix_bounce():
    reply = read("bounce-postfix-dsn.eml")
    assert reply.intent == "bounce" and reply.confidence == 1.0
    assert reply.bounce == Bounce(
        recipient="sam.patel@acme-sales.test", original_message_id="<req-1@followthru.test>",
        status="5.1.1", diagnostic="550 5.1.1 <sam.patel@acme-sales.test>: Recipient address "
                                   "rejected: User unknown in virtual mailbox table")


def test_exchange_bounce_reads_the_returned_message():
    bounce = read("bounce-exchange-ndr.eml").bounce
    assert (bounce.recipient, bounce.original_message_id, bounce.status) == (
        "kim.lee@globex.example", "<req-2@followthru.test>", "5.1.10")
    assert "RecipientNotFound" in bounce.diagnostic


def test_non_standard_exim_bounce():
    bounce = read("bounce-exim-plain.eml").bounce
    assert bounce == Bounce("pat.doe@initech.example", "<req-3@followthru.test>", "5.1.1",
                            "550 5.1.1 <pat.doe@initech.example>: mailbox unavailable")


def test_delay_warning_is_an_auto_reply_not_a_bounce():
    reply = read("delayed-dsn.eml")
    assert (reply.intent, reply.bounce) == ("auto_reply", None)
    assert "delayed" in reply.evidence


# --- calendar answers ------------------------------------------------------------------------

def test_itip_accepted():
    reply = read("itip-reply-accepted.eml")
    assert (reply.intent, reply.confidence) == ("accept", 1.0)
    assert reply.calendar == CalendarAnswer(
        method="REPLY", uid="followthru-acme-review@acme-sales.test",
        attendee="sam.patel@acme-sales.test", partstat="ACCEPTED", proposed_start=None, sequence=1)


def test_itip_declined_from_google_calendar():
    reply = read("itip-reply-declined.eml")
    assert (reply.intent, reply.calendar.partstat) == ("decline", "DECLINED")
    assert reply.calendar.attendee == "ana.lima@acme-sales.test"


def test_itip_counter_has_an_aware_proposed_start():
    reply = read("itip-counter.eml", "Europe/Berlin")
    answer = reply.calendar
    assert (reply.intent, answer.method, answer.attendee) == (
        "counter", "COUNTER", "jonas.weber@acme-sales.test")
    assert answer.proposed_start == datetime(2026, 12, 17, 14, 0, tzinfo=timezone.utc)
    assert reply.proposed_date == date(2026, 12, 17)


def test_calendar_subject_without_calendar_part():
    reply = read("calendar-subject-tentative.eml")
    assert (reply.intent, reply.calendar, reply.evidence) == (
        "tentative", None, "subject: Tentative:")
    assert read_reply(message("", Subject="Abgelehnt: ACME Q4 review")).intent == "decline"
    assert read_reply(message("", Subject="Mit Vorbehalt angenommen: Review")).intent == "tentative"


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    (DATA / "malformed-garbage.eml").read_bytes(), b"", b"\x00\xff" * 100, b"From:\n\n\n",
    b"Content-Type: multipart/mixed\n\n--x\n", None, 42,
])
def test_bad_input_never_raises(raw):
    reply = read_reply(raw)
    assert isinstance(reply, Reply) and reply.intent == "unclear"


def test_malformed_headers_still_give_what_can_be_read():
    reply = read("malformed-headers.eml")
    assert (reply.sender, reply.sender_name) == ("sam.patel@acme-sales.test", "Säm Pätel")
    assert reply.date is None and reply.message_id == "<broken-1@acme-sales.test>"
    assert reply.words.startswith("Yes, I'm in.")


def test_unknown_timezone_name_is_not_an_error():
    assert read_reply(message("Yes, count me in."), "Mars/Olympus").intent == "accept"


def test_public_interface():
    from followthru.replies import reader

    assert reader.Reply is Reply and reader.read_reply is read_reply
    assert [f.name for f in dataclasses.fields(Reply)] == [
        "message_id", "in_reply_to", "references", "sender", "sender_name", "to", "subject",
        "date", "words", "intent", "confidence", "evidence", "proposed_date", "return_date",
        "calendar", "bounce"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        read("accept-apple-mail.eml").intent = "decline"
