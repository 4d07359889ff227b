"""Benchmark: how big a store grows, table by table, on PostgreSQL and on SQLite, and how its hot
queries and VACUUM fare at that size and at 100,000 plans.

N plans (bench/big_drop.py's: 3 people, a stakeholder and a meeting each, 50 owners) live their
whole life through ``followthru tick`` (the real command, one process per pass, as a restarted
daemon makes it) in a try-out workspace (``followthru init --try-out``: mail at any hour):

    taken in and mailed at T0, two of the three people ACCEPT (the third stays silent), then passes
    over 15 days: the reminder, the last call, the deadline, the due-date reminder, the digests.

The same steps run on a throwaway PostgreSQL server (tests/support/postgres.py: needs root and
Debian's postgresql package, as the PostgreSQL tests) and on the default SQLite file.
Reported, measured:

- per table: rows, heap bytes, index bytes, TOAST bytes (pg_relation_size, pg_indexes_size,
  pg_total_relation_size of the TOAST table), on SQLite its pages (dbstat) and the file per plan;
- the outbox by status and kind: rows and message bytes (raw and as stored, compressed), the
  share of the store that sent message bodies are;
- WAL written per phase (pg_current_wal_lsn), transaction ids taken and transactions committed,
  inserts, updates (HOT or not) and autovacuums of the busiest tables (pg_stat_user_tables), the
  most connections the workspace held at once;
- VACUUM (ANALYZE) of the whole database, and EXPLAIN ANALYZE of the queries every pass or reply
  runs (due plans, the claim of pending outbox messages, next due, a reply's Message-ID, a plan's
  audit trail), both with every plan active (a copy taken after the replies) and at the end;
- what emptying the bodies of sent messages saves (on a copy, then VACUUM FULL).

Then both the copy with every plan active and the store at the end are grown to ``--scale-to``
plans (default 100,000) by repeating every plan with its rows under new ids; on them, measured
again: sizes, VACUUM (ANALYZE), the same queries, and the claim of pending messages with all of the
grown store's messages queued (a day's mail held up), with and without an index on (not_before, id).
Finally, the per-plan and per-message figures are extrapolated to ``--plans`` active plans and
``--messages`` a day (default 100,000 and 1,000,000), and marked as such.

Usage: python bench/store_size.py [N] [--scale-to PLANS] [--plans P] [--messages M]   (default N: 2000)
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

import psycopg  # noqa: E402
from big_drop import drop_plans  # noqa: E402
from psycopg import sql  # noqa: E402

from support import postgres  # noqa: E402
from support.replying import reply_to  # noqa: E402

PASSWORD_ENV = "FOLLOWTHRU_BENCH_STORE_PASSWORD"
# The plans' life (their deadline is 2030-12-02T17:00, their meeting 12-03, their asks due 12-09),
# as the passes a daemon would make at the moments something is due.
T0 = "2030-11-25T09:00:00+00:00"
AFTER_REPLIES = "2030-11-25T10:00:00+00:00"
LATER = [
    "2030-11-26T09:00:00+00:00",  # the reminder to the silent person (1 business day)
    "2030-11-27T09:00:00+00:00",
    "2030-11-29T09:00:00+00:00",
    "2030-12-02T14:00:00+00:00",  # the last call (4 hours before the deadline)
    "2030-12-02T18:00:00+00:00",  # the deadline has passed
    "2030-12-03T09:00:00+00:00",
    "2030-12-06T09:00:00+00:00",
    "2030-12-08T09:00:00+00:00",  # the due-date reminder (1 business day before)
    "2030-12-09T09:00:00+00:00",
    "2030-12-10T09:00:00+00:00",
]
# Tables that hold one plan's state (they grow with active plans) and those that grow with the
# mail (with messages a day, for as long as they are kept).
PLAN_TABLES = ("plans", "plan_versions", "commitments", "meetings", "asks", "owners")
FLOW_TABLES = ("outbox", "audit", "inbound")

# The hot queries, as daemon/followthru/store.py and claims.py run them on PostgreSQL (their ? written
# as %s here). A pass takes the pending outbox by claiming up to 200 messages (claims.Claims.outgoing,
# daemon.DELIVERY_BATCH); it is measured in a transaction rolled back.
PENDING = "pending outbox, claimed (each pass)"
QUERIES = {
    "due plans (each pass)": (
        "SELECT id FROM plans WHERE next_wake IS NOT NULL AND next_wake <= %s ORDER BY next_wake LIMIT 500"
    ),
    PENDING: (
        "UPDATE outbox SET claimed_by = %s, claimed_until = extract(epoch FROM clock_timestamp()) + %s "
        "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND not_before <= %s "
        "AND (claimed_until IS NULL OR claimed_until < extract(epoch FROM clock_timestamp())) "
        "ORDER BY not_before, id LIMIT %s FOR UPDATE SKIP LOCKED) "
        "RETURNING not_before, id, message_id, plan_id, resource_id, kind, recipients, raw, envelope_from, "
        "created_at, attempts"
    ),
    "next due (each pass)": (
        "SELECT MIN(t) FROM (SELECT MIN(next_wake) AS t FROM plans WHERE next_wake IS NOT NULL "
        "UNION ALL SELECT MIN(not_before) FROM outbox WHERE status = 'pending' "
        "UNION ALL SELECT MIN(next_digest) FROM owners) AS due"
    ),
    "reply's Message-ID (each reply)": (
        "SELECT id, plan_id, resource_id, kind, recipients, ask FROM outbox WHERE message_id = %s"
    ),
    "a plan's audit trail (log PLAN)": "SELECT * FROM audit WHERE plan_id = %s ORDER BY id",
}


# -- the workspace and its life ---------------------------------------------------------------------


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "daemon"), os.environ.get("PYTHONPATH", "")])}


def followthru(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "followthru", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"followthru {' '.join(args)} exited {result.returncode}:\n{result.stderr}{result.stdout}")
    return result.stdout


def workspace(directory: Path, url: str | None, env: dict[str, str]) -> Path:
    followthru("init", "--try-out", str(directory), env=env)
    config = directory / "config.toml"
    text = config.read_text().replace('"followthru@localhost.localdomain"', '"followthru@example.com"')
    if url:
        text = text.replace('store = "followthru.sqlite3"', f'store = "{url}"\nstore_password_env = "{PASSWORD_ENV}"')
        assert url in text, "config.toml no longer has the default store line"
    config.write_text(text)
    return config


# What is still due at a moment: a pass takes at most 500 plan files, 500 due plans and 600 messages
# (followthru/daemon.py), and `followthru run` makes the next pass at once while anything is due.
DUE = (
    "SELECT (SELECT count(*) FROM outbox WHERE status = 'pending' AND not_before <= {0}) "
    "+ (SELECT count(*) FROM plans WHERE next_wake IS NOT NULL AND next_wake <= {0}) "
    "+ (SELECT count(*) FROM owners WHERE next_digest <= {0})"
)
MOST_PASSES = 100


def ticks(config: Path, now: str, env: dict[str, str], due: Callable[[str], int] | None = None) -> int:
    """Passes at ``now`` until nothing is left for the next one (no file waiting and, with ``due``,
    nothing due in the store), as ``followthru run`` makes them; how many it took."""
    for passes in range(1, MOST_PASSES + 1):
        report = followthru("-c", str(config), "tick", "--now", now, env=env)
        if "left for the next pass" not in report and (due is None or due(now) == 0):
            return passes
    raise SystemExit(f"still due at {now} after {MOST_PASSES} passes: {due(now) if due else '?'}")


def due_in_postgres(url: str) -> Callable[[str], int]:
    def due(now: str) -> int:
        with connect(url) as conn:
            return int(conn.execute(DUE.format("%(now)s"), {"now": now}).fetchone()[0])

    return due


def due_in_sqlite(path: Path) -> Callable[[str], int]:
    def due(now: str) -> int:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(conn.execute(DUE.format(":now"), {"now": now}).fetchone()[0])
        finally:
            conn.close()

    return due


def replies(root: Path, answering: tuple[str, ...] = ("r0", "r1")) -> dict[str, bytes]:
    """An ACCEPT to every request sent to the people ``answering``, as bench/big_drop.py writes them."""
    made = {}
    for path in sorted((root / "mail" / "outbox" / "new").iterdir()):
        request = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if request["X-Followthru-Kind"] != "request" or request["X-Followthru-Resource"] not in answering:
            continue
        reply = reply_to(request, request["To"].addresses[0].addr_spec, "ACCEPT - happy to help")
        made[f"{len(made):06d}.eml"] = reply.as_bytes()
    return made


def live(
    root: Path,
    config: Path,
    count: int,
    env: dict[str, str],
    due: Callable[[str], int],
    phase: Callable[[str], None] = lambda name: None,
) -> dict[str, Any]:
    """The plans' whole life on the workspace at ``root``; ``phase(name)`` is called after each step."""
    started = time.monotonic()
    drop_plans(root / "plans" / "incoming", count)
    passes = ticks(config, T0, env, due)
    phase("intake")
    answers = replies(root)
    inbox = root / "mail" / "inbox" / "new"
    for name, content in answers.items():
        (inbox / name).write_bytes(content)
    passes += ticks(config, AFTER_REPLIES, env, due)
    phase("replies")
    for now in LATER:
        passes += ticks(config, now, env, due)
    phase("later")
    left = [p for p in (root / "plans" / "incoming").iterdir()] + [p for p in inbox.iterdir()]
    assert not left, f"{len(left)} files not taken in"
    return {"passes": passes, "replies": len(answers), "seconds": time.monotonic() - started}


# -- PostgreSQL -------------------------------------------------------------------------------------


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def wal_position(admin: str) -> int:
    with connect(admin) as conn:
        return int(conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')").fetchone()[0])


def transactions(admin: str, database: str) -> tuple[int, int]:
    """Transaction ids handed out so far (the whole server: writing transactions take one; freezing old
    rows is due every autovacuum_freeze_max_age of them), and the transactions committed in ``database``."""
    with connect(admin) as conn:
        xid = conn.execute("SELECT txid_current()").fetchone()[0]  # takes one itself
        commits = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (database,)).fetchone()
        return int(xid), int(commits[0])


class Connections(threading.Thread):
    """The most connections the workspace's processes (application_name followthru) held at once."""

    def __init__(self, admin: str, database: str):
        super().__init__(daemon=True)
        self.admin, self.database, self.most, self.done = admin, database, 0, threading.Event()

    def run(self) -> None:
        with connect(self.admin) as conn:
            while not self.done.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'followthru'",
                    (self.database,),
                ).fetchone()
                self.most = max(self.most, int(row[0]))


def tables(conn: psycopg.Connection) -> dict[str, dict[str, int]]:
    sizes = conn.execute(
        "SELECT c.relname, pg_relation_size(c.oid), pg_indexes_size(c.oid), "
        "COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0), pg_total_relation_size(c.oid) "
        "FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY c.relname"
    ).fetchall()
    found = {}
    for name, heap, indexes, toast, total in sizes:
        rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]
        found[name] = {"rows": rows, "heap": heap, "indexes": indexes, "toast": toast, "total": total}
    return found


def index_sizes(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute(
        "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace ORDER BY 2 DESC"
    ).fetchall()
    return dict(rows)


def outbox_mix(conn: psycopg.Connection) -> list[tuple]:
    """(status, kind, rows, raw bytes, stored bytes) of the outbox's messages."""
    return conn.execute(
        "SELECT status, kind, count(*), sum(octet_length(raw)), sum(pg_column_size(raw)) FROM outbox "
        "GROUP BY status, kind ORDER BY status, count(*) DESC"
    ).fetchall()


def shape(node: dict[str, Any]) -> str:
    """A plan's nodes, outermost first: ``A > B`` for one child, ``A > [B; C]`` for several."""
    label = node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else "")
    children = [shape(child) for child in node.get("Plans") or []]
    if not children:
        return label
    return f"{label} > {children[0]}" if len(children) == 1 else f"{label} > [{'; '.join(children)}]"


def explain(conn: psycopg.Connection, query: str, parameters: tuple, repeat: int = 5) -> tuple[float, float, str]:
    """The median execution time (ms) EXPLAIN ANALYZE reports; the median time (ms) to run the query and
    fetch its rows here (EXPLAIN reads no TOASTed value it returns: the pending messages' bodies); the
    plan. Each run is in a transaction rolled back, so a claim claims nothing."""
    times, fetched, plan = [], [], {}
    for _ in range(repeat):
        with conn.transaction(force_rollback=True):
            started = time.perf_counter()
            conn.execute(query, parameters).fetchall()
            fetched.append((time.perf_counter() - started) * 1000)
    for _ in range(repeat):
        with conn.transaction(force_rollback=True):
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query, parameters).fetchone()[0][0]
        times.append(plan["Execution Time"])
    return median(times), median(fetched), shape(plan["Plan"])


def hot_queries(conn: psycopg.Connection, now: str) -> dict[str, tuple[float, float, str]]:
    message_id = conn.execute(
        "SELECT message_id FROM outbox WHERE kind = 'request' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    plan_id = conn.execute("SELECT plan_id FROM audit WHERE plan_id IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
    parameters = {
        "due plans (each pass)": (now,),
        PENDING: ("bench", 30, now, 200),
        "next due (each pass)": (),
        "reply's Message-ID (each reply)": (message_id[0],),
        "a plan's audit trail (log PLAN)": (plan_id[0],),
    }
    found = {name: explain(conn, query, parameters[name]) for name, query in QUERIES.items()}
    found["due plans, all due (LIMIT 500)"] = explain(conn, QUERIES["due plans (each pass)"], ("2100-01-01",))
    return found


def vacuum(conn: psycopg.Connection) -> float:
    started = time.perf_counter()
    conn.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def copy_database(server: postgres.PostgresServer, source: str, name: str) -> str:
    """A copy of the database ``source`` (file by file: it writes next to no WAL); its superuser URL."""
    with connect(server.superuser_url()) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )
    return server.superuser_url(name)


def drop_database(server: postgres.PostgresServer, name: str) -> None:
    with connect(server.superuser_url()) as conn:
        conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


def prune_bodies(url: str) -> dict[str, int]:
    """Empty the bodies of sent messages (the rows stay: a reply still finds its request), VACUUM FULL."""
    with connect(url) as conn:
        before = conn.execute("SELECT pg_total_relation_size('outbox'), pg_database_size(current_database())")
        outbox_before, database_before = before.fetchone()
        pruned = conn.execute("UPDATE outbox SET raw = ''::bytea WHERE status = 'sent'").rowcount
        conn.execute("VACUUM (FULL, ANALYZE) outbox")
        outbox_after, database_after = conn.execute(
            "SELECT pg_total_relation_size('outbox'), pg_database_size(current_database())"
        ).fetchone()
    return {
        "rows": pruned,
        "outbox_before": outbox_before,
        "outbox_after": outbox_after,
        "database_before": database_before,
        "database_after": database_after,
    }


# Columns that identify a plan's rows and must differ in each copy (a suffix ~k is appended).
KEYS = {"id", "plan_id", "message_id", "uid", "token_key", "email", "owner_email"}
GROWN = ("plans", "plan_versions", "commitments", "meetings", "asks", "owners", "outbox", "inbound", "audit")


def grow(url: str, copies: int) -> float:
    """Add ``copies`` copies of every plan's rows under new ids; the seconds it took. Triggers off (the
    journal's would queue every copied row), row ids from the tables' own sequences."""
    started = time.perf_counter()
    with connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        for table in GROWN:
            columns = conn.execute(
                "SELECT column_name, data_type, is_identity FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            kept = [(name, kind) for name, kind, identity in columns if identity != "YES"]
            chosen = [
                sql.SQL("{} || '~' || k").format(sql.Identifier(name))
                if name in KEYS and kind == "text"
                else sql.Identifier(name)
                for name, kind in kept
            ]
            conn.execute(
                sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}, generate_series(1, %s) AS k").format(
                    sql.Identifier(table),
                    sql.SQL(", ").join(sql.Identifier(name) for name, _ in kept),
                    sql.SQL(", ").join(chosen),
                    sql.Identifier(table),
                ),
                (copies,),
            )
    return time.perf_counter() - started


# An index that gives the pending query its order (not_before, id) without sorting the messages that
# share a not_before (a big drop queues thousands at the same second); not in the schema.
ORDERED_INDEX = "CREATE INDEX outbox_due_ordered ON outbox (not_before, id) WHERE status = 'pending'"


def all_queued(url: str, now: str) -> dict[str, Any]:
    """Every message of the copy back in the queue: how many, VACUUM, the pending query on them, and
    the same with the index ORDERED_INDEX beside the schema's."""
    with connect(url) as conn:
        queued = conn.execute(
            "UPDATE outbox SET status = 'pending', sent_at = NULL, claimed_by = NULL, claimed_until = NULL"
        ).rowcount
        seconds = vacuum(conn)
        timing = explain(conn, QUERIES[PENDING], ("bench", 30, now, 200))
        conn.execute(ORDERED_INDEX)
        conn.execute("ANALYZE outbox")
        ordered = explain(conn, QUERIES[PENDING], ("bench", 30, now, 200))
        size = conn.execute("SELECT pg_relation_size('outbox_due_ordered')").fetchone()[0]
    return {"rows": queued, "vacuum_s": seconds, "pending": timing, "ordered": ordered, "ordered_bytes": size}


# -- SQLite -----------------------------------------------------------------------------------------


def sqlite_tables(path: Path) -> tuple[int, dict[str, dict[str, int]]]:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
        found: dict[str, dict[str, int]] = {}
        for name, kind, size in conn.execute(
            "SELECT d.name, m.type, sum(d.pgsize) FROM dbstat d LEFT JOIN sqlite_master m ON m.name = d.name "
            "GROUP BY d.name"
        ):
            table = owner.get(name, name)
            entry = found.setdefault(table, {"rows": 0, "table": 0, "indexes": 0})
            entry["table" if kind == "table" else "indexes"] += size
        for table, entry in found.items():
            if table in owner.values() and not table.startswith("sqlite_"):
                entry["rows"] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return path.stat().st_size, found


# -- the report -------------------------------------------------------------------------------------


def mb(size: float) -> str:
    """Bytes in decimal units: 1 MB is 10^6 bytes."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if size >= scale or unit == "MB":
            return f"{size / scale:,.1f} {unit}"
    raise AssertionError("unreachable")


def table_report(title: str, found: dict[str, dict[str, int]], plans: int) -> None:
    print(f"\n{title}")
    print(f"{'table':<16}{'rows':>12}{'heap':>12}{'indexes':>12}{'TOAST':>12}{'total':>12}{'bytes/plan':>12}")
    for name, t in sorted(found.items(), key=lambda item: -item[1]["total"]):
        print(
            f"{name:<16}{t['rows']:>12,}{mb(t['heap']):>12}{mb(t['indexes']):>12}{mb(t['toast']):>12}"
            f"{mb(t['total']):>12}{t['total'] / plans:>12,.0f}"
        )
    total = sum(t["total"] for t in found.values())
    print(f"{'all tables':<16}{'':>48}{mb(total):>12}{total / plans:>12,.0f}")


def queries(found: dict[str, tuple[float, float, str]]) -> None:
    for name, (ms, fetched, shape) in found.items():
        print(f"  {name:<34}{ms:>9.3f} ms{fetched:>9.2f} ms  {shape}")


SETTINGS = (
    "shared_buffers",
    "max_connections",
    "full_page_writes",
    "wal_compression",
    "checkpoint_timeout",
    "max_wal_size",
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_insert_scale_factor",
    "autovacuum_analyze_scale_factor",
)


def activity(conn: psycopg.Connection) -> dict[str, dict[str, int]]:
    """What the life did to the busiest tables: inserts, updates (HOT or not), dead rows, autovacuums."""
    rows = conn.execute(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, n_dead_tup, autovacuum_count, "
        "autoanalyze_count FROM pg_stat_user_tables WHERE relname IN ('outbox', 'audit', 'plans', 'commitments') "
        "ORDER BY relname"
    ).fetchall()
    names = ("inserted", "updated", "hot_updated", "deleted", "dead", "autovacuums", "autoanalyzes")
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def measure(conn: psycopg.Connection, now: str) -> dict[str, Any]:
    """VACUUM (ANALYZE), then the tables, indexes and hot queries of one database."""
    return {
        "vacuum_s": vacuum(conn),
        "tables": tables(conn),
        "indexes": index_sizes(conn),
        "database": conn.execute("SELECT pg_database_size(current_database())").fetchone()[0],
        "queries": hot_queries(conn, now),
    }


def grown_copy(server: postgres.PostgresServer, source: str, name: str, copies: int, now: str) -> dict[str, Any]:
    """A copy of ``source`` with ``copies`` more copies of every plan, measured."""
    url = copy_database(server, source, name)
    seconds = grow(url, copies)
    with connect(url) as conn:
        found = measure(conn, now)
    found["grow_s"] = seconds
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=2000, help="plans (default 2000)")
    parser.add_argument("--scale-to", type=int, default=100_000, help="plans in the grown copies; 0: none")
    parser.add_argument("--plans", type=int, default=100_000, help="active plans to extrapolate to")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages a day to extrapolate to")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    options = parser.parse_args()
    count = options.count
    figures: dict[str, Any] = {"plans": count, "cores": os.cpu_count()}
    env = environment()

    with tempfile.TemporaryDirectory() as directory, postgres.PostgresServer() as server:
        base = Path(directory)
        env[PASSWORD_ENV] = server.password
        url = server.new_database()
        database = url.rsplit("/", 1)[1]
        admin = server.superuser_url(database)
        with connect(server.superuser_url()) as conn:
            figures["server"] = conn.execute("SHOW server_version").fetchone()[0]
            figures["settings"] = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SETTINGS}

        # PostgreSQL: the life, with the WAL and the connections watched, and a copy of the store
        # after the replies, while every plan is active.
        root = base / "pg"
        config = workspace(root, url, env)
        ticks(config, T0, env)  # the first pass makes the tables
        wal: dict[str, int] = {}
        mark = [wal_position(server.superuser_url())]

        def phase(name: str) -> None:
            wal[name] = wal_position(server.superuser_url()) - mark[0]
            if name == "replies":
                copy_database(server, database, database + "_active")
            mark[0] = wal_position(server.superuser_url())  # the copy's own WAL not counted

        watcher = Connections(server.superuser_url(), database)
        watcher.start()
        xids, commits = transactions(server.superuser_url(), database)
        figures["life"] = live(root, config, count, env, due_in_postgres(admin), phase)
        watcher.done.set()
        watcher.join()
        xids_after, commits_after = transactions(server.superuser_url(), database)
        figures["xids"], figures["commits"] = xids_after - xids - 1, commits_after - commits
        figures["wal"] = wal
        figures["connections"] = watcher.most

        with connect(admin) as conn:
            figures["activity"] = activity(conn)
            figures["finished"] = measure(conn, LATER[-1])
            figures["outbox"] = outbox_mix(conn)
        with connect(server.superuser_url(database + "_active")) as conn:
            figures["active"] = measure(conn, AFTER_REPLIES)
        figures["pruned"] = prune_bodies(copy_database(server, database, database + "_pruned"))
        drop_database(server, database + "_pruned")

        # SQLite: the same life.
        sqlite_root = base / "sqlite"
        sqlite_config = workspace(sqlite_root, None, env)
        ticks(sqlite_config, T0, env)  # the first pass makes the tables, as on PostgreSQL
        store = sqlite_root / "followthru.sqlite3"
        figures["sqlite_life"] = live(sqlite_root, sqlite_config, count, env, due_in_sqlite(store))
        figures["sqlite_file"], figures["sqlite_tables"] = sqlite_tables(store)

        # Both copies grown to --scale-to plans: every plan active, and every plan's life done.
        if options.scale_to > count:
            copies = options.scale_to // count - 1
            figures["grown_plans"] = count * (copies + 1)
            name = database + "_active"
            figures["grown_active"] = grown_copy(server, name, name + "_grown", copies, AFTER_REPLIES)
            drop_database(server, name + "_grown")
            name = database + "_finished"
            figures["grown_finished"] = grown_copy(server, database, name, copies, LATER[-1])
            figures["grown_queued"] = all_queued(server.superuser_url(name), LATER[-1])

    report(figures, options.plans, options.messages)
    if options.json:
        options.json.write_text(json.dumps(figures, indent=1, default=str))


def measured_report(title: str, found: dict[str, Any], plans: int) -> None:
    table_report(f"{title}, after VACUUM (ANALYZE) (measured)", found["tables"], plans)
    print(f"database: {mb(found['database'])}; VACUUM (ANALYZE): {found['vacuum_s']:.2f} s")
    print("largest indexes: " + ", ".join(f"{n} {mb(s)}" for n, s in list(found["indexes"].items())[:6]))
    print("hot queries, median of 5: EXPLAIN ANALYZE's execution time; run and fetched here")
    queries(found["queries"])


def report(f: dict[str, Any], plans_target: int, messages_target: int) -> None:
    plans = f["plans"]
    found = f["finished"]["tables"]
    messages = found["outbox"]["rows"]
    sent_rows = sum(row[2] for row in f["outbox"] if row[0] == "sent")
    print(f"PostgreSQL {f['server']}, {f['cores']} cores; {plans:,} plans (measured)")
    print("settings: " + ", ".join(f"{name} {value}" for name, value in f["settings"].items()))
    life = f["life"]
    print(
        f"life: {life['passes']} passes of followthru tick, {life['replies']:,} replies, "
        f"{life['seconds']:.0f} s; most connections at once: {f['connections']}"
    )
    print(f"messages: {messages:,} in the outbox ({messages / plans:.1f} per plan), {sent_rows:,} sent")
    print(
        f"transactions: {f['xids']:,} transaction ids taken ({f['xids'] / messages:.2f} per message), "
        f"{f['commits']:,} committed in the store's database, reading ones included ({f['commits'] / messages:.1f} "
        "per message)"
    )
    measured_report("PostgreSQL, every plan active (after the replies)", f["active"], plans)
    measured_report("PostgreSQL, every plan's life done", f["finished"], plans)

    print("\nwhat the life did to the busiest tables (pg_stat_user_tables, measured)")
    print(f"  {'table':<12}" + "".join(f"{name:>13}" for name in next(iter(f["activity"].values()))))
    for table, counts in f["activity"].items():
        print(f"  {table:<12}" + "".join(f"{value:>13,}" for value in counts.values()))

    print("\noutbox by status and kind (measured)")
    print(f"  {'status':<10}{'kind':<22}{'rows':>10}{'raw bytes/msg':>15}{'stored/msg':>12}")
    for status, kind, rows, raw, stored in f["outbox"]:
        print(f"  {status:<10}{kind:<22}{rows:>10,}{raw / rows:>15,.0f}{stored / rows:>12,.0f}")
    sent_stored = sum(row[4] for row in f["outbox"] if row[0] == "sent")
    all_tables = sum(t["total"] for t in found.values())
    print(
        f"  sent bodies as stored: {mb(sent_stored)} = {sent_stored / all_tables:.0%} of all tables, "
        f"{sent_stored / found['outbox']['total']:.0%} of the outbox"
    )
    pruned = f["pruned"]
    print(
        f"  emptying {pruned['rows']:,} sent bodies + VACUUM FULL outbox: outbox {mb(pruned['outbox_before'])} -> "
        f"{mb(pruned['outbox_after'])}, database {mb(pruned['database_before'])} -> {mb(pruned['database_after'])}"
    )
    audit = found["audit"]
    print(
        f"audit: {audit['rows']:,} rows, {audit['rows'] / plans:.1f} per plan, {audit['rows'] / messages:.2f} per "
        f"message, {audit['total'] / audit['rows']:,.0f} bytes per row with its indexes"
    )

    print("\nWAL written (measured)")
    for name, size in f["wal"].items():
        print(f"  {name:<10}{mb(size):>12}")
    wal_total = sum(f["wal"].values())
    print(f"  {'all':<10}{mb(wal_total):>12}  ({wal_total / messages:,.0f} bytes per message)")

    size = f["sqlite_file"]
    print(f"\nSQLite, the same life (measured): file {mb(size)}, {size / plans:,.0f} bytes/plan")
    print(f"  {'table':<16}{'rows':>12}{'table':>12}{'indexes':>12}")
    for name, t in sorted(f["sqlite_tables"].items(), key=lambda item: -(item[1]["table"] + item[1]["indexes"])):
        print(f"  {name:<16}{t['rows']:>12,}{mb(t['table']):>12}{mb(t['indexes']):>12}")

    if "grown_plans" in f:
        grown = f["grown_plans"]
        for key, title in (("grown_active", "every plan active"), ("grown_finished", "every plan's life done")):
            built = f[key]["grow_s"]
            measured_report(f"the copy grown to {grown:,} plans, {title} (built in {built:.0f} s)", f[key], grown)
        queued = f["grown_queued"]
        print(f"all {queued['rows']:,} messages queued (VACUUM (ANALYZE) then {queued['vacuum_s']:.1f} s):")
        queries(
            {
                PENDING: queued["pending"],
                f"with an index on (not_before, id) ({mb(queued['ordered_bytes'])})": queued["ordered"],
            }
        )

    # Extrapolated: plan tables by active plans, flow tables and WAL by messages.
    active = f["active"]["tables"]
    per_plan = sum(active[name]["total"] for name in PLAN_TABLES if name in active) / plans
    per_message = {name: found[name]["total"] / messages for name in FLOW_TABLES}
    rows_per_message = {name: found[name]["rows"] / messages for name in FLOW_TABLES}
    day = messages_target
    life_days = (datetime.fromisoformat(LATER[-1]) - datetime.fromisoformat(T0)).days
    print(f"\nextrapolated: {plans_target:,} active plans, {messages_target:,} messages a day")
    print(
        f"  at the measured {messages / plans:.1f} messages per plan over its {life_days}-day life, "
        f"{plans_target:,} active plans make {plans_target * messages / plans / life_days:,.0f} messages a day"
    )
    print(f"  plan tables (every plan active): {per_plan:,.0f} bytes/plan -> {mb(per_plan * plans_target)}")
    for name in FLOW_TABLES:
        print(
            f"  {name:<8} {rows_per_message[name]:.2f} rows and {per_message[name]:,.0f} bytes per message -> "
            f"{rows_per_message[name] * day:,.0f} rows, {mb(per_message[name] * day)} a day, "
            f"{mb(per_message[name] * day * 365)} a year"
        )
    flow = sum(per_message.values())
    print(f"  all flow tables: {mb(flow * day)} a day, {mb(flow * day * 365)} a year (nothing pruned)")
    pruned_outbox = f["pruned"]["outbox_after"] / messages  # a sent message's row without its body
    kept = 30
    year = flow * day * kept + (flow - per_message["outbox"] + pruned_outbox) * day * (365 - kept)
    print(
        f"  sent bodies emptied after {kept} days: outbox {pruned_outbox:,.0f} bytes per older message; "
        f"a year of flow tables {mb(year)}"
    )
    print(f"  WAL: {mb(wal_total / messages * day)} a day")


if __name__ == "__main__":
    main()
