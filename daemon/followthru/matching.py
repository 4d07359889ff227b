"""Which request a reply answers: lookups over the store, no decisions and no writes.

A reply is tied to a request by its thread (In-Reply-To/References), else by the signed token in
the plus-address it was sent to, else by its sender's one open request. Threads and tokens also
say which version of the person's ask the reply was about (:attr:`Match.ask`), so an answer to an
earlier version can be told from an answer to the current one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from followthru.plan import Plan, Resource
from followthru.replies import Reply
from followthru.states import PlanState
from followthru.store import Row, Store, StoredPlan
from followthru.tokens import verify_token

# Facts about the person, true whichever version of the ask the message came from.
ASK_FREE_INTENTS = ("bounce", "auto_reply")


@dataclass(frozen=True)
class Match:
    """The request a reply answers; ``ask`` is the version of it the reply was tied to, when known."""

    plan_id: str
    resource_id: str
    ask: str | None


@dataclass(frozen=True)
class Ambiguous:
    """A reply that several open requests could own, with nothing to choose between them."""

    candidates: list[tuple[str, str]]


class Matcher:
    """Ties replies to the requests of one workspace. ``aliases`` maps a primary address (lower
    case) to the other addresses its person may answer from."""

    def __init__(self, store: Store, sender_email: str, secret: bytes, aliases: dict[str, set[str]]):
        self.store = store
        self.local, _, self.domain = sender_email.lower().rpartition("@")
        self.secret = secret
        self.aliases = aliases

    def sent_message(self, reply: Reply) -> Row | None:
        """The message of ours the reply's thread names (the nearest one), if any."""
        for message_id in [*reply.in_reply_to, *reversed(reply.references)]:
            row = self.store.outgoing_by_message_id(message_id)
            if row is not None and row["plan_id"]:
                return row
        return None

    def request(self, reply: Reply, sent: Row | None) -> Match | Ambiguous | None:
        """Which request a reply answers: the thread (``sent``), then the token it was sent to, then
        the sender's only open request (or the one plan among theirs that its subject names)."""
        if sent is not None and sent["resource_id"]:
            return Match(sent["plan_id"], sent["resource_id"], sent["ask"])
        return self.token(reply) or self._sender(reply)

    def bounce(self, reply: Reply) -> tuple[str, str] | None:
        """The request a delivery report is about: the returned Message-ID, the VERP token it came
        back to, or the refused address's open request."""
        report = reply.bounce
        if report and report.original_message_id:
            row = self.store.outgoing_by_message_id(report.original_message_id)
            if row is not None and row["resource_id"]:
                return row["plan_id"], row["resource_id"]
        token = self.token(reply)
        if token:
            return token.plan_id, token.resource_id
        if report and report.recipient:
            found = self.store.open_commitments_by_email(report.recipient)
            return found[0] if found else None
        return None

    def token(self, reply: Reply) -> Match | None:
        """The request named by a signed token in an address the reply was sent to."""
        for address in reply.to:
            user, _, host = address.rpartition("@")
            if host == self.domain and user.startswith(self.local + "+"):
                key = verify_token(self.secret, user.split("+", 1)[1])
                asked = self.store.ask_by_token(key) if key else None
                if asked is not None:
                    return Match(asked["plan_id"], asked["resource_id"], asked["ask"])
                found = self.store.commitments_by_token(key) if key else []  # a token made before versions
                if found:
                    return Match(*found[0], None)
        return None

    def from_resource(self, sender: str, resource: Resource | None) -> bool:
        """Only the resource's own address, or one of its configured aliases, answers for them."""
        expected = resource.email.lower() if resource else ""
        return bool(expected) and (sender == expected or sender in self.aliases.get(expected, set()))

    def _sender(self, reply: Reply) -> Match | Ambiguous | None:
        addresses = [reply.sender] + [k for k, v in self.aliases.items() if reply.sender in v]
        found = list(
            dict.fromkeys(pair for address in addresses for pair in self.store.open_commitments_by_email(address))
        )
        if not found:
            return None
        if len({plan_id for plan_id, _ in found}) == 1:
            return Match(*found[0], None)
        named = [pair for pair in found if self._subject_names(reply.subject, pair[0])]
        if len({plan_id for plan_id, _ in named}) == 1:
            return Match(*named[0], None)
        return Ambiguous(found)

    def _subject_names(self, subject: str, plan_id: str) -> bool:
        """The subject names this plan: its title or its id, as whole words."""
        stored = self.store.load(plan_id)
        names = [plan_id, stored.plan.plan.title] if stored else [plan_id]
        return any(_words(name) in _words(subject) for name in names if _words(name).strip())


def is_attendee(stored: StoredPlan, meeting_key: str, attendee: str) -> bool:
    """Whether ``attendee`` is on the meeting's current invitation."""
    meeting = stored.state.meetings.get(meeting_key)
    return meeting is not None and attendee.lower() in {a.lower() for a in meeting.attendees}


def own_due_date(plan: Plan, state: PlanState, resource_id: str) -> date | None:
    """The day this person's work is due: the date agreed with them, else their own (or the
    person they stand in for's) due date in the plan."""
    commitment = state.commitments.get(resource_id)
    resource = next((r for r in plan.resources if r.id == resource_id), None)
    due = (commitment.agreed_due if commitment else None) or (resource.due if resource else None)
    if due is None and commitment is not None and commitment.stands_in_for:
        standing = next((r for r in plan.resources if r.id == commitment.stands_in_for), None)
        due = standing.due if standing else None
    return due.date() if isinstance(due, datetime) else due


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[\w-]+", text.casefold())) + " "
