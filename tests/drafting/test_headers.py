"""Correct headers: encoded words of at most 75 characters that decode to exactly the intended text,
folded lines of at most 78, and a Date that says when the message was handed to the mail backend."""

from __future__ import annotations

import email
import email.policy
import re
import sqlite3
from datetime import datetime, timezone
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest

from followthru.config import Config, Sender
from followthru.drafting.compose import Draft, Mailbox, build_message, encoded_words, with_date
from followthru.drafting.messages import Composer
from followthru.drafting.render import Renderer
from followthru.drafting.views import PlanViews
from followthru.planfile import load_plan
from support.rendering import kind_extras
from support.workspace import EXAMPLE

ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=")
SUBJECTS = [
    "Grüße",
    "Kannst du zusagen? Müller & Söhne GmbH – Q4-Erweiterung",
    "Erinnerung: Überprüfung der Verträge für das Geschäftsjahr 2027 der Müller & Söhne GmbH "
    "(Zweigniederlassung Düsseldorf-Oberkassel) – bitte bis Freitag zusagen",
    "Ä" * 120,
    "ÄÖÜäöüß€ " * 15,
    "Letzte Erinnerung: 🎉 Jubiläumsfeier – Straße 12 – Größe egal",
    "Rückfrage: =?utf-8?q?nicht_dekodieren?= bleibt wörtlich",
    "Plain ASCII with =?utf-8?q?looks_encoded?= in it",
    " führende und doppelte  Leerzeichen ",
]
NAMES = ["Jürgen Müller-Lüdenscheidt von und zu Überlingen am Bodensee (Vertrieb Süd)", "Zoë", "Riley Rep"]


def header_block(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def assert_well_formed(raw: bytes) -> None:
    """Every encoded word at most 75 characters, every line at most 78, and a line that holds an
    encoded word at most 76 (RFC 2047 section 2); no header starts with an empty line."""
    head = header_block(raw)
    for word in ENCODED_WORD.findall(head):
        assert len(word) <= 75, word
    for line in head.split("\r\n"):
        assert len(line) <= 78, line
        if ENCODED_WORD.search(line):
            assert len(line) <= 76, line
        assert not re.fullmatch(r"[\w-]+:\s*", line), f"empty first line: {line!r}"


def build(subject: str, name: str = "Riley Rep") -> bytes:
    draft = Draft(
        sender=Mailbox(f"{name} via Followthru", "followthru@example.com"),
        to=[Mailbox(name, "riley@example.com"), Mailbox("Zoë Ölmann", "zoe@example.com")],
        cc=[Mailbox(name, "cc@example.com")],
        reply_to=Mailbox("Föllowthru", "followthru+t@example.com"),
        date=datetime(2026, 12, 4, 17, 44, tzinfo=timezone.utc),
    )
    from followthru.drafting.render import Rendered

    return build_message(draft, Rendered(subject, "text", "<p>html</p>")).raw


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_german_subject_decodes_to_exactly_itself(subject):
    raw = build(subject)
    assert_well_formed(raw)
    intended = " ".join(subject.split())  # one line, as every header value is made
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == intended
    assert str(make_header(decode_header(email.message_from_bytes(raw)["Subject"]))) == intended
    assert parsed.defects == []


def display_names(raw: bytes, header: str) -> list[str]:
    """The display names of an address header decoded as RFC 2047 says: whitespace between adjacent
    encoded words ignored. (The standard library's structured parser shows a space there, which it
    also does for names it encodes itself, so it is not the judge here.)"""
    value = re.sub(r"\r?\n[ \t]", " ", email.message_from_bytes(raw)[header])
    return [str(make_header(decode_header(name))) for name in re.findall(r"\s*(.*?)\s*<[^>]+>,?", value)]


@pytest.mark.parametrize("name", NAMES)
def test_display_names_are_encoded_in_short_words_and_decode_exactly(name):
    raw = build("Grüße", name)
    assert_well_formed(raw)
    assert display_names(raw, "To") == [name, "Zoë Ölmann"]
    assert display_names(raw, "From") == [f"{name} via Followthru"]
    assert display_names(raw, "Cc") == [name]
    assert display_names(raw, "Reply-To") == ["Föllowthru"]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["riley@example.com", "zoe@example.com"]
    assert " ".join(parsed["To"].addresses[0].display_name.split()) == name  # no word cut in two


def test_encoded_words_split_between_characters_never_inside_one():
    text = "€🎉ß" * 40
    words = encoded_words(text, first=30)
    assert len(words[0]) <= 30 and all(len(w) <= 75 for w in words)
    assert "".join(str(make_header(decode_header(w))) for w in words) == text
    for word in words:  # each word decodes by itself: no character cut in two
        word.encode("ascii")
        assert "\ufffd" not in str(make_header(decode_header(word)))


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_kind_with_a_long_umlaut_title_has_well_formed_headers(language):
    loaded = load_plan(EXAMPLE).plan
    title = "Müller & Söhne – Jahresabschluss, Überprüfung und Verlängerung aller Verträge für 2027"
    plan = loaded.model_copy(update={"plan": loaded.plan.model_copy(update={"title": title})})
    views = PlanViews(plan)
    composer = Composer(Config(sender=Sender(email="followthru@example.com", name="Föllowthru")), Renderer(), b"k" * 32)
    owner = views.owner()
    reader = type(owner)(owner.name, owner.email, owner.timezone, language)
    now = datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("UTC"))
    checked = 0
    for kind, extra in kind_extras(views, reader).items():
        built = composer.for_plan(views, kind, reader, now, resource_id="sam", extra=extra)
        intended = (
            Renderer()
            .render(
                kind,
                views.context(
                    reader, sender=composer.sender_view(), answer_to=composer.answer_to(plan.id, "sam"), **extra
                ),
                language,
            )
            .subject
        )
        assert_well_formed(built.raw)
        subject = email.message_from_bytes(built.raw, policy=email.policy.default)["Subject"]
        assert subject == " ".join(intended.split()), kind
        checked += title in subject
    assert checked >= 10


def test_with_date_changes_only_the_date_header():
    raw = build("Grüße aus Köln")
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    dated = with_date(raw, monday)
    before = email.message_from_bytes(raw, policy=email.policy.default)
    after = email.message_from_bytes(dated, policy=email.policy.default)
    assert before["Date"].datetime == datetime(2026, 12, 4, 17, 44, tzinfo=timezone.utc)
    assert after["Date"].datetime == monday
    assert after["Message-ID"] == before["Message-ID"]
    assert raw.replace(b"Date: Fri, 04 Dec 2026 17:44:00 +0000\r\n", b"") == dated.replace(
        b"Date: Mon, 07 Dec 2026 09:00:00 -0500\r\n", b""
    )
    assert dated.count(b"Date:") == 1


def test_with_date_replaces_a_folded_date_and_leaves_the_body_alone():
    raw = (
        b"Subject: Date: in the subject\r\nDate: Fri,\r\n 04 Dec 2026 17:44:00 +0000\r\nMessage-ID: <a@b>\r\n"
        b"\r\nDate: in the body stays\r\n"
    )
    dated = with_date(raw, datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc))
    assert dated == (
        b"Subject: Date: in the subject\r\nDate: Mon, 07 Dec 2026 14:00:00 +0000\r\n"
        b"Message-ID: <a@b>\r\n\r\nDate: in the body stays\r\n"
    )
    assert (
        with_date(b"Message-ID: <a@b>\r\n\r\nbody", datetime(2026, 12, 7, tzinfo=timezone.utc))
        == b"Date: Mon, 07 Dec 2026 00:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\nbody"
    )


def test_a_message_queued_on_saturday_and_delivered_on_monday_is_dated_monday(ws):
    ws.drop_plan(EXAMPLE.read_text())
    assert ws.tick("2026-11-28T15:00:00+00:00") == []  # Saturday: outside the send window, queued
    with sqlite3.connect(ws.root / "followthru.sqlite3") as store:
        queued = {message_id: raw for message_id, raw in store.execute("SELECT message_id, raw FROM outbox")}
    requests = {i: r for i, r in queued.items() if b"X-Followthru-Kind: request" in r}
    assert len(requests) == 3
    for raw in requests.values():
        assert email.message_from_bytes(raw, policy=email.policy.default)["Date"].datetime.weekday() == 5

    monday = datetime(2026, 11, 30, 14, 30, tzinfo=timezone.utc)
    sent = ws.tick(monday.isoformat())
    delivered = {m["Message-ID"]: m for m in sent if m["X-Followthru-Kind"] == "request"}
    assert set(delivered) == set(requests)  # the same messages, by Message-ID
    for message in delivered.values():
        assert message["Date"].datetime == monday
    assert ws.tick("2026-11-30T15:00:00+00:00") == []  # delivered once: nothing again
