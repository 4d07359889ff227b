"""The engine's rules of time: when requests, reminders, last calls and deadlines fall, and what
lapsed while the daemon was down. Pure, like the rest of the engine (see followthru.engine).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from followthru.decisions import Decisions
from followthru.durations import Offset
from followthru.engine_meetings import occurrences
from followthru.phrases import phrase
from followthru.plan import Plan, Resource
from followthru.states import ENDED, OPEN, Commitment

if TYPE_CHECKING:
    from followthru.config import Config
    from followthru.decisions import Send
    from followthru.phrases import Phrase
    from followthru.schedule import BusinessClock


class TimeRules:
    """Part of :class:`followthru.engine.Engine`: time passing for one commitment, and when the next step
    for it falls (``self.clock``, ``self.config`` and the small facts are the engine's)."""

    if TYPE_CHECKING:  # what this part uses of the engine (followthru.engine) and its other parts
        config: Config
        clock: BusinessClock

        def _deadline(self, plan: Plan, resource: Resource, commitment: Commitment | None = None) -> datetime: ...

        def _due(self, plan: Plan, commitment: Commitment) -> datetime | None: ...

        def _due_value(self, plan: Plan, commitment: Commitment) -> date | datetime | None: ...

        def _in_window(self, now: datetime, zone: ZoneInfo) -> bool: ...

        def _name(self, plan: Plan, resource_id: str) -> str: ...

        def _plan_zone(self, plan: Plan) -> ZoneInfo: ...

        def _to_resource(self, plan: Plan, kind: str, commitment: Commitment, now: datetime, **facts: Any) -> Send: ...

        def _zone(self, plan: Plan, resource: Resource) -> ZoneInfo: ...

        def _drop_out(
            self,
            plan: Plan,
            out: Decisions,
            commitment: Commitment,
            now: datetime,
            notice: str,
            words: str,
            **facts: Any,
        ) -> None: ...

        def _hand_over(self, plan: Plan, out: Decisions, commitment: Commitment, now: datetime, why: str) -> Phrase: ...

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
                    out.lapse(
                        deadline, phrase("lapsed.expired", name=resource.name, deadline=deadline, outcome=outcome)
                    )
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

    def _nudge(
        self,
        plan: Plan,
        out: Decisions,
        commitment: Commitment,
        resource: Resource,
        now: datetime,
        deadline: datetime,
        zone: ZoneInfo,
    ) -> None:
        """Reminders after the request and last calls before the deadline, each once, in the window."""
        reminders = self.config.reminders
        commitment.reminders_sent, commitment.last_calls_sent, due = self._pending_nudges(
            commitment, deadline, zone, now
        )
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

    def _pending_nudges(
        self, commitment: Commitment, deadline: datetime, zone: ZoneInfo, now: datetime
    ) -> tuple[int, int, list[tuple[datetime, str]]]:
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
            steps = [(max(self.clock.next_window(moment, zone), now), kind) for moment, kind in due] + [
                (deadline, "deadline")
            ]
            moment, kind = min(steps, key=lambda step: step[0])
            return kind, moment
        if commitment.state == "accepted":
            due_at = self._due(plan, commitment)
            if due_at is None or now >= due_at:
                return None
            if commitment.due_reminded:
                return "due", due_at
            return "due_reminder", max(self.clock.next_window(self._due_reminder_moment(due_at, zone), zone), now)
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

    def _reminder_moment(
        self, requested: datetime, offset: Offset, deadline: datetime, zone: ZoneInfo
    ) -> datetime | None:
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

    def _lapsed_dates(self, plan: Plan, out: Decisions, now: datetime) -> None:
        """Due dates and meetings that passed while the daemon was down, as lines for the owner."""
        for commitment in out.state.commitments.values():
            if commitment.state not in OPEN + ("accepted",):
                continue  # the owner heard already (or hears in this catch-up) that they dropped out
            due = self._due(plan, commitment)
            value = self._due_value(plan, commitment)
            if due is not None and value is not None and out.catching_up(due) and due <= now:
                out.lapse(
                    due,
                    phrase(
                        "lapsed.due",
                        name=self._name(plan, commitment.resource_id),
                        due=value,
                        state=phrase(f"state.{commitment.state}"),
                    ),
                )
        zone = self._plan_zone(plan)
        assert out.since is not None
        for meeting in plan.meetings:
            sent = out.state.meetings.get(meeting.key)
            if sent is None or sent.sequence < 0 or sent.cancelled:
                continue  # no invitation went out: nobody had it on their calendar
            starts, more = occurrences(meeting, zone, out.since, now, shown=3)
            if starts:
                out.lapse(
                    starts[0],
                    phrase(
                        "lapsed.meeting_more" if more else "lapsed.meeting",
                        title=meeting.title,
                        times=starts,
                        more=more,
                    ),
                )
