"""The engine's contingencies: someone away, declining, bouncing or silent, the next backup asked,
a plan at risk or cancelled. Pure, like the rest of the engine (see followthru.engine).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from followthru.decisions import Decisions
from followthru.phrases import Phrase, phrase
from followthru.plan import Plan, Resource
from followthru.states import ENDED, Answer, Commitment, PlanState

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from followthru.decisions import Send


class Contingencies:
    """Part of :class:`followthru.engine.Engine`: what happens when a person drops out or a plan ends early."""

    if TYPE_CHECKING:  # what this part uses of the engine (followthru.engine) and its other parts

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
        ) -> None: ...

        def _to_resource(self, plan: Plan, kind: str, commitment: Commitment, now: datetime, **facts: Any) -> Send: ...

        def _owner_notice(
            self, plan: Plan, out: Decisions, kind: str, resource_id: str, now: datetime, words: str, **facts: Any
        ) -> Send: ...

        def _milestone(
            self, plan: Plan, out: Decisions, milestone: str, now: datetime, news: Phrase, repeat: bool = False
        ) -> None: ...

        def _attention(self, out: Decisions, about: str, said: Phrase) -> None: ...

        def _deadline(self, plan: Plan, resource: Resource, commitment: Commitment | None = None) -> datetime: ...

        def _work_due(self, plan: Plan, resource: Resource, stands_in_for: str | None) -> datetime | None: ...

        def _send_time(self, now: datetime, zone: ZoneInfo) -> datetime: ...

        def _zone(self, plan: Plan, resource: Resource) -> ZoneInfo: ...

        def _name(self, plan: Plan, resource_id: str) -> str: ...

        def _meetings(self, plan: Plan, out: Decisions, now: datetime, cancel_all: bool = False) -> None: ...

    def _away(
        self, plan: Plan, out: Decisions, commitment: Commitment, resource: Resource, answer: Answer, now: datetime
    ) -> None:
        if answer.return_date is None:
            out.audit.append((resource.id, "automatic reply without a return date; reminders go on"))
            commitment.intent = "auto_reply"
            return
        deadline = self._deadline(plan, resource, commitment)
        handover = answer.return_date > deadline.astimezone(self._zone(plan, resource)).date()
        commitment.state = "away"
        commitment.away_until = answer.return_date
        out.sends.append(
            self._owner_notice(
                plan,
                out,
                "owner_away",
                resource.id,
                now,
                answer.words,
                return_date=answer.return_date,
                handover=handover,
            )
        )
        if handover:
            self._hand_over(plan, out, commitment, now, "away")

    def _drop_out(
        self, plan: Plan, out: Decisions, commitment: Commitment, now: datetime, notice: str, words: str, **facts: Any
    ) -> None:
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
            self._milestone(
                plan,
                out,
                "at_risk",
                now,
                repeat=True,
                news=phrase("news.no_backup", name=name, reason=reason, owner=owner),
            )
            return phrase("outcome.no_backup")
        if self._past_due(plan, backup, root, now):
            # Nobody is asked to do work whose due date has passed: the owner decides what now.
            self._attention(
                out, commitment.resource_id, phrase("attention.past_due", reason=reason, backup=backup.name)
            )
            self._milestone(
                plan,
                out,
                "at_risk",
                now,
                repeat=True,
                news=phrase("news.past_due", name=name, reason=reason, owner=owner),
            )
            return phrase("outcome.past_due", backup=backup.name)
        commitment.state = "replaced"
        self._ask(
            plan, out, backup, now, kind="backup_request", stands_in_for=root, replaces={"name": name, "reason": reason}
        )
        out.audit.append((commitment.resource_id, f"replaced: backup request to {backup.name} queued"))
        self._milestone(
            plan,
            out,
            "dropped_out",
            now,
            repeat=True,
            news=phrase("news.backup_asked", name=name, reason=reason, backup=backup.name),
        )
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
        self._milestone(
            plan,
            out,
            "at_risk",
            now,
            repeat=True,
            news=phrase("news.not_asked", name=resource.name, owner=plan.owner.name),
        )

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
