"""Building RFC 5322 messages: a text and an HTML alternative, and an iMIP calendar part when the
message is an invitation.

Names and subjects come from plan files, so every header value is folded to one line before it is
set: a CR/LF in a name can never start a new header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from followthru.plan import one_line
from followthru.render import Rendered


@dataclass(frozen=True)
class Mailbox:
    name: str
    email: str

    def address(self) -> Address:
        local, _, domain = self.email.rpartition("@")
        return Address(display_name=one_line(self.name), username=local, domain=domain)


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


def new_message_id(sender_email: str) -> str:
    return make_msgid(domain=sender_email.rpartition("@")[2] or "localhost")


def build_message(draft: Draft, words: Rendered) -> EmailMessage:
    """One MIME message: ``multipart/alternative`` (text, HTML, and the calendar part for an
    invitation), wrapped in ``multipart/mixed`` with an ``invite.ics`` copy when inviting."""
    message = EmailMessage(policy=SMTP)
    message["From"] = draft.sender.address()
    message["To"] = [m.address() for m in draft.to]
    if draft.cc:
        message["Cc"] = [m.address() for m in draft.cc]
    if draft.reply_to:
        message["Reply-To"] = draft.reply_to.address()
    message["Subject"] = one_line(words.subject)
    message["Date"] = format_datetime(draft.date)
    message["Message-ID"] = draft.message_id or new_message_id(draft.sender.email)
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
    if draft.references:
        message["References"] = " ".join(draft.references)
    for name, value in draft.headers.items():
        message[name] = one_line(value)
    message.set_content(words.text, subtype="plain", cte="quoted-printable")
    message.add_alternative(words.html, subtype="html", cte="quoted-printable")
    if draft.invitation:
        ical = draft.invitation.ical.decode("utf-8")
        message.add_alternative(ical, subtype="calendar", cte="quoted-printable",
                                params={"method": draft.invitation.method})
        message.add_attachment(draft.invitation.ical, maintype="application", subtype="ics",
                               filename="invite.ics")
    return message
