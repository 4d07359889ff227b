"""What people do on the web pages, queued in the store for the daemon: a person's answer to their ask,
an owner's decision on a counter-proposal, a sign-in link to mail.

The web process (followthru.web) only adds actions and reads them back; it never changes a plan and
never sends mail. The pass (followthru.daemon) applies each waiting action once, in a transaction of
its own, through the same engine entry points as a reply or ``followthru decide``: the same states,
notices and audit trail, with "on the web" in the audit line, and the answer written to the journal
as a reply's is. An action's ``key`` is unique, so a form sent twice is one action.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from followthru.states import Answer
from followthru.store import Row, Store, stamp, unstamp
from followthru.weblinks import CHOICE_INTENTS

if TYPE_CHECKING:
    from followthru.applying import Applier
    from followthru.claims import Claims
    from followthru.drafting.messages import Composer

ANSWER, DECIDE, SIGN_IN = "answer", "decide", "sign_in"
OPEN_TO_ANSWER = ("requested", "tentative", "question", "away")
"""Commitment states in which the page of an ask offers its form: the person is asked and has not
given a final answer (after one, a change of mind goes by replying to the email, which the owner sees)."""
WAITING_PER_PASS = 200


@dataclass(frozen=True)
class WebAction:
    """One action as the store keeps it."""

    id: int
    kind: str
    plan_id: str | None
    resource_id: str | None
    ask_key: str | None
    by_email: str
    payload: dict[str, Any]
    received_at: datetime
    done_at: datetime | None
    outcome: str | None

    @property
    def waiting(self) -> bool:
        return self.done_at is None


def _action(row: Row) -> WebAction:
    received = unstamp(row["received_at"])
    assert received is not None, "received_at is NOT NULL"
    return WebAction(
        row["id"],
        row["kind"],
        row["plan_id"],
        row["resource_id"],
        row["ask_key"],
        row["by_email"],
        json.loads(row["payload"]),
        received,
        unstamp(row["done_at"]),
        row["outcome"],
    )


_COLUMNS = "id, kind, plan_id, resource_id, ask_key, by_email, payload, received_at, done_at, outcome"


# -- the web process's side -----------------------------------------------------------------------------
def add(
    store: Store,
    kind: str,
    key: str,
    by_email: str,
    payload: dict[str, Any],
    now: datetime,
    plan_id: str | None = None,
    resource_id: str | None = None,
    ask_key: str | None = None,
) -> bool:
    """Queue an action for the daemon, in a transaction of its own; False when one with ``key`` is
    queued already (the same form sent twice), which then stays as it is."""
    with store.transaction():
        cursor = store.connection.execute(
            "INSERT INTO web_actions (key, kind, plan_id, resource_id, ask_key, by_email, payload, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, kind, plan_id, resource_id, ask_key, by_email.lower(), json.dumps(payload), stamp(now)),
        )
        return bool(cursor.rowcount)


def answer(
    store: Store,
    ask_key: str,
    form: str,
    plan_id: str,
    resource_id: str,
    by_email: str,
    choice: str,
    words: str,
    proposed: date | None,
    now: datetime,
) -> bool:
    """Queue a person's answer to the version of their ask ``ask_key`` names; ``form`` identifies the
    form it came from (a second sending of one form is the same answer). False when queued already."""
    payload = {"choice": choice, "words": words, "proposed": proposed.isoformat() if proposed else None}
    return add(store, ANSWER, f"answer:{ask_key}:{form}", by_email, payload, now, plan_id, resource_id, ask_key)


def decide(store: Store, form: str, plan_id: str, about: str, by_email: str, approve: bool, now: datetime) -> bool:
    """Queue an owner's decision on a counter-proposal (``about``: a resource id, or a meeting key)."""
    return add(store, DECIDE, f"decide:{plan_id}:{about}:{form}", by_email, {"approve": approve}, now, plan_id, about)


def last_for_ask(store: Store, ask_key: str) -> WebAction | None:
    """The latest answer given on the web to one version of an ask, waiting or applied."""
    row = store.connection.execute(
        f"SELECT {_COLUMNS} FROM web_actions WHERE ask_key = ? ORDER BY id DESC LIMIT 1", (ask_key,)
    ).fetchone()
    return _action(row) if row else None


def waiting_decisions(store: Store, plan_id: str) -> list[WebAction]:
    """An owner's decisions on a plan that the daemon has not applied yet."""
    rows = store.connection.execute(
        f"SELECT {_COLUMNS} FROM web_actions WHERE done_at IS NULL AND kind = ? AND plan_id = ? ORDER BY id",
        (DECIDE, plan_id),
    ).fetchall()
    return [_action(row) for row in rows]


def new_sign_in(store: Store, email: str, now: datetime, link: Any) -> str:
    """A sign-in link for ``email`` queued to be mailed: its nonce is kept with the address and the
    time; ``link(nonce)`` makes the link the message carries. Returns the nonce."""
    nonce = secrets.token_urlsafe(24)
    with store.transaction():
        store.connection.execute(
            "INSERT INTO web_sign_ins (nonce, email, asked_at) VALUES (?, ?, ?)", (nonce, email.lower(), stamp(now))
        )
    add(store, SIGN_IN, f"sign_in:{nonce}", email, {"link": link(nonce)}, now)
    return nonce


def sign_ins_since(store: Store, email: str, since: datetime) -> int:
    """How many sign-in links were asked for ``email`` since ``since`` (for the rate limit)."""
    row = store.connection.execute(
        "SELECT COUNT(*) FROM web_sign_ins WHERE email = ? AND asked_at >= ?", (email.lower(), stamp(since))
    ).fetchone()
    return int(row[0])


def use_sign_in(store: Store, nonce: str, now: datetime, lasts: timedelta) -> str | None:
    """The owner's address when the sign-in link of ``nonce`` is unused and younger than ``lasts``;
    it is used from then on. None for a used, expired or unknown link."""
    with store.transaction():
        row = store.connection.execute(
            "UPDATE web_sign_ins SET used_at = ? WHERE nonce = ? AND used_at IS NULL AND asked_at >= ? RETURNING email",
            (stamp(now), nonce, stamp(now - lasts)),
        ).fetchone()
    return str(row[0]) if row else None


# -- the daemon's side ------------------------------------------------------------------------------------
def waiting(store: Store, limit: int = WAITING_PER_PASS) -> list[WebAction]:
    """Actions not applied yet, oldest first."""
    rows = store.connection.execute(
        f"SELECT {_COLUMNS} FROM web_actions WHERE done_at IS NULL ORDER BY id LIMIT ?", (limit,)
    ).fetchall()
    return [_action(row) for row in rows]


def apply_one(applier: Applier, claims: Claims, composer: Composer, action: WebAction, now: datetime) -> str | None:
    """Apply one waiting action in a transaction of its own and record its outcome; None when another
    daemon is applying it, or has applied it meanwhile."""
    store = applier.store
    with store.transaction():
        if not claims.inbound(f"web {action.id}"):
            return None
        row = store.connection.execute("SELECT done_at FROM web_actions WHERE id = ?", (action.id,)).fetchone()
        if row is None or row[0] is not None:
            return None
        if action.kind == ANSWER:
            outcome = _answer(applier, action, now)
        elif action.kind == DECIDE:
            outcome = _decide(applier, action, now)
        elif action.kind == SIGN_IN:
            applier.record(
                composer.sign_in(action.by_email, action.payload["link"], applier.config.web.sign_in_minutes, now),
                None,
                None,
                "owner_sign_in",
                now,
            )
            outcome = "link queued"
        else:
            outcome = f"unknown kind {action.kind!r}: not applied"
        store.connection.execute(
            "UPDATE web_actions SET done_at = ?, outcome = ? WHERE id = ?", (stamp(now), outcome, action.id)
        )
    return outcome


def _answer(applier: Applier, action: WebAction, now: datetime) -> str:
    """A person's answer, applied as a reply with the chosen intent would be, unless the ask it
    answers is no longer the current one or the plan has ended (then audited, nothing changed)."""
    store = applier.store
    assert action.plan_id and action.resource_id and action.ask_key, "an answer names its plan, person and ask"
    choice = action.payload["choice"]
    stored = store.load(action.plan_id)
    asked = store.ask_by_token(action.ask_key)
    commitment = stored.state.commitments.get(action.resource_id) if stored else None
    if stored is None or asked is None or commitment is None:
        outcome = "not applied: the plan no longer asks this person"
    elif stored.state.state in ("closed", "cancelled"):
        outcome = f"not applied: the plan is {stored.state.state}"
    elif commitment.terms != asked["ask"]:
        outcome = "not applied: the ask changed before the answer was taken in"
    else:
        store.audit(now, action.plan_id, action.resource_id, f"answered on the web by {action.by_email}: {choice}")
        proposed = date.fromisoformat(action.payload["proposed"]) if action.payload.get("proposed") else None
        given = Answer(CHOICE_INTENTS[choice], action.payload.get("words", ""), proposed, None, "")
        decisions = applier.engine.reply(stored.plan, stored.state, action.resource_id, given, now)
        applier.apply(stored.plan, decisions, now)
        return "applied"
    store.audit(now, action.plan_id, action.resource_id, f"answer on the web by {action.by_email} {outcome}")
    return outcome


def _decide(applier: Applier, action: WebAction, now: datetime) -> str:
    from followthru.inbox import decide

    assert action.plan_id and action.resource_id, "a decision names its plan and what it is about"
    approve = bool(action.payload["approve"])
    verb = "approved" if approve else "rejected"
    try:
        decide(applier, action.plan_id, action.resource_id, approve, now)
    except (LookupError, ValueError) as error:
        applier.store.audit(
            now, action.plan_id, action.resource_id, f"decision on the web by {action.by_email} not applied: {error}"
        )
        return f"not applied: {error}"
    applier.store.audit(now, action.plan_id, action.resource_id, f"{verb} on the web by {action.by_email}")
    return verb
