"""Answers that come in: a reply matched to the request it answers (or to a meeting, or to an owner's
decision) and applied, or audited and told to the owner when it cannot be.

Plain functions over the store: ``applier`` stores what the engine decides (and holds the store and
the engine), ``matcher`` finds which request a reply is about (followthru.matching). The pass
(followthru.daemon) reads the inbox and the calendar service and calls these, one answer at a time,
inside its own transaction for a reply.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from followthru.applying import Applier
from followthru.backends.base import CalendarAnswer
from followthru.decisions import OWNER, Send
from followthru.engine_meetings import pending_proposals
from followthru.matching import ASK_FREE_INTENTS, Ambiguous, Match, Matcher, is_attendee, own_due_date
from followthru.replies import Reply, settle_for
from followthru.replies.model import CalendarAnswer as ItipAnswer
from followthru.states import Answer
from followthru.store import Row, Store, StoredPlan
from followthru.tokens import token_key


def calendar_answer(applier: Applier, answer: CalendarAnswer, now: datetime) -> bool:
    """An attendee's answer as the calendar service reports it, applied like an iMIP reply, in a
    transaction of its own. False when it is for no meeting of ours, or from someone not invited."""
    store = applier.store
    found = store.meeting_by_uid(answer.uid)
    if found is None:
        return False
    plan_id, meeting_key = found
    partstat = "COUNTER" if answer.proposed_start else answer.partstat
    with store.transaction():
        stored = store.load_known(plan_id)
        if not _invited(store, stored, meeting_key, answer.attendee, now):
            return False
        applier.apply(
            stored.plan,
            applier.engine.rsvp(
                stored.plan,
                stored.state,
                meeting_key,
                answer.attendee.lower(),
                partstat,
                now,
                proposed=answer.proposed_start,
            ),
            now,
        )
    return True


def decide(applier: Applier, plan_id: str, about: str, approve: bool, now: datetime) -> None:
    """The owner's answer to a counter-proposal, inside the caller's transaction: ``about`` names a
    resource, or a meeting with a proposed new time waiting (approving moves the meeting in the stored
    plan). Raises LookupError/ValueError with a clear message. ``followthru decide`` and a decision on
    the web (followthru.web_actions) both come here."""
    store = applier.store
    stored = store.load(plan_id)
    if stored is None:
        raise LookupError(f"no plan with the id {plan_id!r}")
    meeting_only = about in {m.key for m in stored.plan.meetings} and all(r.id != about for r in stored.plan.resources)
    if meeting_only or pending_proposals(stored.state, about):
        plan, decisions = applier.engine.decide_meeting(stored.plan, stored.state, about, approve, now)
        applier.apply(
            plan, decisions, now, file="(meeting moved)" if approve else None, new_version=approve, previous=stored.plan
        )
    else:
        applier.apply(stored.plan, applier.engine.decide(stored.plan, stored.state, about, approve, now), now)


def refuse_forged(
    applier: Applier, matcher: Matcher, reply: Reply, checks: str, now: datetime
) -> tuple[str | None, str | None, str]:
    """The receiving server found the sender forged: apply nothing; tell the owner it was about."""
    store = applier.store
    found = matcher.request(reply, matcher.sent_message(reply))
    match = (found.plan_id, found.resource_id) if isinstance(found, Match) else None
    if match is None:
        store.audit(now, None, None, f"forged reply ({checks}) from {reply.sender}: not applied")
        return None, None, "forged"
    plan_id, resource_id = match
    stored = store.load_known(plan_id)
    resource = next((r for r in stored.plan.resources if r.id == resource_id), None)
    _notify_owner(
        applier,
        stored,
        "owner_unmatched",
        resource_id,
        now,
        reply,
        reason="forged",
        checks=checks,
        claimed=resource.name if resource else "",
    )
    store.audit(now, plan_id, resource_id, f"forged reply ({checks}) from {reply.sender}: not applied")
    return plan_id, resource_id, "forged"


def route(applier: Applier, matcher: Matcher, reply: Reply, now: datetime) -> tuple[str | None, str | None, str]:
    """Match a reply to a commitment (or a meeting, or a counter decision) and apply it."""
    store = applier.store
    if reply.calendar and reply.calendar.method in ("REPLY", "COUNTER"):
        meeting = store.meeting_by_uid(reply.calendar.uid)
        if meeting:
            return _rsvp(applier, matcher, meeting, reply, reply.calendar, now)
    if reply.intent == "bounce":
        match = matcher.bounce(reply)
        if match:
            plan_id, resource_id = match
            _answer(applier, plan_id, resource_id, reply, now)
            return plan_id, resource_id, "bounce applied"
    sent = matcher.sent_message(reply)
    if sent is not None and store.mark_went_out(sent["id"], now):
        # A daemon stopped between handing it over and marking it (followthru.claims): the reply
        # says it went out, and it must not go again.
        recipients = ", ".join(json.loads(sent["recipients"]))
        store.audit(now, sent["plan_id"], sent["resource_id"], f"{sent['kind']} sent to {recipients} (a reply says)")
    if sent is not None and sent["kind"] == "owner_counter":
        return _owner_decision(applier, sent, reply, now)
    if sent is not None and sent["kind"].startswith("owner_"):
        store.audit(
            now,
            sent["plan_id"],
            sent["resource_id"],
            f"reply to the {sent['kind']} notice from {reply.sender}: nothing to do",
        )
        return sent["plan_id"], sent["resource_id"], "reply to a notice"
    found = matcher.request(reply, sent)
    if isinstance(found, Ambiguous):
        return _ambiguous(applier, found, reply, now)
    if found is None:
        store.audit(now, None, None, f"unmatched reply from {reply.sender}: {reply.subject[:80]}")
        return None, None, "unmatched"
    plan_id, resource_id = found.plan_id, found.resource_id
    stored = store.load_known(plan_id)
    resource = next((r for r in stored.plan.resources if r.id == resource_id), None)
    claimed = resource.name if resource else resource_id
    if reply.relayed_by:
        _notify_owner(
            applier,
            stored,
            "owner_unmatched",
            resource_id,
            now,
            reply,
            reason="list",
            list_id=reply.relayed_by,
            claimed=claimed,
        )
        store.audit(
            now, plan_id, resource_id, f"reply relayed by a list ({reply.relayed_by}) from {reply.sender}: not applied"
        )
        return plan_id, resource_id, "relayed by a list"
    if not matcher.from_resource(reply.sender, resource):
        _notify_owner(applier, stored, "owner_unmatched", resource_id, now, reply, reason="unverified", claimed=claimed)
        store.audit(now, plan_id, resource_id, f"unverified reply from {reply.sender}: not applied")
        return plan_id, resource_id, "unverified"
    commitment = stored.state.commitments.get(resource_id)
    if found.ask and commitment and found.ask != commitment.terms and reply.intent not in ASK_FREE_INTENTS:
        return _stale(applier, stored, found, commitment.terms, reply, now, claimed)
    _answer(applier, plan_id, resource_id, reply, now)
    return plan_id, resource_id, "applied"


def _stale(
    applier: Applier, stored: StoredPlan, found: Match, current_ask: str, reply: Reply, now: datetime, claimed: str
) -> tuple[str, str, str]:
    """An answer to an earlier version of the person's ask: they stay asked; the owner is told."""
    store = applier.store
    answered = store.ask_by_token(token_key(found.plan_id, found.resource_id, found.ask))
    current = store.ask_by_token(token_key(found.plan_id, found.resource_id, current_ask))
    answered_version = answered["plan_version"] if answered else "an earlier"
    current_version = current["plan_version"] if current else stored.version
    _notify_owner(
        applier,
        stored,
        "owner_unmatched",
        found.resource_id,
        now,
        reply,
        reason="stale",
        claimed=claimed,
        answered_version=answered_version,
        current_version=current_version,
    )
    store.audit(
        now,
        found.plan_id,
        found.resource_id,
        f"reply ({reply.intent}) to version {answered_version} of the ask, not the current one "
        f"(version {current_version}): not applied; owner told",
    )
    return found.plan_id, found.resource_id, "stale ask"


def _ambiguous(applier: Applier, found: Ambiguous, reply: Reply, now: datetime) -> tuple[None, None, str]:
    """The sender is asked in several open plans and nothing says which: apply to none, tell each owner."""
    store = applier.store
    plans = [store.load_known(plan_id) for plan_id, _ in found.candidates]
    titles = [p.plan.plan.title for p in plans]
    told: set[str] = set()
    for stored, (plan_id, resource_id) in zip(plans, found.candidates, strict=True):
        owner = stored.plan.owner.email.lower()
        if owner not in told:  # one notice per owner, naming every plan it could be for
            told.add(owner)
            _notify_owner(applier, stored, "owner_unmatched", resource_id, now, reply, reason="ambiguous", plans=titles)
        store.audit(
            now,
            plan_id,
            resource_id,
            f"reply from {reply.sender} could be for {len(plans)} open plans: not applied; owner told",
        )
    return None, None, "ambiguous"


def _answer(applier: Applier, plan_id: str, resource_id: str, reply: Reply, now: datetime) -> None:
    store = applier.store
    stored = store.load_known(plan_id)
    reply = settle_for(reply, own_due_date(stored.plan, stored.state, resource_id))
    reason = reply.bounce.diagnostic if reply.bounce else ""
    answer = Answer(reply.intent, reply.words, reply.proposed_date, reply.return_date, reason)
    applier.apply(stored.plan, applier.engine.reply(stored.plan, stored.state, resource_id, answer, now), now)


def _rsvp(
    applier: Applier, matcher: Matcher, meeting: tuple[str, str], reply: Reply, answer: ItipAnswer, now: datetime
) -> tuple[str, None, str]:
    """``answer`` is the reply's calendar part; ``meeting`` the plan id and meeting key of its UID."""
    store = applier.store
    plan_id, meeting_key = meeting
    if answer.attendee != reply.sender and answer.attendee not in matcher.aliases.get(reply.sender, set()):
        store.audit(now, plan_id, None, f"calendar answer for {answer.attendee} sent by {reply.sender}: not applied")
        return plan_id, None, "unverified rsvp"
    stored = store.load_known(plan_id)
    if not _invited(store, stored, meeting_key, answer.attendee, now):
        return plan_id, None, "rsvp from a non-attendee"
    if reply.relayed_by:
        store.audit(now, plan_id, None, f"calendar answer relayed by a list ({reply.relayed_by}): not applied")
        return plan_id, None, "rsvp relayed by a list"
    partstat = "COUNTER" if answer.method == "COUNTER" else (answer.partstat or "NEEDS-ACTION")
    applier.apply(
        stored.plan,
        applier.engine.rsvp(
            stored.plan, stored.state, meeting_key, answer.attendee, partstat, now, proposed=answer.proposed_start
        ),
        now,
    )
    return plan_id, None, f"rsvp {partstat}"


def _invited(store: Store, stored: StoredPlan, meeting_key: str, attendee: str, now: datetime) -> bool:
    """Whether ``attendee`` is on the meeting's invitation; a calendar answer from anyone else is
    audited and not applied."""
    if is_attendee(stored, meeting_key, attendee):
        return True
    store.audit(
        now, stored.plan.id, None, f"calendar answer from {attendee}, who is not invited to {meeting_key}: not applied"
    )
    return False


def _owner_decision(applier: Applier, sent: Row, reply: Reply, now: datetime) -> tuple[str, str, str]:
    store = applier.store
    plan_id, resource_id = sent["plan_id"], sent["resource_id"]
    stored = store.load_known(plan_id)
    first = reply.words.strip().split()[0].upper().strip(".,!:") if reply.words.strip() else ""
    approve = first == "APPROVE" or (first != "REJECT" and reply.intent == "accept")
    reject_it = first == "REJECT" or (first != "APPROVE" and reply.intent == "decline")
    if reply.sender != stored.plan.owner.email.lower() or not (approve or reject_it):
        store.audit(
            now, plan_id, resource_id, f"reply to the counter notice from {reply.sender} not read as a decision"
        )
        return plan_id, resource_id, "no decision"
    try:
        applier.apply(stored.plan, applier.engine.decide(stored.plan, stored.state, resource_id, approve, now), now)
    except ValueError as error:
        store.audit(now, plan_id, resource_id, f"owner decision ignored: {error}")
        return plan_id, resource_id, "decision ignored"
    return plan_id, resource_id, "approved" if approve else "rejected"


def _notify_owner(
    applier: Applier, stored: StoredPlan, kind: str, resource_id: str, now: datetime, reply: Reply, **facts: Any
) -> None:
    zone = applier.owner_zone(stored.plan)
    send = Send(
        kind,
        OWNER,
        applier.clock.next_window(now, zone),
        about=resource_id,
        facts={
            "their_words": reply.words,
            "message": {"sender": reply.sender, "subject": reply.subject, "date": reply.date},
            **facts,
        },
    )
    applier.add_send(stored, send, now)
