"""What the reply reader hands to the rest of Followthru: a :class:`Reply`, possibly carrying a
:class:`CalendarAnswer` (iTIP) or a :class:`Bounce` (delivery failure). Import them from
:mod:`followthru.replies`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

INTENTS = ("accept", "decline", "tentative", "counter", "question", "auto_reply", "bounce",
           "unclear")


@dataclass(frozen=True)
class CalendarAnswer:
    """An iTIP answer to an invitation, read from a calendar part."""

    method: str                       # "REPLY" or "COUNTER"
    uid: str
    attendee: str                     # email, lowercase, without "mailto:"
    partstat: str | None              # ACCEPTED / DECLINED / TENTATIVE / None
    proposed_start: datetime | None   # COUNTER: the proposed DTSTART (aware)
    sequence: int | None


@dataclass(frozen=True)
class Bounce:
    """A permanent delivery failure of one of our messages."""

    recipient: str | None             # the address that failed, lowercase
    original_message_id: str | None   # "<...>" of the message that bounced
    status: str | None                # e.g. "5.1.1"
    diagnostic: str                   # short human reason


@dataclass(frozen=True)
class Reply:
    """One inbound message, read: its headers, the person's new words and what they mean."""

    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    sender: str
    sender_name: str
    to: list[str]
    subject: str
    date: datetime | None
    words: str
    intent: str
    confidence: float
    evidence: str
    proposed_date: date | None
    return_date: date | None
    calendar: CalendarAnswer | None
    bounce: Bounce | None
