"""The engine: pure decisions. Given a plan, its stored state and the time, what is due?

Nothing here reads files, talks to servers or looks at the clock. Every entry point takes the
state and returns :class:`Decisions`: the new state, the messages to send (each with the earliest
time it may go), the invitations to send, the audit lines, and when the plan next needs a look.
The daemon stores all of that in one transaction.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from followthru.config import Config
from followthru.decisions import OWNER, Decisions, Send, resource_to, stakeholder_to
from followthru.durations import Offset
from followthru.engine_backups import Contingencies
from followthru.engine_meetings import MeetingRules, meeting_end, meeting_timing, short_digest
from followthru.engine_time import TimeRules
from followthru.phrases import Phrase, english, phrase
from followthru.plan import Plan, Resource, due_moment
from followthru.schedule import BusinessClock
from followthru.states import ENDED, Answer, Commitment, PlanState

REASK_DEADLINE = Offset(business_days=2)


class Engine(TimeRules, MeetingRules, Contingencies):
    """Decisions for plans under one config (send window, reminder offsets, calendar defaults).

    The entry points, settling and the small facts are here; time, meetings and contingencies are in
    followthru.engine_time, followthru.engine_meetings and followthru.engine_backups."""

    def __init__(self, config: Config):
        self.config = config
        self.clock = BusinessClock(config.schedule, always_open=config.workspace.try_out)
        self.default_zone = ZoneInfo(config.schedule.timezone)

    # -- entry points ------------------------------------------------------------------------------
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
            out.audit.append(
                (resource_id, f"reply ({answer.intent}) after the request was closed; owner notice queued")
            )
            out.sends.append(
                self._owner_notice(
                    plan,
                    out,
                    "owner_unmatched",
                    resource_id,
                    now,
                    answer.words,
                    reason="late",
                    claimed=self._name(plan, resource_id),
                )
            )
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
            decide = {
                "approve": f"followthru decide {plan.id} {resource_id} approve",
                "reject": f"followthru decide {plan.id} {resource_id} reject",
            }
            out.sends.append(
                self._owner_notice(
                    plan,
                    out,
                    "owner_counter",
                    resource_id,
                    now,
                    answer.words,
                    proposed=answer.proposed_date,
                    decide=decide,
                )
            )
        elif intent == "question":
            commitment.state = "question"
            self._attention(out, resource_id, phrase("attention.question"))
            out.sends.append(self._owner_notice(plan, out, "owner_question", resource_id, now, answer.words))
        elif intent == "auto_reply":
            self._away(plan, out, commitment, resource, answer, now)
        else:
            out.sends.append(
                self._owner_notice(
                    plan,
                    out,
                    "owner_unmatched",
                    resource_id,
                    now,
                    answer.words,
                    reason="unclear",
                    claimed=resource.name,
                )
            )
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
                    self._ask(
                        new,
                        out,
                        resource,
                        now,
                        kind="backup_request",
                        stands_in_for=root,
                        replaces={"name": self._name(new, root), "reason": None},
                    )
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
            moved = meeting.key in before and meeting_timing(before[meeting.key]) != meeting_timing(meeting)
            if meeting_state is not None and moved:
                meeting_state.rsvps.clear()  # a new time invalidates every answer (RFC 5546 3.2.2)
                out.state.attention = [a for a in out.state.attention if not a.startswith(f"meeting {meeting.key}: ")]
        self._settle(new, out, now)
        return out

    # -- settling: completion, meetings, close -----------------------------------------------------
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

    def _close_at(self, plan: Plan, state: PlanState) -> datetime | None:
        moments = [self._due(plan, c) for c in state.commitments.values() if c.state not in ENDED]
        zone = self._plan_zone(plan)
        for meeting in plan.meetings:
            moments.append(meeting_end(meeting, zone))
        known = [m for m in moments if m is not None]
        return max(known) if known else None

    # -- building messages -------------------------------------------------------------------------
    def _ask(
        self,
        plan: Plan,
        out: Decisions,
        resource: Resource,
        now: datetime,
        kind: str,
        stands_in_for: str | None = None,
        deadline: datetime | None = None,
        **facts: Any,
    ) -> None:
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
        commitment = Commitment(
            resource.id,
            state="scheduled" if moment > now else "requested",
            stands_in_for=stands_in_for,
            requested_at=moment,
            updated_at=now,
            deadline=deadline,
        )
        commitment.terms = self._terms(plan, resource, commitment)
        out.state.commitments[resource.id] = commitment
        out.sends.append(self._to_resource(plan, kind, commitment, now, **facts))

    def _to_resource(self, plan: Plan, kind: str, commitment: Commitment, now: datetime, **facts: Any) -> Send:
        resource = plan.resource(commitment.resource_id)
        facts = {
            "stands_in_for": commitment.stands_in_for,
            "agreed_due": commitment.agreed_due,
            "deadline": commitment.deadline,
            "ask": commitment.terms,
            **facts,
        }
        return Send(
            kind,
            resource_to(resource.id),
            self._send_time(now, self._zone(plan, resource)),
            about=resource.id,
            facts=facts,
        )

    def _owner_notice(
        self, plan: Plan, out: Decisions, kind: str, resource_id: str, now: datetime, words: str, **facts: Any
    ) -> Send:
        commitment = out.state.commitments.get(resource_id)
        backup = None
        if commitment and kind in ("owner_declined", "owner_bounced", "owner_no_answer", "owner_away"):
            backup = self._next_backup(plan, out.state, commitment)
            if backup is not None and self._past_due(plan, backup, commitment.stands_in_for or resource_id, now):
                backup = None  # the work is due before they could be asked: nobody will be
        facts = {"their_words": words, "backup": {"name": backup.name} if backup else None, **facts}
        return Send(kind, OWNER, self._send_time(now, self._owner_zone(plan)), about=resource_id, facts=facts)

    def _milestone(
        self, plan: Plan, out: Decisions, milestone: str, now: datetime, news: Phrase, repeat: bool = False
    ) -> None:
        if milestone in out.state.milestones and not repeat:
            return
        if milestone not in out.state.milestones:
            out.state.milestones.append(milestone)
        for index, stakeholder in enumerate(plan.stakeholders):
            if milestone in stakeholder.updates and milestone != "all_committed":
                zone = ZoneInfo(stakeholder.timezone) if stakeholder.timezone else self._plan_zone(plan)
                out.sends.append(
                    Send(
                        "stakeholder_update",
                        stakeholder_to(index),
                        self._send_time(now, zone),
                        facts={"milestone": milestone, "news": news},
                    )
                )

    def _attention(self, out: Decisions, about: str, said: Phrase) -> None:
        """One line of what needs the owner, ``about`` a resource id (or ``meeting KEY: EMAIL``),
        kept in English: ``status`` shows it and the digest words it again (phrases.reread)."""
        # A meeting's line reads "meeting KEY: EMAIL what"; a resource's "ID: what".
        line = f"{about}{' ' if about.startswith('meeting ') else ': '}{english(said)}"
        if line not in out.state.attention:
            out.state.attention.append(line)

    def _clear_attention(self, out: Decisions, resource_id: str) -> None:
        out.state.attention = [a for a in out.state.attention if not a.startswith(f"{resource_id}:")]

    # -- small facts -------------------------------------------------------------------------------
    def _terms(self, plan: Plan, resource: Resource, commitment: Commitment) -> str:
        source = plan.resource(commitment.stands_in_for) if commitment.stands_in_for and not resource.asks else resource
        return short_digest([list(source.asks), str(resource.due or source.due), str(plan.respond_by(resource))])

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


def started_news(plan: Plan) -> Phrase:
    """The stakeholders' one sentence when a plan starts."""
    return phrase("news.started", owner=plan.owner.name, names=[r.name for r in plan.resources if not r.standby])
