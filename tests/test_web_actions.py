"""The queue of web actions on both stores: a form sent twice is one action, the latest answer to an
ask, sign-in links that work once and expire, and waiting actions in order."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from followthru import web_actions
from followthru.store import Store
from support import postgres

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(each_store):
    return each_store


def queue_answer(store: Store, form: str, choice: str = "commit", at: datetime = NOW) -> bool:
    return web_actions.answer(
        store, "askkey0001", form, "acme-q4", "sam", "Sam@Example.com", choice, "", date(2026, 12, 9), at
    )


def test_a_form_sent_twice_is_one_action(store):
    assert queue_answer(store, "form-1") is True
    assert queue_answer(store, "form-1", "decline") is False
    (waiting,) = web_actions.waiting(store)
    assert (waiting.kind, waiting.plan_id, waiting.resource_id, waiting.by_email) == (
        "answer",
        "acme-q4",
        "sam",
        "sam@example.com",
    )
    assert waiting.payload == {"choice": "commit", "words": "", "proposed": "2026-12-09"}
    assert waiting.received_at == NOW and waiting.waiting


def test_the_latest_answer_to_an_ask_and_waiting_in_order(store):
    queue_answer(store, "form-1", "question")
    queue_answer(store, "form-2", "commit", NOW + timedelta(minutes=1))
    web_actions.decide(store, "form-3", "acme-q4", "lee", "riley@example.com", True, NOW)
    last = web_actions.last_for_ask(store, "askkey0001")
    assert last is not None and last.payload["choice"] == "commit"
    assert web_actions.last_for_ask(store, "otherkey00") is None
    assert [a.kind for a in web_actions.waiting(store)] == ["answer", "answer", "decide"]
    assert [a.resource_id for a in web_actions.waiting_decisions(store, "acme-q4")] == ["lee"]
    assert web_actions.waiting(store, limit=1)[0].payload["choice"] == "question"


def test_a_sign_in_link_works_once_and_expires(store):
    made = []
    nonce = web_actions.new_sign_in(store, "Riley@Example.com", NOW, lambda n: made.append(n) or f"link/{n}")
    assert made == [nonce]
    (queued,) = web_actions.waiting(store)
    assert queued.kind == "sign_in" and queued.payload == {"link": f"link/{nonce}"}
    assert web_actions.sign_ins_since(store, "riley@example.com", NOW - timedelta(minutes=15)) == 1
    assert web_actions.sign_ins_since(store, "riley@example.com", NOW + timedelta(seconds=1)) == 0
    lasts = timedelta(minutes=15)
    assert web_actions.use_sign_in(store, "not-a-nonce", NOW, lasts) is None
    assert web_actions.use_sign_in(store, nonce, NOW + timedelta(minutes=16), lasts) is None  # expired
    assert web_actions.use_sign_in(store, nonce, NOW + timedelta(minutes=5), lasts) == "riley@example.com"
    assert web_actions.use_sign_in(store, nonce, NOW + timedelta(minutes=6), lasts) is None  # used


def test_two_connections_queue_one_action_for_one_form(store):
    """Two server threads taking the same form at once (a double tap) queue it once."""
    target = store.connection
    other = (
        Store(Path(target.execute("PRAGMA database_list").fetchone()[2]))
        if store.dialect == "sqlite"
        else Store(target.url, postgres.server().password)
    )
    try:
        results = [queue_answer(store, "form-1"), queue_answer(other, "form-1")]
    finally:
        other.close()
    assert sorted(results) == [False, True]
    assert len(web_actions.waiting(store)) == 1
