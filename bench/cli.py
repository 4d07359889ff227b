"""Benchmark: how long each command takes to answer, from process start to exit.

Measured side by side, each the median of several runs in a new process:

- ``python -c pass`` and ``python -c "import click"``: the floor any command stands on; with
  pydantic imported, and with one pydantic model made and used: the floor under ``plan check``;
- ``followthru --help`` and ``followthru plan check examples/acme-q4.toml``;
- ``followthru -c WS/config.toml status`` and ``log`` on a workspace holding one plan, and ``status``
  once more with no cache folder to remember the checked config in (what the first ``status`` after
  an edit of config.toml costs: see followthru.place);
- ``status`` and ``status --json`` on a workspace holding 10,000 plans.

The big workspace is made from the small one: its plan (taken in by one real ``tick``) is copied
row by row in SQLite under new ids, which takes a second instead of the hours 10,000 ticks would.

Usage: python bench/cli.py [RUNS] [PLANS]   (defaults: 7 runs, 10000 plans)
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
NOW = "2026-11-30T15:00:00+00:00"  # before the example's reply deadlines, so it starts


# The floor under any command that checks a file with pydantic: the library and its model machinery.
ONE_MODEL = "import click, pydantic\nclass M(pydantic.BaseModel):\n    x: int\nM(x=1)"


def followthru() -> list[str]:
    """The installed console script when there is one (what a user runs), else ``python -m``."""
    script = Path(sys.executable).parent / "followthru"
    return [str(script)] if script.exists() else [sys.executable, "-m", "followthru"]


# As on a user's machine: Python caches compiled modules. A shell that sets PYTHONDONTWRITEBYTECODE
# would measure compiling Followthru's modules from source on every start instead.
AS_INSTALLED = {
    name: value for name, value in os.environ.items() if name not in ("PYTHONDONTWRITEBYTECODE", "CACHE_DIRECTORY")
}


def timed(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, list[float]]:
    """Median seconds of ``runs`` runs (after one unmeasured run that warms the disk and bytecode caches)."""
    subprocess.run(command, check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - started)
    return median(times), times


def small_workspace(directory: Path) -> Path:
    """A workspace made by ``followthru init`` whose store holds the example plan, started."""
    cli = followthru()
    subprocess.run([*cli, "init", str(directory)], check=True, capture_output=True)
    config = directory / "config.toml"
    dropped = directory / "plans" / "incoming" / EXAMPLE.name
    shutil.copy(EXAMPLE, dropped)
    settled = time.time() - 60
    os.utime(dropped, (settled, settled))
    subprocess.run([*cli, "-c", str(config), "tick", "--now", NOW], check=True, capture_output=True)
    return config


def copy_plans(store: Path, count: int) -> None:
    """Make the store hold ``count`` plans: copies of its one plan, each with its own id and UIDs."""
    db = sqlite3.connect(store)
    [(source,)] = db.execute("SELECT id FROM plans").fetchall()
    ids = [(f"{source}-{n:05d}",) for n in range(1, count)]
    with db:
        db.execute("CREATE TEMP TABLE copies (id TEXT PRIMARY KEY)")
        db.executemany("INSERT INTO copies VALUES (?)", ids)
        db.execute(
            """INSERT INTO plans (id, version, state, title, owner_email, document, milestones, attention,
                                         next_wake, created_at, updated_at)
                      SELECT c.id, version, state, title || ' ' || c.id, owner_email,
                             json_set(json_set(document, '$.plan.id', c.id), '$.plan.title', title || ' ' || c.id),
                             milestones, attention, next_wake, created_at, updated_at
                      FROM plans, copies c WHERE plans.id = ?""",
            (source,),
        )
        db.execute(
            """INSERT INTO plan_versions (plan_id, version, document, file, received_at)
                      SELECT c.id, version, json_set(document, '$.plan.id', c.id), file, received_at
                      FROM plan_versions, copies c WHERE plan_id = ?""",
            (source,),
        )
        columns = [row[1] for row in db.execute("PRAGMA table_info(commitments)") if row[1] != "plan_id"]
        db.execute(
            f"INSERT INTO commitments (plan_id, {', '.join(columns)}) "
            f"SELECT c.id, {', '.join(columns)} FROM commitments, copies c WHERE plan_id = ?",
            (source,),
        )
        db.execute(
            """INSERT INTO meetings (plan_id, meeting_key, uid, sequence, attendees, fingerprint, cancelled,
                                            rsvps)
                      SELECT c.id, meeting_key, replace(uid, ?, '-' || c.id || '-'), sequence, attendees, fingerprint,
                             cancelled, rsvps
                      FROM meetings, copies c WHERE plan_id = ?""",
            (f"-{source}-", source),
        )
    db.close()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    cli = followthru()
    with tempfile.TemporaryDirectory(prefix="followthru-bench-cli-") as folder:
        small = small_workspace(Path(folder) / "small")
        big = small_workspace(Path(folder) / "big")
        copy_plans(big.parent / "followthru.sqlite3", count)
        env = {**AS_INSTALLED, "XDG_CACHE_HOME": str(Path(folder) / "cache")}
        no_cache = {**AS_INSTALLED, "XDG_CACHE_HOME": str(small)}  # a file: no cache folder can be made in it
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], runs),
            ('python -c "import click"', [sys.executable, "-c", "import click"], runs),
            ('python -c "import click, pydantic"', [sys.executable, "-c", "import click, pydantic"], runs),
            ("python: click and one pydantic model", [sys.executable, "-c", ONE_MODEL], runs),
            ("followthru --help", [*cli, "--help"], runs),
            ("followthru plan check examples/acme-q4.toml", [*cli, "plan", "check", str(EXAMPLE)], runs),
            ("followthru -c WS/config.toml status (1 plan)", [*cli, "-c", str(small), "status"], runs),
            ("followthru -c WS/config.toml log (1 plan)", [*cli, "-c", str(small), "log"], runs),
            ("status (1 plan), config not remembered", [*cli, "-c", str(small), "status"], runs, no_cache),
            (f"status ({count:,} plans)", [*cli, "-c", str(big), "status"], max(3, runs // 2)),
            (f"status --json ({count:,} plans)", [*cli, "-c", str(big), "status", "--json"], max(3, runs // 2)),
        ]
        print(f"{'command':<52} {'median':>9}   runs (ms)")
        for label, command, n, *how in cases:
            middle, times = timed(command, n, how[0] if how else env)
            print(f"{label:<52} {middle * 1000:7.0f} ms   {' '.join(f'{t * 1000:.0f}' for t in times)}", flush=True)


if __name__ == "__main__":
    main()
