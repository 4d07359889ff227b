"""Benchmark: what the delivery journal costs.

Reports:
- the cost of one journal append (write + fsync), which each sent message pays once, on the file
  system holding the workspace (a temporary folder here; pass a folder to measure another disk);
- the time a start takes to reconcile the store with its journal when there is nothing to
  reconcile, for journals of growing length: it reads only the file's end, so it must stay flat;
- the time to read back the tail after a store put back from a backup, for tails of growing length.

Usage: python bench/journal.py [FOLDER]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from followthru.config import init_workspace, load_config
from followthru.journal import Journal, journal_path, open_store

LENGTHS = (1_000, 100_000, 1_000_000)


def entry(seq: int) -> dict:
    return {
        "seq": seq,
        "at": "2026-11-30T15:00:00+00:00",
        "type": "sent",
        "message_id": f"<{seq:012d}.bench@example.com>",
        "kind": "reminder",
        "plan_id": f"plan-{seq % 997}",
        "key": json.dumps([f"plan-{seq % 997}", "reminder", "lee", ["lee.legal@example.com"]]),
        "recipients": ["lee.legal@example.com"],
    }


def main(base: Path) -> None:
    with tempfile.TemporaryDirectory(dir=base) as folder:
        config = load_config(init_workspace(Path(folder) / "ws"))
        store, journal = open_store(config)
        appends = []
        for seq in range(1, 201):
            started = time.perf_counter()
            journal.append([entry(seq)])
            appends.append(time.perf_counter() - started)
        print(
            f"append + fsync of one entry: median {median(appends) * 1e6:.0f} us, "
            f"max {max(appends) * 1e6:.0f} us (each sent message pays this once)"
        )

        path = journal_path(store.path)
        written = 200
        for length in LENGTHS:
            grow(path, written, length - written)
            written = length
            with store.transaction():
                store.set_journal_seq(length)
            times = []
            for _ in range(20):
                started = time.perf_counter()
                opened = Journal.open(path, journal.workspace, length)
                assert opened.last_seq == length and opened.since(length) == []
                times.append(time.perf_counter() - started)
            tail = []
            for back in (b for b in (10, 1_000, 100_000) if b < length):
                started = time.perf_counter()
                found = opened.since(length - back)
                tail.append((back, time.perf_counter() - started))
                assert len(found) == back
            size = path.stat().st_size / 2**20
            print(
                f"journal of {length:>9,} entries ({size:6.1f} MiB): start with nothing to reconcile "
                f"{median(times) * 1e3:.2f} ms; reading a tail of "
                + ", ".join(f"{back:,} entries {seconds * 1e3:.0f} ms" for back, seconds in tail)
            )
        store.close()


def grow(path: Path, written: int, count: int) -> None:
    """Append ``count`` entries after entry ``written``, in bulk: the set-up, not what is measured."""
    with path.open("a") as handle:
        for start in range(written + 1, written + count + 1, 10_000):
            stop = min(start + 10_000, written + count + 1)
            handle.write("".join(json.dumps(entry(s)) + "\n" for s in range(start, stop)))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()))
