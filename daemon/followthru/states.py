"""What is remembered about a plan between decisions: its state, each commitment's and each meeting's.

Plain data, shared by the engine that changes it and the store that keeps it; nothing here decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Commitment states.
OPEN = ("scheduled", "requested", "tentative", "question", "countered", "away")  # still waiting on someone
ENDED = ("replaced", "withdrawn")  # no longer this person's: a backup took over, or the plan let them go


@dataclass
class Commitment:
    """One resource's answer to one plan, as the engine tracks it."""

    resource_id: str
    state: str = "scheduled"
    intent: str | None = None
    stands_in_for: str | None = None
    requested_at: datetime | None = None
    reminders_sent: int = 0
    last_calls_sent: int = 0
    due_reminded: bool = False
    away_until: date | None = None
    proposed: date | None = None
    agreed_due: date | None = None
    terms: str = ""
    updated_at: datetime | None = None
    was_accepted: bool = False
    deadline: datetime | None = None
    next_step: str | None = None  # what happens next for them, as of the last decision (Engine.next_step)
    next_at: datetime | None = None  # and when (None: when the owner decides)


@dataclass
class MeetingState:
    """What the attendees' calendars hold for one meeting."""

    key: str
    sequence: int = -1
    attendees: list[str] = field(default_factory=list)
    fingerprint: str = ""
    cancelled: bool = False
    rsvps: dict[str, str] = field(default_factory=dict)


@dataclass
class PlanState:
    """Everything the engine remembers about a plan between decisions."""

    plan_id: str
    state: str = "active"
    commitments: dict[str, Commitment] = field(default_factory=dict)
    meetings: dict[str, MeetingState] = field(default_factory=dict)
    milestones: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """A reply, reduced to what the engine needs."""

    intent: str
    words: str = ""
    proposed_date: date | None = None
    return_date: date | None = None
    reason: str = ""
