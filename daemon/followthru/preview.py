"""What a plan sends when it starts: the requests, the stakeholder updates and the invitations.

Used by ``followthru plan preview`` to show a rep every message before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from followthru.mail.compose import Built
from followthru.messages import Composer
from followthru.plan import Meeting, Plan
from followthru.views import Person, PlanViews


@dataclass(frozen=True)
class Outgoing:
    """A message with a short file-friendly label like ``request-sam``."""

    label: str
    message: Built


def asked_resources(plan: Plan) -> list[str]:
    return [r.id for r in plan.resources if not r.standby]


def meeting_attendees(plan: Plan, meeting: Meeting, views: PlanViews, committed: set[str],
                      default: str = "committed") -> list[Person]:
    """Who a meeting invites: the committed resources, all asked resources, or the listed ones."""
    choice = meeting.attendees or default
    if choice == "committed":
        return [views.resource_person(r) for r in plan.resources if r.id in committed]
    if choice == "all":
        return [views.resource_person(r) for r in plan.resources if not r.standby or r.id in committed]
    people = []
    for entry in choice:
        if "@" in entry:
            people.append(Person(entry, entry, views.plan_timezone))
        else:
            people.append(views.resource_person(plan.resource(entry)))
    return people


def start_messages(plan: Plan, composer: Composer, now: datetime) -> list[Outgoing]:
    """Every message the plan sends when it starts.

    Meetings that invite the committed people are shown as they go out once everyone asked has
    committed, since at the start nobody has.
    """
    config = composer.config
    views = PlanViews(plan, config.schedule.timezone, config.schedule.language)
    outgoing = [Outgoing(f"request-{r.id}", composer.request(views, r, now))
                for r in plan.resources if not r.standby]
    asked = [r.name for r in plan.resources if not r.standby]
    names = ", ".join(asked[:-1]) + (" and " if len(asked) > 1 else "") + asked[-1]
    for index, (stakeholder, person) in enumerate(zip(plan.stakeholders, views.stakeholders())):
        if "started" not in stakeholder.updates:
            continue
        fmt = views.formatter(person)
        news = f"{plan.owner.name} asked {names} to commit, with answers due by {fmt.when(plan.plan.respond_by)}."
        extra = {"stakeholder": {"name": stakeholder.name, "why": stakeholder.why}, "milestone": "started",
                 "news": news}
        outgoing.append(Outgoing(f"stakeholder-{index + 1}",
                                 composer.for_plan(views, "stakeholder_update", person, now, extra=extra)))
    everyone = set(asked_resources(plan))
    for meeting in plan.meetings:
        attendees = meeting_attendees(plan, meeting, views, committed=everyone,
                                      default=config.calendar.attendees)
        outgoing.append(Outgoing(f"invitation-{meeting.key}",
                                 composer.meeting_invitation(views, meeting, attendees, sequence=0, now=now)))
    return outgoing
