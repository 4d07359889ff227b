"""What the reply reader hands to the rest of Followthru: a :class:`Reply`, possibly carrying a
:class:`CalendarAnswer` (iTIP) or a :class:`Bounce` (delivery failure). Import them from
:mod:`followthru.replies`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

# Reply has a field named ``date``, which hides the type in its body.
Day = date

INTENTS = ("accept", "decline", "tentative", "counter", "question", "auto_reply", "bounce", "unclear")


@dataclass(frozen=True)
class CalendarAnswer:
    """An iTIP answer to an invitation, read from a calendar part."""

    method: str  # "REPLY" or "COUNTER"
    uid: str
    attendee: str  # email, lowercase, without "mailto:"
    partstat: str | None  # ACCEPTED / DECLINED / TENTATIVE / None
    proposed_start: datetime | None  # COUNTER: the proposed DTSTART (aware)
    sequence: int | None


@dataclass(frozen=True)
class Bounce:
    """A permanent delivery failure of one of our messages."""

    recipient: str | None  # the address that failed, lowercase
    original_message_id: str | None  # "<...>" of the message that bounced
    status: str | None  # e.g. "5.1.1"
    diagnostic: str  # short human reason


@dataclass(frozen=True)
class Reply:
    """One inbound message, read: its headers, the person's new words and what they mean.

    ``relayed_by`` is set when the message reached us through a mailing list or group (Mailman,
    Sympa, Google Groups, ezmlm, LISTSERV...) rather than from the person's own mailbox: the
    list's id from ``List-Id`` (``"team.lists.example.com"``) when it has one, else the header
    that gave the relay away (``"X-Original-From: sam@example.com"``). It is set whatever the
    intent, and only from the message's own headers (never from a quoted or attached message).
    Headers that suffice alone: ``List-Id``, ``List-Post``, ``X-Google-Group-Id``,
    ``Mailing-List``, ``X-Mailing-List``, ``X-BeenThere``, ``Precedence: list``, and
    ``X-Original-From`` / ``X-Original-Sender`` / ``Original-From`` when they name another
    address than ``From`` (the list rewrote ``From``). Not enough alone: ``Precedence: bulk``
    and ``List-Unsubscribe``, which out-of-office replies, newsletters and some company
    gateways add to ordinary mail. A relayed message may be anyone's copy of anyone's words,
    so it must not be taken as the person's own answer.

    ``decided_by`` says what the intent was read from: ``"words"`` (the person's new words,
    classified), ``"delivery report"``, ``"calendar"`` (an iTIP part), ``"auto-reply"``,
    ``"subject"`` (a calendar client's "Accepted: ..."), ``"forward"``, or ``""`` (nothing
    readable). ``zone`` is where dates in the message were read (the ``timezone`` given to
    :func:`~followthru.replies.read_reply`). Both let :func:`~followthru.replies.settle_for`
    read the words again against the person's own due date.
    """

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
    proposed_date: Day | None
    return_date: Day | None
    calendar: CalendarAnswer | None
    bounce: Bounce | None
    relayed_by: str | None = None
    decided_by: str = ""
    zone: tzinfo = UTC
