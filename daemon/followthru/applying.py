"""Storing what the engine decided: the new state, every message it makes, the asks' tokens and the
meetings' UIDs, inside the caller's transaction.

Used by the pass (followthru.daemon), by the answers it takes in (followthru.inbox) and by the
journal's replay (followthru.memory), so a decision is stored the same way whoever made it.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followthru.config import Config
from followthru.decisions import Decisions, Send
from followthru.drafting.compose import Built
from followthru.drafting.drafter import Drafted, Drafter
from followthru.engine import Engine
from followthru.plan import Plan
from followthru.schedule import BusinessClock
from followthru.store import Store, StoredPlan
from followthru.tokens import token_key
from followthru.uids import event_uid
from followthru.webhooks import Webhooks, before


class Applier:
    """Stores decisions for one workspace: ``engine`` makes them (the journal's recording engine in the
    daemon), ``drafter`` words their messages, ``domain`` names the meetings' calendar UIDs."""

    def __init__(
        self, config: Config, store: Store, engine: Engine, drafter: Drafter, clock: BusinessClock, domain: str
    ):
        self.config = config
        self.store = store
        self.engine = engine
        self.drafter = drafter
        self.clock = clock
        self.domain = domain
        self.webhooks = Webhooks(config)

    def apply(
        self,
        plan: Plan,
        decisions: Decisions,
        now: datetime,
        file: str | None = None,
        new_version: bool = False,
        previous: Plan | None = None,
        drafted: list[Drafted] | None = None,
        ticked: bool = False,
    ) -> None:
        """Store a decision and every message it makes, inside the caller's transaction.

        ``drafted`` holds the messages when a worker process wrote them already; ``ticked``: the
        decision is a look at the plan as time passes (not an answer or a new version).
        """
        state = decisions.state
        was = before(self.store, plan.id) if self.webhooks.wanted else None
        for resource_id in decisions.withdraw:
            self.store.withdraw(plan.id, None if resource_id == "*" else resource_id)
        if drafted is None:
            drafted = self.drafter.draft(plan, decisions, now, previous)
        for item in drafted:
            self.record(item.message, plan.id, item.resource_id, item.kind, now, item.not_before, item.ask)
        for about, event in decisions.audit:
            self.store.audit(now, plan.id, about, event)
        wake = decisions.next_wake
        if wake is not None and wake <= now:
            # Due now. An answer lets no time pass: the plan is looked at later in this same pass,
            # once every answer is in. A look that found it due again waits a minute: never a hot loop.
            wake = now + timedelta(minutes=1) if ticked else now
        if state.state in ("cancelled", "closed"):
            wake = None
        keys = {r.id: token_key(plan.id, r.id) for r in plan.resources}
        version = self.store.save(plan, state, now, wake, keys, file=file, new_version=new_version)
        if was is not None:  # what a CRM follows: committed, declined, countered, needs attention, closed
            self.webhooks.record(self.store, plan, was, state, version, now)
        for item in drafted:  # each version of an ask gets its own token: answers to old ones are told apart
            if item.ask and item.resource_id:
                self.store.remember_ask(
                    token_key(plan.id, item.resource_id, item.ask), plan.id, item.resource_id, item.ask, version, now
                )
        uids = {key: event_uid(plan.id, key, self.domain) for key in state.meetings}
        self.store.save_meetings(plan.id, state, uids)

    def record(
        self,
        message: Built,
        plan_id: str | None,
        resource_id: str | None,
        kind: str,
        now: datetime,
        not_before: datetime | None = None,
        ask: str | None = None,
    ) -> None:
        self.store.record_outgoing(
            message.message_id,
            plan_id,
            resource_id,
            kind,
            message.recipients,
            message.raw,
            not_before or now,
            now,
            message.envelope_from,
            ask,
        )

    def add_send(self, stored: StoredPlan, send: Send, now: datetime) -> None:
        """One more message for a plan, decided here rather than by the engine. The plan's state is
        unchanged; it is looked at again shortly, after the answers already waiting are applied."""
        decisions = Decisions(copy.deepcopy(stored.state), sends=[send])
        decisions.wake(now)
        self.apply(stored.plan, decisions, now)

    def owner_zone(self, plan: Plan) -> ZoneInfo:
        return ZoneInfo(plan.owner.timezone or plan.plan.timezone or self.config.schedule.timezone)

    def next_digest(self, plan: Plan, now: datetime) -> datetime:
        zone = self.owner_zone(plan)
        day = self.clock.next_business_day(now.astimezone(zone).date())
        return datetime.combine(day, self.config.schedule.digest_at, tzinfo=zone)
