"""Messages written as bytes directly (followthru.drafting.compose.build_message) are the bytes the
standard library's classic MIME classes write for the same message: the same headers in the same
order, folded by the same policy, the same base64 bodies, CRLF line ends. The classes are the
reference here; the random Message-ID and boundaries are given the same values on both sides."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import encoders
from email.charset import BASE64, QP, Charset
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followthru.drafting.compose import (
    WIRE,
    Draft,
    Invitation,
    Mailbox,
    address_header,
    build_message,
    fold_words,
    text_header,
)
from followthru.drafting.render import Rendered
from followthru.values import one_line

UTF8 = Charset("utf-8")
UTF8.header_encoding = QP
UTF8.body_encoding = BASE64
BOUNDARY = re.compile(rb"=_(alt|mix)_([0-9a-f]{32})")


def with_classes(draft: Draft, words: Rendered, alternative: str, mixed: str) -> bytes:
    """The message as MIMEText, MIMEMultipart and MIMEBase build it, given its boundaries."""

    def text(body: str, subtype: str) -> MIMEText:
        return MIMEText(body, subtype, UTF8)  # type: ignore[arg-type]

    inner = MIMEMultipart("alternative", boundary=alternative)
    inner.attach(text(words.text, "plain"))
    inner.attach(text(words.html, "html"))
    message: Message[str, Any]
    if draft.invitation:
        calendar = text(draft.invitation.ical.decode("utf-8"), "calendar")
        calendar.set_param("method", draft.invitation.method)
        inner.attach(calendar)
        message = MIMEMultipart("mixed", boundary=mixed)
        message.attach(inner)
        attachment = MIMEBase("application", "ics", name="invite.ics")
        attachment.set_payload(draft.invitation.ical)
        encoders.encode_base64(attachment)
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(attachment)
    else:
        message = inner
    message["From"] = address_header("From", [draft.sender])
    message["To"] = address_header("To", draft.to)
    if draft.cc:
        message["Cc"] = address_header("Cc", draft.cc)
    if draft.reply_to:
        message["Reply-To"] = address_header("Reply-To", [draft.reply_to])
    message["Subject"] = text_header("Subject", one_line(words.subject))
    message["Date"] = format_datetime(draft.date)
    message["Message-ID"] = draft.message_id
    if draft.in_reply_to:
        message["In-Reply-To"] = one_line(draft.in_reply_to)
    if draft.references:
        message["References"] = one_line(" ".join(draft.references))
    for name, value in draft.headers.items():
        message[name] = one_line(value)
    return message.as_bytes(policy=WIRE)


def same_as_the_classes(draft: Draft, words: Rendered) -> None:
    built = build_message(draft, words)
    boundaries = {kind.decode(): digits.decode() for kind, digits in BOUNDARY.findall(built.raw)}
    expected = with_classes(draft, words, f"=_alt_{boundaries['alt']}", f"=_mix_{boundaries.get('mix', '')}")
    assert built.raw == expected
    assert built.message_id == draft.message_id


ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
LINE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=120)
WORDS = st.sampled_from(["", "Riley Rep", "Jürgen Müller-Lüdenscheidt von und zu Überlingen (Vertrieb Süd)", "A=?B"])
ADDRESS = st.sampled_from(
    ["sam@example.com", "followthru+abcdefghij0123456789@mail.example.com", "zoe@xn--bcher-kva.example"]
)
MAILBOX = st.builds(Mailbox, st.one_of(WORDS, LINE), ADDRESS)
ICAL = st.builds(lambda text: ("BEGIN:VCALENDAR\r\nSUMMARY:" + text + "\r\nEND:VCALENDAR\r\n").encode("utf-8"), LINE)


@st.composite
def drafts(draw: st.DrawFn) -> tuple[Draft, Rendered]:
    invitation = draw(st.none() | st.builds(Invitation, ICAL, st.sampled_from(["REQUEST", "CANCEL", "DECLINECOUNTER"])))
    draft = Draft(
        sender=draw(MAILBOX),
        to=draw(st.lists(MAILBOX, min_size=1, max_size=4)),
        date=datetime(2026, 11, 30, 15, tzinfo=timezone.utc) + timedelta(minutes=draw(st.integers(0, 10**6))),
        reply_to=draw(st.none() | MAILBOX),
        cc=draw(st.lists(MAILBOX, max_size=2)),
        message_id="<179646988164.29254.8996320339186053542@example.com>",
        in_reply_to=draw(st.none() | st.just("<ask-0123456789abcdef0123456789abcdef@example.com>")),
        references=draw(st.lists(st.just("<ask-0123456789abcdef0123456789abcdef@example.com>"), max_size=3)),
        headers=draw(
            st.dictionaries(st.sampled_from(["X-Followthru-Plan", "X-Followthru-Kind", "Auto-Submitted"]), LINE)
        ),
        invitation=invitation,
    )
    words = Rendered(draw(st.one_of(LINE, st.text(max_size=300))), draw(ANY_TEXT), draw(ANY_TEXT))
    return draft, words


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts())
def test_the_bytes_are_those_of_the_standard_library_classes(case: tuple[Draft, Rendered]) -> None:
    same_as_the_classes(*case)


WORD = st.text(st.sampled_from("abcdefghij;,.:-=?()<>@'\""), min_size=1, max_size=90)


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["Subject", "X", "References", "X-Followthru-Plan", "A" * 60, "B" * 76]),
    st.lists(WORD, min_size=1, max_size=30),
)
def test_words_are_folded_as_the_policy_folds_them(name: str, words: list[str]) -> None:
    value = " ".join(words)
    folded = f"{name}: {fold_words(name, value, 78, chr(13) + chr(10))}\r\n".encode()
    assert folded == Compat32(linesep="\r\n").fold_binary(name, value)


def test_empty_parts_and_long_lines() -> None:
    draft = Draft(
        sender=Mailbox("Riley Rep via Followthru", "followthru@example.com"),
        to=[Mailbox("Sam", "sam@example.com")],
        date=datetime(2026, 11, 30, 15, tzinfo=timezone.utc),
        message_id="<1@example.com>",
        invitation=Invitation(b"BEGIN:VCALENDAR\r\n" + "É".encode() * 500 + b"\r\nEND:VCALENDAR\r\n", "REQUEST"),
    )
    for words in (Rendered("", "", ""), Rendered("x" * 300, "a\r\nb\rc\n" * 100, "<p>" + "ü" * 1000 + "</p>")):
        same_as_the_classes(draft, words)
