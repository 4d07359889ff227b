"""Building RFC 5322 messages: a text and an HTML alternative, and an iMIP calendar part when the
message is an invitation.

Names and subjects come from plan files, so every header value is folded to one line before it is
set: a CR/LF in a name can never start a new header. Messages are built with the standard
library's classic MIME classes, which are several times faster than ``EmailMessage`` here (see
``bench/pipeline.py``); the result is plain bytes with CRLF line ends, ready for any backend.
"""

from __future__ import annotations

import email
import email.policy
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from email import encoders

from followthru.plan import one_line
from followthru.render import Rendered

UTF8 = Charset("utf-8")
UTF8.header_encoding = QP
UTF8.body_encoding = BASE64  # base64 is encoded in C: several times faster than quoted-printable


class _Wire(email.policy.Compat32):
    """CRLF line ends; a short ASCII header is written as it is, without the costly general folding."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if isinstance(value, str) and value.isascii() and len(name) + len(value) + 2 <= self.max_line_length \
                and "\n" not in value and "\r" not in value:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE = _Wire(linesep="\r\n")


@dataclass(frozen=True)
class Mailbox:
    name: str
    email: str

    def header(self) -> str:
        return formataddr((one_line(self.name), one_line(self.email)), charset="utf-8")


@dataclass(frozen=True)
class Invitation:
    """An iTIP calendar object to carry inline (RFC 6047): ``method`` is REQUEST or CANCEL."""

    ical: bytes
    method: str = "REQUEST"


@dataclass
class Draft:
    """Everything a message needs besides its words."""

    sender: Mailbox
    to: list[Mailbox]
    date: datetime
    reply_to: Mailbox | None = None
    cc: list[Mailbox] = field(default_factory=list)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    invitation: Invitation | None = None
    envelope_from: str | None = None


@dataclass(frozen=True)
class Built:
    """A finished message: its Message-ID, where it goes, its bytes, and the envelope sender
    (the SMTP MAIL FROM) that bounces come back to."""

    message_id: str
    recipients: list[str]
    raw: bytes
    envelope_from: str

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


def new_message_id(sender_email: str) -> str:
    return make_msgid(domain=sender_email.rpartition("@")[2] or "localhost")


def build_message(draft: Draft, words: Rendered) -> Built:
    """One MIME message: ``multipart/alternative`` (text, HTML, and the calendar part for an
    invitation), wrapped in ``multipart/mixed`` with an ``invite.ics`` copy when inviting."""
    # A random boundary of 32 hex digits cannot occur in the parts by chance; giving it spares the
    # generator from searching every part for a collision.
    alternative = MIMEMultipart("alternative", boundary="=_alt_" + secrets.token_hex(16))
    alternative.attach(MIMEText(words.text, "plain", UTF8))
    alternative.attach(MIMEText(words.html, "html", UTF8))
    if draft.invitation:
        calendar = MIMEText(draft.invitation.ical.decode("utf-8"), "calendar", UTF8)
        calendar.set_param("method", draft.invitation.method)
        alternative.attach(calendar)
        message: Message = MIMEMultipart("mixed", boundary="=_mix_" + secrets.token_hex(16))
        message.attach(alternative)
        attachment = MIMEBase("application", "ics", name="invite.ics")
        attachment.set_payload(draft.invitation.ical)
        encoders.encode_base64(attachment)
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(attachment)
    else:
        message = alternative
    message_id = draft.message_id or new_message_id(draft.sender.email)
    message["From"] = draft.sender.header()
    message["To"] = ", ".join(m.header() for m in draft.to)
    if draft.cc:
        message["Cc"] = ", ".join(m.header() for m in draft.cc)
    if draft.reply_to:
        message["Reply-To"] = draft.reply_to.header()
    subject = one_line(words.subject)
    message["Subject"] = subject if subject.isascii() else Header(subject, UTF8).encode()
    message["Date"] = format_datetime(draft.date)
    message["Message-ID"] = message_id
    if draft.in_reply_to:
        message["In-Reply-To"] = one_line(draft.in_reply_to)
    if draft.references:
        message["References"] = one_line(" ".join(draft.references))
    for name, value in draft.headers.items():
        message[name] = one_line(value)
    recipients = [m.email for m in draft.to + draft.cc]
    return Built(message_id, recipients, message.as_bytes(policy=WIRE), draft.envelope_from or draft.sender.email)
