"""The engine's meetings: attendees' calendars kept in line with the plan, and their answers.
Pure, like the rest of the engine (see followthru.engine).
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, time, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from followthru.decisions import OWNER, Decisions, Invite, Send
from followthru.phrases import phrase
from followthru.plan import REPEATS, Meeting, Plan
from followthru.states import ENDED, MeetingState, PlanState

if TYPE_CHECKING:
    from followthru.config import Config
    from followthru.phrases import Phrase

ANSWERS = ("ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED")  # PARTSTATs an update keeps (not COUNTER)
NOTICED = {"DECLINED": "attention.meeting_declined", "TENTATIVE": "attention.meeting_tentative", "COUNTER": ""}


class MeetingRules:
    """Part of :class:`followthru.engine.Engine`: answers to invitations, and the invitations to send."""

    if TYPE_CHECKING:  # what this part uses of the engine (followthru.engine) and its other parts
        config: Config

        def _settle(self, plan: Plan, out: Decisions, now: datetime, time_passes: bool = True) -> None: ...

        def _attention(self, out: Decisions, about: str, said: Phrase) -> None: ...

        def _instant(self, plan: Plan, moment: datetime) -> datetime: ...

        def _owner_zone(self, plan: Plan) -> ZoneInfo: ...

        def _plan_zone(self, plan: Plan) -> ZoneInfo: ...

        def _send_time(self, now: datetime, zone: ZoneInfo) -> datetime: ...

    def rsvp(
        self,
        plan: Plan,
        state: PlanState,
        meeting_key: str,
        attendee: str,
        partstat: str,
        now: datetime,
        proposed: datetime | None = None,
    ) -> Decisions:
        """An attendee's answer to a meeting (iMIP REPLY/COUNTER or the calendar service).

        ``partstat`` is ACCEPTED, DECLINED, TENTATIVE, ... or COUNTER (a proposed new time,
        ``proposed``). It is stored in ``MeetingState.rsvps``. A new DECLINED, TENTATIVE or
        COUNTER tells the owner (``owner_meeting_answer``) and leaves an attention line
        ``meeting KEY: EMAIL ...``; any later answer from the same attendee replaces that line.
        A COUNTER waits for ``decide_meeting``.
        """
        out = Decisions(copy.deepcopy(state))
        meeting = out.state.meetings.get(meeting_key)
        attendee = attendee.lower()
        if meeting is not None:
            before = meeting.rsvps.get(attendee)
            meeting.rsvps[attendee] = partstat
            out.audit.append((None, f"RSVP {partstat} from {attendee} for {meeting_key}"))
            planned = next((m for m in plan.meetings if m.key == meeting_key), None)
            if planned is not None and not meeting.cancelled and out.state.state not in ("cancelled", "closed"):
                self._meeting_answer(plan, out, planned, attendee, partstat, before, proposed, now)
        if out.state.state not in ("cancelled", "closed"):
            self._settle(plan, out, now, time_passes=False)
        return out

    def decide_meeting(
        self, plan: Plan, state: PlanState, meeting_key: str, approve: bool, now: datetime
    ) -> tuple[Plan, Decisions]:
        """The owner's answer to the latest new time proposed for a meeting.

        Approving returns the plan with the meeting moved to the proposed start (an updated
        REQUEST, SEQUENCE+1, goes to everyone and every answer is asked again); rejecting returns
        the plan unchanged and a DECLINECOUNTER to the proposer. Raises ValueError when no
        proposal waits for that meeting.
        """
        out = Decisions(copy.deepcopy(state))
        pending = pending_proposals(out.state, meeting_key)
        meeting = next((m for m in plan.meetings if m.key == meeting_key), None)
        meeting_state = out.state.meetings.get(meeting_key)
        if not pending or meeting is None or meeting_state is None:
            raise ValueError(f"meeting {meeting_key} has no proposed new time waiting")
        attendee, proposed = pending[-1]
        prefix = f"meeting {meeting_key}: {attendee} "
        out.state.attention = [a for a in out.state.attention if not a.startswith(prefix)]
        meeting_state.rsvps.pop(attendee, None)  # a counter is no answer to the invitation
        if approve:
            zone = self._plan_zone(plan)
            start = proposed.astimezone(zone)
            start = start.replace(tzinfo=None) if meeting.start.tzinfo is None else start
            moved = meeting.model_copy(update={"start": start})
            plan = plan.model_copy(update={"meetings": [moved if m.key == meeting_key else m for m in plan.meetings]})
            out.state.attention = [a for a in out.state.attention if not a.startswith(f"meeting {meeting_key}: ")]
            meeting_state.rsvps.clear()  # a new time: everyone is asked again
            out.audit.append(
                (
                    None,
                    f"owner approved {attendee}'s new time for {meeting_key} ({proposed.isoformat()}); meeting moved",
                )
            )
            self._settle(plan, out, now, time_passes=False)
        else:
            people = (attendee,)
            out.invites.append(
                Invite(
                    meeting_key,
                    "DECLINECOUNTER",
                    max(meeting_state.sequence, 0),
                    people,
                    people,
                    self._send_time(now, self._owner_zone(plan)),
                )
            )
            out.audit.append((None, f"owner rejected {attendee}'s new time for {meeting_key}; DECLINECOUNTER queued"))
            self._settle(plan, out, now, time_passes=False)
        return plan, out

    def _meeting_answer(
        self,
        plan: Plan,
        out: Decisions,
        meeting: Meeting,
        attendee: str,
        partstat: str,
        before: str | None,
        proposed: datetime | None,
        now: datetime,
    ) -> None:
        """The owner hears of a new DECLINED, TENTATIVE or COUNTER; ACCEPTED needs no notice."""
        about = f"meeting {meeting.key}: {attendee}"
        prefix = about + " "
        repeated = partstat == before and partstat != "COUNTER"
        if repeated:
            return  # the same answer again (a calendar service reports it on every look)
        out.state.attention = [a for a in out.state.attention if not a.startswith(prefix)]
        if partstat not in NOTICED:
            return
        resource = next((r for r in plan.resources if r.email.lower() == attendee), None)
        name = resource.name if resource else attendee
        facts: dict[str, Any] = {
            "meeting": {"title": meeting.title, "key": meeting.key, "start": self._instant(plan, meeting.start)},
            "attendee": {"name": name, "email": attendee},
            "answer": partstat.lower(),
            "proposed": None,
            "decide": None,
        }
        if partstat == "COUNTER":
            if proposed is None:
                self._attention(out, about, phrase("attention.meeting_proposed_unknown"))
            else:
                self._attention(
                    out, about, phrase("attention.meeting_proposed", when=proposed, plan=plan.id, meeting=meeting.key)
                )
                facts["proposed"] = proposed
                facts["decide"] = {
                    "approve": f"followthru decide {plan.id} {meeting.key} approve",
                    "reject": f"followthru decide {plan.id} {meeting.key} reject",
                }
        else:
            self._attention(out, about, phrase(NOTICED[partstat]))
        out.sends.append(
            Send(
                "owner_meeting_answer",
                OWNER,
                self._send_time(now, self._owner_zone(plan)),
                about=resource.id if resource else None,
                facts=facts,
            )
        )

    def _meetings(self, plan: Plan, out: Decisions, now: datetime, cancel_all: bool = False) -> None:
        """Bring every attendee's calendar in line with the plan and the commitments."""
        owner = plan.owner.email.lower()
        moment = self._send_time(now, self._owner_zone(plan))
        wanted = {m.key: m for m in plan.meetings} if not cancel_all else {}
        for key, meeting_state in out.state.meetings.items():
            if key not in wanted and not meeting_state.cancelled and meeting_state.sequence >= 0:
                meeting_state.cancelled = True
                meeting_state.sequence += 1
                people = tuple(meeting_state.attendees)
                out.invites.append(Invite(key, "CANCEL", meeting_state.sequence, people, people, moment))
                out.audit.append((None, f"meeting {key} cancelled"))
        for key, meeting in wanted.items():
            meeting_state = out.state.meetings.setdefault(key, MeetingState(key))
            attendees = self._attendees(plan, out.state, meeting)
            if not attendees:
                continue
            people = tuple([owner] + [a for a in attendees if a != owner])
            fingerprint = meeting_fingerprint(meeting)
            if meeting_state.cancelled:
                meeting_state.cancelled = False
                meeting_state.attendees = []
            if set(people) == set(meeting_state.attendees) and fingerprint == meeting_state.fingerprint:
                continue
            removed = tuple(a for a in meeting_state.attendees if a not in people)
            meeting_state.sequence += 1
            if removed:
                out.invites.append(Invite(key, "CANCEL", meeting_state.sequence, removed, removed, moment))
            for gone in removed:
                meeting_state.rsvps.pop(gone, None)
            kept = tuple((a, meeting_state.rsvps[a]) for a in people if meeting_state.rsvps.get(a) in ANSWERS)
            out.invites.append(Invite(key, "REQUEST", meeting_state.sequence, people, people, moment, kept))
            out.audit.append(
                (
                    None,
                    f"meeting {key}: invitation sequence {meeting_state.sequence} queued for {len(people)} attendees",
                )
            )
            meeting_state.attendees = list(people)
            meeting_state.fingerprint = fingerprint

    def _attendees(self, plan: Plan, state: PlanState, meeting: Meeting) -> list[str]:
        active = {c.resource_id: c for c in state.commitments.values() if c.state not in ENDED}
        committed = {rid for rid, c in active.items() if c.state == "accepted" or c.was_accepted}
        return meeting_attendees(plan, meeting, self.config.calendar.attendees, set(active), committed)


def meeting_attendees(plan: Plan, meeting: Meeting, default: str, asked: set[str], committed: set[str]) -> list[str]:
    """Attendee emails (the owner aside) in the plan's resource order, so the same people always
    compare equal: the committed resources, everyone asked, or the meeting's own list."""
    choice = meeting.attendees or default
    emails = {r.id: r.email.lower() for r in plan.resources}
    if choice in ("committed", "all"):
        chosen = committed if choice == "committed" else asked
        return [emails[r.id] for r in plan.resources if r.id in chosen]
    return [entry.lower() if "@" in entry else emails[entry] for entry in choice]


def pending_proposals(state: PlanState, meeting_key: str) -> list[tuple[str, datetime]]:
    """(attendee, proposed start) of the new times waiting on the owner for a meeting, oldest
    first, read from the attention lines ``meeting KEY: EMAIL proposed ISO``."""
    found: list[tuple[str, datetime]] = []
    prefix = f"meeting {meeting_key}: "
    for line in state.attention:
        if line.startswith(prefix):
            who, _, rest = line[len(prefix) :].partition(" proposed ")
            try:
                found.append((who, datetime.fromisoformat(rest.split(" ")[0])))
            except ValueError:
                continue
    return found


def meeting_timing(meeting: Meeting) -> tuple[Any, ...]:
    """What an attendee's answer depends on: start, duration and recurrence."""
    return (meeting.start, meeting.duration, meeting.repeat, meeting.count, meeting.until)


def short_digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def meeting_fingerprint(meeting: Meeting) -> str:
    return short_digest(meeting.model_dump(mode="json", exclude={"attendees"}))


def occurrences(
    meeting: Meeting, zone: ZoneInfo, after: datetime, until: datetime, shown: int
) -> tuple[list[datetime], int]:
    """The first ``shown`` starts of ``meeting`` in (after, until], and how many more there are
    (counted up to a thousand: an RRULE may repeat every minute)."""
    start = meeting.start if meeting.start.tzinfo else meeting.start.replace(tzinfo=zone)
    if not meeting.repeat:
        return ([start], 0) if after < start <= until else ([], 0)
    rule = REPEATS.get(meeting.repeat, meeting.repeat)
    if meeting.count:
        rule += f";COUNT={meeting.count}"
    limit = None
    if meeting.until is not None:
        limit = (
            meeting.until
            if isinstance(meeting.until, datetime)
            else datetime.combine(meeting.until, time(23, 59), tzinfo=zone)
        )
        limit = limit if limit.tzinfo else limit.replace(tzinfo=zone)
    found: list[datetime] = []
    for occurrence in islice(rrulestr(rule, dtstart=start, ignoretz=False).xafter(after), shown + 1000):
        if occurrence > until or (limit is not None and occurrence > limit):
            break
        found.append(occurrence)
    return found[:shown], len(found) - len(found[:shown])


def meeting_end(meeting: Meeting, zone: ZoneInfo) -> datetime:
    start = meeting.start if meeting.start.tzinfo else meeting.start.replace(tzinfo=zone)
    if meeting.repeat and (meeting.count or meeting.until):
        rule = REPEATS.get(meeting.repeat, meeting.repeat)
        if meeting.count:
            rule += f";COUNT={meeting.count}"
        until = meeting.until
        occurrences = rrulestr(rule, dtstart=start, ignoretz=False)
        if until is not None:
            limit = until if isinstance(until, datetime) else datetime.combine(until, time(23, 59), tzinfo=zone)
            limit = limit if limit.tzinfo else limit.replace(tzinfo=zone)
            last = occurrences.before(limit, inc=True) or start
        else:
            last = list(occurrences)[-1]
        return last + meeting.duration
    if meeting.repeat:
        return start + timedelta(days=365)  # open-ended: keep the plan open for a year
    return start + meeting.duration
