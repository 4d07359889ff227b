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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from followthru.config import Config
from followthru.durations import Offset
from followthru.plan import REPEATS, Meeting, Plan, Resource, due_moment
from followthru.schedule import BusinessClock

OPEN = ("scheduled", "requested", "tentative", "question", "countered", "away")
ENDED = ("replaced", "withdrawn")
HANDOVER_REASONS = {"declined": "declined", "bounced": "could not be reached", "expired": "did not answer",
                    "away": "is away past the deadline", "rejected": "proposed terms that did not work"}

OWNER = "owner"
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


@dataclass
class Decisions:
    state: PlanState
    sends: list[Send] = field(default_factory=list)
    invites: list[Invite] = field(default_factory=list)
    withdraw: list[str] = field(default_factory=list)
    audit: list[tuple[str | None, str]] = field(default_factory=list)
    next_wake: datetime | None = None

    def wake(self, moment: datetime | None) -> None:
        if moment is not None and (self.next_wake is None or moment < self.next_wake):
            self.next_wake = moment


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
        self.clock = BusinessClock(config.schedule)
        self.default_zone = ZoneInfo(config.schedule.timezone)

    # -- entry points ------------------------------------------------------------------------
    def start(self, plan: Plan, now: datetime) -> Decisions:
        """A new plan: ask every non-standby resource, tell stakeholders, plan the meetings."""
        out = Decisions(PlanState(plan.id))
        out.audit.append((None, f"plan started (version with {len(plan.resources)} resources)"))
        for resource in plan.resources:
            if not resource.standby:
                self._ask(plan, out, resource, now, kind="request")
        self._milestone(plan, out, "started", now, news=started_news(plan))
        self._settle(plan, out, now)
        return out

    def tick(self, plan: Plan, state: PlanState, now: datetime) -> Decisions:
        """Time passing: scheduled requests go out, reminders, last calls, deadlines, due-date nudges."""
        out = Decisions(copy.deepcopy(state))
        if out.state.state not in ("cancelled", "closed"):
            self._settle(plan, out, now)
        return out

    def reply(self, plan: Plan, state: PlanState, resource_id: str, answer: Answer, now: datetime) -> Decisions:
        """A resource's reply, already matched to them and verified."""
        out = Decisions(copy.deepcopy(state))
        commitment = out.state.commitments.get(resource_id)
        if commitment is not None and commitment.intent == "bounce" and answer.intent == "bounce":
            out.audit.append((resource_id, "another bounce for an address that bounced already"))
            return out  # one message often bounces per recipient: the owner heard of it once
        if commitment is None or commitment.state in ENDED or out.state.state in ("cancelled", "closed"):
            out.audit.append((resource_id, f"reply ({answer.intent}) after the request was closed; owner told"))
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
            out.state.attention.append(f"{resource_id}: proposed other terms")
            decide = {"approve": f"followthru decide {plan.id} {resource_id} approve",
                      "reject": f"followthru decide {plan.id} {resource_id} reject"}
            out.sends.append(self._owner_notice(plan, out, "owner_counter", resource_id, now, answer.words,
                                                proposed=answer.proposed_date or "see their words", decide=decide))
        elif intent == "question":
            commitment.state = "question"
            out.state.attention.append(f"{resource_id}: asked a question")
            out.sends.append(self._owner_notice(plan, out, "owner_question", resource_id, now, answer.words))
        elif intent == "auto_reply":
            self._away(plan, out, commitment, resource, answer, now)
        else:
            out.sends.append(self._owner_notice(plan, out, "owner_unmatched", resource_id, now, answer.words,
                                                reason="unclear", claimed=resource.name))
            out.state.attention.append(f"{resource_id}: unclear reply")
        self._settle(plan, out, now)
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
        self._settle(plan, out, now)
        return out

    def rsvp(self, plan: Plan, state: PlanState, meeting_key: str, attendee: str, partstat: str,
             now: datetime) -> Decisions:
        out = Decisions(copy.deepcopy(state))
        meeting = out.state.meetings.get(meeting_key)
        if meeting is not None:
            meeting.rsvps[attendee.lower()] = partstat
            out.audit.append((None, f"RSVP {partstat} from {attendee} for {meeting_key}"))
        if out.state.state not in ("cancelled", "closed"):
            self._settle(plan, out, now)  # keeps the plan's next wake-up: reminders go on
        return out

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
                out.audit.append((resource_id, "removed from the plan; released"))
        for resource in new.resources:
            commitment = out.state.commitments.get(resource.id)
            if commitment is None:
                if not resource.standby:
                    self._ask(new, out, resource, now, kind="request")
                    out.audit.append((resource.id, "added to the plan; asked"))
                continue
            if commitment.state in ENDED:
                continue
            if self._terms(new, resource, commitment) != commitment.terms:
                out.withdraw.append(resource.id)
                zone = self._zone(new, resource)
                moment = self._send_time(now, zone)
                # When the plan's reply deadline has passed, the new terms get a fair one of their own.
                deadline = self.clock.add(moment, REASK_DEADLINE, zone) \
                    if self._deadline(new, resource) <= moment else None
                self._ask(new, out, resource, now, kind="request", stands_in_for=commitment.stands_in_for,
                          deadline=deadline)
                # Until they answer the new terms, they stay on the meetings they committed to.
                out.state.commitments[resource.id].was_accepted = commitment.state == "accepted"
                out.audit.append((resource.id, "asks or dates changed; asked again"))
        if out.state.commitments and any(r.id not in old_ids for r in new.resources):
            out.state.milestones = [m for m in out.state.milestones if m != "all_committed"]
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
                back = datetime.combine(commitment.away_until, self.config.schedule.send_from, tzinfo=zone)
                if now < back:
                    out.wake(min(back, deadline))
                    if now < deadline:
                        return
            if now >= deadline:
                commitment.state = "expired"
                commitment.updated_at = now
                out.audit.append((resource.id, "no answer by the deadline: expired"))
                self._drop_out(plan, out, commitment, now, "owner_no_answer", "", deadline=deadline)
                return
            self._nudge(plan, out, commitment, resource, now, deadline, zone)
            out.wake(deadline)
        if commitment.state == "accepted" and not commitment.due_reminded:
            due = self._due(plan, commitment)
            if due is None or now >= due:
                return
            offset = self.config.reminders.before_due
            moment = self.clock.subtract(due, offset, zone)
            if offset.business_days:
                moment = datetime.combine(moment.date(), self.config.schedule.send_from, tzinfo=zone)
            if now >= moment:
                if self._in_window(now, zone):
                    commitment.due_reminded = True
                    out.sends.append(self._to_resource(plan, "due_reminder", commitment, now))
                    out.audit.append((resource.id, "due-date reminder"))
                else:
                    out.wake(self.clock.next_window(now, zone))
            else:
                out.wake(moment)

    def _nudge(self, plan: Plan, out: Decisions, commitment: Commitment, resource: Resource, now: datetime,
               deadline: datetime, zone: ZoneInfo) -> None:
        """Reminders after the request and last calls before the deadline, each once, in the window."""
        reminders = self.config.reminders
        due: list[tuple[datetime, str]] = []
        if commitment.reminders_sent < len(reminders.after_request) and commitment.requested_at:
            due.append((self.clock.add(commitment.requested_at, reminders.after_request[commitment.reminders_sent],
                                       zone), "reminder"))
        if commitment.last_calls_sent < len(reminders.before_deadline):
            offsets = sorted(reminders.before_deadline, key=lambda o: self.clock.subtract(deadline, o, zone))
            due.append((self.clock.subtract(deadline, offsets[commitment.last_calls_sent], zone), "last_call"))
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
        out.audit.append((resource.id, kind.replace("_", " ")))
        out.wake(now + timedelta(minutes=1))

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

    def _hand_over(self, plan: Plan, out: Decisions, commitment: Commitment, now: datetime, why: str) -> None:
        """Ask the next backup; with none left, the plan is at risk and the owner must act."""
        backup = self._next_backup(plan, out.state, commitment)
        name = self._name(plan, commitment.resource_id)
        if backup is None:
            out.state.attention.append(f"{commitment.resource_id}: {HANDOVER_REASONS.get(why, why)}, no backup left")
            self._milestone(plan, out, "at_risk", now, news=f"{name} {HANDOVER_REASONS.get(why, why)} "
                            "and no backup is left; the owner is on it.", repeat=True)
            return
        commitment.state = "replaced"
        root = commitment.stands_in_for or commitment.resource_id
        self._ask(plan, out, backup, now, kind="backup_request", stands_in_for=root,
                  replaces={"name": name, "reason": HANDOVER_REASONS.get(why, why)})
        out.audit.append((commitment.resource_id, f"replaced: {backup.name} asked"))
        self._milestone(plan, out, "dropped_out", now, repeat=True,
                        news=f"{name} {HANDOVER_REASONS.get(why, why)}; {backup.name} was asked to step in.")

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
        self._milestone(plan, out, "cancelled", now, news=f"{plan.owner.name} cancelled the plan.")
        self._meetings(plan, out, now, cancel_all=True)
        return out

    # -- settling: completion, meetings, close ---------------------------------------------------
    def _settle(self, plan: Plan, out: Decisions, now: datetime) -> None:
        """After any change: what time has made due, completion, meetings, closing, the next wake-up."""
        state = out.state
        for commitment in list(state.commitments.values()):
            self._tick_commitment(plan, out, commitment, now)
        active = [c for c in state.commitments.values() if c.state not in ENDED]
        if state.state == "active" and active and all(c.state == "accepted" for c in active):
            state.state = "committed"
            if "all_committed" not in state.milestones:
                state.milestones.append("all_committed")
                out.audit.append((None, "everyone committed: summary sent"))
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
        close_at = self._close_at(plan, state)
        if state.state in ("active", "committed") and close_at is not None:
            if now >= close_at:
                state.state = "closed"
                out.audit.append((None, "plan closed: past the last due date and meeting"))
                self._milestone(plan, out, "closed", now, news="The plan is complete: every due date and "
                                "meeting has passed.")
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
            out.invites.append(Invite(key, "REQUEST", meeting_state.sequence, people, people, moment))
            out.audit.append((None, f"meeting {key}: invitation sequence {meeting_state.sequence} to "
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

    # -- building messages -------------------------------------------------------------------------
    def _ask(self, plan: Plan, out: Decisions, resource: Resource, now: datetime, kind: str,
             stands_in_for: str | None = None, deadline: datetime | None = None, **facts: Any) -> None:
        moment = self._send_time(now, self._zone(plan, resource))
        commitment = Commitment(resource.id, state="scheduled" if moment > now else "requested",
                                stands_in_for=stands_in_for, requested_at=moment, updated_at=now, deadline=deadline)
        commitment.terms = self._terms(plan, resource, commitment)
        out.state.commitments[resource.id] = commitment
        out.sends.append(self._to_resource(plan, kind, commitment, now, **facts))

    def _to_resource(self, plan: Plan, kind: str, commitment: Commitment, now: datetime, **facts: Any) -> Send:
        resource = plan.resource(commitment.resource_id)
        facts = {"stands_in_for": commitment.stands_in_for, "agreed_due": commitment.agreed_due,
                 "deadline": commitment.deadline, **facts}
        return Send(kind, resource_to(resource.id), self._send_time(now, self._zone(plan, resource)),
                    about=resource.id, facts=facts)

    def _owner_notice(self, plan: Plan, out: Decisions, kind: str, resource_id: str, now: datetime, words: str,
                      **facts: Any) -> Send:
        commitment = out.state.commitments.get(resource_id)
        backup = self._next_backup(plan, out.state, commitment) if commitment and kind in (
            "owner_declined", "owner_bounced", "owner_no_answer", "owner_away") else None
        facts = {"their_words": words, "backup": {"name": backup.name} if backup else None, **facts}
        return Send(kind, OWNER, self._send_time(now, self._owner_zone(plan)), about=resource_id, facts=facts)

    def _milestone(self, plan: Plan, out: Decisions, milestone: str, now: datetime, news: str,
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
        moment = plan.respond_by(resource)
        return moment if moment.tzinfo else moment.replace(tzinfo=self._plan_zone(plan))

    def _due(self, plan: Plan, commitment: Commitment) -> datetime | None:
        resource = plan.resource(commitment.resource_id)
        due = commitment.agreed_due or resource.due
        if due is None and commitment.stands_in_for:
            due = plan.resource(commitment.stands_in_for).due
        if due is None:
            return None
        moment = due_moment(due)
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


def started_news(plan: Plan) -> str:
    """The stakeholders' one sentence when a plan starts."""
    asked = [r.name for r in plan.resources if not r.standby]
    names = ", ".join(asked[:-1]) + (" and " if len(asked) > 1 else "") + asked[-1]
    return f"{plan.owner.name} asked {names} to commit."


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _fingerprint(meeting: Meeting) -> str:
    return _digest(meeting.model_dump(mode="json", exclude={"attendees"}))


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
