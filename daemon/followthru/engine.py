"""The engine: pure decisions. Given a plan, its stored state and the time, what is due?

Nothing here reads files, talks to servers or looks at the clock. Every entry point takes the
state and returns :class:`Decisions`: the new state, the messages to send (each with the earliest
time it may go), the invitations to send, the audit lines, and when the plan next needs a look.
The daemon stores all of that in one transaction.
"""

from __future__ import annotations

import copy
import hashlib
import json
from itertools import islice
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from followthru.config import Config
from followthru.durations import Offset
from followthru.plan import REPEATS, Meeting, Plan, Resource, due_moment
from followthru.schedule import BusinessClock
from followthru.phrases import Phrase, english, phrase

OPEN = ("scheduled", "requested", "tentative", "question", "countered", "away")
ENDED = ("replaced", "withdrawn")

OWNER = "owner"
ANSWERS = ("ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED")  # PARTSTATs an update keeps (not COUNTER)
NOTICED = {"DECLINED": "attention.meeting_declined", "TENTATIVE": "attention.meeting_tentative", "COUNTER": ""}
REASK_DEADLINE = Offset(business_days=2)


def resource_to(resource_id: str) -> str:
    return f"resource:{resource_id}"


def stakeholder_to(index: int) -> str:
    return f"stakeholder:{index}"


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


@dataclass(frozen=True)
class Answer:
    """A reply, reduced to what the engine needs."""

    intent: str
    words: str = ""
    proposed_date: date | None = None
    return_date: date | None = None
    reason: str = ""


class Engine:
    """Decisions for plans under one config (send window, reminder offsets, calendar defaults)."""

    def __init__(self, config: Config):
        self.config = config
        self.clock = BusinessClock(config.schedule, always_open=config.workspace.try_out)
        self.default_zone = ZoneInfo(config.schedule.timezone)

    # -- entry points ------------------------------------------------------------------------
    def start(self, plan: Plan, now: datetime) -> Decisions:
        """A new plan: ask every non-standby resource, tell stakeholders, plan the meetings."""
        out = Decisions(PlanState(plan.id))
        out.audit.append((None, f"plan started (version with {len(plan.resources)} resources)"))
        for resource in plan.resources:
            if not resource.standby:
                if self._past_due(plan, resource, None, now):
                    self._not_asked(plan, out, resource, now)
                else:
                    self._ask(plan, out, resource, now, kind="request")
        self._milestone(plan, out, "started", now, news=started_news(plan))
        self._settle(plan, out, now)
        return out

    def tick(self, plan: Plan, state: PlanState, now: datetime, since: datetime | None = None) -> Decisions:
        """Time passing: scheduled requests go out, reminders, last calls, deadlines, due-date nudges.

        ``since`` is the time of the daemon's previous pass when it was down for a while. State
        changes as usual (deadlines expire, backups are asked with deadlines of their own), but
        what the owner would have been told one notice at a time (no answer by a deadline after
        ``since``, due dates and meetings that passed) becomes lines in ``Decisions.lapsed``.
        """
        out = Decisions(copy.deepcopy(state), since=since if since is not None and since < now else None)
        if out.state.state not in ("cancelled", "closed"):
            self._settle(plan, out, now)
            if out.since is not None:
                self._lapsed_dates(plan, out, now)
        return out

    def reply(self, plan: Plan, state: PlanState, resource_id: str, answer: Answer, now: datetime) -> Decisions:
        """A resource's reply, already matched to them and verified."""
        out = Decisions(copy.deepcopy(state))
        commitment = out.state.commitments.get(resource_id)
        if commitment is not None and commitment.intent == "bounce" and answer.intent == "bounce":
            out.audit.append((resource_id, "another bounce for an address that bounced already"))
            return out  # one message often bounces per recipient: the owner heard of it once
        if commitment is None or commitment.state in ENDED or out.state.state in ("cancelled", "closed"):
            out.audit.append((resource_id,
                              f"reply ({answer.intent}) after the request was closed; owner notice queued"))
            out.sends.append(self._owner_notice(plan, out, "owner_unmatched", resource_id, now, answer.words,
                                                reason="late", claimed=self._name(plan, resource_id)))
            return out
        commitment.intent = answer.intent
        commitment.updated_at = now
        commitment.was_accepted = False
        resource = plan.resource(resource_id)
        out.audit.append((resource_id, f"reply: {answer.intent}"))
        intent = answer.intent
        if intent != "auto_reply":
            self._clear_attention(out, resource_id)  # their latest answer is what waits on the owner now
        if intent == "accept":
            commitment.state = "accepted"
        elif intent == "decline":
            commitment.state = "declined"
            self._drop_out(plan, out, commitment, now, "owner_declined", answer.words)
        elif intent == "bounce":
            commitment.state = "bounced"
            self._drop_out(plan, out, commitment, now, "owner_bounced", answer.words, reason=answer.reason)
        elif intent == "tentative":
            commitment.state = "tentative"
        elif intent == "counter":
            commitment.state = "countered"
            commitment.proposed = answer.proposed_date
            self._attention(out, resource_id, phrase("attention.countered"))
            decide = {"approve": f"followthru decide {plan.id} {resource_id} approve",
                      "reject": f"followthru decide {plan.id} {resource_id} reject"}
            out.sends.append(self._owner_notice(plan, out, "owner_counter", resource_id, now, answer.words,
                                                proposed=answer.proposed_date, decide=decide))
        elif intent == "question":
            commitment.state = "question"
            self._attention(out, resource_id, phrase("attention.question"))
            out.sends.append(self._owner_notice(plan, out, "owner_question", resource_id, now, answer.words))
        elif intent == "auto_reply":
            self._away(plan, out, commitment, resource, answer, now)
        else:
            out.sends.append(self._owner_notice(plan, out, "owner_unmatched", resource_id, now, answer.words,
                                                reason="unclear", claimed=resource.name))
            self._attention(out, resource_id, phrase("attention.unclear"))
        self._settle(plan, out, now, time_passes=False)
        return out

    def decide(self, plan: Plan, state: PlanState, resource_id: str, approve: bool, now: datetime) -> Decisions:
        """The owner's answer to a counter-proposal. Raises ValueError when nothing waits on it."""
        out = Decisions(copy.deepcopy(state))
        commitment = out.state.commitments.get(resource_id)
        if commitment is None or commitment.state != "countered":
            state_text = commitment.state if commitment else "not asked"
            raise ValueError(f"{resource_id} has no counter-proposal waiting (state: {state_text})")
        self._clear_attention(out, resource_id)
        commitment.updated_at = now
        if approve:
            commitment.state = "accepted"
            commitment.agreed_due = commitment.proposed
            out.audit.append((resource_id, f"owner approved the counter-proposal ({commitment.proposed})"))
            out.sends.append(self._to_resource(plan, "counter_approved", commitment, now))
        else:
            commitment.state = "declined"
            out.audit.append((resource_id, "owner rejected the counter-proposal"))
            self._hand_over(plan, out, commitment, now, "rejected")
        self._settle(plan, out, now, time_passes=False)
        return out

    def rsvp(self, plan: Plan, state: PlanState, meeting_key: str, attendee: str, partstat: str,
             now: datetime, proposed: datetime | None = None) -> Decisions:
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

    def decide_meeting(self, plan: Plan, state: PlanState, meeting_key: str, approve: bool,
                       now: datetime) -> tuple[Plan, Decisions]:
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
            plan = plan.model_copy(update={"meetings": [moved if m.key == meeting_key else m
                                                        for m in plan.meetings]})
            out.state.attention = [a for a in out.state.attention if not a.startswith(f"meeting {meeting_key}: ")]
            meeting_state.rsvps.clear()  # a new time: everyone is asked again
            out.audit.append((None, f"owner approved {attendee}'s new time for {meeting_key} "
                                    f"({proposed.isoformat()}); meeting moved"))
            self._settle(plan, out, now, time_passes=False)
        else:
            people = (attendee,)
            out.invites.append(Invite(meeting_key, "DECLINECOUNTER", max(meeting_state.sequence, 0), people, people,
                                      self._send_time(now, self._owner_zone(plan))))
            out.audit.append((None, f"owner rejected {attendee}'s new time for {meeting_key}; DECLINECOUNTER queued"))
            self._settle(plan, out, now, time_passes=False)
        return plan, out

    def _meeting_answer(self, plan: Plan, out: Decisions, meeting: Meeting, attendee: str, partstat: str,
                        before: str | None, proposed: datetime | None, now: datetime) -> None:
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
        facts: dict[str, Any] = {"meeting": {"title": meeting.title, "key": meeting.key,
                                             "start": self._instant(plan, meeting.start)},
                                 "attendee": {"name": name, "email": attendee}, "answer": partstat.lower(),
                                 "proposed": None, "decide": None}
        if partstat == "COUNTER":
            if proposed is None:
                self._attention(out, about, phrase("attention.meeting_proposed_unknown"))
            else:
                self._attention(out, about, phrase("attention.meeting_proposed", when=proposed, plan=plan.id,
                                                   meeting=meeting.key))
                facts["proposed"] = proposed
                facts["decide"] = {"approve": f"followthru decide {plan.id} {meeting.key} approve",
                                   "reject": f"followthru decide {plan.id} {meeting.key} reject"}
        else:
            self._attention(out, about, phrase(NOTICED[partstat]))
        out.sends.append(Send("owner_meeting_answer", OWNER, self._send_time(now, self._owner_zone(plan)),
                              about=resource.id if resource else None, facts=facts))

    def update(self, old: Plan, new: Plan, state: PlanState, now: datetime) -> Decisions:
        """A new version of a plan: contact only the people it changes things for."""
        out = Decisions(copy.deepcopy(state))
        if new.plan.status == "cancelled":
            return self._cancel(new, out, now)
        out.state.state = "active" if out.state.state in ("committed", "closed") else out.state.state
        old_ids = {r.id for r in old.resources}
        new_ids = {r.id for r in new.resources}
        for resource_id in sorted(old_ids - new_ids):
            commitment = out.state.commitments.get(resource_id)
            if commitment and commitment.state not in ENDED:
                commitment.state = "withdrawn"
                out.withdraw.append(resource_id)
                out.sends.append(self._to_resource(old, "released", commitment, now, reason="removed"))
                out.audit.append((resource_id, "removed from the plan; release notice queued"))
        for resource in new.resources:
            commitment = out.state.commitments.get(resource.id)
            if commitment is None:
                if not resource.standby:
                    if self._past_due(new, resource, None, now):
                        self._not_asked(new, out, resource, now)
                    else:
                        self._ask(new, out, resource, now, kind="request")
                        out.audit.append((resource.id, "added to the plan; request queued"))
                continue
            if commitment.state in ENDED:
                continue
            if self._terms(new, resource, commitment) != commitment.terms:
                if self._past_due(new, resource, commitment.stands_in_for, now):
                    self._not_asked(new, out, resource, now)  # their last answer stands until the owner acts
                    continue
                out.withdraw.append(resource.id)
                # A backup is asked again as a backup: the same words, so the same conversation subject.
                root = commitment.stands_in_for
                if root:
                    self._ask(new, out, resource, now, kind="backup_request", stands_in_for=root,
                              replaces={"name": self._name(new, root), "reason": None})
                else:
                    self._ask(new, out, resource, now, kind="request")
                # Until they answer the new terms, they stay on the meetings they committed to.
                out.state.commitments[resource.id].was_accepted = commitment.state == "accepted"
                out.audit.append((resource.id, "asks or dates changed; new request queued"))
        if out.state.commitments and any(r.id not in old_ids for r in new.resources):
            out.state.milestones = [m for m in out.state.milestones if m != "all_committed"]
        before = {m.key: m for m in old.meetings}
        for meeting in new.meetings:
            meeting_state = out.state.meetings.get(meeting.key)
            if meeting_state is not None and meeting.key in before and _timing(before[meeting.key]) != _timing(meeting):
                meeting_state.rsvps.clear()  # a new time invalidates every answer (RFC 5546 3.2.2)
                out.state.attention = [a for a in out.state.attention if not a.startswith(f"meeting {meeting.key}: ")]
        self._settle(new, out, now)
        return out

    # -- time ----------------------------------------------------------------------------------
    def _tick_commitment(self, plan: Plan, out: Decisions, commitment: Commitment, now: datetime) -> None:
        if commitment.state in ENDED:
            return
        resource = plan.resource(commitment.resource_id)
        zone = self._zone(plan, resource)
        if commitment.state == "scheduled":
            if commitment.requested_at and now >= commitment.requested_at:
                commitment.state = "requested"
            else:
                out.wake(commitment.requested_at)
                return
        if commitment.state in ("requested", "tentative", "away"):
            deadline = self._deadline(plan, resource, commitment)
            if commitment.state == "away" and commitment.away_until:
                back = self._back_at(commitment.away_until, zone)
                if now < back:
                    out.wake(min(back, deadline))
                    if now < deadline:
                        return
            if now >= deadline:
                commitment.state = "expired"
                commitment.updated_at = now
                out.audit.append((resource.id, "no answer by the deadline: expired"))
                if out.catching_up(deadline):
                    # Missed while the daemon was down: one line in the owner's catch-up notice.
                    outcome = self._hand_over(plan, out, commitment, now, "expired")
                    out.lapse(deadline, phrase("lapsed.expired", name=resource.name, deadline=deadline,
                                               outcome=outcome))
                else:
                    self._drop_out(plan, out, commitment, now, "owner_no_answer", "", deadline=deadline)
                return
            self._nudge(plan, out, commitment, resource, now, deadline, zone)
            out.wake(deadline)
        if commitment.state == "accepted" and not commitment.due_reminded:
            due = self._due(plan, commitment)
            if due is None or now >= due:
                return
            moment = self._due_reminder_moment(due, zone)
            if now >= moment:
                if self._in_window(now, zone):
                    commitment.due_reminded = True
                    out.sends.append(self._to_resource(plan, "due_reminder", commitment, now))
                    out.audit.append((resource.id, "due-date reminder queued"))
                else:
                    out.wake(self.clock.next_window(now, zone))
            else:
                out.wake(moment)

    def _nudge(self, plan: Plan, out: Decisions, commitment: Commitment, resource: Resource, now: datetime,
               deadline: datetime, zone: ZoneInfo) -> None:
        """Reminders after the request and last calls before the deadline, each once, in the window."""
        reminders = self.config.reminders
        commitment.reminders_sent, commitment.last_calls_sent, due = self._pending_nudges(commitment, deadline, zone,
                                                                                          now)
        ready = [(moment, kind) for moment, kind in due if now >= moment]
        for moment, _ in due:
            if now < moment:
                out.wake(moment)
        if not ready:
            return
        if not self._in_window(now, zone):
            out.wake(self.clock.next_window(now, zone))
            return
        # When a last call is due, a reminder still pending is pointless: the last call replaces it.
        kind = "last_call" if any(k == "last_call" for _, k in ready) else "reminder"
        if kind == "reminder":
            commitment.reminders_sent += 1
        else:
            commitment.last_calls_sent += 1
            commitment.reminders_sent = len(reminders.after_request)
        out.sends.append(self._to_resource(plan, kind, commitment, now, requested_on=commitment.requested_at))
        out.audit.append((resource.id, kind.replace("_", " ") + " queued"))
        out.wake(now + timedelta(minutes=1))

    def _pending_nudges(self, commitment: Commitment, deadline: datetime, zone: ZoneInfo,
                        now: datetime) -> tuple[int, int, list[tuple[datetime, str]]]:
        """The next reminder and the next last call still to go, as (moment, kind), with the counts of
        each that are done or skipped; the commitment itself is not changed."""
        reminders = self.config.reminders
        requested = commitment.requested_at or now
        reminders_sent, last_calls_sent = commitment.reminders_sent, commitment.last_calls_sent
        due: list[tuple[datetime, str]] = []
        # A nudge that would fall at or before the request itself went out is dropped: the
        # request states the deadline, and a second message with it at once is noise.
        while reminders_sent < len(reminders.after_request):
            moment = self._reminder_moment(requested, reminders.after_request[reminders_sent], deadline, zone)
            if moment is not None:
                due.append((moment, "reminder"))
                break
            reminders_sent += 1
        last_calls = sorted(self._last_call_moment(deadline, offset, zone) for offset in reminders.before_deadline)
        while last_calls_sent < len(last_calls) and last_calls[last_calls_sent] <= requested:
            last_calls_sent += 1
        if last_calls_sent < len(last_calls):
            due.append((last_calls[last_calls_sent], "last_call"))
        return reminders_sent, last_calls_sent, due

    def next_step(self, plan: Plan, commitment: Commitment, now: datetime) -> tuple[str, datetime | None] | None:
        """What happens next for one commitment and when, by the rules the decisions follow:
        ``request``, ``reminder``, ``last_call``, ``deadline`` (their answer is due), ``back`` (from
        an absence), ``due_reminder``, ``due`` (the work is due), or ``owner`` (a counter-proposal or a
        question waits on the owner; no time). None once nothing more happens."""
        if commitment.state in ENDED or commitment.resource_id not in {r.id for r in plan.resources}:
            return None
        resource = plan.resource(commitment.resource_id)
        zone = self._zone(plan, resource)
        if commitment.state == "scheduled":
            return "request", commitment.requested_at
        if commitment.state in ("countered", "question"):
            return "owner", None
        if commitment.state in ("requested", "tentative", "away"):
            deadline = self._deadline(plan, resource, commitment)
            if commitment.state == "away" and commitment.away_until:
                back = self._back_at(commitment.away_until, zone)
                if now < back < deadline:
                    return "back", back
            _, _, due = self._pending_nudges(commitment, deadline, zone, now)
            steps = [(max(self.clock.next_window(moment, zone), now), kind) for moment, kind in due] + \
                [(deadline, "deadline")]
            moment, kind = min(steps, key=lambda step: step[0])
            return kind, moment
        if commitment.state == "accepted":
            due = self._due(plan, commitment)
            if due is None or now >= due:
                return None
            if commitment.due_reminded:
                return "due", due
            return "due_reminder", max(self.clock.next_window(self._due_reminder_moment(due, zone), zone), now)
        return None

    def _back_at(self, away_until: date, zone: ZoneInfo) -> datetime:
        """When someone away is counted back: the opening of the send window on their return date."""
        return datetime.combine(away_until, self.config.schedule.send_from, tzinfo=zone)

    def _due_reminder_moment(self, due: datetime, zone: ZoneInfo) -> datetime:
        """When the reminder before a due date goes: ``reminders.before_due`` before it (a business-day
        offset at the window's opening), in the last send window before that."""
        offset = self.config.reminders.before_due
        moment = self.clock.subtract(due, offset, zone)
        if offset.business_days:
            moment = datetime.combine(moment.date(), self.config.schedule.send_from, tzinfo=zone)
        # Due on a day off or outside the window: the reminder goes in the last window before.
        return self.clock.last_window(moment, zone, offset.clock)

    def _reminder_moment(self, requested: datetime, offset: Offset, deadline: datetime,
                         zone: ZoneInfo) -> datetime | None:
        """When a reminder after the request goes: the next window from its offset, or the last
        window before it when the next one opens only after the deadline; None when that is no
        later than the request or no earlier than the deadline."""
        planned = self.clock.add(requested, offset, zone)
        moment = self.clock.next_window(planned, zone)
        if moment >= deadline:
            moment = self.clock.last_window(planned, zone, offset.clock)
        return moment if requested < moment < deadline else None

    def _last_call_moment(self, deadline: datetime, offset: Offset, zone: ZoneInfo) -> datetime:
        """When a last call goes: ``offset`` before the deadline, or in the last send window
        before that (a Saturday deadline gets its last call on Friday, ``offset`` before the
        window closes; a business-day offset, at the window's opening)."""
        return self.clock.last_window(self.clock.subtract(deadline, offset, zone), zone, offset.clock)

    # -- reluctance and contingencies ---------------------------------------------------------
    def _away(self, plan: Plan, out: Decisions, commitment: Commitment, resource: Resource, answer: Answer,
              now: datetime) -> None:
        if answer.return_date is None:
            out.audit.append((resource.id, "automatic reply without a return date; reminders go on"))
            commitment.intent = "auto_reply"
            return
        deadline = self._deadline(plan, resource, commitment)
        handover = answer.return_date > deadline.astimezone(self._zone(plan, resource)).date()
        commitment.state = "away"
        commitment.away_until = answer.return_date
        out.sends.append(self._owner_notice(plan, out, "owner_away", resource.id, now, answer.words,
                                            return_date=answer.return_date, handover=handover))
        if handover:
            self._hand_over(plan, out, commitment, now, "away")

    def _drop_out(self, plan: Plan, out: Decisions, commitment: Commitment, now: datetime, notice: str,
                  words: str, **facts: Any) -> None:
        out.sends.append(self._owner_notice(plan, out, notice, commitment.resource_id, now, words, **facts))
        self._hand_over(plan, out, commitment, now, commitment.state)

    def _hand_over(self, plan: Plan, out: Decisions, commitment: Commitment, now: datetime, why: str) -> Phrase:
        """Ask the next backup; with none left, or when the work is due before the request could
        go out, the plan is at risk and the owner must act. Returns what happened, as a clause
        for the owner ("Pat Backup was asked instead, by ...")."""
        backup = self._next_backup(plan, out.state, commitment)
        name = self._name(plan, commitment.resource_id)
        reason = phrase(f"reason.{why}")
        root = commitment.stands_in_for or commitment.resource_id
        owner = plan.owner.name
        if backup is None:
            self._attention(out, commitment.resource_id, phrase("attention.no_backup", reason=reason))
            self._milestone(plan, out, "at_risk", now, repeat=True,
                            news=phrase("news.no_backup", name=name, reason=reason, owner=owner))
            return phrase("outcome.no_backup")
        if self._past_due(plan, backup, root, now):
            # Nobody is asked to do work whose due date has passed: the owner decides what now.
            self._attention(out, commitment.resource_id, phrase("attention.past_due", reason=reason,
                                                                backup=backup.name))
            self._milestone(plan, out, "at_risk", now, repeat=True,
                            news=phrase("news.past_due", name=name, reason=reason, owner=owner))
            return phrase("outcome.past_due", backup=backup.name)
        commitment.state = "replaced"
        self._ask(plan, out, backup, now, kind="backup_request", stands_in_for=root,
                  replaces={"name": name, "reason": reason})
        out.audit.append((commitment.resource_id, f"replaced: backup request to {backup.name} queued"))
        self._milestone(plan, out, "dropped_out", now, repeat=True,
                        news=phrase("news.backup_asked", name=name, reason=reason, backup=backup.name))
        asked = self._deadline(plan, backup, out.state.commitments[backup.id])
        return phrase("outcome.backup_asked", backup=backup.name, deadline=asked)

    def _past_due(self, plan: Plan, resource: Resource, stands_in_for: str | None, now: datetime) -> bool:
        """Whether the work asked of ``resource`` is due at or before a request to them could go out."""
        due = self._work_due(plan, resource, stands_in_for)
        return due is not None and due <= self._send_time(now, self._zone(plan, resource))

    def _not_asked(self, plan: Plan, out: Decisions, resource: Resource, now: datetime) -> None:
        """``resource`` is not asked: their due date passes before the request could go out."""
        self._attention(out, resource.id, phrase("attention.not_asked"))
        out.audit.append((resource.id, "not asked: the due date has passed"))
        self._milestone(plan, out, "at_risk", now, repeat=True,
                        news=phrase("news.not_asked", name=resource.name, owner=plan.owner.name))

    def _next_backup(self, plan: Plan, state: PlanState, commitment: Commitment) -> Resource | None:
        root = plan.resource(commitment.stands_in_for or commitment.resource_id)
        chain = list(root.backups) + list(plan.resource(commitment.resource_id).backups)
        for backup_id in chain:
            if backup_id not in state.commitments:
                return plan.resource(backup_id)
        return None

    def _cancel(self, plan: Plan, out: Decisions, now: datetime) -> Decisions:
        if out.state.state == "cancelled":
            return out
        out.state.state = "cancelled"
        for commitment in out.state.commitments.values():
            if commitment.state not in ENDED:
                commitment.state = "withdrawn"
                out.sends.append(self._to_resource(plan, "released", commitment, now, reason="cancelled"))
        out.withdraw.append("*")
        out.audit.append((None, "plan cancelled"))
        self._milestone(plan, out, "cancelled", now, news=phrase("news.cancelled", owner=plan.owner.name))
        self._meetings(plan, out, now, cancel_all=True)
        return out

    # -- settling: completion, meetings, close ---------------------------------------------------
    def _settle(self, plan: Plan, out: Decisions, now: datetime, time_passes: bool = True) -> None:
        """After any change: what time has made due, completion, meetings, closing, the next wake-up.

        An answer (``time_passes=False``) changes state only: reminders, last calls and deadlines
        wait for the next tick, which comes after every answer already received has been applied,
        so nobody is reminded of a request their answer to is still waiting in the inbox."""
        state = out.state
        if time_passes:
            for commitment in list(state.commitments.values()):
                self._tick_commitment(plan, out, commitment, now)
        else:
            out.wake(now)
        active = [c for c in state.commitments.values() if c.state not in ENDED]
        if state.state == "active" and active and all(c.state == "accepted" for c in active):
            state.state = "committed"
            if "all_committed" not in state.milestones:
                state.milestones.append("all_committed")
                out.audit.append((None, "everyone committed: summary queued"))
                moment = self._send_time(now, self._owner_zone(plan))
                for commitment in active:
                    out.sends.append(Send("all_committed", resource_to(commitment.resource_id), moment))
                out.sends.append(Send("all_committed", OWNER, moment))
                for index, stakeholder in enumerate(plan.stakeholders):
                    if "all_committed" in stakeholder.updates:
                        out.sends.append(Send("all_committed", stakeholder_to(index), moment))
        elif state.state == "committed" and not all(c.state == "accepted" for c in active):
            state.state = "active"
        self._meetings(plan, out, now)
        for commitment in state.commitments.values():
            step = self.next_step(plan, commitment, now)
            commitment.next_step, commitment.next_at = step if step is not None else (None, None)
        close_at = self._close_at(plan, state)
        if state.state in ("active", "committed") and close_at is not None:
            if now >= close_at:
                state.state = "closed"
                out.audit.append((None, "plan closed: past the last due date and meeting"))
                self._milestone(plan, out, "closed", now, news=phrase("news.closed"))
            else:
                out.wake(close_at)

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
            fingerprint = _fingerprint(meeting)
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
            out.audit.append((None, f"meeting {key}: invitation sequence {meeting_state.sequence} queued for "
                                    f"{len(people)} attendees"))
            meeting_state.attendees = list(people)
            meeting_state.fingerprint = fingerprint

    def _attendees(self, plan: Plan, state: PlanState, meeting: Meeting) -> list[str]:
        active = {c.resource_id: c for c in state.commitments.values() if c.state not in ENDED}
        committed = {rid for rid, c in active.items() if c.state == "accepted" or c.was_accepted}
        return meeting_attendees(plan, meeting, self.config.calendar.attendees, set(active), committed)

    def _close_at(self, plan: Plan, state: PlanState) -> datetime | None:
        moments = [self._due(plan, c) for c in state.commitments.values() if c.state not in ENDED]
        zone = self._plan_zone(plan)
        for meeting in plan.meetings:
            moments.append(_meeting_end(meeting, zone))
        moments = [m for m in moments if m is not None]
        return max(moments) if moments else None

    def _lapsed_dates(self, plan: Plan, out: Decisions, now: datetime) -> None:
        """Due dates and meetings that passed while the daemon was down, as lines for the owner."""
        for commitment in out.state.commitments.values():
            if commitment.state not in OPEN + ("accepted",):
                continue  # the owner heard already (or hears in this catch-up) that they dropped out
            due = self._due(plan, commitment)
            value = self._due_value(plan, commitment)
            if due is not None and value is not None and out.catching_up(due) and due <= now:
                out.lapse(due, phrase("lapsed.due", name=self._name(plan, commitment.resource_id), due=value,
                                      state=phrase(f"state.{commitment.state}")))
        zone = self._plan_zone(plan)
        assert out.since is not None
        for meeting in plan.meetings:
            sent = out.state.meetings.get(meeting.key)
            if sent is None or sent.sequence < 0 or sent.cancelled:
                continue  # no invitation went out: nobody had it on their calendar
            starts, more = _occurrences(meeting, zone, out.since, now, shown=3)
            if starts:
                out.lapse(starts[0], phrase("lapsed.meeting_more" if more else "lapsed.meeting", title=meeting.title,
                                            times=starts, more=more))

    # -- building messages -------------------------------------------------------------------------
    def _ask(self, plan: Plan, out: Decisions, resource: Resource, now: datetime, kind: str,
             stands_in_for: str | None = None, deadline: datetime | None = None, **facts: Any) -> None:
        """Ask ``resource`` (a request, a backup request, a request again after a change).

        Nobody is asked to answer by a time already past when the message goes out: when the
        plan's deadline for them is at or before that moment, they get one of their own,
        ``REASK_DEADLINE`` after it in their timezone, no later than the work's due time.
        """
        zone = self._zone(plan, resource)
        moment = self._send_time(now, zone)
        if deadline is None and self._deadline(plan, resource) <= moment:
            deadline = self.clock.add(moment, REASK_DEADLINE, zone)
            due = self._work_due(plan, resource, stands_in_for)
            deadline = min(deadline, due) if due is not None else deadline
        commitment = Commitment(resource.id, state="scheduled" if moment > now else "requested",
                                stands_in_for=stands_in_for, requested_at=moment, updated_at=now, deadline=deadline)
        commitment.terms = self._terms(plan, resource, commitment)
        out.state.commitments[resource.id] = commitment
        out.sends.append(self._to_resource(plan, kind, commitment, now, **facts))

    def _to_resource(self, plan: Plan, kind: str, commitment: Commitment, now: datetime, **facts: Any) -> Send:
        resource = plan.resource(commitment.resource_id)
        facts = {"stands_in_for": commitment.stands_in_for, "agreed_due": commitment.agreed_due,
                 "deadline": commitment.deadline, "ask": commitment.terms, **facts}
        return Send(kind, resource_to(resource.id), self._send_time(now, self._zone(plan, resource)),
                    about=resource.id, facts=facts)

    def _owner_notice(self, plan: Plan, out: Decisions, kind: str, resource_id: str, now: datetime, words: str,
                      **facts: Any) -> Send:
        commitment = out.state.commitments.get(resource_id)
        backup = self._next_backup(plan, out.state, commitment) if commitment and kind in (
            "owner_declined", "owner_bounced", "owner_no_answer", "owner_away") else None
        if backup is not None and self._past_due(plan, backup, commitment.stands_in_for or resource_id, now):
            backup = None  # the work is due before they could be asked: nobody will be
        facts = {"their_words": words, "backup": {"name": backup.name} if backup else None, **facts}
        return Send(kind, OWNER, self._send_time(now, self._owner_zone(plan)), about=resource_id, facts=facts)

    def _milestone(self, plan: Plan, out: Decisions, milestone: str, now: datetime, news: Phrase,
                   repeat: bool = False) -> None:
        if milestone in out.state.milestones and not repeat:
            return
        if milestone not in out.state.milestones:
            out.state.milestones.append(milestone)
        for index, stakeholder in enumerate(plan.stakeholders):
            if milestone in stakeholder.updates and milestone != "all_committed":
                zone = ZoneInfo(stakeholder.timezone) if stakeholder.timezone else self._plan_zone(plan)
                out.sends.append(Send("stakeholder_update", stakeholder_to(index), self._send_time(now, zone),
                                      facts={"milestone": milestone, "news": news}))

    def _attention(self, out: Decisions, about: str, said: Phrase) -> None:
        """One line of what needs the owner, ``about`` a resource id (or ``meeting KEY: EMAIL``),
        kept in English: ``status`` shows it and the digest words it again (phrases.reread)."""
        # A meeting's line reads "meeting KEY: EMAIL what"; a resource's "ID: what".
        line = f"{about}{' ' if about.startswith('meeting ') else ': '}{english(said)}"
        if line not in out.state.attention:
            out.state.attention.append(line)

    def _clear_attention(self, out: Decisions, resource_id: str) -> None:
        out.state.attention = [a for a in out.state.attention if not a.startswith(f"{resource_id}:")]

    # -- small facts ---------------------------------------------------------------------------------
    def _terms(self, plan: Plan, resource: Resource, commitment: Commitment) -> str:
        source = plan.resource(commitment.stands_in_for) if commitment.stands_in_for and not resource.asks \
            else resource
        return _digest([list(source.asks), str(resource.due or source.due), str(plan.respond_by(resource))])

    def _deadline(self, plan: Plan, resource: Resource, commitment: Commitment | None = None) -> datetime:
        if commitment is not None and commitment.deadline is not None:
            return commitment.deadline
        return self._instant(plan, plan.respond_by(resource))

    def _due(self, plan: Plan, commitment: Commitment) -> datetime | None:
        if commitment.agreed_due is not None:
            return self._instant(plan, due_moment(commitment.agreed_due))
        return self._work_due(plan, plan.resource(commitment.resource_id), commitment.stands_in_for)

    def _work_due(self, plan: Plan, resource: Resource, stands_in_for: str | None) -> datetime | None:
        """When the plan says ``resource``'s asks are due (a backup's own, or those of whom they
        stand in for), as an instant; None when no due date applies."""
        due = resource.due
        if due is None and stands_in_for:
            due = plan.resource(stands_in_for).due
        return None if due is None else self._instant(plan, due_moment(due))

    def _due_value(self, plan: Plan, commitment: Commitment) -> date | datetime | None:
        """The due date or time as written (a date stays a date), for showing to people."""
        due = commitment.agreed_due or plan.resource(commitment.resource_id).due
        if due is None and commitment.stands_in_for:
            due = plan.resource(commitment.stands_in_for).due
        return due

    def _instant(self, plan: Plan, moment: datetime) -> datetime:
        """A plan time as an instant: written without an offset, it is in the plan's timezone."""
        return moment if moment.tzinfo else moment.replace(tzinfo=self._plan_zone(plan))

    def _send_time(self, now: datetime, zone: ZoneInfo) -> datetime:
        return self.clock.next_window(now, zone)

    def _in_window(self, now: datetime, zone: ZoneInfo) -> bool:
        return self.clock.next_window(now, zone) == now

    def _plan_zone(self, plan: Plan) -> ZoneInfo:
        return ZoneInfo(plan.plan.timezone) if plan.plan.timezone else self.default_zone

    def _zone(self, plan: Plan, resource: Resource) -> ZoneInfo:
        return ZoneInfo(resource.timezone) if resource.timezone else self._plan_zone(plan)

    def _owner_zone(self, plan: Plan) -> ZoneInfo:
        return ZoneInfo(plan.owner.timezone) if plan.owner.timezone else self._plan_zone(plan)

    def _name(self, plan: Plan, resource_id: str) -> str:
        return next((r.name for r in plan.resources if r.id == resource_id), resource_id)


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
            who, _, rest = line[len(prefix):].partition(" proposed ")
            try:
                found.append((who, datetime.fromisoformat(rest.split(" ")[0])))
            except ValueError:
                continue
    return found


def _timing(meeting: Meeting) -> tuple[Any, ...]:
    """What an attendee's answer depends on: start, duration and recurrence."""
    return (meeting.start, meeting.duration, meeting.repeat, meeting.count, meeting.until)


def started_news(plan: Plan) -> Phrase:
    """The stakeholders' one sentence when a plan starts."""
    return phrase("news.started", owner=plan.owner.name, names=[r.name for r in plan.resources if not r.standby])


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _fingerprint(meeting: Meeting) -> str:
    return _digest(meeting.model_dump(mode="json", exclude={"attendees"}))


def _occurrences(meeting: Meeting, zone: ZoneInfo, after: datetime, until: datetime,
                 shown: int) -> tuple[list[datetime], int]:
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
        limit = meeting.until if isinstance(meeting.until, datetime) else \
            datetime.combine(meeting.until, time(23, 59), tzinfo=zone)
        limit = limit if limit.tzinfo else limit.replace(tzinfo=zone)
    found: list[datetime] = []
    for occurrence in islice(rrulestr(rule, dtstart=start, ignoretz=False).xafter(after), shown + 1000):
        if occurrence > until or (limit is not None and occurrence > limit):
            break
        found.append(occurrence)
    return found[:shown], len(found) - len(found[:shown])


def _meeting_end(meeting: Meeting, zone: ZoneInfo) -> datetime:
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
