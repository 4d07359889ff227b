"""What a plan sends when it starts: the requests, the stakeholder updates and the invitations.

Used by ``followthru plan preview`` to show a rep every message before anything is sent. The
messages are drafted exactly as the daemon drafts them; only the clock is left out (send
windows, deadlines), so a preview shows the words whatever the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from followthru.decisions import Decisions, Invite, Send, resource_to, stakeholder_to
from followthru.drafting.compose import Built
from followthru.drafting.drafter import Drafter
from followthru.drafting.messages import Composer
from followthru.engine import started_news
from followthru.engine_meetings import meeting_attendees
from followthru.plan import Plan
from followthru.states import PlanState


@dataclass(frozen=True)
class Outgoing:
    """A message with a short file-friendly label like ``request-sam``."""

    label: str
    message: Built


def start_messages(plan: Plan, composer: Composer, now: datetime) -> list[Outgoing]:
    """Every message the plan sends when it starts.

    Meetings that invite the committed people are shown as they go out once everyone asked has
    committed, since at the start nobody has.
    """
    asked = {r.id for r in plan.resources if not r.standby}
    sends = [Send("request", resource_to(r.id), now, about=r.id) for r in plan.resources if r.id in asked]
    labels = [f"request-{r.id}" for r in plan.resources if r.id in asked]
    for index, stakeholder in enumerate(plan.stakeholders):
        if "started" in stakeholder.updates:
            sends.append(
                Send(
                    "stakeholder_update",
                    stakeholder_to(index),
                    now,
                    facts={"milestone": "started", "news": started_news(plan)},
                )
            )
            labels.append(f"stakeholder-{index + 1}")
    drafter = Drafter(composer.config, composer)
    drafted = drafter.draft(plan, Decisions(PlanState(plan.id), sends, []), now)
    shown = [Outgoing(label, item.message) for label, item in zip(labels, drafted, strict=True)]
    owner = plan.owner.email.lower()
    for meeting in plan.meetings:
        others = meeting_attendees(plan, meeting, composer.config.calendar.attendees, asked, asked)
        people = tuple([owner] + [a for a in others if a != owner])
        invite = Invite(meeting.key, "REQUEST", 0, people, people, now)
        # One copy per language and timezone of its attendees (the owner's first).
        copies = drafter.draft(plan, Decisions(PlanState(plan.id), [], [invite]), now)
        shown.extend(
            Outgoing(f"invitation-{meeting.key}" + (f"-{number}" if number > 1 else ""), item.message)
            for number, item in enumerate(copies, start=1)
        )
    return shown
