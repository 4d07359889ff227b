"""Webhooks: what happened to a plan, posted as signed JSON to the addresses in ``[[web.webhooks]]``,
so that a CRM or n8n can follow plans.

An event is found by comparing a plan as stored before a decision with the decision's new state
(:func:`events`, pure), and queued in the outbox in the decision's own transaction, one message per
webhook that wants it (:class:`Webhooks.record`). The outbox then delivers it as it delivers mail: at
its time, claimed by one daemon, retried with back-off while the receiver answers 5xx, 408, 429 or
not at all, given up on a 4xx or after ``mail.smtp.retry_for``, and marked sent once the receiver
said 2xx. The body's ``id`` (also the ``X-Followthru-Delivery`` header) is the event's; a receiver
that keeps the ids it has seen never acts twice on one.

The body is signed with HMAC-SHA256 under the webhook's secret: ``X-Followthru-Signature:
sha256=<hex of the HMAC of the raw body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from followthru.backends.base import Refusal, SendError
from followthru.states import PlanState
from followthru.store import Outgoing, Store, stamp

if TYPE_CHECKING:
    from followthru.config import Config
    from followthru.plan import Plan

KIND = "webhook"  # the outbox's kind of a webhook's message
TIMEOUT_SECONDS = 10.0
QUIET_AFTER_FAILURE_SECONDS = 60.0  # a receiver that failed is not tried again sooner, within any pass
TEMPORARY_STATUSES = (408, 425, 429)  # besides every 5xx: the receiver may take it later


@dataclass(frozen=True)
class Before:
    """What an event is told against: the plan's state, its commitments' states and what waited on
    the owner, as stored before a decision (None for a plan not stored yet)."""

    state: str | None
    commitments: dict[str, str]
    attention: list[str]


@dataclass(frozen=True)
class Event:
    name: str
    resource_id: str | None = None
    attention: tuple[str, ...] = ()


def events(before: Before, after: PlanState) -> list[Event]:
    """The events one decision makes, in a stable order: plan committed or closed, each commitment
    newly declined or countered, and what newly waits on the owner."""
    found: list[Event] = []
    for state, name in (("committed", "plan_committed"), ("closed", "plan_closed")):
        if after.state == state and before.state != state:
            found.append(Event(name))
    for resource_id, commitment in sorted(after.commitments.items()):
        for state, name in (("declined", "commitment_declined"), ("countered", "commitment_countered")):
            if commitment.state == state and before.commitments.get(resource_id) != state:
                found.append(Event(name, resource_id))
    new_attention = tuple(item for item in after.attention if item not in before.attention)
    if new_attention:
        found.append(Event("needs_attention", attention=new_attention))
    return found


def before(store: Store, plan_id: str) -> Before:
    """The plan as stored now: two indexed reads."""
    row = store.connection.execute("SELECT state, attention FROM plans WHERE id = ?", (plan_id,)).fetchone()
    rows = store.connection.execute(
        "SELECT resource_id, state FROM commitments WHERE plan_id = ?", (plan_id,)
    ).fetchall()
    return Before(
        row[0] if row else None,
        {resource_id: state for resource_id, state in rows},
        json.loads(row[1]) if row else [],
    )


class Webhooks:
    """The configured webhooks: events queued in the outbox, and their delivery."""

    def __init__(self, config: Config):
        self.config = config
        self._quiet_until: dict[str, float] = {}

    @property
    def wanted(self) -> bool:
        """Whether any webhook is configured (else nothing here costs anything)."""
        return bool(self.config.web.webhooks)

    def record(self, store: Store, plan: Plan, was: Before, state: PlanState, version: int, now: datetime) -> int:
        """Queue in the outbox, in the caller's transaction, one message per event of this decision
        for each webhook that wants it. Returns how many."""
        queued = 0
        for event in events(was, state):
            for hook in self.config.web.webhooks:
                if event.name not in hook.events:
                    continue
                body = self.body(plan, state, version, event, hook.url, now)
                message_id = f"<{body['id']}@webhook.followthru>"
                if store.outgoing_by_message_id(message_id) is not None:
                    continue  # this very event, told again within the same second: it is queued once
                store.record_outgoing(
                    message_id,
                    plan.id,
                    event.resource_id,
                    KIND,
                    [hook.url],
                    json.dumps(body, separators=(",", ":"), sort_keys=True).encode(),
                    now,
                    now,
                    "",
                )
                queued += 1
        return queued

    def body(self, plan: Plan, state: PlanState, version: int, event: Event, url: str, now: datetime) -> dict[str, Any]:
        """The JSON of one event for one webhook. Its ``id`` is a digest of the webhook's address and
        everything else the body says: the same however often the decision is made again at the same
        moment (a store put back from a backup), and another for any other event, even one of the same
        name about the same person within the same second (a counter-proposal, then another date)."""
        base_url = self.config.web.base_url
        body: dict[str, Any] = {
            "event": event.name,
            "at": stamp(now),
            "plan": {
                "id": plan.id,
                "title": plan.plan.title,
                "customer": plan.plan.customer,
                "state": state.state,
                "version": version,
                "owner": plan.owner.email,
                "url": f"{base_url}/plans/{plan.id}" if base_url else None,
            },
            "resource": None,
            "attention": list(event.attention),
        }
        if event.resource_id is not None:
            resource = next((r for r in plan.resources if r.id == event.resource_id), None)
            commitment = state.commitments.get(event.resource_id)
            body["resource"] = {
                "id": event.resource_id,
                "name": resource.name if resource else None,
                "email": resource.email if resource else None,
                "state": commitment.state if commitment else None,
                "proposed": commitment.proposed.isoformat() if commitment and commitment.proposed else None,
            }
        seed = json.dumps([url, body], separators=(",", ":"), sort_keys=True)
        return {"id": "evt_" + hashlib.sha256(seed.encode()).hexdigest()[:32], **body}

    def post(self, outgoing: Outgoing) -> list[Refusal]:
        """Deliver one queued event: [] when the receiver took it (2xx); a Refusal to try again later
        (5xx, 408, 425, 429, no answer) or to give up (any other status, or a webhook no longer
        configured). Never raises for the receiver's sake: mail delivery goes on."""
        url = outgoing.recipients[0]
        index = next((i for i, hook in enumerate(self.config.web.webhooks) if hook.url == url), None)
        if index is None:
            return [Refusal(url, 550, "this webhook is no longer in the config")]
        if self._quiet_until.get(url, 0.0) > time.monotonic():
            return [Refusal(url, 451, "the receiver failed a moment ago; trying again later")]
        try:
            secret = self.config.webhook_secret(index)
        except Exception as error:  # a ConfigError: the secret went missing since the daemon started
            raise SendError(f"webhook secret: {error}", permanent=False) from None
        body = outgoing.raw
        try:
            event = json.loads(body)
            name, delivery = str(event["event"]), str(event["id"])
        except (ValueError, TypeError, KeyError):
            return [Refusal(url, 550, "the queued event is not the JSON Followthru wrote")]
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Followthru-Webhook/1",
                "X-Followthru-Event": name,
                "X-Followthru-Delivery": delivery,
                "X-Followthru-Signature": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
            },
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (OSError, ValueError, http.client.HTTPException) as error:
            # Refused, reset, timed out, unresolvable, or an answer that is not HTTP (a bad status line, cut short).
            self._quiet_until[url] = time.monotonic() + QUIET_AFTER_FAILURE_SECONDS
            return [Refusal(url, 451, f"no answer from the receiver: {error}")]
        if 200 <= status < 300:
            self._quiet_until.pop(url, None)
            return []
        if status >= 500 or status in TEMPORARY_STATUSES:
            self._quiet_until[url] = time.monotonic() + QUIET_AFTER_FAILURE_SECONDS
            return [Refusal(url, 451, f"the receiver answered HTTP {status}")]
        return [Refusal(url, 550, f"the receiver answered HTTP {status}")]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to look into, not to follow: a POST would become a GET elsewhere."""

    def redirect_request(self, *args: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)
