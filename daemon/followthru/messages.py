"""Composing Followthru's messages for a plan: which words, to whom, with which headers.

A :class:`Composer` turns "send this kind of message about this plan to this person" into an
:class:`~email.message.EmailMessage`. It reads nothing and sends nothing.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import Any

from followthru.calendar.itip import Attendee, event_uid, invitation
from followthru.config import Config
from followthru.mail.compose import Draft, Invitation, Mailbox, build_message
from followthru.plan import Meeting, Resource
from followthru.render import Renderer
from followthru.tokens import make_token, plus_address
from followthru.views import Person, PlanViews

# Messages nobody is expected to answer: auto-responders (RFC 3834) should stay quiet.
NO_REPLY_KINDS = {"stakeholder_update", "all_committed", "digest", "due_reminder"}


class Composer:
    """Builds messages for the plans of one workspace."""

    def __init__(self, config: Config, renderer: Renderer, token_secret: bytes):
        self.config = config
        self.renderer = renderer
        self.secret = token_secret
        self.sender = Mailbox(config.sender.name, config.sender.email)

    def answer_to(self, plan_id: str, resource_id: str | None) -> str:
        """Where answers go: a plus-address with the signed token of the request when possible."""
        if resource_id is None or not self.config.sender.plus_addressing:
            return self.sender.email
        return plus_address(self.sender.email, make_token(self.secret, plan_id, resource_id))

    def for_plan(self, views: PlanViews, kind: str, reader: Person, now: datetime, *,
                 resource_id: str | None = None, to: list[Person] | None = None,
                 extra: dict[str, Any] | None = None, invite: Invitation | None = None) -> EmailMessage:
        """A message of ``kind`` about the plan, worded for ``reader`` and sent to ``to`` (or them)."""
        answer_to = self.answer_to(views.plan.id, resource_id)
        context = views.context(reader, sender=self.sender_view(), answer_to=answer_to, **(extra or {}))
        words = self.renderer.render(kind, context, reader.language)
        headers = {"X-Followthru-Plan": views.plan.id, "X-Followthru-Kind": kind}
        if resource_id:
            headers["X-Followthru-Resource"] = resource_id
        if kind in NO_REPLY_KINDS:
            headers["Auto-Submitted"] = "auto-generated"
        draft = Draft(
            sender=Mailbox(self._from_name(views), self.sender.email),
            to=[Mailbox(p.name, p.email) for p in (to or [reader])],
            date=now,
            reply_to=Mailbox(self.sender.name, answer_to) if answer_to != self.sender.email else None,
            headers=headers,
            invitation=invite,
        )
        return build_message(draft, words)

    def request(self, views: PlanViews, resource: Resource, now: datetime, kind: str = "request",
                stands_in_for: Resource | None = None, extra: dict[str, Any] | None = None) -> EmailMessage:
        """A request, reminder, last call, backup request or due-date reminder to one resource."""
        reader = views.resource_person(resource)
        fields = {"resource": views.resource(resource, views.formatter(reader), stands_in_for), **(extra or {})}
        return self.for_plan(views, kind, reader, now, resource_id=resource.id, extra=fields)

    def meeting_invitation(self, views: PlanViews, meeting: Meeting, attendees: list[Person], sequence: int,
                           now: datetime, method: str = "REQUEST") -> EmailMessage:
        """The iMIP message for a meeting: the ``meeting`` template as body and event description."""
        owner = views.owner()
        fields = {"meeting": views.meeting(meeting, views.formatter(owner))}
        description = self.renderer.render("meeting", views.context(owner, sender=self.sender_view(),
                                                                    answer_to=self.sender.email, **fields),
                                           owner.language).text
        domain = self.sender.email.rpartition("@")[2]
        people = [Attendee(owner.name, owner.email, role="CHAIR")] + [
            Attendee(p.name, p.email) for p in attendees if p.email.lower() != owner.email.lower()]
        ical = invitation(uid=event_uid(views.plan.id, meeting.key, domain), sequence=sequence, meeting=meeting,
                          plan_timezone=views.plan_timezone, organizer=(self._from_name(views), self.sender.email),
                          attendees=people, description=description, dtstamp=now, method=method)
        recipients = [owner] + [p for p in attendees if p.email.lower() != owner.email.lower()]
        return self.for_plan(views, "meeting", owner, now, to=recipients, extra=fields,
                             invite=Invitation(ical, method))

    def sender_view(self) -> dict[str, str]:
        return {"name": self.sender.name, "email": self.sender.email}

    def _from_name(self, views: PlanViews) -> str:
        """``Riley Rep via Followthru``: people see whose plan it is."""
        return f"{views.plan.owner.name} via {self.sender.name}"
