"""Benchmark: N plans x 5 resources through the daemon's pass, on the embedded default.

Each measurement runs in a fresh process and workspace, with N plan files dropped at once.

``python bench/pipeline.py [N ...]`` (default: 100 1000 10000) reports, for each N:
- plans started per second (reading the files, engine decisions, rendering and recording every
  message in the outbox, moving the files to active/), as the daemon takes them: with worker
  processes when the pass has enough files (followthru.workers), over as many passes as it takes;
- messages delivered per second to the Maildir outbox,
- the time of an idle pass (nothing due) with all N plans active,
- peak memory (max RSS) of the daemon's process and of its largest worker, and the store's size.

``python bench/pipeline.py --cpu [N]`` (default: 1000) prints :func:`cpu_figures`: the CPU time per
plan of a worker and of the pass with workers, measured in one process, which another busy process
on the machine changes far less than it changes the pool's wall-clock figure.

``python bench/pipeline.py --intake [N]`` (default: 1000) prints :func:`intake_figures`: intake
(the same "plans started per second", delivery left out) in one process and with the workers, the
lower bound of a pass (parse the TOML, write six messages per plan into SQLite, one transaction per
plan), each the min and median of three runs, and the measured pool thresholds (see
:func:`thresholds`). Other bench scripts call :func:`intake_figures` themselves.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median

PLAN = """\
[plan]
id = "plan-{n}"
title = "Customer {n} - expansion"
customer = "Customer {n}"
timezone = "America/New_York"
respond_by = 2026-12-02T17:00:00
priorities = ["Close before the budget freeze", "Keep the CFO confident"]
context = "Benchmark plan {n}."

[owner]
name = "Rep {owner}"
email = "rep{owner}@example.com"
{resources}
[[stakeholders]]
name = "Manager {owner}"
email = "manager{owner}@example.com"
updates = ["started", "all_committed"]

[[meetings]]
id = "check-in"
title = "Check-in {n}"
start = 2026-12-03T10:00:00
duration = "30m"
"""

RESOURCE = """
[[resources]]
id = "r{i}"
name = "Person {n}-{i}"
email = "p{n}-{i}@example.com"
role = "Engineer"
asks = ["Do part {i} of plan {n}"]
due = 2026-12-09
"""

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
MESSAGE_BYTES = 15_500  # the mean size of the six messages such a plan starts with, as the daemon writes them
RUNS = 3


def plan_text(n: int) -> str:
    return PLAN.format(n=n, owner=n % 50, resources="".join(RESOURCE.format(i=i, n=n) for i in range(5)))


def drop(folder: Path, count: int, first: int = 0) -> None:
    """``count`` plan files, old enough to be ready at once."""
    old = time.time() - 10
    for n in range(first, first + count):
        path = folder / f"plan-{n}.toml"
        path.write_text(plan_text(n))
        os.utime(path, (old, old))


def _daemon(directory: Path):  # -> followthru.daemon.Followthru, imported in the measuring process only
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))
    from followthru.config import init_workspace, load_config
    from followthru.daemon import Followthru

    return Followthru(load_config(init_workspace(directory / "ws")))


def _take_in(service, count: int) -> float:  # noqa: ANN001 - a Followthru
    """Seconds until passes (delivery left out) have started ``count`` plans."""
    deliver = service._deliver
    service._deliver = lambda now, report: None
    started, taken = time.perf_counter(), 0
    while taken < count:
        report = service.tick(NOW)
        assert report.plans_started or report.plans_left, report
        taken += report.plans_started
    seconds = time.perf_counter() - started
    service._deliver = deliver
    return seconds


def one_run(count: int) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        service = _daemon(Path(directory))
        config = service.config
        drop(config.plans_dir / "incoming", count)
        start_seconds = _take_in(service, count)
        report = service.tick(NOW)
        pending = service.store.connection.execute("SELECT count(*) FROM outbox WHERE status='pending'").fetchone()[0]
        started = time.perf_counter()
        while service.store.pending(NOW):
            service._deliver(NOW, report)
        deliver_seconds = time.perf_counter() - started

        idle = []
        for minute in range(1, 21):
            moment = NOW + timedelta(minutes=minute)
            started = time.perf_counter()
            report = service.tick(moment)
            idle.append(time.perf_counter() - started)
            assert report.sent == 0 and report.plans_ticked == 0, report
        service.close()
        store_bytes = sum(p.stat().st_size for p in config.path(config.workspace.store).parent.glob("*.sqlite3*"))
    return {
        "plans": count,
        "plans_started_per_second": round(count / start_seconds, 1),
        "messages": pending,
        "messages_delivered_per_second": round(pending / deliver_seconds, 1),
        "idle_pass_ms_median": round(median(idle) * 1000, 2),
        "idle_pass_ms_max": round(max(idle) * 1000, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_mb_worker": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "store_mb": round(store_bytes / 1e6, 1),
    }


def intake_run(count: int, mode: str, warm_with: int = 0) -> dict:
    """Plans started per second for a drop of ``count`` files. ``mode``: "one" (this process only),
    "pool" (the workers, started by this drop, as at a daemon's first big drop: their start is
    part of the time), or "auto" (as the daemon decides). ``warm_with``: a drop of that many files
    taken in first, untimed, with the workers (so that they are running for the timed one)."""
    with tempfile.TemporaryDirectory() as directory:
        service = _daemon(Path(directory))
        incoming = service.config.plans_dir / "incoming"
        if warm_with:
            service.workers.parallel_from = 1
            drop(incoming, warm_with, first=1_000_000)
            _take_in(service, warm_with)
        if mode == "one":
            service.workers.parallel_from = service.workers.warm_from = 10**9
        elif mode == "pool":
            service.workers.parallel_from = service.workers.warm_from = 1
        drop(incoming, count)
        seconds = _take_in(service, count)
        messages = service.store.connection.execute("SELECT count(*) FROM outbox").fetchone()[0]
        service.close()
    return {"plans": count, "mode": mode, "seconds": seconds, "plans_per_second": count / seconds, "messages": messages}


def lower_bound_run(count: int) -> dict:
    """What any intake costs at least: read and parse each plan file (TOML), then write six
    messages of :data:`MESSAGE_BYTES` into SQLite (WAL, synchronous=NORMAL, as the store) in one
    transaction per plan. Plans per second."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        drop(folder, count)
        database = sqlite3.connect(folder / "lower.sqlite3", isolation_level=None)
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("PRAGMA synchronous=NORMAL")
        database.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, message_id TEXT UNIQUE, plan_id TEXT, raw BLOB)")
        raw = os.urandom(MESSAGE_BYTES // 4 * 3).hex().encode()[:MESSAGE_BYTES]
        started = time.perf_counter()
        for n in range(count):
            plan = tomllib.loads((folder / f"plan-{n}.toml").read_text(encoding="utf-8"))
            plan_id = plan["plan"]["id"]
            database.execute("BEGIN IMMEDIATE")
            for message in range(6):
                database.execute(
                    "INSERT INTO outbox (message_id, plan_id, raw) VALUES (?, ?, ?)",
                    (f"<{plan_id}.{message}@bench>", plan_id, raw),
                )
            database.execute("COMMIT")
        seconds = time.perf_counter() - started
        database.close()
    return {"plans": count, "mode": "lower", "seconds": seconds, "plans_per_second": count / seconds}


def cpu_run(count: int) -> dict:
    """CPU milliseconds per plan of both halves of intake with the workers, one after the other in
    this process: ``worker_ms``, what a worker does (read ``count`` new plan files, decide, draft
    their messages, pickle the results, in chunks as the pool sends them), and ``daemon_ms``, what
    the passes do with those results (unpickle them, store the plans and their messages, commit,
    move the files). The templates are compiled beforehand, as the workers' fork server does."""
    import pickle
    from itertools import chain, repeat

    with tempfile.TemporaryDirectory() as directory:
        service = _daemon(Path(directory))
        from followthru import workers
        from followthru.watch import ready_files

        workers._start_worker(service.config)
        warm = Path(directory) / "warm"
        warm.mkdir()
        drop(warm, 8, first=1_000_000)
        workers._prepare_new_plans(sorted(warm.iterdir()), NOW)
        incoming = service.config.plans_dir / "incoming"
        drop(incoming, count)
        files = ready_files(incoming, limit=count).files  # in the order the passes take them
        started = time.process_time()
        results = [
            pickle.dumps(workers._prepare_new_plans(files[start : start + workers.CHUNK], NOW))
            for start in range(0, count, workers.CHUNK)
        ]
        worker_seconds = time.process_time() - started
        prepared = chain((plan for result in results for plan in pickle.loads(result)), repeat(None))
        service.workers.wanted = lambda files: True
        service.workers.prepare = lambda files, now: prepared
        service._deliver = lambda now, report: None
        started, taken = time.process_time(), 0
        while taken < count:
            taken += service.tick(NOW).plans_started
        daemon_seconds = time.process_time() - started
        service.close()
    return {
        "plans": count,
        "worker_ms": 1000 * worker_seconds / count,
        "daemon_ms": 1000 * daemon_seconds / count,
        "pickled_kb": sum(map(len, results)) / count / 1000,
    }


def cpu_figures(n: int = 1000, runs: int = RUNS) -> dict:
    """:func:`cpu_run`'s figures, each the min and median of ``runs`` runs in new processes."""
    measured = [_in_new_process("--cpu-run", str(n)) for _ in range(runs)]
    figures: dict = {"plans": n}
    for name in ("worker_ms", "daemon_ms"):
        values = [m[name] for m in measured]
        figures[name] = {"min": round(min(values), 3), "median": round(median(values), 3)}
    figures["pickled_kb"] = round(measured[0]["pickled_kb"], 1)
    return figures


def _in_new_process(*arguments: str) -> dict:
    output = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, check=True).stdout
    result: dict = json.loads(output.strip().splitlines()[-1])
    return result


def _summary(values: list[float]) -> dict:
    return {"min": round(min(values), 1), "median": round(median(values), 1), "runs": [round(v, 1) for v in values]}


def thresholds(sizes: tuple[int, ...] = (200, 300, 400, 500), warm: tuple[int, ...] = (4, 8, 16, 32)) -> dict:
    """The pool thresholds, measured: the fewest files of a pass that are taken in faster with the
    workers than without, when the pass starts them (``parallel_from``; a pass takes at most 500
    files) and when they run already (``warm_from``), with the seconds each took: the median of
    :data:`RUNS` runs of each size and way, each in a new process. None when no size tried pays."""
    seconds = {
        "cold": {size: {mode: _median_seconds(size, mode) for mode in ("one", "pool")} for size in sizes},
        "warm": {size: {mode: _median_seconds(size, mode, 200) for mode in ("one", "pool")} for size in warm},
    }
    pays = {case: {size: t["pool"] < t["one"] for size, t in times.items()} for case, times in seconds.items()}
    return {
        "parallel_from": next((n for n in sizes if all(pays["cold"][m] for m in sizes if m >= n)), None),
        "warm_from": next((n for n in warm if all(pays["warm"][m] for m in warm if m >= n)), None),
        "seconds": seconds,
    }


def _median_seconds(size: int, mode: str, warm_with: int = 0) -> float:
    runs = [_in_new_process("--intake-run", str(size), mode, str(warm_with))["seconds"] for _ in range(RUNS)]
    return round(median(runs), 3)


def intake_figures(n: int = 1000, runs: int = RUNS, measure_thresholds: bool = True) -> dict:
    """Intake speed on this machine, for a combined bench to print. Each figure is plans started
    per second for a drop of ``n`` plan files (5 people, a stakeholder and a meeting each: six
    messages), from ``runs`` runs in new processes, as ``{"min", "median", "runs"}``:

    - ``one_process``: the pass alone, no worker processes;
    - ``pooled``: with the workers, started by the drop (their start-up counted);
    - ``lower_bound``: parse the TOML and write six messages per plan into SQLite in one
      transaction per plan, nothing else (:func:`lower_bound_run`).

    With ``measure_thresholds`` (a minute or two more): ``thresholds``, :func:`thresholds`'s
    measurement, beside ``parallel_from`` and ``warm_from``, the values the daemon uses
    (followthru.workers). ``cores`` is the number of CPUs."""
    figures: dict = {"plans": n, "cores": os.cpu_count()}
    for name, mode in (("one_process", "one"), ("pooled", "pool"), ("lower_bound", "lower")):
        figures[name] = _summary(
            [_in_new_process("--intake-run", str(n), mode, "0")["plans_per_second"] for _ in range(runs)]
        )
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))
    from followthru.workers import PARALLEL_FROM, WARM_FROM

    figures["parallel_from"], figures["warm_from"] = PARALLEL_FROM, WARM_FROM
    if measure_thresholds:
        figures["thresholds"] = thresholds()
    return figures


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one_run(int(sys.argv[2]))))
        return
    if len(sys.argv) > 4 and sys.argv[1] == "--intake-run":
        count, mode, warm_with = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        print(json.dumps(lower_bound_run(count) if mode == "lower" else intake_run(count, mode, warm_with)))
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--cpu-run":
        print(json.dumps(cpu_run(int(sys.argv[2]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--cpu":
        print(json.dumps(cpu_figures(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--intake":
        print(json.dumps(intake_figures(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 10000]
    for size in sizes:
        print(json.dumps(_in_new_process("--one", str(size))))


if __name__ == "__main__":
    main()
