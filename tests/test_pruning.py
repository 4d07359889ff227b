"""A store that stops growing (followthru.pruning), on both stores and through the command line: the
bytes of messages done with go store.keep_sent after they were made, their rows stay and still match
a late reply, pending messages are never touched, and ``store vacuum`` gives the space back."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from followthru import pruning, web_actions
from followthru.store import Store
from support.workspace import EXAMPLE, MONDAY, find, maildir_workspace

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
KEEP = timedelta(days=30)


@pytest.fixture
def store(each_store):
    return each_store


def queue(store: Store, name: str, made: datetime, status: str) -> None:
    with store.transaction():
        store.record_outgoing(
            f"<{name}@example.com>", "acme-q4", "sam", "request", ["sam@example.com"], b"x" * 5000, made, made
        )
        row = store.outbox_row(f"<{name}@example.com>")
        if status == "sent":
            store.mark_sent(row["id"], made)
        elif status == "failed":
            store.mark_failed(row["id"], "550 no such user")
        elif status == "withdrawn":
            store.withdraw_message(row["id"])


def raw_of(store: Store, name: str) -> bytes:
    return bytes(
        store.connection.execute("SELECT raw FROM outbox WHERE message_id = ?", (f"<{name}@example.com>",)).fetchone()[
            0
        ]
    )


def test_what_is_done_with_is_emptied_after_keep_sent_and_its_row_stays(store):
    old, recent = NOW - KEEP - timedelta(hours=1), NOW - KEEP + timedelta(hours=1)
    for status in ("sent", "failed", "withdrawn", "pending"):
        queue(store, f"old-{status}", old, status)
        queue(store, f"recent-{status}", recent, status)
    assert pruning.prune(store, NOW, KEEP) == 3
    for status in ("sent", "failed", "withdrawn"):
        assert raw_of(store, f"old-{status}") == b""
        row = store.outgoing_by_message_id(f"<old-{status}@example.com>")
        assert row is not None and row["plan_id"] == "acme-q4" and row["resource_id"] == "sam"
        assert json.loads(row["recipients"]) == ["sam@example.com"]
        assert raw_of(store, f"recent-{status}") == b"x" * 5000
    assert raw_of(store, "old-pending") == b"x" * 5000  # still to go: never touched
    assert pruning.prune(store, NOW, KEEP) == 0


def test_a_pass_prunes_a_batch_at_a_time(store):
    for n in range(7):
        queue(store, f"m{n}", NOW - KEEP - timedelta(days=1, minutes=n), "sent")
    assert pruning.prune(store, NOW, KEEP, limit=3) == 3
    emptied = [n for n in range(7) if raw_of(store, f"m{n}") == b""]
    assert emptied == [4, 5, 6], "the oldest first"
    assert pruning.prune_all(store, NOW, KEEP) == 4


def test_old_sign_in_links_and_applied_web_actions_go(store):
    web_actions.new_sign_in(store, "riley@example.com", NOW - KEEP - timedelta(days=1), lambda nonce: "link")
    web_actions.new_sign_in(store, "riley@example.com", NOW - timedelta(days=1), lambda nonce: "link")
    web_actions.answer(store, "askkey0001", "f1", "acme-q4", "sam", "sam@example.com", "commit", "", None, NOW)
    old = web_actions.waiting(store)[0]
    store.connection.execute(
        "UPDATE web_actions SET done_at = ? WHERE id = ?", ((NOW - KEEP - timedelta(days=1)).isoformat(), old.id)
    )
    pruning.prune(store, NOW, KEEP)
    assert store.connection.execute("SELECT COUNT(*) FROM web_sign_ins").fetchone()[0] == 1
    assert store.connection.execute("SELECT COUNT(*) FROM web_actions WHERE id = ?", (old.id,)).fetchone()[0] == 0


def test_a_late_reply_to_a_pruned_request_is_still_applied_and_vacuum_shrinks_the_file(tmp_path):
    workspace = maildir_workspace(tmp_path / "ws")
    workspace.drop_plan(
        EXAMPLE.read_text()
        .replace("2026-12-", "2027-02-")
        .replace("respond_by = 2026-12-02", "respond_by = 2027-02-02")
    )
    sent = workspace.tick(MONDAY)
    request = find(sent, "request", "sam")
    later = "2026-12-31T15:00:00+00:00"  # 31 days on: the pass lets go of the first messages' bytes
    workspace.tick(later)
    with sqlite3.connect(tmp_path / "ws" / "followthru.sqlite3") as connection:
        emptied = connection.execute("SELECT COUNT(*) FROM outbox WHERE raw = X''").fetchone()[0]
        (kept,) = connection.execute("SELECT raw FROM outbox WHERE message_id = ?", (request["Message-ID"],)).fetchall()
    assert emptied >= len(sent) - 1 and kept == (b"",)  # the request's row stays, without its bytes
    workspace.answer(request, "sam.security@example.com", "Yes, I commit to this.")
    workspace.tick("2026-12-31T16:00:00+00:00")
    states = {c["resource"]: c["state"] for c in workspace.status()["commitments"]}
    assert states["sam"] == "accepted"
    result = workspace.cli("store", "vacuum", "--now", "2026-12-31T16:00:00+00:00")
    found = re.search(
        r"emptied ([\d,]+) messages made more than 30 days ago; the store went from ([\d.]+) MB to ([\d.]+) MB",
        result.stdout,
    )
    assert found, result.stdout
    assert float(found.group(3)) < float(found.group(2))


def test_old_plan_versions_keep_their_row_and_the_plan_its_document(store):
    from followthru.config import Config
    from followthru.engine import Engine
    from followthru.planfile import load_plan

    plan = load_plan(EXAMPLE).plan
    made = NOW - KEEP - timedelta(days=2)
    with store.transaction():
        store.save(
            plan, Engine(Config()).start(plan, made).state, made, None, {}, file="acme-q4.toml", new_version=True
        )
    pruning.prune(store, NOW, KEEP)
    version = store.connection.execute("SELECT version, file, document FROM plan_versions").fetchone()
    assert tuple(version) == (1, "acme-q4.toml", "")
    stored = store.load("acme-q4")
    assert stored is not None and stored.plan == plan  # the plan as it is now stays whole
    store.connection.execute("DELETE FROM sync_state WHERE key = 'timezones.pinned'")
    assert store.pin_timezones("UTC") == 0  # an emptied version is passed over, not read as JSON


def test_a_pass_with_nothing_due_reads_by_index_and_writes_nothing(tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    try:
        queue(store, "recent", NOW - timedelta(days=1), "sent")
        changes = store.connection.total_changes
        assert pruning.prune(store, NOW, KEEP) == 0
        assert store.connection.total_changes == changes
        for name, look in pruning._DUE.items():
            plan = " ".join(row[3] for row in store.connection.execute("EXPLAIN QUERY PLAN " + look, ("x",)))
            assert "INDEX" in plan, (name, plan)  # a range of an index, never a scan of the table
    finally:
        store.close()
