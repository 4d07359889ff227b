"""Claims (followthru.claims) on a real PostgreSQL: two daemons' stores on one database never get
the same message, plan, reply, digest, file or mailbox at once, and what a lost daemon held goes to
the others (a lease that runs out, a connection that ends). On SQLite every claim is granted."""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest

from followthru.claims import Claims, holder_name
from followthru.store import Store
from support import postgres

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def database():
    server = postgres.server()
    return server.new_database(), server.password


@pytest.fixture
def two(database):
    """Two daemons' stores on one database."""
    first, second = Store(*database), Store(*database)
    yield first, second
    first.close()
    second.close()


def queue(store: Store, count: int, due: datetime = NOW) -> None:
    with store.transaction():
        for n in range(count):
            store.record_outgoing(f"<m{n}@x>", "p", "r", "request", ["r@example.com"], b"raw", due, NOW)


def test_two_daemons_take_disjoint_messages_and_each_renews_only_its_own(two):
    first, second = two
    queue(first, 10)
    mine = Claims(first, "a", lease=30).outgoing(NOW, limit=6)
    theirs = Claims(second, "b", lease=30).outgoing(NOW, limit=6)
    assert [m.message_id for m in mine] == [f"<m{n}@x>" for n in range(6)]  # oldest first
    assert sorted(m.message_id for m in theirs) == [f"<m{n}@x>" for n in range(6, 10)]
    assert Claims(first, "a").keep(mine[0])
    assert not Claims(second, "b").keep(mine[0])  # not b's
    assert Claims(second, "b", lease=30).outgoing(NOW) == []  # everything is held


def test_a_lost_daemons_messages_go_to_another_when_its_lease_runs_out(two):
    first, second = two
    queue(first, 3)
    lost = Claims(first, "lost", lease=0.5).outgoing(NOW)
    assert len(lost) == 3
    assert Claims(second, "b").outgoing(NOW) == []
    time.sleep(0.7)
    taken = Claims(second, "b").outgoing(NOW)
    assert [m.id for m in taken] == [m.id for m in lost]
    assert not Claims(first, "lost").keep(lost[0])  # back from the dead: it must not send it now


def test_given_back_messages_are_free_at_once_and_withdrawn_ones_are_not_kept(two):
    first, second = two
    queue(first, 2)
    claims = Claims(first, "a")
    held = claims.outgoing(NOW)
    claims.give_back()
    assert len(Claims(second, "b").outgoing(NOW)) == 2
    with first.transaction():
        first.withdraw_message(held[0].id)
    assert not Claims(second, "b").keep(held[0])


def test_messages_not_yet_due_or_retried_later_are_not_taken(two):
    first, second = two
    queue(first, 1, due=NOW + timedelta(hours=1))
    assert Claims(first, "a").outgoing(NOW) == []
    with first.transaction():
        first.record_outgoing("<now@x>", "p", "r", "request", ["r@example.com"], b"raw", NOW, NOW)
    [message] = Claims(first, "a").outgoing(NOW)
    with first.transaction():
        first.retry_later(message.id, ["r@example.com"], NOW + timedelta(minutes=1), "421 busy")
    # The retry dropped the claim: another daemon takes it when it is due, without waiting for a lease.
    assert [m.id for m in Claims(second, "b").outgoing(NOW + timedelta(minutes=2))] == [message.id]


@pytest.mark.parametrize("kind", ["plan", "inbound", "owner"])
def test_a_plan_reply_or_digest_is_one_transactions_until_it_ends(two, kind):
    first, second = two
    a, b = Claims(first, "a"), Claims(second, "b")
    claim = {"plan": "plan", "inbound": "inbound", "owner": "owner"}[kind]
    with first.transaction():
        assert getattr(a, claim)("x")
        with second.transaction():
            assert not getattr(b, claim)("x")
            assert getattr(b, claim)("y")  # another one is free
    with second.transaction():
        assert getattr(b, claim)("x")  # the first transaction ended


def test_loading_a_plan_in_a_transaction_waits_for_the_daemon_deciding_on_it(two):
    first, second = two
    with first.transaction():
        first.load("deal-1")  # holds the plan's lock, as a decision does
        with second.transaction():
            assert not Claims(second, "b").plan("deal-1")
    with second.transaction():
        assert Claims(second, "b").plan("deal-1")


def test_a_file_or_the_mailbox_is_held_until_let_go_or_the_connection_ends(database):
    first, second = Store(*database), Store(*database)
    try:
        a, b = Claims(first, "a"), Claims(second, "b")
        assert a.hold("file", "deal-1.toml") and a.hold("reader", "mailbox")
        assert a.hold("file", "deal-1.toml")  # holding it again is holding it
        assert not b.hold("file", "deal-1.toml") and not b.hold("reader", "mailbox")
        assert b.hold("file", "deal-2.toml")
        a.let_go("file", "deal-1.toml")
        assert b.hold("file", "deal-1.toml")
        first.close()  # a daemon killed: the server lets its locks go with its connection
        deadline = time.monotonic() + 5
        while not b.hold("reader", "mailbox"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        second.close()


def test_on_sqlite_every_claim_is_granted_and_messages_come_as_pending_gives_them(tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    try:
        queue(store, 2)
        claims = Claims(store, "a")
        assert not claims.shared
        taken = claims.outgoing(NOW)
        assert taken == store.pending(NOW) and len(taken) == 2
        assert claims.keep(taken[0]) and claims.hold("reader", "mailbox")
        with store.transaction():
            assert claims.plan("x") and claims.inbound("m") and claims.owner("o")
    finally:
        store.close()


def test_a_daemon_names_itself_by_host_instance_and_pid(monkeypatch):
    monkeypatch.setenv("FOLLOWTHRU_INSTANCE", "2")
    assert holder_name() == f"{socket.gethostname()}@2:{os.getpid()}"
    monkeypatch.delenv("FOLLOWTHRU_INSTANCE")
    assert holder_name() == f"{socket.gethostname()}:{os.getpid()}"
