"""Turning the engine's decisions into finished messages, ready for the outbox.

No store and no clock: the same plan, decisions and time give the same words (Message-IDs and
MIME boundaries aside), so worker processes can draft while the daemon stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from followthru.config import Config
from followthru.decisions import OWNER, Decisions, Invite, Send
from followthru.drafting.compose import Built
from followthru.drafting.messages import Composer, language_groups
from followthru.drafting.views import Formatter, Person, PlanViews
from followthru.phrases import Phrase
from followthru.plan import Plan


@dataclass(frozen=True)
class Drafted:
    """A finished message and what the outbox records about it."""

    message: Built
    kind: str
    resource_id: str | None
    not_before: datetime
    ask: str | None = None  # the version of the person's request the message carries


class Drafter:
    def __init__(self, config: Config, composer: Composer):
        self.config = config
        self.composer = composer

    def draft(self, plan: Plan, decisions: Decisions, now: datetime, previous: Plan | None = None) -> list[Drafted]:
        """Every message and invitation of one decision. ``previous`` is the plan version an update
        replaced: people and meetings it removed are written to from it."""
        with self.composer.renderer.sharing():  # each macro's text written once for the plan's messages
            states = {c.resource_id: c.state for c in decisions.state.commitments.values()}
            views = {
                id(p): PlanViews(p, self.config.schedule.timezone, self.config.schedule.language, states)
                for p in (plan, previous)
                if p is not None
            }  # one per plan version: it caches per reader
            drafted = [
                Drafted(
                    self._message(views[id(_containing(plan, previous, send))], send, now),
                    send.kind,
                    send.about,
                    send.not_before,
                    send.facts.get("ask") if send.to.startswith("resource:") else None,
                )
                for send in decisions.sends
            ]
            for invite in decisions.invites:
                source = plan if any(m.key == invite.meeting_key for m in plan.meetings) else (previous or plan)
                # A DECLINECOUNTER goes by mail: a calendar service would read it as a change for everyone.
                kind = "meeting_declinecounter" if invite.method == "DECLINECOUNTER" else "meeting"
                drafted.extend(
                    Drafted(message, kind, None, invite.not_before)
                    for message in self._invitations(views[id(source)], invite, now)
                )
            return drafted

    def _message(self, views: PlanViews, send: Send, now: datetime) -> Built:
        kind, facts = send.kind, dict(send.facts)
        if send.to == OWNER:
            reader = views.owner()
        elif send.to.startswith("stakeholder:"):
            index = int(send.to.split(":")[1])
            reader = views.stakeholders()[index]
            stakeholder = views.plan.stakeholders[index]
            facts["stakeholder"] = {"name": stakeholder.name, "why": stakeholder.why}
        else:
            resource = views.plan.resource(send.to.split(":", 1)[1])
            reader = views.resource_person(resource)
            if kind != "all_committed":
                stands_in_for = facts.pop("stands_in_for", None)
                ask = facts.pop("ask", None)
                changes = {"due": facts.pop("agreed_due", None), "respond_by": facts.pop("deadline", None)}
                agreed = {k: v for k, v in changes.items() if v is not None}
                terms = resource.model_copy(update=agreed) if agreed else resource
                # What the request showed: an agreed new due date came later, the reply deadline with it.
                asked = (
                    resource.model_copy(update={"respond_by": changes["respond_by"]})
                    if changes["respond_by"] is not None
                    else resource
                )
                return self.composer.request(
                    views,
                    terms,
                    now,
                    kind,
                    stands_in_for=views.plan.resource(stands_in_for) if stands_in_for else None,
                    extra=_formatted(views.formatter(reader), facts),
                    ask=ask,
                    asked=asked,
                )
        fmt = views.formatter(reader)
        if send.about and send.to == OWNER:
            about = next((r for r in views.plan.resources if r.id == send.about), None)
            if about is not None:
                facts["resource"] = views.resource(about, fmt)
        return self.composer.for_plan(views, kind, reader, now, extra=_formatted(fmt, facts))

    def _invitations(self, views: PlanViews, invite: Invite, now: datetime) -> list[Built]:
        """The messages of one invitation: by mail (iMIP), one per language and timezone among its
        recipients, each worded for them; for a calendar service, which writes its own invitations,
        one message it reads the change from."""
        source = views.plan
        meeting = next(m for m in source.meetings if m.key == invite.meeting_key)
        people = {r.email.lower(): views.resource_person(r) for r in source.resources}
        people[source.owner.email.lower()] = views.owner()

        def person(email: str) -> Person:
            return people.get(email, Person(email, email, views.plan_timezone))

        attendees = [person(a) for a in invite.attendees]
        recipients = [person(a) for a in invite.recipients]
        by_mail = self.config.calendar.backend == "imip" or invite.method == "DECLINECOUNTER"
        groups = language_groups(recipients, views.owner()) if by_mail else [recipients]
        return [
            self.composer.meeting_invitation(
                views,
                meeting,
                attendees,
                invite.sequence,
                now,
                method=invite.method,
                recipients=recipients,
                answers=dict(invite.answers),
                to=group,
                reader=group[0] if by_mail else None,
            )
            for group in groups
            if group
        ]


def _containing(plan: Plan, previous: Plan | None, send: Send) -> Plan:
    """A message about someone removed by an update is worded from the plan they were in."""
    if previous is not None and send.to.startswith("resource:"):
        resource_id = send.to.split(":", 1)[1]
        if all(r.id != resource_id for r in plan.resources):
            return previous
    return plan


def _formatted(fmt: Formatter, facts: dict[str, Any]) -> dict[str, Any]:
    """Dates and phrases in facts become text for the reader; nested dicts too."""

    def convert(value: Any) -> Any:
        if isinstance(value, (date, datetime, Phrase)):
            return fmt.say(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return {k: convert(v) for k, v in facts.items()}
