"""The store, one suite on both stores: a SQLite file and a PostgreSQL database (a real server,
started by the tests). Migrations, the outbox pattern, inbound Message-IDs, state round trips, asks,
digests, the journal's queue, and the same order of rows on both."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from followthru.config import Config
from followthru.engine import Engine
from followthru.planfile import load_plan
from followthru.postgres import DatabaseUnavailable
from followthru.states import Answer
from followthru.store import Store
from followthru.store_schema import MIGRATIONS
from support import postgres

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path) -> tuple[str | Path, str | None]:
    """Where a new store goes, and its password."""
    if request.param == "sqlite":
        return tmp_path / "state.sqlite3", None
    server = postgres.server()
    return server.new_database(), server.password


@pytest.fixture
def store(target):
    opened = Store(*target)
    yield opened
    opened.close()


@pytest.fixture
def plan():
    return load_plan(ROOT / "examples" / "acme-q4.toml").plan


def started(store, plan, wake=None):
    state = Engine(Config()).start(plan, NOW).state
    with store.transaction():
        store.save(plan, state, NOW, wake, {"sam": "key-sam"}, file="acme-q4.toml", new_version=True)
    return state


def test_a_new_store_is_migrated_once(store, target):
    assert store.schema_version == len(MIGRATIONS)
    if store.dialect == "sqlite":
        assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    again = Store(*target)  # opening again migrates nothing
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
    assert store.meeting_by_uid("uid-nope") is None
    assert store.load("nope") is None
    with pytest.raises(LookupError):
        store.load_known("nope")


def test_a_new_version_is_counted_and_kept(store, plan):
    state = started(store, plan)
    with store.transaction():
        assert store.save(plan, state, NOW, None, {}, file="again.toml", new_version=True) == 2
        assert store.save(plan, state, NOW, None, {}) == 2  # the state only
    assert store.load("acme-q4").version == 2
    files = store.connection.execute("SELECT file FROM plan_versions ORDER BY version").fetchall()
    assert [row[0] for row in files] == ["acme-q4.toml", "again.toml"]


def test_only_due_plans_are_returned(store, plan):
    started(store, plan, wake=NOW + timedelta(hours=1))
    assert store.due_plans(NOW) == []
    assert store.due_plans(NOW + timedelta(hours=1)) == ["acme-q4"]
    assert store.next_due() == NOW + timedelta(hours=1)
    assert store.plan_ids() == ["acme-q4"] and store.plan_ids("OWNER@nowhere.example") == []


def test_sqlite_finds_due_plans_by_index(tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    plan_text = store.connection.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM plans WHERE next_wake IS NOT NULL "
        "AND next_wake <= ? ORDER BY next_wake LIMIT 5",
        ("x",),
    ).fetchall()
    assert "plans_wake" in str([tuple(r) for r in plan_text])  # an index, not a scan of every plan
    store.close()


def test_outbox_records_before_sending_and_never_twice(store):
    with store.transaction():
        store.record_outgoing("<a@x>", "p", "r", "request", ["r@example.com"], b"raw\x00\xff", NOW, NOW, ask="v1")
        store.record_outgoing("<b@x>", "p", "r", "reminder", ["r@example.com"], b"raw", NOW + timedelta(hours=2), NOW)
    [first] = store.pending(NOW)
    assert (first.message_id, first.raw, first.recipients, first.attempts) == (
        "<a@x>",
        b"raw\x00\xff",
        ["r@example.com"],
        0,
    )
    assert store.outgoing_by_message_id("<a@x>")["ask"] == "v1"
    assert store.next_message() == NOW
    with store.transaction():
        store.mark_sent(first.id, NOW)
    assert store.pending(NOW) == [] and store.outbox_row("<a@x>")["status"] == "sent"
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store.record_outgoing("<a@x>", "p", "r", "request", [], b"raw", NOW, NOW)
    with store.transaction():
        assert store.withdraw("p", "r") == 1
    assert store.pending(NOW + timedelta(hours=3)) == []
    assert store.outbox_counts() == {"sent": 1, "withdrawn": 1}


def test_a_message_a_reply_proves_went_out_is_marked_sent_once(store):
    with store.transaction():
        store.record_outgoing("<a@x>", "p", "r", "request", ["r@example.com"], b"raw", NOW, NOW)
        store.record_outgoing("<b@x>", "p", "r", "request", ["r@example.com"], b"raw", NOW, NOW)
        store.withdraw_message(store.outbox_row("<b@x>")["id"])
    pending, withdrawn = store.outbox_row("<a@x>")["id"], store.outbox_row("<b@x>")["id"]
    with store.transaction():
        assert store.mark_went_out(pending, NOW) and store.mark_went_out(withdrawn, NOW)
        assert not store.mark_went_out(pending, NOW)  # marked already
    assert store.pending(NOW) == [] and store.outbox_counts() == {"sent": 2}


def test_retries_and_failures(store):
    with store.transaction():
        store.record_outgoing("<c@x>", "p", None, "digest", ["a@x.example", "b@x.example"], b"raw", NOW, NOW)
    [message] = store.pending(NOW)
    later = NOW + timedelta(minutes=5)
    with store.transaction():
        store.retry_later(message.id, ["b@x.example"], later, "451 try again")
    assert store.pending(NOW) == []
    [again] = store.pending(later)
    assert again.recipients == ["b@x.example"] and again.attempts == 1
    with store.transaction():
        store.mark_failed(again.id, "550 no such user")
    assert store.outbox_counts() == {"failed": 1}
    with store.transaction():
        store.record_outgoing("<d@x>", "p", None, "digest", [], b"raw", NOW, NOW)
        store.withdraw_message(store.pending(NOW)[0].id)
    assert store.pending(NOW) == []


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.record_outgoing("<c@x>", "p", None, "digest", [], b"raw", NOW, NOW)
            raise RuntimeError("crash in the middle of a decision")
    assert store.pending(NOW) == []
    assert not store.connection.in_transaction


def test_inbound_message_ids_are_remembered(store):
    assert not store.seen("<reply@x>")
    with store.transaction():
        store.remember_inbound("<reply@x>", NOW, "p", "r", "accept", "applied")
        store.remember_inbound("<reply@x>", NOW, "p", "r", "accept", "applied")
    assert store.seen("<reply@x>")


def test_the_first_record_of_an_ask_wins(store):
    with store.transaction():
        store.remember_ask("k1", "p", "r", "first", 1, NOW)
        store.remember_ask("k1", "p", "r", "second", 2, NOW)
    asked = store.ask_by_token("k1")
    assert (asked["ask"], asked["plan_version"], asked[0]) == ("first", 1, "p")
    assert store.ask_by_token("nope") is None


def test_open_commitments_by_email(store, plan):
    started(store, plan)
    email = plan.resources[0].email
    assert store.open_commitments_by_email(email.upper()) == [("acme-q4", plan.resources[0].id)]
    assert store.commitment_state("acme-q4", plan.resources[0].id) == "requested"
    assert store.commitment_state("acme-q4", "nobody") is None


def test_digests_and_what_is_due_next(store):
    with store.transaction():
        store.set_next_digest("Rep@Example.com", NOW + timedelta(days=1))
        store.set_next_digest("rep@example.com", NOW, only_if_missing=True)  # kept: there is one
    assert store.next_digest_of("REP@example.com") == NOW + timedelta(days=1)
    assert store.owners_due(NOW) == []
    assert store.next_due() == NOW + timedelta(days=1)
    with store.transaction():
        store.set_next_digest("rep@example.com", NOW)
    assert store.owners_due(NOW) == ["rep@example.com"]
    with store.transaction():
        store.set_next_digest("rep@example.com", None)
    assert store.next_digest_of("rep@example.com") is None and store.next_due() is None


def test_audit_lines_in_order(store):
    with store.transaction():
        for n in range(3):
            store.audit(NOW, "p" if n < 2 else "q", None, f"line {n}")
    assert [row["event"] for row in store.log()] == ["line 0", "line 1", "line 2"]
    assert [row["event"] for row in store.log("q")] == ["line 2"]


def test_sync_state(store):
    assert store.get_sync("imap") is None
    with store.transaction():
        store.put_sync("imap", "1")
        store.put_sync("imap", "2")
    assert store.get_sync("imap") == "2"


def test_plans_without_a_timezone_are_pinned_once(store, plan):
    started(store, plan.model_copy(update={"plan": plan.plan.model_copy(update={"timezone": None})}))
    assert store.pin_timezones("Europe/Paris") == 2  # the plan and its one version
    assert store.load("acme-q4").plan.plan.timezone == "Europe/Paris"
    assert store.pin_timezones("Asia/Tokyo") == 0


def test_the_journal_queue(store, plan):
    store.prepare_journaling()
    store.prepare_journaling()  # again at every start: nothing doubled
    assert store.journal_state() == (None, 0)
    with store.transaction():
        store.set_workspace("w1")
        store.set_journal_seq(7)
    assert store.journal_state() == ("w1", 7)
    started(store, plan)  # a plan version: queued by a trigger
    with store.transaction():
        store.remember_inbound("<m@x>", NOW, None, None, None, "unmatched")  # and an inbound message
        store.journal_later({"type": "reply", "plan_id": "acme-q4"})
    kinds = [__import__("json").loads(entry)["type"] for _, entry in store.journal_queue()]
    assert kinds == ["version", "seen", "reply"]
    assert store.journal_queued()
    mark = store.journal_queue_mark()
    with store.transaction():
        store.journal_later({"type": "decide"})
        store.journal_dequeue_after(mark)
    assert len(store.journal_queue()) == 3
    with store.transaction():
        store.journal_dequeue()
    assert not store.journal_queued()


def test_sent_elsewhere_is_a_multiset_that_expires(store):
    with store.transaction():
        store.remember_sent_elsewhere("k", NOW)
        store.remember_sent_elsewhere("k", NOW)
    assert store.sent_elsewhere_count() == 2
    with store.transaction():
        assert store.take_sent_elsewhere("k") and not store.take_sent_elsewhere("other")
        store.expire_sent_elsewhere(NOW, timedelta(days=7))
        store.expire_sent_elsewhere(NOW + timedelta(days=8), timedelta(days=7))
    assert store.sent_elsewhere_count() == 0


def test_rows_come_in_the_same_order_on_both_stores(store, plan):
    ids = ["b-2", "a-10", "a-9", "A", "a", "z", "a-1"]
    with store.transaction():
        for pid in ids:
            renamed = plan.model_copy(update={"plan": plan.plan.model_copy(update={"id": pid})})
            store.save(renamed, Engine(Config()).start(renamed, NOW).state, NOW, None, {})
    assert store.plan_ids() == sorted(ids)  # byte order, as SQLite compares text


def test_the_store_does_not_import_the_engine_or_psycopg():
    """The store keeps the engine's state types (followthru.states), not its decisions; psycopg is
    loaded only for a PostgreSQL store."""
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
    assert not {m for m in loaded if m.startswith(("followthru.engine", "psycopg")) or m == "followthru.decisions"}


# -- PostgreSQL only ------------------------------------------------------------------------------------------------
def test_daemons_starting_together_migrate_once():
    server = postgres.server()
    url = server.new_database()
    opened: list[Store] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            opened.append(Store(url, server.password))
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [store.schema_version for store in opened] == [len(MIGRATIONS)] * 4
    count = opened[0].connection.execute("SELECT COUNT(*) FROM followthru_schema").fetchone()[0]
    assert count == 1
    for store in opened:
        store.close()


def test_a_restarted_server_is_waited_out_and_connected_again():
    with postgres.PostgresServer() as server:
        store = Store(server.new_database(), server.password)
        with store.transaction():
            store.put_sync("k", "before")
        server.restart()
        with pytest.raises(DatabaseUnavailable) as lost:
            store.get_sync("k")
        assert server.password not in str(lost.value)
        assert store.get_sync("k") == "before"  # the next statement connects again
        with pytest.raises(DatabaseUnavailable):
            with store.transaction():
                store.put_sync("k", "during")
                server.restart()
                store.put_sync("k", "lost with the connection")
        assert store.get_sync("k") == "before"
        store.close()


def test_a_wrong_password_is_refused_without_showing_it():
    server = postgres.server()
    with pytest.raises(sqlite3.DatabaseError) as refused:
        Store(server.new_database(), "not-the-password")
    assert "not-the-password" not in str(refused.value) and "password" in str(refused.value)
