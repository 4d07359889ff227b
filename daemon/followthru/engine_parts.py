"""What the engine's parts (followthru.engine_time, followthru.engine_meetings, followthru.engine_backups)
use of one another and of :class:`followthru.engine.Engine`.

Each part is a base class of Engine and calls methods that another part or Engine defines. They are
declared here once, for the type checker only, so that every call is checked against the real signature
(a definition that no longer matches its declaration is an error). Nothing here exists at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from followthru.config import Config
    from followthru.decisions import Decisions, Send
    from followthru.phrases import Phrase
    from followthru.plan import Plan, Resource
    from followthru.schedule import BusinessClock
    from followthru.states import Commitment


class EngineParts:
    """The base of the engine's parts: the engine's state and the methods the parts share."""

    if TYPE_CHECKING:
        config: Config
        clock: BusinessClock

        # Defined by Engine (followthru.engine).
        def _settle(self, plan: Plan, out: Decisions, now: datetime, time_passes: bool = True) -> None: ...

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

        def _due(self, plan: Plan, commitment: Commitment) -> datetime | None: ...

        def _work_due(self, plan: Plan, resource: Resource, stands_in_for: str | None) -> datetime | None: ...

        def _due_value(self, plan: Plan, commitment: Commitment) -> date | datetime | None: ...

        def _instant(self, plan: Plan, moment: datetime) -> datetime: ...

        def _send_time(self, now: datetime, zone: ZoneInfo) -> datetime: ...

        def _in_window(self, now: datetime, zone: ZoneInfo) -> bool: ...

        def _plan_zone(self, plan: Plan) -> ZoneInfo: ...

        def _zone(self, plan: Plan, resource: Resource) -> ZoneInfo: ...

        def _owner_zone(self, plan: Plan) -> ZoneInfo: ...

        def _name(self, plan: Plan, resource_id: str) -> str: ...

        # Defined by Contingencies (followthru.engine_backups).
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

        # Defined by MeetingRules (followthru.engine_meetings).
        def _meetings(self, plan: Plan, out: Decisions, now: datetime, cancel_all: bool = False) -> None: ...
