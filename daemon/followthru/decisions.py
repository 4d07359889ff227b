"""What one decision of the engine changes: the new state, the messages and invitations it makes.

Plain data: the engine fills it in, the daemon stores it, drafting words its messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from followthru.phrases import Phrase
from followthru.states import PlanState

OWNER = "owner"


def resource_to(resource_id: str) -> str:
    return f"resource:{resource_id}"


def stakeholder_to(index: int) -> str:
    return f"stakeholder:{index}"


@dataclass(frozen=True)
class Send:
    """A message to queue: ``kind`` of template, ``to`` (owner, resource:ID or stakeholder:N)."""

    kind: str
    to: str
    not_before: datetime
    about: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Invite:
    """An iTIP message for a meeting to the given attendees (emails)."""

    meeting_key: str
    method: str
    sequence: int
    attendees: tuple[str, ...]
    recipients: tuple[str, ...]
    not_before: datetime
    answers: tuple[tuple[str, str], ...] = ()
    """(email, PARTSTAT) of attendees whose last answer this update keeps; the others are asked."""


@dataclass
class Decisions:
    """What one decision changes.

    ``lapsed`` holds, when a tick catches up after an outage (``since``), one phrase per
    owner notice that time made while the daemon was down, in the order they lapsed; those
    notices are not in ``sends``. The daemon gathers them per owner into one ``owner_lapsed``
    message.
    """

    state: PlanState
    sends: list[Send] = field(default_factory=list)
    invites: list[Invite] = field(default_factory=list)
    withdraw: list[str] = field(default_factory=list)
    audit: list[tuple[str | None, str]] = field(default_factory=list)
    next_wake: datetime | None = None
    lapsed: list[Phrase] = field(default_factory=list)
    since: datetime | None = None
    _lapsing: list[tuple[datetime, Phrase]] = field(default_factory=list, repr=False, compare=False)

    def wake(self, moment: datetime | None) -> None:
        if moment is not None and (self.next_wake is None or moment < self.next_wake):
            self.next_wake = moment

    def lapse(self, moment: datetime, line: Phrase) -> None:
        """One more sentence for the owner about what lapsed at ``moment`` during the outage."""
        self._lapsing.append((moment, line))
        self.lapsed = [text for _, text in sorted(self._lapsing, key=lambda item: item[0])]

    def catching_up(self, moment: datetime) -> bool:
        """True when ``moment`` passed while the daemon was down (after ``since``)."""
        return self.since is not None and moment > self.since
