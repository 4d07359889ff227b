"""Benchmark: what one Maildir send costs as the outbox's cur/ folder fills up.

A mail client moves each message it has seen from new/ to cur/; a send must still find out whether
its message was delivered before (after a crash), without listing the folder. Reported, for 0,
10,000 and 60,000 files in cur/: the median time of one send (write, fsync, rename, marker), beside
the lower bound (the same write, fsync and rename with no look-up at all) and beside the look-up the
backend did before (a glob of cur/ for the message's name), with the ratio of each size to the empty
folder.

Usage: python bench/maildir_send.py [FOLDER]   (a temporary folder by default; pass one on another disk)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from followthru.backends.maildir import MaildirBackend

SIZES = (0, 10_000, 60_000)
SENDS = 200
RAW = b"From: followthru@example.com\r\nTo: sam@example.com\r\nSubject: Hi\r\n\r\n" + b"x" * 3000 + b"\r\n"


def fill(cur: Path, count: int) -> None:
    have = len(os.listdir(cur))
    for n in range(have, count):
        (cur / f"followthru-{n:032x}:2,S").write_bytes(RAW)


def timed(actions, count: int) -> list[float]:
    """The median of ``count`` calls of each of ``actions`` (``action(n)``), in ms, taken in turn so
    that the disk's moods fall on all alike, after a few not counted."""
    for n in range(10):
        for action in actions:
            action(-1 - n)
    times: list[list[float]] = [[] for _ in actions]
    for n in range(count):
        for action, taken in zip(actions, times, strict=True):
            started = time.perf_counter()
            action(n)
            taken.append(time.perf_counter() - started)
    return [median(taken) * 1000 for taken in times]


def sending(backend: MaildirBackend, run: str):
    def send(n: int) -> None:
        backend.send(f"<{run}-{n}@example.com>", ["sam@example.com"], RAW, "followthru@example.com")

    return send


def bare(outbox: Path, run: str):
    """The lower bound: the same bytes written, synced and renamed into new/, with no look-up."""

    def write(n: int) -> None:
        temporary = outbox / "tmp" / f"bare-{run}-{n}"
        with open(temporary, "wb") as handle:
            handle.write(RAW)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, outbox / "new" / f"bare-{run}-{n}")

    return write


def looking_up(backend: MaildirBackend, name: str):
    """The look-up a send makes now (two names), and the one it made before (a glob of cur/)."""
    now = [lambda n: os.path.exists(backend.delivered / name) or os.path.exists(backend.outbox / "new" / name)]
    return now + [lambda n: any((backend.outbox / "cur").glob(name + ":*"))]


def measure(folder: Path) -> list[tuple[int, float, float, float, float]]:
    """For each size of cur/: the median send, the bound, the look-up and the old glob (ms)."""
    backend = MaildirBackend(folder / "outbox", folder / "inbox")
    rows = []
    for size in SIZES:
        fill(backend.outbox / "cur", size)
        run = f"{size}-{time.time_ns()}"
        send, bound = timed([sending(backend, run), bare(backend.outbox, run)], SENDS)
        look_up, globbed = timed(looking_up(backend, f"followthru-{'0' * 32}"), 20)
        rows.append((size, send, bound, look_up, globbed))
        for path in (backend.outbox / "new").iterdir():  # the next size starts from an empty new/
            path.unlink()
    return rows


def main(folder: Path) -> None:
    rows = measure(folder)
    empty = rows[0][1]
    print(f"one send into a Maildir outbox, median of {SENDS} (ms); ratios to an empty cur/\n")
    print("| files in cur/ | send | vs empty | bound: write, fsync, rename | send / bound | look-up | glob before |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, send, bound, look_up, globbed in rows:
        print(
            f"| {size:,} | {send:.3f} | {send / empty:.2f}x | {bound:.3f} | {send / bound:.2f}x "
            f"| {look_up:.4f} | {globbed:.3f} |"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory(prefix="followthru-maildir-bench-") as temporary:
            main(Path(temporary))
