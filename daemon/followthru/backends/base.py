"""What every backend shares: the mail and calendar interfaces, the outcomes of handing a message
over, the errors every backend raises, where a backend keeps how far it has read, and the check
that a key or token file is its owner's alone.

This module imports nothing beyond the standard library, so the daemon, ``doctor`` and the tests
name these types without loading any vendor library.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol


@dataclass(frozen=True)
class Incoming:
    """One message waiting in the inbox; ``ref`` is the backend's handle for :meth:`MailBackend.done`."""

    ref: str
    raw: bytes


@dataclass(frozen=True)
class Refusal:
    """The server would not take the message for one recipient; the others got it."""

    recipient: str
    code: int
    text: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    def __str__(self) -> str:
        return f"{self.recipient}: {self.code} {self.text}"


class SendError(Exception):
    """This message went to nobody. ``permanent`` failures are not retried."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Unavailable(Exception):
    """The server cannot be reached or refused the login: nothing was done, try again later.

    The message says which server and, where it can, what to fix.
    """


class MailBackend(Protocol):
    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        """Hand one message over for delivery, with ``envelope_from`` as the bounce address.

        Returns the recipients the server refused (the others got the message); raises
        :class:`SendError` when nobody got it and :class:`Unavailable` when the server is out of reach.
        """

    def end_batch(self) -> None:
        """The sends of this pass are over: connections held for them may be closed."""

    def fetch_new(self) -> Iterator[Incoming]:
        """New incoming messages, oldest first; only those not yet marked done. Raises :class:`Unavailable`."""

    def done(self, incoming: Incoming) -> None:
        """Mark a message processed so :meth:`fetch_new` never returns it again."""

    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        """Start noticing new mail: call ``wake`` when some arrives (or ask for a folder to be watched)."""

    def close(self) -> None:
        """Stop watching and close connections."""


class SyncState(Protocol):
    """Where a backend remembers how far it got (a UID, a history id, a delta link); the store implements it."""

    def get_sync(self, key: str) -> str | None: ...

    def put_sync(self, key: str, value: str) -> None: ...


class NoSyncState:
    """A SyncState that remembers nothing: for ``doctor``'s checks, which must write nothing."""

    def get_sync(self, key: str) -> None:
        return None

    def put_sync(self, key: str, value: str) -> None:
        pass


Change = Literal["update", "cancel", "remove"]


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str


@dataclass(frozen=True)
class MeetingChange:
    """One meeting invitation from the outbox, as a calendar service needs it.

    ``change`` is ``update`` (create the event or bring it up to date: these attendees, this
    time), ``cancel`` (the whole meeting is off) or ``remove`` (only ``attendees`` are taken off
    it; the event stays for the others).
    """

    uid: str
    sequence: int
    change: Change
    summary: str
    description: str
    location: str
    start: datetime
    end: datetime
    timezone: str  # IANA name of start and end ("UTC" for fixed offsets)
    rrule: str  # the RRULE value ("FREQ=WEEKLY;COUNT=4"), or ""
    organizer: str
    attendees: tuple[Invitee, ...]  # the owner, who is the meeting's chair, is not among them
    chair: Invitee | None

    def invitees(self) -> list[Invitee]:
        """Everyone a service invites: the chair first, then the attendees, each address once, in lower case."""
        people, seen = [], set()
        for person in ([self.chair] if self.chair else []) + list(self.attendees):
            address = person.email.lower()
            if address not in seen:
                seen.add(address)
                people.append(Invitee(address, person.name))
        return people


@dataclass(frozen=True)
class CalendarAnswer:
    """An attendee's answer to an event, as the service reports it."""

    uid: str
    attendee: str
    partstat: str  # ACCEPTED, DECLINED, TENTATIVE or NEEDS-ACTION (iCalendar's words)
    proposed_start: datetime | None = None  # a counter-proposal, where the service has one


class CalendarBackend(Protocol):
    def publish(self, meeting: MeetingChange) -> None:
        """Make the service's event match ``meeting``; the service invites and cancels.
        Raises :class:`SendError` or
        :class:`Unavailable` like a mail backend."""

    def answers(self) -> Iterator[CalendarAnswer]:
        """Answers that changed since the last call (the position is kept by the backend)."""

    def close(self) -> None:
        """Close connections."""


def readable_by_others(key: str, path: Path) -> str | None:
    """The problem with a key or token file that other users can read (one line with the fix), or
    None: such a file opens the mailbox, so it must be its owner's alone."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{key}: {path} can be read by other users; run: chmod 600 {path}"
    return None
