"""Benchmark: several daemons on one PostgreSQL store beside one daemon on SQLite, in one run.

For each setup (SQLite with 1 daemon; PostgreSQL with 1, 2 and 4 daemons) a fresh workspace made
by ``followthru init``, its daemons (``followthru run``, real processes) started and ready first:

- intake:   N plan files (two people and a stakeholder each, so three messages) moved into
            plans/incoming at once, with the send window closed, so nothing is delivered; timed
            from the drop to the last plan file in plans/active;
- delivery: the 3 N queued messages then made due at once (their not-before set a moment ahead,
            in the store); timed from that moment to the last one marked sent, every one in the
            Maildir outbox once.

Prints plans/s and messages/s per setup, and each beside one daemon on SQLite and one daemon on
PostgreSQL. The PostgreSQL server is a throwaway one (tests/support/postgres.py: needs root and
Debian's postgresql, as .ci/run installs).

Usage: python bench/team.py [N]   (default: 1000)
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.busy import PEOPLE, Workspace, plan_text  # noqa: E402
from support.postgres import PostgresServer  # noqa: E402

MESSAGES_PER_PLAN = PEOPLE + 1  # the requests and the stakeholder's update
SETUPS = [("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4)]


class Setup(Workspace):
    """A workspace whose send window is shut now (twelve hours away), and its daemons."""

    def __init__(self, root: Path, database: str | None, daemons: int):
        hour = (datetime.now(timezone.utc).hour + 12) % 24
        super().__init__(root, database, send_window=(f"{hour:02d}:00", f"{hour:02d}:30"), poll_seconds=0.2)
        self.logs = [root / f"daemon-{n}.log" for n in range(daemons)]
        self.processes = [
            subprocess.Popen(self.command("run"), stdout=subprocess.DEVNULL, stderr=log.open("wb")) for log in self.logs
        ]
        wait_for(lambda: all("followthru running on" in log.read_text() for log in self.logs), 60, "daemons ready")

    def make_due(self, moment: datetime) -> None:
        """Every queued message due at ``moment``, written into the store."""
        due = moment.isoformat(timespec="seconds")
        if self.database is not None:
            import psycopg

            with psycopg.connect(self.database, autocommit=True) as connection:
                connection.execute("UPDATE outbox SET not_before = %s WHERE status = 'pending'", (due,))
            return
        with sqlite3.connect(self.root / "followthru.sqlite3", timeout=30) as connection:
            connection.execute("UPDATE outbox SET not_before = ? WHERE status = 'pending'", (due,))

    def intake(self, plans: int) -> float:
        aside, incoming = self.root / "aside", self.incoming
        old = time.time() - 5
        for n in range(plans):
            path = aside / f"deal-{n}.toml"
            path.write_text(plan_text(n))
            os.utime(path, (old, old))
        started = time.perf_counter()
        for n in range(plans):
            os.replace(aside / f"deal-{n}.toml", incoming / f"deal-{n}.toml")
        active = self.root / "plans" / "active"
        wait_for(lambda: sum(1 for _ in active.iterdir()) == plans, 600, "every plan taken in")
        took = time.perf_counter() - started
        assert self.query("SELECT count(*) FROM outbox WHERE status = 'sent'") == [(0,)], "the window was open"
        return took

    def delivery(self, messages: int) -> float:
        # Whole seconds, as the store keeps times: the clock starts when the messages fall due.
        due = (datetime.now(timezone.utc) + timedelta(seconds=2)).replace(microsecond=0)
        self.make_due(due)
        wait_for(lambda: datetime.now(timezone.utc) >= due, 5, "the messages due")
        started = time.perf_counter() - (datetime.now(timezone.utc) - due).total_seconds()
        wait_for(
            lambda: self.query("SELECT count(*) FROM outbox WHERE status = 'sent'") == [(messages,)], 600, "all sent"
        )
        took = time.perf_counter() - started
        files = sum(1 for _ in (self.root / "mail" / "outbox" / "new").iterdir())
        assert files == messages, f"{files} files in the outbox for {messages} messages"
        return took

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def main() -> None:
    plans = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    messages = plans * MESSAGES_PER_PLAN
    results: dict[tuple[str, int], tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as folder, PostgresServer() as server:
        os.environ["PGPASSWORD"] = server.password
        for store, daemons in SETUPS:
            database = server.new_database() if store == "postgresql" else None
            setup = Setup(Path(folder) / f"{store}-{daemons}", database, daemons)
            try:
                intake = setup.intake(plans)
                delivery = setup.delivery(messages)
            finally:
                setup.stop()
            results[store, daemons] = (plans / intake, messages / delivery)
            print(f"  {store} x{daemons}: intake {intake:.2f} s, delivery {delivery:.2f} s", file=sys.stderr)
    sqlite_plans, sqlite_messages = results["sqlite", 1]
    pg_plans, pg_messages = results["postgresql", 1]
    print(f"{plans:,} plans, {messages:,} messages, on {os.cpu_count()} cores\n")
    print("| store | daemons | plans/s | vs SQLite | vs 1 on PG | messages/s | vs SQLite | vs 1 on PG |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (store, daemons), (plan_rate, message_rate) in results.items():
        print(
            f"| {store} | {daemons} | {plan_rate:.0f} | {plan_rate / sqlite_plans:.2f}x | {plan_rate / pg_plans:.2f}x "
            f"| {message_rate:.0f} | {message_rate / sqlite_messages:.2f}x | {message_rate / pg_messages:.2f}x |"
        )


if __name__ == "__main__":
    main()
