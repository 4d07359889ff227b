"""Benchmark: what a store holds per plan before and after store.keep_sent lets go of old messages.

N plans (bench/big_drop.py's: 3 people, a stakeholder and a meeting each) live their whole life
through ``followthru tick`` as in bench/store_size.py (taken in, two of three ACCEPT, reminders,
the last call, the deadline, the due-date reminders, the digests), then the passes go on until every
plan is closed (2031-01-15), and ``followthru store vacuum`` runs two months after the last message
(2031-02-15), on the default SQLite store. Reported: the file and each table's bytes (dbstat) per
plan, with every plan closed, before and after; the outbox's rows are all still there.

Usage: python bench/store_prune.py [N]   (default 2000; the issue's figure is at 10000)
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from store_size import due_in_sqlite, environment, followthru, live, sqlite_tables, ticks, workspace

CLOSED = "2031-01-15T09:00:00+00:00"  # every plan past its due date and meeting: closed
VACUUM = "2031-02-15T09:00:00+00:00"  # 30 days after the last message of their lives, and more


def report(title: str, path: Path, plans: int) -> int:
    size, tables = sqlite_tables(path)
    print(f"\n{title}: the file {size:,} B, {size / plans:,.0f} B per plan")
    print(f"{'table':<16}{'rows':>10}{'bytes':>14}{'per plan':>10}")
    for name, entry in sorted(tables.items(), key=lambda item: -(item[1]["table"] + item[1]["indexes"])):
        total = entry["table"] + entry["indexes"]
        if total:
            print(f"{name:<16}{entry['rows']:>10,}{total:>14,}{total / plans:>10,.0f}")
    return size


def measure(count: int) -> tuple[int, int]:
    """The store file's bytes with every plan closed, before and after ``store vacuum``
    (printing each table as it goes)."""
    env = environment()
    with tempfile.TemporaryDirectory(prefix="followthru-prune-bench-") as folder:
        root = Path(folder) / "ws"
        config = workspace(root, None, env)
        store = root / "followthru.sqlite3"
        started = time.monotonic()
        life = live(root, config, count, env, due_in_sqlite(store))
        ticks(config, CLOSED, env, due_in_sqlite(store))
        with sqlite3.connect(store) as conn:
            states = dict(conn.execute("SELECT state, count(*) FROM plans GROUP BY state").fetchall())
            kept = conn.execute("SELECT count(*), sum(length(raw)) FROM outbox WHERE length(raw) > 0").fetchone()
        print(f"{count:,} plans lived in {time.monotonic() - started:.0f} s ({life['passes']} passes): {states}")
        print(f"outbox messages whose text is still kept on {CLOSED[:10]}: {kept[0]:,} ({(kept[1] or 0):,} B)")
        before = report("every plan closed, the pass pruning as it goes", store, count)
        said = followthru("-c", str(config), "store", "vacuum", "--now", VACUUM, env=env)
        print("\nfollowthru store vacuum:", said.strip())
        after = report("after store vacuum", store, count)
        return before, after


def main(count: int) -> None:
    before, after = measure(count)
    print(f"\nper plan: {before / count:,.0f} B -> {after / count:,.0f} B ({after / before:.2f}x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
