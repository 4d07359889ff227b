"""The reply reader on realistic messages (tests/data/replies, written for this project) and its
parts (new words, intent, dates, auto-replies) on small inputs."""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import json
import struct
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from followthru.replies import (
    Bounce,
    CalendarAnswer,
    Reply,
    extract_words,
    read_reply,
    settle_for,
)
from followthru.replies.automatic import return_date
from followthru.replies.classify import classify
from followthru.replies.dates import find_dates
from followthru.replies.extract import html_to_text, new_words
from followthru.replies.mime import unflow

DATA = Path(__file__).parents[1] / "data" / "replies"
PLUS = "followthru+7qk2m4xw9hbd3r6tnp5c@acme-sales.test"
BASE = datetime(2026, 11, 30, 9, 0)  # naive local moment the request was answered
ASKED = {date(2026, 12, 9)}


def read(name: str, zone: str = "UTC") -> Reply:
    return read_reply((DATA / name).read_bytes(), zone)


def message(body: str, **headers: str) -> bytes:
    fields = {
        "From": "Sam Patel <sam.patel@acme-sales.test>",
        "To": PLUS,
        "Subject": "Re: Can you commit?",
        "Date": "Mon, 30 Nov 2026 10:00:00 +0000",
        "Message-ID": "<m-1@acme-sales.test>",
    }
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
    "itip-tnef-accepted.eml": "accept",
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


QUOTING = [
    name
    for name in EXPECTED
    if name.split("-")[0] in ("accept", "decline", "tentative", "counter", "question", "empty", "thanks")
]


@pytest.mark.parametrize("name", sorted(QUOTING))
def test_quoted_request_never_reaches_the_words(name):
    words = read(name).words
    for trap in (
        "ACCEPT or DECLINE",
        "can't make it",
        "Followthru",
        "counting on you",
        "wrote:",
        "schrieb",
        "a écrit",
        "escribió",
        "From:",
        "Von:",
        "Sent from my",
        "Get Outlook",
    ):
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
    raw = message(
        "Yes, I'm in.",
        From="=?utf-8?Q?Patel=2C_S=C3=A4m?= <Sam.Patel@ACME-Sales.test>",
        Subject="=?utf-8?q?Re=3A_Gr=C3=BC=C3=9Fe?=",
        Cc="Riley <Riley@Acme-Sales.test>",
    )
    reply = read_reply(raw)
    assert (reply.sender, reply.sender_name) == ("sam.patel@acme-sales.test", "Patel, Säm")
    assert reply.subject == "Re: Grüße"
    assert reply.to == [PLUS, "riley@acme-sales.test"]


# --- the person's own words ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, words",
    [
        ("accept-gmail-quoted.eml", "Yes, count me in. I'll have the questionnaire back to you by Dec 9.\n\nSam"),
        ("accept-gmail-html-only.eml", "Confirmed, I'll handle the questionnaire."),
        ("accept-outlook-html-only.eml", "Will do. Count me in.\n\nSam"),
        ("accept-outlook-mobile.eml", "No problem, will do."),
        ("accept-apple-mail.eml", "Sounds good, I'm in!"),
        ("accept-first-line.eml", "ACCEPT"),
        ("accept-inline-answers.eml", "Yes.\n\nFine with me, it will be done by then."),
        ("accept-german.eml", "Ja, mache ich gerne. Bin dabei!\n\nViele Grüße\nJonas"),
        (
            "decline-french.eml",
            "Bonjour Riley,\n\nDésolé, je ne pourrai pas m'en charger ce mois-ci.\n\nCordialement,\nClaire",
        ),
        (
            "question-clarify-html.eml",
            "Could you clarify what the deep-dive call covers?\nIs it architecture or compliance?",
        ),
        ("empty-reply.eml", ""),
        ("forwarded.eml", "FYI - see below."),
    ],
)
def test_words(name, words):
    assert read(name).words == words


@pytest.mark.parametrize(
    "text, words",
    [
        ("Sounds good.\n\nSent from my iPhone\n\n> On Nov 30 ... wrote:\n> ACCEPT", "Sounds good."),
        ("Gerne.\n\nVon meinem iPhone gesendet", "Gerne."),
        ("Happy to.\n\n-- \nSam Patel\nNo calls after 6pm", "Happy to."),
        ("Yes\n\n-----Original Message-----\nFrom: Riley\nSent: Monday\nDECLINE", "Yes"),
        (
            "OK for me\n\nFrom: Riley Chen <ft@x.test>\nSent: Monday, November 30, 2026 9:00 AM\n"
            "To: Sam\nSubject: Can you commit?\n\nACCEPT or DECLINE",
            "OK for me",
        ),
        (
            "Will do\n\nOn Mon, Nov 30, 2026 at 9:00 AM Riley Chen via Followthru <\nft@x.test> wrote:\n\n> DECLINE",
            "Will do",
        ),
        ("Bin dabei\n\nRiley <ft@x.test> schrieb am Mo., 30.\nNov. 2026 um 10:00 Uhr:\n> ABSAGEN", "Bin dabei"),
        ("Oui\n\n---------- Forwarded message ---------\nFrom: Riley", "Oui"),
        ("> Can you commit?\n", ""),
    ],
)
def test_new_words_of_plain_text(text, words):
    assert new_words(text) == words


def test_html_to_text_drops_quotes_and_everything_after_an_outlook_reply_header():
    html = (
        '<div>Yes, I&#39;m in.</div><div class="gmail_quote">On Mon wrote:<blockquote>'
        'DECLINE</blockquote></div><p>Thanks<br>Sam</p><div id="divRplyFwdMsg"><b>From:</b>'
        " Riley</div><div>ACCEPT or DECLINE</div>"
    )
    assert html_to_text(html) == "Yes, I'm in.\n\nThanks\nSam"
    assert html_to_text("<p>unclosed <b>tags <blockquote>quote") == "unclosed tags"


# --- intents of words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, intent",
    [
        ("ACCEPT", "accept"),
        ("DECLINE - on leave", "decline"),
        ("ZUSAGEN", "accept"),
        ("ABSAGEN", "decline"),
        ("Accept", "accept"),
        ("No problem, will do.", "accept"),
        ("Not a problem at all!", "accept"),
        ("Can't wait to start, count me in!", "accept"),
        ("I commit.", "accept"),
        ("Happy to help!", "accept"),
        ("Confirmed.", "accept"),
        ("Sounds good, I'm in.", "accept"),
        ("Sure thing", "accept"),
        ("No worries, I've got it covered.", "accept"),
        ("Sounds good. Which template should I use?", "accept"),
        ("I'll let you know if I have questions. Count me in.", "accept"),
        ("Klar, mache ich.", "accept"),
        ("Oui, avec plaisir.", "accept"),
        ("Sí, cuenta conmigo.", "accept"),
        ("No.", "decline"),
        ("No, sorry.", "decline"),
        ("Nope, I'm out.", "decline"),
        ("Unfortunately I can't commit to this one.", "decline"),
        ("I have to decline, I'm fully booked.", "decline"),
        ("I won't be able to help.", "decline"),
        ("Leider kann ich nicht.", "decline"),
        ("Je ne peux pas, désolé.", "decline"),
        ("No puedo esta vez.", "decline"),
        ("I'd love to but I can't.", "decline"),
        ("Maybe.", "tentative"),
        ("Not sure I can make it.", "tentative"),
        ("I'll try.", "tentative"),
        ("Probably, let me check my calendar.", "tentative"),
        ("I should be able to do it if legal signs off.", "tentative"),
        ("Sounds good, but I'll confirm tomorrow.", "tentative"),
        ("Vielleicht.", "tentative"),
        ("Peut-être, je vais vérifier.", "tentative"),
        ("Not confirmed yet.", "tentative"),
        ("I can do the questionnaire but not the call.", "counter"),
        ("I can only do the questionnaire.", "counter"),
        ("I won't make the call, but happy to do the questionnaire.", "counter"),
        ("Which version do they need?", "question"),
        ("Could you clarify the scope", "question"),
        ("What's the budget for this?", "question"),
        ("", "unclear"),
        ("Thanks!", "unclear"),
        ("Got it, thanks.", "unclear"),
        ("ok", "unclear"),
        ("I'm not happy to do this.", "unclear"),
        ("Das passt mir nicht.", "unclear"),
        ("Hmm.", "unclear"),
    ],
)
def test_classify(words, intent):
    verdict = classify(words, BASE, ASKED)
    assert verdict.intent == intent, verdict
    assert (verdict.confidence < 0.6) == (intent == "unclear")


def test_first_line_keyword_is_certain():
    assert classify("ACCEPT\n\nThanks, Sam", BASE).confidence == 1.0
    assert classify("DECLINE", BASE).evidence == "first line: DECLINE"


@pytest.mark.parametrize(
    "words, intent",
    [
        ("Sorry, was out. ACCEPT.", "accept"),
        ("Hi Riley - DECLINE, sorry.", "decline"),
        ("I can't ACCEPT this deadline.", "decline"),
        ("ACCEPT or DECLINE?", "question"),
        ("Hi Riley, ACCEPT but only by Dec 14.", "counter"),
    ],
)
def test_capital_keyword_anywhere(words, intent):
    assert classify(words, BASE, ASKED).intent == intent


@pytest.mark.parametrize(
    "words, proposed",
    [
        ("I can't do Dec 9 but Dec 11 works.", date(2026, 12, 11)),
        ("I can do it by Dec 11 instead.", date(2026, 12, 11)),
        ("Not by the 9th but the 11th works.", date(2026, 12, 11)),
        ("Wednesday is tight. How about Monday, December 14?", date(2026, 12, 14)),
        ("Could we push it to Friday?", date(2026, 12, 4)),
        ("Instead of Dec 9, could we do Dec 11?", date(2026, 12, 11)),
        ("Ich kann erst am 11.12. liefern.", date(2026, 12, 11)),
        ("Je ne peux pas le 9, mais le 11 décembre c'est possible.", date(2026, 12, 11)),
        ("Yes, I can have it by Dec 14.", date(2026, 12, 14)),  # later than the asked Dec 9
    ],
)
def test_counter_proposals_carry_the_proposed_date(words, proposed):
    verdict = classify(words, BASE, ASKED)
    assert (verdict.intent, verdict.proposed_date) == ("counter", proposed)


def test_a_yes_with_the_asked_date_is_an_accept():
    assert classify("Yes, I'll have it done by Wed 9 Dec.", BASE, ASKED).intent == "accept"
    assert classify("Count me in. See you at the review on Dec 16.", BASE, ASKED).intent == "accept"


@pytest.mark.parametrize(
    "name, proposed",
    [
        ("counter-date.eml", date(2026, 12, 11)),
        ("counter-instead.eml", date(2026, 12, 11)),
        ("counter-how-about.eml", date(2026, 12, 14)),
        ("counter-german.eml", date(2026, 12, 11)),
        ("counter-scope.eml", None),
    ],
)
def test_counter_messages(name, proposed):
    assert read(name).proposed_date == proposed


def test_relative_dates_count_from_the_message_date_in_the_given_timezone():
    raw = message("I can't do the 9th. How about tomorrow instead?", Date="Mon, 30 Nov 2026 23:30:00 +0000")
    assert read_reply(raw).proposed_date == date(2026, 12, 1)
    assert read_reply(raw, "Asia/Tokyo").proposed_date == date(2026, 12, 2)


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, day",
    [
        ("back on Monday, December 14", date(2026, 12, 14)),
        ("returning 14.12.2026", date(2026, 12, 14)),
        ("until 12/14/2026", date(2026, 12, 14)),
        ("zurück am 14.12.", date(2026, 12, 14)),
        ("le lundi 14 décembre", date(2026, 12, 14)),
        ("el 14 de diciembre", date(2026, 12, 14)),
        ("the 11th", date(2026, 12, 11)),
        ("Friday", date(2026, 12, 4)),
        ("2026-12-14", date(2026, 12, 14)),
        ("May 5th", date(2027, 5, 5)),
    ],
)
def test_find_dates(text, day):
    assert [found.day for found in find_dates(text, BASE)] == [day]


@pytest.mark.parametrize(
    "text, day",
    [
        ("Monday 30 November", date(2026, 11, 30)),  # today, written without a year
        ("bis Freitag, 11.12.", date(2026, 12, 11)),  # a weekday with its date is one date
        ("Thursday the 10th", date(2026, 12, 10)),
        ("Fri 11th", date(2026, 12, 11)),
        ("next Wednesday", date(2026, 12, 9)),  # the Wednesday of the following week
        ("giovedì 10 dicembre", date(2026, 12, 10)),
        ("segunda-feira, 14 de dezembro", date(2026, 12, 14)),
        ("mas dia 11 é tranquilo", date(2026, 12, 11)),
        ("Maandag 14 december", date(2026, 12, 14)),
        ("fredag den 11 december", date(2026, 12, 11)),
        ("den 9:e", date(2026, 12, 9)),
        ("w poniedziałek 7 grudnia", date(2026, 12, 7)),
        ("mandag 14. december", date(2026, 12, 14)),
    ],
)
def test_find_dates_in_more_languages_and_forms(text, day):
    assert [found.day for found in find_dates(text, BASE)] == [day]


@pytest.mark.parametrize(
    "text, day",
    [
        ("Could we do 1. maerz?", date(2027, 3, 1)),  # a spelling the month names list
        ("hasta el 3 de enero de 2027", date(2027, 1, 3)),
        ("am Do., 10. DEZEMBER", date(2026, 12, 10)),  # a weekday before the date is not read
        ("by Dec 31, 2026", date(2026, 12, 31)),
        ("on February 29", date(2028, 2, 29)),  # no 29th of February before 2028
        ("by 31 November", None),  # no such day
        ("ſunday the 6th of DECEMBER", date(2026, 12, 6)),  # a text read the slow way
    ],
)
def test_month_names_are_read_by_hand(text, day):
    assert [found.day for found in find_dates(text, BASE)] == ([day] if day else [])


@pytest.mark.parametrize("text", ["I am out 3 days", "2 days ago", "set it up", "mag 5 volt"])
def test_short_month_words_of_other_languages_are_not_dates(text):
    assert find_dates(text, BASE) == []


def test_words_that_only_look_like_dates_are_not_dates():
    assert find_dates("I may be able to sit on it; version 1.2.3 costs 2.5 and 9.30", BASE) == []


# --- auto-replies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, back, evidence",
    [
        ("ooo-rfc3834.eml", date(2026, 12, 14), "Auto-Submitted: auto-replied"),
        ("ooo-exchange-german.eml", date(2026, 12, 14), "Auto-Submitted: auto-generated"),
        ("ooo-subject-only.eml", date(2026, 12, 14), "subject: Automatic reply"),
        ("ooo-x-autoreply-french.eml", date(2026, 12, 14), "X-Autoreply: yes"),
        ("ooo-precedence-auto-reply.eml", date(2026, 12, 14), "Precedence: auto_reply"),
        ("ticket-acknowledgement.eml", None, "subject: Request received"),
    ],
)
def test_out_of_office(name, back, evidence):
    reply = read(name)
    assert (reply.intent, reply.return_date, reply.evidence) == ("auto_reply", back, evidence)


@pytest.mark.parametrize(
    "headers",
    [
        {"X_Auto_Response_Suppress": "All"},
        {"Precedence": "bulk"},
        {"Precedence": "list"},
        {"Auto_Submitted": "no"},
    ],
)
def test_headers_that_do_not_make_an_auto_reply(headers):
    assert read_reply(message("Yes, count me in.", **headers)).intent == "accept"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "vacation"},
        {"Precedence": "auto_reply"},
        {"X_Precedence": "auto_reply"},
        {"X_Autogenerated": "Reply"},
        {"Subject": "Abwesenheitsnotiz: Can you commit?"},
        {"Subject": "Autosvar: Can you commit?"},
        {"Subject": "Respuesta automática: Can you commit?"},
        {"Subject": "Risposta automatica: Can you commit?"},
    ],
)
def test_auto_reply_markers(headers):
    reply = read_reply(message("Yes, count me in. (I am away.)", **headers))
    assert reply.intent == "auto_reply"


@pytest.mark.parametrize(
    "text, back",
    [
        ("I am out of the office and will be back on Monday, December 14.", date(2026, 12, 14)),
        ("I'm away, returning 14.12.2026.", date(2026, 12, 14)),
        ("Out until 12/14/2026.", date(2026, 12, 14)),
        ("Ich bin ab dem 7.12. im Urlaub und zurück am 14.12.", date(2026, 12, 14)),
        ("I am out from Monday 30 November and will return on Monday 7 December.", date(2026, 12, 7)),
        ("Sono fuori ufficio. Rientrerò giovedì 10 dicembre.", date(2026, 12, 10)),
        ("Estou de férias e volto no dia 14 de dezembro.", date(2026, 12, 14)),
        ("Jestem na urlopie do 4 grudnia. Wracam w poniedziałek 7 grudnia.", date(2026, 12, 7)),
        ("Jag är tillbaka måndag den 14 december.", date(2026, 12, 14)),
        ("I have limited access to email.", None),
    ],
)
def test_return_date(text, back):
    assert return_date(text, BASE) == back


# --- delivery reports ------------------------------------------------------------------------


def test_postfix_bounce():
    reply = read("bounce-postfix-dsn.eml")
    assert reply.intent == "bounce" and reply.confidence == 1.0
    assert reply.bounce == Bounce(
        recipient="sam.patel@acme-sales.test",
        original_message_id="<req-1@followthru.test>",
        status="5.1.1",
        diagnostic="550 5.1.1 <sam.patel@acme-sales.test>: Recipient address "
        "rejected: User unknown in virtual mailbox table",
    )


def test_exchange_bounce_reads_the_returned_message():
    bounce = read("bounce-exchange-ndr.eml").bounce
    assert (bounce.recipient, bounce.original_message_id, bounce.status) == (
        "kim.lee@globex.example",
        "<req-2@followthru.test>",
        "5.1.10",
    )
    assert "RecipientNotFound" in bounce.diagnostic


def test_non_standard_exim_bounce():
    bounce = read("bounce-exim-plain.eml").bounce
    assert bounce == Bounce(
        "pat.doe@initech.example",
        "<req-3@followthru.test>",
        "5.1.1",
        "550 5.1.1 <pat.doe@initech.example>: mailbox unavailable",
    )


def test_delay_warning_is_an_auto_reply_not_a_bounce():
    reply = read("delayed-dsn.eml")
    assert (reply.intent, reply.bounce) == ("auto_reply", None)
    assert "delayed" in reply.evidence


# --- calendar answers ------------------------------------------------------------------------


def test_itip_accepted():
    reply = read("itip-reply-accepted.eml")
    assert (reply.intent, reply.confidence) == ("accept", 1.0)
    assert reply.calendar == CalendarAnswer(
        method="REPLY",
        uid="followthru-acme-review@acme-sales.test",
        attendee="sam.patel@acme-sales.test",
        partstat="ACCEPTED",
        proposed_start=None,
        sequence=1,
    )


def test_itip_declined_from_google_calendar():
    reply = read("itip-reply-declined.eml")
    assert (reply.intent, reply.calendar.partstat) == ("decline", "DECLINED")
    assert reply.calendar.attendee == "ana.lima@acme-sales.test"


def test_itip_counter_has_an_aware_proposed_start():
    reply = read("itip-counter.eml", "Europe/Berlin")
    answer = reply.calendar
    assert (reply.intent, answer.method, answer.attendee) == ("counter", "COUNTER", "jonas.weber@acme-sales.test")
    assert answer.proposed_start == datetime(2026, 12, 17, 14, 0, tzinfo=timezone.utc)
    assert reply.proposed_date == date(2026, 12, 17)


def test_calendar_subject_without_calendar_part():
    reply = read("calendar-subject-tentative.eml")
    assert (reply.intent, reply.calendar, reply.evidence) == ("tentative", None, "subject: Tentative:")
    assert read_reply(message("", Subject="Abgelehnt: ACME Q4 review")).intent == "decline"
    assert read_reply(message("", Subject="Mit Vorbehalt angenommen: Review")).intent == "tentative"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        (DATA / "malformed-garbage.eml").read_bytes(),
        b"",
        b"\x00\xff" * 100,
        b"From:\n\n\n",
        b"Content-Type: multipart/mixed\n\n--x\n",
        None,
        42,
    ],
)
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
        "message_id",
        "in_reply_to",
        "references",
        "sender",
        "sender_name",
        "to",
        "subject",
        "date",
        "words",
        "intent",
        "confidence",
        "evidence",
        "proposed_date",
        "return_date",
        "calendar",
        "bounce",
        "relayed_by",
        "decided_by",
        "zone",
    ]
    assert reader.settle_for is settle_for
    with pytest.raises(dataclasses.FrozenInstanceError):
        read("accept-apple-mail.eml").intent = "decline"


# === the person's words: clients, languages, signatures (plain text) ==========================

REQUEST = "> Can you commit to the questionnaire?\n> ACCEPT or DECLINE\n"


@pytest.mark.parametrize(
    "text, words",
    [
        # Gmail attributions in many languages, on one line or wrapped
        ("Yes.\n\nOn Mon, Nov 30, 2026 at 9:00 AM Riley <r@acme.test> wrote:\n\n" + REQUEST, "Yes."),
        ("Ja.\n\nAm Mo., 30. Nov. 2026 um 09:00 Uhr schrieb Riley <r@acme.test>:\n\n" + REQUEST, "Ja."),
        ("Oui.\n\nLe lun. 30 nov. 2026 à 09:00, Riley <r@acme.test> a écrit :\n\n" + REQUEST, "Oui."),
        ("Sí.\n\nEl lun, 30 nov 2026 a las 9:00, Riley (<r@acme.test>) escribió:\n\n" + REQUEST, "Sí."),
        ("Sì.\n\nIl giorno lun 30 nov 2026 alle ore 09:00 Riley <r@acme.test> ha scritto:\n\n" + REQUEST, "Sì."),
        ("Sim.\n\nEm seg., 30 de nov. de 2026 às 09:00, Riley <r@acme.test> escreveu:\n\n" + REQUEST, "Sim."),
        ("Ja.\n\nOp ma 30 nov. 2026 om 09:00 schreef Riley <r@acme.test>:\n\n" + REQUEST, "Ja."),
        ("Ja.\n\nDen mån 30 nov. 2026 kl 09:00 skrev Riley <r@acme.test>:\n\n" + REQUEST, "Ja."),
        ("Ja.\n\nDen man. 30. nov. 2026 kl. 09.00 skrev Riley <r@acme.test>:\n\n" + REQUEST, "Ja."),
        ("Tak.\n\npon., 30 lis 2026 o 09:00 Riley <r@acme.test> napisał(a):\n\n" + REQUEST, "Tak."),
        ("Да.\n\nпн, 30 нояб. 2026 г. в 09:00, Riley <r@acme.test>:\n\n" + REQUEST, "Да."),
        ("はい。\n\n2026年11月30日(月) 9:00 Riley <r@acme.test>:\n\n" + REQUEST, "はい。"),
        ("好的。\n\nRiley <r@acme.test> 于2026年11月30日周一 09:00写道：\n\n" + REQUEST, "好的。"),
        ("Evet.\n\n30 Kas 2026 Pzt, 09:00 tarihinde Riley <r@acme.test> şunu yazdı:\n\n" + REQUEST, "Evet."),
        ("Yes.\n\nOn Mon, Nov 30, 2026 at 9:00 AM Riley via Followthru <\nft@acme.test> wrote:\n\n" + REQUEST, "Yes."),
        (
            "Yes.\nOn Mon, Nov 30, 2026 at 9:00 AM Riley\n\n<\nmailto:Riley <r@acme.test>\n> wrote:\n\n"
            "Unquoted history",
            "Yes.",
        ),  # attribution broken over blank lines
        ("Yes.\n\n2026-11-30 9:00 GMT+01:00 Riley\n\nUnquoted history", "Yes."),  # Gmail stamp
        (
            "Yes.\n\n2026/11/30 Riley via Followthru <ft@acme.test>\n\n| Can you commit?\n| ACCEPT",
            "Yes.",
        ),  # no colon, "|" quotes
        ('Да\n30.11.2026 9:00 пользователь "Riley" <r@acme.test> написал:\n\n' + REQUEST, "Да"),
        # Apple Mail, Thunderbird, Yahoo, Lotus
        ("Fine.\n\n> On 30 Nov 2026, at 09:00, Riley <r@acme.test> wrote:\n>\n" + REQUEST, "Fine."),
        ("Fine.\n\nOn 30.11.2026 09:00, Riley via Followthru\nwrote:\n" + REQUEST, "Fine."),
        (
            "Fine.\n\n    On Monday, November 30, 2026, 09:00:00 AM GMT, Riley <r@acme.test> wrote:\n\n"
            " Can you commit?",
            "Fine.",
        ),
        ("Fine.\n\nRiley Chen/ACME wrote on 30.11.2026 09:00:00:\n\n" + REQUEST, "Fine."),
        # Outlook desktop / web / mobile header blocks without ">", in many languages
        (
            "OK.\n\n________________________________\nFrom: Riley <r@acme.test>\nSent: Monday, November"
            " 30, 2026 9:00 AM\nTo: Sam\nSubject: Can you commit?\n\nACCEPT or DECLINE",
            "OK.",
        ),
        ("OK.\n\n*From:* Riley\n*Sent:* Monday\n*To:* Sam\n*Subject:* Can you commit?\n\nACCEPT", "OK."),
        ("OK.\n\nVon: Riley\nGesendet: Montag, 30. November 2026 09:00\nAn: Sam\nBetreff: X\n\nACCEPT", "OK."),
        ("OK.\n\nDe : Riley\nEnvoyé : lundi 30 novembre 2026\nÀ : Sam\nObjet : X\n\nACCEPT", "OK."),
        ("OK.\n\nDa: Riley\nInviato: lunedì 30 novembre 2026\nA: Sam\nOggetto: X\n\nACCEPT", "OK."),
        ("OK.\n\nVan: Riley\nVerzonden: maandag 30 november 2026\nAan: Sam\nOnderwerp: X\n\nACCEPT", "OK."),
        ("OK.\n\nFrån: Riley\nSkickat: den 30 november 2026\nTill: Sam\nÄmne: X\n\nACCEPT", "OK."),
        ("OK.\n\nOd: Riley\nWysłano: 30 listopada 2026\nDo: Sam\nTemat: X\n\nACCEPT", "OK."),
        ("OK.\n\nОт: Riley\nОтправлено: 30 ноября 2026 г. 9:00\nКому: Sam\nТема: X\n\nACCEPT", "OK."),
        ("OK.\n\n差出人: Riley\n送信日時: 2026年11月30日 9:00\n宛先: Sam\n件名: X\n\nACCEPT", "OK."),
        ("OK.\n\n发件人：Riley\n发送时间：2026年11月30日 9:00\n收件人：Sam\n主题：X\n\nACCEPT", "OK."),
        (
            "OK.\n\nXyz: Riley <r@acme.test>\nAbc: 30/11/2026 09:00\nDef: Sam\n\nACCEPT",
            "OK.",
        ),  # field names in an unknown language
        ("Да.\n\n\u202bбתאריך 30.11.2026 ב-9:00 מאת Riley <r@acme.test>:\u202c\n\n" + REQUEST, "Да."),
        ("OK.\n\n-----Original Appointment-----\nFrom: Riley\nSent: Monday\n\nACCEPT", "OK."),
        # forwards
        ("FYI.\n\n---------- Weitergeleitete Nachricht ---------\nVon: Riley\n\nACCEPT", "FYI."),
        ("FYI.\n\nBegin forwarded message:\n\nFrom: Riley\nSubject: X\n\nACCEPT", "FYI."),
        ("FYI.\n\n-------- Forwarded Message --------\nSubject: X\n\nACCEPT", "FYI."),
        # signatures, mobile footers, disclaimers, scanner footers
        ("D'accord.\n\nEnvoyé de mon iPhone\n\n" + REQUEST, "D'accord."),
        ("Vale.\n\nEnviado desde mi iPhone", "Vale."),
        ("Va bene.\n\nInviato da iPhone", "Va bene."),
        ("Prima.\n\nVerzonden vanaf mijn iPhone", "Prima."),
        ("Okej.\n\nSkickat från min iPhone", "Okej."),
        ("Dobrze.\n\nWysłane z iPhone'a", "Dobrze."),
        ("Хорошо.\n\nОтправлено с iPhone", "Хорошо."),
        ("了解。\n\niPhoneから送信", "了解。"),
        ("好的。\n\n发自我的iPhone", "好的。"),
        ("Sure.\n\nGet Outlook for Android", "Sure."),
        ("Sure.\n\nSent from Yahoo Mail on Android", "Sure."),
        ("Sure.\n\nSent from my Galaxy, please excuse typos.", "Sure."),
        (
            "Yes, I'm in.\n\nCONFIDENTIALITY NOTICE: This e-mail is confidential and for the intended recipient only.",
            "Yes, I'm in.",
        ),
        (
            "Ja.\n\nDiese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Empfänger"
            " sind oder diese E-Mail irrtümlich erhalten haben, löschen Sie sie bitte.",
            "Ja.",
        ),
        ("Yes.\n\nThis email has been scanned for viruses by ExampleScan.", "Yes."),
        ("Prima.\n\nVerstuurd vanaf mijn iPhone", "Prima."),
        # signature blocks without "-- ", company registration footers
        (
            "Sure.\n\nFiona\n\nFiona Byrne\nSolutions Engineer\nExample Corp\nM: +1 (555) 010-2000\n\n"
            "Example Corp Ltd is registered in England and Wales (No. 0000). Registered office: 1 Example"
            " Road. The information in this email is confidential; we accept no liability for it.",
            "Sure.\n\nFiona",
        ),
        (
            "Yes, I am in.\n\nBest regards,\nSam Patel\nSenior Engineer | ACME Corp\nsam@acme.test | +1 555 0100",
            "Yes, I am in.\n\nBest regards,\nSam Patel",
        ),
        ("Sam Patel\nSenior Engineer\nM: +1 555 0100\n\n" + REQUEST, ""),
    ],
)
def test_new_words_across_clients_and_languages(text, words):
    assert new_words(text) == words


@pytest.mark.parametrize(
    "text",
    [
        "On Monday I can start.\nI wrote the draft already: it is attached.\n\nSam",
        "am 9.12. geht es nicht, aber am 11.12.\n\nJonas",
        "From my side this works.\nTo be clear: I'll do it by Dec 9.",
        "Yes:\n- questionnaire by Dec 9\n- call on Dec 10\n\nSam",
        "Sent via the portal yesterday.\n\nSam",
        "I checked the file for viruses, all fine. Count me in.",
        "Yes.\n\nCall me at +1 555 0100\nSam",
        "I'm away:\nFrom: Dec 10\nTo: Dec 14\nBut I can do it before.",
        "👍",
        "Yes, but the questionnaire is strictly confidential: legally we cannot disclose the answers"
        " before the NDA, and an unauthorized copy is a problem. So I will do it after the NDA.",
    ],
)
def test_the_persons_own_text_is_never_cut(text):
    assert new_words(text) == text


@pytest.mark.parametrize(
    "text, words",
    [
        # bottom-posting and inline answers keep the unquoted lines
        (
            "On Mon, Nov 30, 2026 at 9:00 AM Riley <r@acme.test> wrote:\n> Questionnaire?\n\nYes.\n\n"
            "> And the call?\n\nNo, sorry.\n",
            "Yes.\n\nNo, sorry.",
        ),
        (
            "Answers below.\n\nOn Mon, Nov 30, 2026 at 9:00 AM Riley <r@acme.test> wrote:\n"
            "> Questionnaire?\n\nYes.\n\n> And the call?\n\nNo, sorry.\n",
            "Answers below.\n\nYes.\n\nNo, sorry.",
        ),
        # a top-posted answer does not take text from after the quote (a list footer)
        ("Yes.\n\nOn Mon, Nov 30, 2026 Riley <r@acme.test> wrote:\n> Questionnaire?\n\nmailing list footer\n", "Yes."),
        # a quoted line a client wrapped without its ">" is not an answer
        (
            "On Mon, Nov 30, 2026 Riley <r@acme.test> wrote:\n> Can you do the security questionnaire and"
            " also the deep-dive call with their\nCISO? ACCEPT or DECLINE\n> thanks\n\nSure.",
            "Sure.",
        ),
        ("> only a quote", ""),
    ],
)
def test_inline_and_bottom_posted_answers(text, words):
    assert new_words(text) == words


def test_signatures_can_be_kept_when_only_quotes_should_go():
    text = "Hello\n\n-- \nSam\nSent from my iPhone\n\nOn Mon, Nov 30, 2026 Riley wrote:\n> Hi"
    assert new_words(text) == "Hello"
    assert new_words(text, keep_signature=True) == "Hello\n\n--\nSam\nSent from my iPhone"


# === the person's words in HTML ==============================================================

QUOTED = "<div>Can you commit? ACCEPT or DECLINE</div>"


@pytest.mark.parametrize(
    "html, words",
    [
        (
            '<div dir="ltr">Yes, count me in.<div><br></div><div>Sam</div></div><div class="gmail_quote">'
            '<div class="gmail_attr">On Mon, Nov 30, 2026 Riley &lt;r@acme.test&gt; wrote:<br></div>'
            f'<blockquote class="gmail_quote">{QUOTED}</blockquote></div>',
            "Yes, count me in.\n\nSam",
        ),
        (
            '<div>See inline.</div><div class="gmail_quote gmail_quote_container"><div class="gmail_attr">'
            'On Mon, Riley wrote:</div><blockquote class="gmail_quote">Questionnaire?</blockquote><div>Yes.</div>'
            '<blockquote class="gmail_quote">And the call?</blockquote><div>No, sorry.</div></div>',
            "See inline.\n\nYes.\n\nNo, sorry.",
        ),
        (
            '<div class="elementToProof">Works for me.</div><div id="appendonsend"></div><hr>'
            f'<div id="divRplyFwdMsg"><b>From:</b> Riley<br><b>Sent:</b> Monday</div>{QUOTED}',
            "Works for me.",
        ),
        (
            '<p class=MsoNormal>Passt.<o:p></o:p></p><div style="border:none;border-top:solid #E1E1E1 '
            f'1.0pt"><p><b>Von:</b> Riley<br><b>Gesendet:</b> Montag</p></div>{QUOTED}',
            "Passt.",
        ),
        (
            '<div dir="auto">Sure</div><div id="ms-outlook-mobile-signature">Get Outlook for iOS</div>'
            f'<div id="mail-editor-reference-message-container"><b>From:</b> Riley{QUOTED}</div>',
            "Sure",
        ),
        (
            '<body>Sounds good.<br><div><br><blockquote type="cite"><div>On 30 Nov 2026, at 09:00, '
            f"Riley &lt;r@acme.test&gt; wrote:</div>{QUOTED}</blockquote></div></body>",
            "Sounds good.",
        ),
        (
            '<div>Will do</div><div id="AppleMailSignature">Sent from my iPhone</div><blockquote '
            f'type="cite">{QUOTED}</blockquote>',
            "Will do",
        ),
        (
            '<p>Count me in.</p><div class="moz-cite-prefix">On 30/11/2026 09:00, Riley wrote:<br></div>'
            f'<blockquote type="cite">{QUOTED}</blockquote><pre class="moz-signature">-- \nSam</pre>',
            "Count me in.",
        ),
        (
            '<div>Sure thing.</div><div class="ydp2yahoo_quoted"><div>On Monday, November 30, 2026, '
            f"Riley wrote:</div>{QUOTED}</div>",
            "Sure thing.",
        ),
        (
            '<div>Yes:</div><blockquote style="margin:0 0 0 40px;border:none;padding:0px"><div>the '
            "questionnaire</div></blockquote><div>Sam</div>",
            "Yes:\nthe questionnaire\nSam",
        ),
        (
            '<p>Caf&eacute; &amp; r&eacute;sum&eacute;</p><script>x()</script><div style="display:none">'
            "preheader</div><pre>a\n  b</pre>",
            "Café & résumé\n\na\n  b",
        ),
    ],
)
def test_words_of_html_replies(html, words):
    assert extract_words(html.encode()) == words


def test_html_signature_blocks_go_unless_kept():
    html = (
        '<div>Yes.</div><div class="gmail_signature"><div>Sam Patel</div></div>'
        f'<div class="gmail_quote"><blockquote class="gmail_quote">{QUOTED}</blockquote></div>'
    )
    assert extract_words(html.encode()) == "Yes."
    assert extract_words(html.encode(), keep_signature=True) == "Yes.\nSam Patel"


def test_extract_words_reads_messages_and_bare_bodies_and_never_raises():
    assert (
        extract_words(message("Yes, I'm in.\n\nOn Mon, Nov 30, 2026 Riley <r@x.test> wrote:\n> DECLINE"))
        == "Yes, I'm in."
    )
    assert extract_words(b"Bare text\n\n> quoted") == "Bare text"
    assert extract_words(b"<p>Bare <b>HTML</b></p><blockquote>q</blockquote>") == "Bare HTML"
    for junk in (b"", b"\x00\xff" * 50, None, 42):
        assert isinstance(extract_words(junk), str)
    assert read_reply(b"Bare text, no headers\n\n> quoted").words == "Bare text, no headers"


def test_format_flowed_text_is_unflowed():
    raw = message("Yes, I can do the questionnaire \nby Dec 9.\n\n> Can you \n> commit?\n").replace(
        b"charset=utf-8", b"charset=utf-8; format=flowed"
    )
    assert read_reply(raw).words == "Yes, I can do the questionnaire by Dec 9."
    assert unflow("a \nb\n-- \nsig", delsp=False) == "a b\n-- \nsig"
    assert unflow("a \nb", delsp=True) == "ab"


# === delivery reports: bounces and notices ===================================================


def notice(body: str, content_type: str = "text/plain; charset=us-ascii", **headers: str) -> bytes:
    """A delivery notice to Followthru, written for these tests."""
    fields = {
        "From": "Mail Delivery System <MAILER-DAEMON@mx.globex.example>",
        "To": "followthru@acme-sales.test",
        "Subject": "Mail delivery failed",
        "Date": "Mon, 30 Nov 2026 10:00:00 +0000",
        "Message-ID": "<ndr-1@mx.globex.example>",
    }
    fields.update({name.replace("_", "-"): value for name, value in headers.items()})
    head = "".join(f"{name}: {value}\n" for name, value in fields.items())
    return f"{head}MIME-Version: 1.0\nContent-Type: {content_type}\n\n{body}".encode()


RETURNED = (
    "Message-ID: <req-9@followthru.test>\nFrom: Followthru <followthru@acme-sales.test>\n"
    "To: pat@globex.example\nSubject: Can you commit?\n\nACCEPT or DECLINE\n"
)


def test_qmail_bounce():
    reply = read_reply(
        notice(
            "Hi. This is the qmail-send program at mx.globex.example.\nI'm afraid I wasn't able to "
            "deliver your message to the following addresses.\nThis is a permanent error; I've given "
            "up. Sorry it didn't work out.\n\n<pat@globex.example>:\nRemote host said: 550 5.1.1 no "
            "mailbox here by that name\n\n--- Below this line is a copy of the message.\n\n" + RETURNED,
            Subject="failure notice",
        )
    )
    assert reply.intent == "bounce"
    assert (reply.bounce.recipient, reply.bounce.original_message_id, reply.bounce.status) == (
        "pat@globex.example",
        "<req-9@followthru.test>",
        "5.1.1",
    )


def test_exim_bounce_takes_the_failed_recipients_header():
    reply = read_reply(
        notice(
            "This message was created automatically by mail delivery software.\n\nA message that you "
            "sent could not be delivered to one or more of its\nrecipients. This is a permanent error."
            " The following address(es) failed:\n\n  save to /var/mail/pat\n    mailbox is full\n\n"
            "------ This is a copy of the message, including all the headers. ------\n\n" + RETURNED,
            X_Failed_Recipients="Pat@Globex.example",
        )
    )
    assert (reply.intent, reply.bounce.recipient) == ("bounce", "pat@globex.example")
    assert reply.bounce.original_message_id == "<req-9@followthru.test>"


def test_exchange_2003_style_bounce_names_the_recipient_after_its_sentence():
    reply = read_reply(
        notice(
            "Your message\n\n  To:      followthru@acme-sales.test\n  Subject: Can you commit?\n\n"
            "did not reach the following recipient(s):\n\npat@globex.example on Mon, 30 Nov 2026\n"
            "    The recipient name is not recognized\n",
            From="System Administrator <postmaster@globex.example>",
            Subject="Undeliverable: Can you commit?",
            In_Reply_To="<req-9@followthru.test>",
        )
    )
    assert (reply.intent, reply.bounce.recipient) == ("bounce", "pat@globex.example")
    assert reply.bounce.original_message_id == "<req-9@followthru.test>"  # from In-Reply-To


def test_a_report_whose_boundaries_are_missing_is_read_as_text():
    body = (
        "The original message was received at Mon, 30 Nov 2026\n\n   ----- The following "
        "addresses had permanent fatal errors -----\n<pat@globex.example>\n\n"
        "Reporting-MTA: dns; mx.globex.example\n\nFinal-Recipient: RFC822; pat@globex.example\n"
        "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: SMTP; 550 5.1.1 User unknown\n"
        "    (no such mailbox)\n\n" + RETURNED
    )
    report = 'multipart/report; report-type=delivery-status; boundary="gone"'
    reply = read_reply(notice(body, report, Subject="Returned mail: User unknown"))
    assert reply.bounce == Bounce(
        "pat@globex.example", "<req-9@followthru.test>", "5.1.1", "550 5.1.1 User unknown (no such mailbox)"
    )


def test_a_bounce_forwarded_by_a_person_is_read_from_its_quoted_report():
    body = (
        "Forwarding this, the address seems wrong.\n\nBegin forwarded message:\n\n> From: Mail "
        "Delivery Subsystem <MAILER-DAEMON>\n> Subject: Returned mail\n>\n> Final-Recipient: "
        "rfc822; pat@globex.example\n> Action: failed\n> Status: 5.1.1\n>\n> Message-Id: "
        "<req-9@followthru.test>\n> Subject: Can you commit?\n"
    )
    reply = read_reply(
        notice(body, From="Kim Lee <kim@globex.example>", Subject="Fwd: Returned mail: see transcript for details")
    )
    assert (reply.intent, reply.bounce.recipient, reply.bounce.original_message_id) == (
        "bounce",
        "pat@globex.example",
        "<req-9@followthru.test>",
    )
    plain_forward = notice(
        "FYI, see below.\n\n> Undelivered mail, whatever.",
        From="Kim Lee <kim@globex.example>",
        Subject="Fwd: Returned mail: see transcript",
    )
    assert read_reply(plain_forward).intent != "bounce"


def test_a_report_path_recipient_falls_back_to_the_failed_recipients_header():
    body = (
        "--b\nContent-Type: text/plain\n\nDelivery failed.\n\n--b\nContent-Type: message/"
        "delivery-status\n\nReporting-MTA: dns; mx.globex.example\n\nFinal-Recipient: rfc822;"
        "/var/mail/pat\nAction: failed\nStatus: 5.0.0\n\n--b\nContent-Type: message/rfc822\n\n" + RETURNED + "--b--\n"
    )
    reply = read_reply(
        notice(
            body,
            'multipart/report; report-type=delivery-status; boundary="b"',
            X_Failed_Recipients="pat@globex.example",
        )
    )
    assert (reply.bounce.recipient, reply.bounce.original_message_id) == (
        "pat@globex.example",
        "<req-9@followthru.test>",
    )


def test_a_report_without_any_address_names_the_returned_messages_only_addressee():
    body = (
        "--b\nContent-Type: text/plain\n\nI'm sorry, your message could not be delivered.\n"
        "\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.globex.example"
        "\n\n--b\nContent-Type: message/rfc822\n\n" + RETURNED + "--b--\n"
    )
    reply = read_reply(
        notice(
            body,
            'multipart/report; report-type=delivery-status; boundary="b"',
            Subject="Undelivered Mail Returned to Sender",
        )
    )
    assert (reply.intent, reply.bounce.recipient) == ("bounce", "pat@globex.example")


@pytest.mark.parametrize(
    "body, subject",
    [
        (
            "This is the mail system.\n\n####################################################\n# THIS "
            "IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n\nYour message could not be "
            "delivered for 4 hours. It will be retried until it is 5 days old.\n\n<pat@globex.example>: "
            "connect to mx.globex.example: Connection timed out",
            "Delayed Mail (still being retried)",
        ),
        (
            "Warning: message still undelivered after 4 hours\nWill keep trying until message is 5 days old",
            "Warning: could not send message for past 4 hours",
        ),
    ],
)
def test_non_standard_delay_warnings_are_auto_replies(body, subject):
    reply = read_reply(notice(body, Subject=subject))
    assert (reply.intent, reply.bounce) == ("auto_reply", None)


@pytest.mark.parametrize("action", ["delivered", "relayed", "expanded", "delayed"])
def test_reports_that_are_not_failures_are_auto_replies(action):
    body = (
        "--b\nContent-Type: text/plain\n\nDelivery report.\n\n--b\nContent-Type: message/"
        "delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; "
        f"pat@globex.example\nAction: {action}\nStatus: 2.0.0\n\n--b--\n"
    )
    reply = read_reply(
        notice(
            body, 'multipart/report; report-type=delivery-status; boundary="b"', Subject="Delivery Status Notification"
        )
    )
    assert (reply.intent, reply.bounce) == ("auto_reply", None)


SES = (
    '{"notificationType":"%s","bounce":{"bounceType":"%s","bouncedRecipients":[{"emailAddress":'
    '"Pat@globex.example","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 '
    'user unknown"}]},"mail":{"messageId":"0102-abc","headers":[{"name":"Message-ID","value":'
    '"<req-9@followthru.test>"}]}}'
)


@pytest.mark.parametrize(
    "kind, bounce_type, intent",
    [
        ("Bounce", "Permanent", "bounce"),
        ("Bounce", "Undetermined", "bounce"),
        ("Bounce", "Transient", "auto_reply"),
        ("Delivery", "", "auto_reply"),
        ("Complaint", "", "auto_reply"),
    ],
)
def test_amazon_ses_notifications(kind, bounce_type, intent):
    raw = notice(
        SES % (kind, bounce_type),
        From="AWS Notifications <no-reply@sns.amazonaws.com>",
        Subject="AWS Notification Message",
    )
    reply = read_reply(raw)
    assert reply.intent == intent
    if intent == "bounce":
        assert reply.bounce == Bounce(
            "pat@globex.example", "<req-9@followthru.test>", "5.1.1", "550 5.1.1 user unknown"
        )


def test_amazon_ses_notification_inside_an_sns_envelope():
    envelope = json.dumps({"Type": "Notification", "Message": SES % ("Bounce", "Permanent")})
    reply = read_reply(notice(envelope, From="no-reply@sns.amazonaws.com", Subject="AWS Notification Message"))
    assert (reply.intent, reply.bounce.recipient) == ("bounce", "pat@globex.example")


@pytest.mark.parametrize(
    "headers",
    [
        {"X_FC_MachineGenerated": "true"},
        {"X_POST_MessageClass": "9; Autoresponder"},
        {"Delivered_To": "Autoresponder"},
        {"Auto_Submitted": "auto-notified"},
    ],
)
def test_vendor_auto_reply_headers(headers):
    assert read_reply(message("I am away until Monday.", **headers)).intent == "auto_reply"


# === calendar answers inside Outlook TNEF (winmail.dat) =======================================
# No library writes TNEF, so these streams are built by hand following MS-OXTNEF: a signature,
# then attributes (level, id, type, length, data, checksum); the meeting response is the message
# class and MAPI properties, the named ones keyed by property set GUID and id (MS-OXOCAL).

_APPOINTMENT = uuid.UUID("00062002-0000-0000-c000-000000000046")
_MEETING = uuid.UUID("6ed8da90-450b-101b-98da-00aa003f1305")


def _tnef_attribute(attr_id: int, attr_type: int, data: bytes) -> bytes:
    return struct.pack("<BHHI", 1, attr_id, attr_type, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def _mapi_property(kind: int, prop_id: int, value, named: tuple[uuid.UUID, int] | None = None):
    head = struct.pack("<HH", kind, prop_id)
    if named:
        head += named[0].bytes_le + struct.pack("<II", 0, named[1])
    if kind == 0x0003:  # PtypInteger32
        return head + struct.pack("<i", value)
    if kind == 0x000B:  # PtypBoolean (padded to 4)
        return head + struct.pack("<HH", int(value), 0)
    if kind == 0x0040:  # PtypTime: FILETIME
        return head + struct.pack("<Q", int(value.timestamp()) * 10**7 + 116444736000000000)
    data = value.encode("utf-16-le") + b"\0\0" if kind == 0x001F else value
    return head + struct.pack("<II", 1, len(data)) + data + b"\0" * (-len(data) % 4)


def winmail(message_class: str, uid: str, attendee: str, sequence: int = 1, proposed: datetime | None = None) -> bytes:
    """A TNEF meeting response (what Outlook attaches as winmail.dat)."""
    marker = b"vCal-Uid\x01\x00\x00\x00" + uid.encode() + b"\x00"
    global_id = bytes.fromhex("040000008200E00074C5B7101A82E008") + bytes(20) + struct.pack("<I", len(marker)) + marker
    props = [
        _mapi_property(0x001F, 0x001A, message_class),
        _mapi_property(0x001F, 0x5D01, attendee),
        _mapi_property(0x0102, 0x8001, global_id, (_MEETING, 0x0023)),
        _mapi_property(0x0003, 0x8002, sequence, (_APPOINTMENT, 0x8201)),
    ]
    if proposed:
        props += [
            _mapi_property(0x000B, 0x8003, True, (_APPOINTMENT, 0x8257)),
            _mapi_property(0x0040, 0x8004, proposed, (_APPOINTMENT, 0x8250)),
        ]
    mapi = struct.pack("<I", len(props)) + b"".join(props)
    return (
        struct.pack("<IH", 0x223E9F78, 1)
        + _tnef_attribute(0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
        + _tnef_attribute(0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
        + _tnef_attribute(0x8008, 0x0007, message_class.encode() + b"\0")  # attMessageClass
        + _tnef_attribute(0x9003, 0x0006, mapi)
    )  # attMAPIProps


def with_winmail(
    data: bytes, subject: str = "ACME Q4 review", content_type: str = 'application/ms-tnef; name="winmail.dat"'
) -> bytes:
    head = message("").split(b"MIME-Version")[0].decode().replace("Subject: Re: Can you commit?", f"Subject: {subject}")
    body = base64.encodebytes(data).decode()
    return (
        f'{head}MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="t"\n\n--t\n'
        f"Content-Type: text/plain\n\n\n--t\nContent-Type: {content_type}\n"
        f'Content-Disposition: attachment; filename="winmail.dat"\n'
        f"Content-Transfer-Encoding: base64\n\n{body}\n--t--\n"
    ).encode()


@pytest.mark.parametrize(
    "message_class, intent, partstat",
    [
        ("IPM.Schedule.Meeting.Resp.Pos", "accept", "ACCEPTED"),
        ("IPM.Schedule.Meeting.Resp.Neg", "decline", "DECLINED"),
        ("IPM.Schedule.Meeting.Resp.Tent", "tentative", "TENTATIVE"),
    ],
)
def test_meeting_response_in_winmail_dat(message_class, intent, partstat):
    data = winmail(message_class, "followthru-acme-review@acme-sales.test", "Sam@acme-sales.test", 2)
    reply = read_reply(with_winmail(data))
    assert (reply.intent, reply.confidence) == (intent, 1.0)
    assert reply.calendar == CalendarAnswer(
        "REPLY", "followthru-acme-review@acme-sales.test", "sam@acme-sales.test", partstat, None, 2
    )


def test_outlook_acceptance_sent_as_winmail_dat():
    reply = read("itip-tnef-accepted.eml")
    assert reply.calendar == CalendarAnswer(
        "REPLY", "followthru-acme-review@acme-sales.test", "sam.patel@acme-sales.test", "ACCEPTED", None, 1
    )


def test_proposed_new_time_in_winmail_dat_is_a_counter():
    start = datetime(2026, 12, 17, 14, 0, tzinfo=timezone.utc)
    data = winmail(
        "IPM.Schedule.Meeting.Resp.Tent", "followthru-acme-review@acme-sales.test", "sam@acme-sales.test", 3, start
    )
    reply = read_reply(with_winmail(data, content_type="application/octet-stream"), "Europe/Berlin")
    assert (reply.intent, reply.calendar.method, reply.calendar.proposed_start) == ("counter", "COUNTER", start)
    assert reply.proposed_date == date(2026, 12, 17)


def test_a_winmail_dat_that_is_no_meeting_response_or_no_tnef_is_ignored():
    note = winmail("IPM.Note", "x", "sam@acme-sales.test")
    assert read_reply(with_winmail(note, subject="Re: Can you commit?")).calendar is None
    assert read_reply(with_winmail(b"not tnef at all")).intent == "unclear"


def test_global_object_id_without_a_vcal_uid_becomes_hex():
    from followthru.replies.tnef import uid_of

    outlook_id = bytes.fromhex("040000008200E00074C5B7101A82E008") + bytes(20) + b"\x04\0\0\0\xab\xcd\0\0"
    assert uid_of(outlook_id) == (outlook_id[:40].hex() + "abcd0000").upper()


# === a reply read against the person's own due date (settle_for) =============================

DUE = date(2026, 12, 10)  # Sam's own due date: Thursday 10 December


def answer(words: str, quoted: str, zone: str = "UTC") -> Reply:
    """Sam's reply, written Wed 2 Dec 2026, with ``words`` above the quoted request."""
    return read_reply(
        message(
            f"{words}\n\nSam\n\nOn Mon, Nov 30, 2026 at 9:00 AM Riley Chen via Followthru wrote:\n{quoted}",
            Subject="Re: Can you commit? ACME Corp - Q4 expansion",
            Date="Wed, 2 Dec 2026 12:03:45 +0000",
        ),
        zone,
    )


# The person trimmed the quote: only an earlier step's date and the answer deadline are left.
TRIMMED = "> Next steps:\n> - Kickoff call (Riley, by Mon 7 Dec 2026)\n>\n> Please answer by Fri 4 Dec 2026.\n"
# The whole request: Sam's due date, then another person's later one.
WHOLE = (
    "> Your part, due Thu 10 Dec 2026:\n> - Send the redlines\n>\n> Next steps:\n"
    "> - Signature (Legal, by Tue 15 Dec 2026)\n"
)


@pytest.mark.parametrize(
    "words",
    [
        "Yes, I commit. Redlines back by the 10th.",
        "Yes, I commit. Redlines back by Thursday the 10th.",
        "Yes, I commit. Redlines back by Thursday, 10 Dec.",
        "Yes, I commit. Redlines back by 10 Dec.",
        "Yes, I commit. Redlines back by December 10.",
        "Ja, ich sage zu. Die Redlines kommen bis zum 10.",
    ],
)
def test_restating_the_own_due_date_in_an_accept_is_an_accept(words):
    settled = settle_for(answer(words, TRIMMED), DUE)
    assert (settled.intent, settled.proposed_date) == ("accept", None), settled.evidence


@pytest.mark.parametrize(
    "words, proposed",
    [
        ("Yes, I commit. Redlines back by the 14th.", date(2026, 12, 14)),
        ("Yes, I commit, but I need until Monday the 14th.", date(2026, 12, 14)),
        ("Ja, ich sage zu, aber erst bis zum 14. Dezember.", date(2026, 12, 14)),
    ],
)
def test_a_later_date_with_commitment_words_stays_a_counter(words, proposed):
    settled = settle_for(answer(words, TRIMMED), DUE)
    assert (settled.intent, settled.proposed_date) == ("counter", proposed), settled.evidence


def test_dates_on_quoted_lines_never_decide_only_the_own_due_date_does():
    # the quoted request names Sam's Dec 10 and Legal's later Dec 15; the 12th is later than
    # Sam's own due date whatever else the quote holds
    settled = settle_for(answer("Yes, I commit. Redlines back by the 12th.", WHOLE), DUE)
    assert (settled.intent, settled.proposed_date) == ("counter", date(2026, 12, 12))
    assert (
        settle_for(answer("Yes, I commit. Redlines back by the 12th.", TRIMMED), date(2026, 12, 15)).intent == "accept"
    )


@pytest.mark.parametrize(
    "words",
    [
        "I'll try to get it back by the 10th.",
        "Should be fine, redlines back by the 10th.",
        "Yes if legal signs off, by the 10th.",
    ],
)
def test_restating_the_due_date_with_a_hedge_stays_tentative(words):
    assert settle_for(answer(words, TRIMMED), DUE).intent == "tentative"


def test_a_refusal_or_an_explicit_new_date_decide_as_before():
    settled = settle_for(answer("Can't do the 10th, how about the 14th?", WHOLE), DUE)
    assert (settled.intent, settled.proposed_date) == ("counter", date(2026, 12, 14))
    assert settle_for(answer("Sorry, I can't take this on.", WHOLE), DUE).intent == "decline"


def test_the_quoted_answer_deadline_is_not_taken_for_a_due_date():
    # without a due date the reader compares with the quoted request's dates, but "Please
    # answer by Fri 4 Dec" says when to answer, not when the work is due
    reply = answer("Yes, I commit. Redlines back by the 10th.", "> Please answer by Fri 4 Dec 2026.\n")
    assert (reply.intent, reply.proposed_date) == ("accept", None)
    german = answer("Ja, ich sage zu. Die Redlines kommen bis zum 10.", "> Bitte antworte bis Fr 4. Dez 2026.\n")
    assert german.intent == "accept"


def test_without_a_due_date_the_first_reading_stands():
    reply = answer("Yes, I commit. Redlines back by the 10th.", TRIMMED)
    assert settle_for(reply, None) is reply
    assert reply.decided_by == "words"


@pytest.mark.parametrize(
    "name, decided_by",
    [
        ("itip-counter.eml", "calendar"),
        ("ooo-rfc3834.eml", "auto-reply"),
        ("calendar-subject-tentative.eml", "subject"),
        ("bounce-postfix-dsn.eml", "delivery report"),
        ("forwarded.eml", "forward"),
        ("malformed-garbage.eml", ""),
    ],
)
def test_answers_not_read_from_the_words_are_not_read_again(name, decided_by):
    reply = read(name)
    assert reply.decided_by == decided_by
    assert settle_for(reply, DUE) is reply


def test_the_due_day_is_the_calendar_day_in_the_replys_timezone():
    # 23:00 UTC on the 10th is already the 11th in Tokyo
    due = datetime(2026, 12, 10, 23, 0, tzinfo=timezone.utc)
    words = "Yes, I commit. Redlines back by the 11th."
    assert settle_for(answer(words, TRIMMED, "Asia/Tokyo"), due).intent == "accept"
    settled = settle_for(answer(words, TRIMMED, "America/New_York"), due)
    assert (settled.intent, settled.proposed_date) == ("counter", date(2026, 12, 11))


@pytest.mark.parametrize("due", ["2026-12-10", 20261210, object()])
def test_settle_for_never_raises_on_a_bad_due_date(due):
    reply = answer("Yes, I commit. Redlines back by the 14th.", TRIMMED)
    assert settle_for(reply, due) is reply


# === mailing-list relays ========================================================================

RELAYS = Path(__file__).parents[1] / "data" / "relays"


@pytest.mark.parametrize(
    "name, relayed_by, sender",
    [
        ("mailman3-dmarc-munged.eml", "deal-desk.lists.acme-sales.test", "deal-desk@lists.acme-sales.test"),
        ("google-groups.eml", "deal-desk.acme-sales.test", "deal-desk@acme-sales.test"),
        ("sympa.eml", "deal-desk.lists.acme-sales.test", "sam.lee@globex.example"),
        (
            "x-original-from-only.eml",
            'X-Original-From: "Sam Lee" <sam.lee@globex.example>',
            "legal-team@lists.globex.example",
        ),
    ],
)
def test_a_reply_relayed_by_a_mailing_list_names_the_list(name, relayed_by, sender):
    reply = read_reply((RELAYS / name).read_bytes())
    assert (reply.relayed_by, reply.sender) == (relayed_by, sender)
    assert reply.intent == "accept"  # still read; applying it is the daemon's decision


def test_an_out_of_office_with_precedence_bulk_is_an_auto_reply_not_a_relay():
    reply = read_reply((RELAYS / "ooo-precedence-bulk.eml").read_bytes())
    assert (reply.intent, reply.relayed_by) == ("auto_reply", None)
    assert reply.return_date == date(2026, 12, 7)


@pytest.mark.parametrize(
    "headers, relayed_by",
    [
        ({"List_Id": "Deal desk <deal-desk.lists.acme-sales.test>"}, "deal-desk.lists.acme-sales.test"),
        ({"List_Id": "deal-desk"}, "deal-desk"),
        (
            {"List_Post": "<mailto:deal-desk@lists.acme-sales.test>"},
            "List-Post: <mailto:deal-desk@lists.acme-sales.test>",
        ),
        ({"X_Google_Group_Id": "802316540147"}, "X-Google-Group-Id: 802316540147"),
        (
            {"Mailing_List": "contact deal-desk-help@acme-sales.test; run by ezmlm"},
            "Mailing-List: contact deal-desk-help@acme-sales.test; run by ezmlm",
        ),
        ({"X_BeenThere": "deal-desk@lists.acme-sales.test"}, "X-BeenThere: deal-desk@lists.acme-sales.test"),
        ({"Precedence": "list"}, "Precedence: list"),
        (
            {"From": "Sam via Deal desk <deal-desk@acme-sales.test>", "X_Original_Sender": "sam.patel@acme-sales.test"},
            "X-Original-Sender: sam.patel@acme-sales.test",
        ),
        (
            {"From": "Deal desk <deal-desk@acme-sales.test>", "Original_From": "sam.patel@acme-sales.test"},
            "Original-From: sam.patel@acme-sales.test",
        ),
    ],
)
def test_each_list_header_alone_marks_a_relay(headers, relayed_by):
    assert read_reply(message("Yes, count me in.", **headers)).relayed_by == relayed_by


@pytest.mark.parametrize(
    "headers",
    [
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "auto_reply"},
        {"List_Unsubscribe": "<mailto:unsubscribe@acme-sales.test>"},
        {"X_Loop": "sam.patel@acme-sales.test"},
        {"Sender": "Assistant <pa@acme-sales.test>"},
        {"X_Original_From": "Sam Patel <SAM.PATEL@acme-sales.test>"},  # a copy of From
    ],
)
def test_headers_that_do_not_mark_a_relay(headers):
    assert read_reply(message("Yes, count me in.", **headers)).relayed_by is None


def test_list_headers_of_a_returned_or_attached_message_do_not_mark_a_relay():
    inner = message("Our list digest", List_Id="<deal-desk.lists.acme-sales.test>", Precedence="list").decode()
    raw = (
        message("")
        .decode()
        .replace(
            "Content-Type: text/plain; charset=utf-8\n\n",
            'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
            f"Yes, count me in.\n--b\nContent-Type: message/rfc822\n\n{inner}\n--b--\n",
        )
    )
    reply = read_reply(raw.encode())
    assert (reply.intent, reply.relayed_by) == ("accept", None)


def test_no_ordinary_test_message_is_taken_for_a_relay():
    corpus = Path(__file__).parents[1] / "data" / "corpus"
    for path in sorted(DATA.glob("*.eml")) + sorted(corpus.glob("*.eml")):
        assert read_reply(path.read_bytes()).relayed_by is None, path.name


# === the benchmark ===========================================================================


def test_benchmark_says_when_the_fixtures_are_absent(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location(
        "bench_replies", Path(__file__).resolve().parents[2] / "bench" / "replies.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "FIXTURES", tmp_path / "missing")
    assert bench.main() == 2
    assert "fixtures not found" in capsys.readouterr().err
