"""The store: migrations, WAL, the outbox pattern, inbound Message-IDs, state round trips."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from followthru.config import Config
from followthru.engine import Engine
from followthru.planfile import load_plan
from followthru.states import Answer
from followthru.store import MIGRATIONS, Store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "state.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def plan():
    return load_plan(ROOT / "examples" / "acme-q4.toml").plan


def test_a_new_store_is_migrated_and_in_wal_mode(store, tmp_path):
    assert store.schema_version == len(MIGRATIONS)
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    again = Store(tmp_path / "state.sqlite3")  # opening again migrates nothing
    assert again.schema_version == len(MIGRATIONS)
    again.close()


def test_state_round_trips(store, plan):
    engine = Engine(Config())
    decisions = engine.start(plan, NOW)
    decisions = engine.reply(plan, decisions.state, "sam", Answer("counter", proposed_date=date(2026, 12, 11)), NOW)
    with store.transaction():
        store.save(
            plan, decisions.state, NOW, decisions.next_wake, {"sam": "key"}, file="acme-q4.toml", new_version=True
        )
        store.save_meetings(plan.id, decisions.state, {"review": "uid-review", "check-in": "uid-check-in"})
    loaded = store.load("acme-q4")
    assert loaded.plan == plan and loaded.version == 1
    assert loaded.state.commitments == decisions.state.commitments
    assert loaded.state.meetings["review"] == decisions.state.meetings["review"]
    assert loaded.state.attention == ["sam: proposed other terms"]
    assert store.commitments_by_token("key") == [("acme-q4", "sam")]
    assert store.meeting_by_uid("uid-review") == ("acme-q4", "review")


def test_only_due_plans_are_returned(store, plan):
    state = Engine(Config()).start(plan, NOW).state
    with store.transaction():
        store.save(plan, state, NOW, NOW + timedelta(hours=1), {})
    assert store.due_plans(NOW) == []
    assert store.due_plans(NOW + timedelta(hours=1)) == ["acme-q4"]
    plan_text = store.connection.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM plans WHERE next_wake IS NOT NULL "
        "AND next_wake <= ? ORDER BY next_wake LIMIT 5",
        ("x",),
    ).fetchall()
    assert "plans_wake" in str([tuple(r) for r in plan_text])  # an index, not a scan of every plan


def test_outbox_records_before_sending_and_never_twice(store):
    with store.transaction():
        store.record_outgoing("<a@x>", "p", "r", "request", ["r@example.com"], b"raw", NOW, NOW)
        store.record_outgoing("<b@x>", "p", "r", "reminder", ["r@example.com"], b"raw", NOW + timedelta(hours=2), NOW)
    assert [o.message_id for o in store.pending(NOW)] == ["<a@x>"]
    with store.transaction():
        store.mark_sent(store.pending(NOW)[0].id, NOW)
    assert store.pending(NOW) == []
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store.record_outgoing("<a@x>", "p", "r", "request", [], b"raw", NOW, NOW)
    with store.transaction():
        assert store.withdraw("p", "r") == 1
    assert store.pending(NOW + timedelta(hours=3)) == []


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.record_outgoing("<c@x>", "p", None, "digest", [], b"raw", NOW, NOW)
            raise RuntimeError("crash in the middle of a decision")
    assert store.pending(NOW) == []


def test_inbound_message_ids_are_remembered(store):
    assert not store.seen("<reply@x>")
    with store.transaction():
        store.remember_inbound("<reply@x>", NOW, "p", "r", "accept", "applied")
        store.remember_inbound("<reply@x>", NOW, "p", "r", "accept", "applied")
    assert store.seen("<reply@x>")


def test_the_store_does_not_import_the_engine():
    """The store keeps the engine's state types (followthru.states), not its decisions: importing the
    store loads no part of the engine."""
    probe = "import sys, followthru.store\nprint(' '.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "daemon")},
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "followthru.states" in loaded
    assert not {m for m in loaded if m.startswith("followthru.engine") or m == "followthru.decisions"}
