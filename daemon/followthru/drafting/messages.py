"""Composing Followthru's messages for a plan: which words, to whom, with which headers.

A :class:`Composer` turns "send this kind of message about this plan to this person" into a
finished :class:`~followthru.drafting.compose.Built` message. It reads nothing and sends nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import shlex
from dataclasses import replace
from datetime import datetime
from typing import Any

from followthru.config import Config
from followthru.drafting.compose import Built, Draft, Invitation, Mailbox, build_message
from followthru.drafting.itip import Attendee, invitation
from followthru.drafting.render import Rendered, Renderer
from followthru.drafting.views import Person, PlanViews
from followthru.phrases import Phrase
from followthru.plan import Meeting, Plan, Resource
from followthru.states import PlanState
from followthru.tokens import make_token, plus_address
from followthru.uids import event_uid
from followthru.weblinks import answer_links

# Messages nobody is expected to answer: auto-responders (RFC 3834) should stay quiet.
NO_REPLY_KINDS = {"stakeholder_update", "all_committed", "digest", "due_reminder", "released"}

# The kinds that open a conversation with one person about one version of their ask; every other
# message to them about that ask (reminder, last call, due reminder, agreed terms, release) follows it.
THREAD_OPENERS = {"request", "backup_request"}

# The kinds that ask a person whether they commit: with ``web.base_url`` set they carry answer links.
ANSWER_KINDS = {"request", "backup_request", "reminder", "last_call"}


class Composer:
    """Builds messages for the plans of one workspace."""

    def __init__(self, config: Config, renderer: Renderer, token_secret: bytes):
        self.config = config
        self.renderer = renderer
        self.secret = token_secret
        self.sender = Mailbox(config.sender.name, config.sender.email)

    def answer_to(self, plan_id: str, resource_id: str | None, ask: str | None = None) -> str:
        """Where answers go: a plus-address with the signed token of the request (and the version
        ``ask`` of it) when possible."""
        if resource_id is None or not self.config.sender.plus_addressing:
            return self.sender.email
        return plus_address(self.sender.email, make_token(self.secret, plan_id, resource_id, ask))

    def thread_root(self, plan_id: str, resource_id: str, ask: str) -> str:
        """The Message-ID-shaped name of the conversation about version ``ask`` of a request to one
        resource: the same for the same three (and secret), different for a new version.

        It is no message's own Message-ID (those stay random, so a message made again after a
        crash can never collide with one already in the outbox): the request names it in
        ``References`` and everything that follows names it in ``In-Reply-To`` and ``References``,
        so mail clients that thread by references put them together without a store lookup.
        """
        digest = hmac.new(
            self.secret, "\0".join((plan_id, resource_id, ask)).encode("utf-8"), hashlib.sha256
        ).hexdigest()[:32]
        return f"<ask-{digest}@{self.sender.email.rpartition('@')[2] or 'localhost'}>"

    def answer_links(self, kind: str, plan_id: str, resource_id: str, ask: str | None) -> dict[str, str] | None:
        """The one-click answer links (weblinks.answer_links: ``page``, ``commit``, ``decline``,
        ``propose``, ``question``) of a message of ``kind`` about version ``ask`` of a request: made
        from the same plan, resource and ask as its reply token (:meth:`answer_to`), so that they
        name the ask the outbox records with the message. None without ``web.base_url``, without an
        ask, or for a kind that asks nothing."""
        base_url = self.config.web.base_url
        if not base_url or ask is None or kind not in ANSWER_KINDS:
            return None
        return answer_links(base_url, self.secret, plan_id, resource_id, ask)

    def for_plan(
        self,
        views: PlanViews,
        kind: str,
        reader: Person,
        now: datetime,
        *,
        resource_id: str | None = None,
        to: list[Person] | None = None,
        extra: dict[str, Any] | None = None,
        invite: Invitation | None = None,
        headers: dict[str, str] | None = None,
        ask: str | None = None,
        subject: str | None = None,
        in_reply_to: str | None = None,
        references: list[str] | None = None,
        words: Rendered | None = None,
    ) -> Built:
        """A message of ``kind`` about the plan, worded for ``reader`` and sent to ``to`` (or them);
        ``subject`` replaces the kind's own, ``in_reply_to`` and ``references`` thread it. ``words``
        are the kind's words when the caller rendered them already."""
        answer_to = self.answer_to(views.plan.id, resource_id, ask)
        if words is None:
            extra = dict(extra or {})
            if isinstance(extra.get("decide"), dict):
                extra["decide"] = {choice: self.command(text) for choice, text in extra["decide"].items()}
            context = self._context(views, reader, answer_to=answer_to, **extra)
            words = self.renderer.render(kind, context, reader.language)
        if subject is not None:
            words = replace(words, subject=subject)
        headers = {"X-Followthru-Plan": views.plan.id, "X-Followthru-Kind": kind, **(headers or {})}
        if resource_id:
            headers["X-Followthru-Resource"] = resource_id
        if kind in NO_REPLY_KINDS:
            headers["Auto-Submitted"] = "auto-generated"
        draft = Draft(
            sender=Mailbox(self._from_name(views), self.sender.email),
            to=[Mailbox(p.name, p.email) for p in (to or [reader])],
            date=now,
            reply_to=Mailbox(self.sender.name, answer_to) if answer_to != self.sender.email else None,
            # VERP: a bounce comes back to the token address, which names the request it is about.
            envelope_from=answer_to,
            headers=headers,
            invitation=invite,
            in_reply_to=in_reply_to,
            references=list(references or []),
        )
        return build_message(draft, words)

    def request(
        self,
        views: PlanViews,
        resource: Resource,
        now: datetime,
        kind: str = "request",
        stands_in_for: Resource | None = None,
        extra: dict[str, Any] | None = None,
        ask: str | None = None,
        asked: Resource | None = None,
    ) -> Built:
        """A request, reminder, last call, backup request or due-date reminder to one resource;
        ``ask`` is the version of the request it is about (its token names it).

        With ``ask``, the message is threaded: a request (or backup request) names
        :meth:`thread_root` in ``References``; any other kind replies to it (``In-Reply-To`` and
        ``References``) under ``Re: `` and the subject the request had, so that clients that
        thread by subject (Gmail, Outlook) keep it in the same conversation. ``asked`` is the
        resource as the request showed it (before agreed changes such as a new due date);
        ``resource`` by default.
        """
        reader = views.resource_person(resource)
        fmt = views.formatter(reader)
        fields = {"resource": views.resource(resource, fmt, stands_in_for), **(extra or {})}
        links = self.answer_links(kind, views.plan.id, resource.id, ask)
        if links is not None:
            fields["answer_links"] = links
        if ask is None:
            return self.for_plan(views, kind, reader, now, resource_id=resource.id, extra=fields)
        root = self.thread_root(views.plan.id, resource.id, ask)
        if kind in THREAD_OPENERS:
            return self.for_plan(
                views, kind, reader, now, resource_id=resource.id, extra=fields, ask=ask, references=[root]
            )
        opener = "backup_request" if stands_in_for is not None else "request"
        opened = {**fields, "resource": views.resource(asked or resource, fmt, stands_in_for)}
        context = self._context(views, reader, answer_to=self.answer_to(views.plan.id, resource.id, ask), **opened)
        subject = "Re: " + self.renderer.render(opener, context, reader.language).subject
        return self.for_plan(
            views,
            kind,
            reader,
            now,
            resource_id=resource.id,
            extra=fields,
            ask=ask,
            subject=subject,
            in_reply_to=root,
            references=[root],
        )

    def meeting_invitation(
        self,
        views: PlanViews,
        meeting: Meeting,
        attendees: list[Person],
        sequence: int,
        now: datetime,
        method: str = "REQUEST",
        recipients: list[Person] | None = None,
        answers: dict[str, str] | None = None,
        to: list[Person] | None = None,
        reader: Person | None = None,
    ) -> Built:
        """The iMIP message for a meeting: the ``meeting`` template as body and event description.

        The owner is always an attendee (as CHAIR). ``recipients`` are the people the change is
        for, every attendee by default; a CANCEL for people taken off a meeting is for them alone.
        ``to`` are those of them this message goes to (all by default) and ``reader`` whose
        language and timezone its words use (the owner by default): :func:`language_groups`
        splits recipients so that each reads the invitation in their own language. ``answers``
        (email -> PARTSTAT) are the answers an update keeps: those attendees get their PARTSTAT
        and RSVP=FALSE, the others NEEDS-ACTION and RSVP=TRUE.
        """
        owner = views.owner()
        reader = reader or owner
        change = meeting_change(method, owner.email, recipients)
        fields = {"meeting": views.meeting(meeting, views.formatter(reader)), "method": method, "change": change}
        # One rendering is both the message and the event's DESCRIPTION.
        words = self.renderer.render(
            "meeting",
            self._context(views, reader, answer_to=self.sender.email, **fields),
            reader.language,
        )
        domain = self.sender.email.rpartition("@")[2]
        others = [p for p in attendees if p.email.lower() != owner.email.lower()]
        # A REQUEST and a CANCEL of the whole event list everyone, the owner as CHAIR (RFC 5546
        # 3.2.5); a CANCEL for people taken off lists just them.
        people = ([Attendee(owner.name, owner.email, role="CHAIR")] if change in ("update", "cancel") else []) + [
            _attendee(p, answers or {}) for p in others
        ]
        ical = invitation(
            uid=event_uid(views.plan.id, meeting.key, domain),
            sequence=sequence,
            meeting=meeting,
            plan_timezone=views.plan_timezone,
            organizer=(self._from_name(views), self.sender.email),
            attendees=people,
            description=words.text,
            dtstamp=now,
            method=method,
        )
        everyone = recipients if recipients is not None else [owner] + others
        return self.for_plan(
            views,
            "meeting",
            reader,
            now,
            to=to or everyone,
            words=words,
            invite=Invitation(ical, method),
            headers={"X-Followthru-Meeting": change},
        )

    def rejected(self, owner_email: str, file: str, problems: list[str], now: datetime) -> Built:
        """The owner's notice that a plan file was rejected; no plan could be read, so no plan context."""
        language = self.config.schedule.language
        context = {
            "recipient": {"name": owner_email, "email": owner_email},
            "owner": {"name": owner_email, "email": owner_email},
            "sender": self.sender_view(),
            "answer_to": self.sender.email,
            "file": file,
            "problems": problems,
        }
        words = self.renderer.render("owner_rejected", context, language)
        draft = Draft(
            sender=self.sender,
            to=[Mailbox(owner_email, owner_email)],
            date=now,
            headers={"X-Followthru-Kind": "owner_rejected", "Auto-Submitted": "auto-generated"},
        )
        return build_message(draft, words)

    def sign_in(self, email: str, link: str, minutes: int, now: datetime) -> Built:
        """An owner's link to sign in to the web board, which works once and for ``minutes``
        minutes; asked for on the sign-in page, so no plan context."""
        context = {
            "recipient": {"name": email, "email": email, "greeting": ""},
            "owner": {"name": email, "email": email, "greeting": ""},
            "sender": self.sender_view(),
            "answer_to": self.sender.email,
            "link": link,
            "minutes": minutes,
        }
        words = self.renderer.render("owner_sign_in", context, self.config.schedule.language)
        draft = Draft(
            sender=self.sender,
            to=[Mailbox("", email)],
            date=now,
            headers={"X-Followthru-Kind": "owner_sign_in", "Auto-Submitted": "auto-generated"},
        )
        return build_message(draft, words)

    def handed_over(self, plan: Plan, old_owner: str, new_owner: str, recipient: str, now: datetime) -> Built:
        """The notice to the old and to the new owner that a plan changed hands."""
        context = {
            "recipient": {"name": recipient, "email": recipient},
            "owner": {"name": recipient, "email": recipient},
            "sender": self.sender_view(),
            "answer_to": self.sender.email,
            "plan": {"id": plan.id, "title": plan.plan.title},
            "old_owner": old_owner,
            "new_owner": new_owner,
            "is_new": recipient == new_owner,
        }
        words = self.renderer.render("owner_handed_over", context, self.config.schedule.language)
        draft = Draft(
            sender=self.sender,
            to=[Mailbox(recipient, recipient)],
            date=now,
            headers={
                "X-Followthru-Plan": plan.id,
                "X-Followthru-Kind": "owner_handed_over",
                "Auto-Submitted": "auto-generated",
            },
        )
        return build_message(draft, words)

    def digest(self, plans: list[tuple[Plan, PlanState]], now: datetime) -> Built:
        """The owner's daily digest over their open plans."""
        first = PlanViews(plans[0][0], self.config.schedule.timezone, self.config.schedule.language)
        owner = first.owner()
        entries = []
        for plan, state in plans:
            views = PlanViews(
                plan,
                self.config.schedule.timezone,
                self.config.schedule.language,
                {c.resource_id: c.state for c in state.commitments.values()},
            )
            fmt = views.formatter(owner)
            entries.append(
                {
                    "id": plan.id,
                    "title": plan.plan.title,
                    "state": state.state,
                    "needs_attention": views.attention(list(state.attention), fmt),
                    "roster": views.roster(fmt),
                }
            )
        context = {
            "recipient": owner.view,
            "owner": owner.view,
            "sender": self.sender_view(),
            "answer_to": self.sender.email,
            "plans": entries,
        }
        words = self.renderer.render("digest", context, owner.language)
        draft = Draft(
            sender=self.sender,
            to=[Mailbox(owner.name, owner.email)],
            date=now,
            headers={"X-Followthru-Kind": "digest", "Auto-Submitted": "auto-generated"},
        )
        return build_message(draft, words)

    def lapsed(self, owner_email: str, since: datetime, now: datetime, plans: list[tuple[Plan, list[Phrase]]]) -> Built:
        """The owner's one notice of what lapsed while Followthru was not running.

        ``since`` is the time of the last pass before the outage, ``now`` the pass that caught
        up; ``plans`` holds each of the owner's plans with its ``Decisions.lapsed`` phrases (plans
        without lines are left out). The owner's name, timezone and language come from the first
        plan. Raises ValueError when no plan has a line: there is nothing to tell.
        """
        plans = [(plan, lines) for plan, lines in plans if lines]
        if not plans:
            raise ValueError("no lapsed lines: nothing to tell the owner")
        first = PlanViews(plans[0][0], self.config.schedule.timezone, self.config.schedule.language)
        owner = first.owner()
        owner = Person(owner.name, owner_email, owner.timezone, owner.language)
        fmt = first.formatter(owner)
        entries = [
            {"id": plan.id, "title": plan.plan.title, "lines": [fmt.say(line) for line in lines]}
            for plan, lines in plans
        ]
        context = {
            "recipient": owner.view,
            "owner": owner.view,
            "sender": self.sender_view(),
            "answer_to": self.sender.email,
            "since": fmt.when(since),
            "now": fmt.when(now),
            "plans": entries,
        }
        words = self.renderer.render("owner_lapsed", context, owner.language)
        draft = Draft(
            sender=self.sender,
            to=[Mailbox(owner.name, owner.email)],
            date=now,
            headers={"X-Followthru-Kind": "owner_lapsed", "Auto-Submitted": "auto-generated"},
        )
        return build_message(draft, words)

    def command(self, text: str) -> str:
        """A ``followthru ...`` command as a message quotes it: with ``-c`` and this workspace's
        config file, so that it works as written from any folder."""
        if self.config.source is None or not text.startswith("followthru "):
            return text
        return f"followthru -c {shlex.quote(str(self.config.source))} {text.removeprefix('followthru ')}"

    def _context(self, views: PlanViews, reader: Person, **extra: Any) -> dict[str, Any]:
        """The variables of a message about the plan; those shared by every reader in one language
        and timezone are written once for all of them while the plan is drafted."""
        context = views.context(reader, sender=self.sender_view(), **extra)
        self.renderer.share(context["plan"], context["roster"], context["owner"])
        return context

    def sender_view(self) -> dict[str, str]:
        return {"name": self.sender.name, "email": self.sender.email}

    def _from_name(self, views: PlanViews) -> str:
        """``Riley Rep via Followthru``: people see whose plan it is."""
        return f"{views.plan.owner.name} via {self.sender.name}"


def _attendee(person: Person, answers: dict[str, str]) -> Attendee:
    """An invitee with the answer an update keeps, else asked (NEEDS-ACTION, RSVP=TRUE)."""
    answer = answers.get(person.email.lower())
    return Attendee(person.name, person.email, partstat=answer or "NEEDS-ACTION", rsvp=answer is None)


def language_groups(people: list[Person], first: Person) -> list[list[Person]]:
    """``people`` grouped by language and timezone, so that one message can be worded for each
    group; the group of ``first`` (the owner) comes first, the others in the order met."""
    groups: dict[tuple[str, str], list[Person]] = {}
    for person in sorted(people, key=lambda p: p.email.lower() != first.email.lower()):
        groups.setdefault((person.language, person.timezone.key), []).append(person)
    return list(groups.values())


def meeting_change(method: str, owner_email: str, recipients: list[Person] | None) -> str:
    """What a meeting message does: ``update`` (a REQUEST), ``cancel`` (a CANCEL of the whole event,
    which goes to everyone, the owner included: ``recipients`` None or naming them) or ``remove`` (a
    CANCEL for people taken off, to them alone); any other method in lower case."""
    if method == "CANCEL":
        everyone = recipients is None or any(p.email.lower() == owner_email.lower() for p in recipients)
        return "cancel" if everyone else "remove"
    return "update" if method == "REQUEST" else method.lower()
