"""The worker processes that prepare a big drop of plan files (followthru.workers): the same plans
as the daemon makes by itself, and no worker left behind by a daemon killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

from followthru.config import init_workspace, load_config
from followthru.workers import PARALLEL_FROM, WARM_FROM, PlanWorkers
from support.processes import alive
from support.workspace import SMALL_PLAN

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def plan_files(folder, count):
    folder.mkdir()
    for n in range(count):
        (folder / f"deal-{n}.toml").write_text(SMALL_PLAN.format(n=n))
    return sorted(folder.iterdir())


def test_workers_prepare_new_plans_in_file_order(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    files = plan_files(tmp_path / "plans", 16)
    workers = PlanWorkers(config)
    workers.cold_ahead = 0  # every file to the workers, from the start
    try:
        prepared = [next(results) for results in [workers.prepare(files, NOW)] for _ in files]
    finally:
        workers.close()
    assert [p.plan.id for p in prepared] == [f"deal-{f.stem.split('-')[1]}" for f in files]
    assert all(p.drafted and p.decisions.sends for p in prepared)


def test_while_the_workers_start_the_pass_takes_the_first_files_itself(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    files = plan_files(tmp_path / "plans", 12)
    workers = PlanWorkers(config)
    workers.cold_ahead = 5
    assert not workers.wanted(PARALLEL_FROM - 1) and workers.wanted(PARALLEL_FROM)
    try:
        cold = [next(results) for results in [workers.prepare(files, NOW)] for _ in files]
        assert cold[:5] == [None] * 5 and all(cold[5:])
        # Started: the workers take a small pass too, every file of it.
        assert workers.wanted(WARM_FROM) and not workers.wanted(WARM_FROM - 1)
        warm = [next(results) for results in [workers.prepare(files[:WARM_FROM], NOW)] for _ in files[:WARM_FROM]]
        assert all(warm)
    finally:
        workers.close()
    assert not workers.wanted(PARALLEL_FROM - 1)  # closed: starting them again has to pay


def test_a_worker_that_dies_costs_speed_only(tmp_path, caplog):
    config = load_config(init_workspace(tmp_path / "ws"))
    files = plan_files(tmp_path / "plans", 40)
    workers = PlanWorkers(config)
    workers.cold_ahead = 0
    try:
        results = workers.prepare(files, NOW)
        assert next(results) is not None
        for process in list(workers._pool._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
        rest = [next(results) for _ in files[1:]]
        assert None in rest  # the files of the killed workers: taken in by the pass
        assert "the plan workers stopped" in caplog.text and workers._pool is None
        again = workers.prepare(files[:4], NOW)  # a new pool, started at the next big drop
        assert workers._pool is not None and all(next(again) for _ in files[:4])
    finally:
        workers.close()


WORKING_DAEMON = """
import os, sys, time
from datetime import datetime, timezone
from pathlib import Path
from followthru.config import load_config
from followthru.workers import PlanWorkers
workers = PlanWorkers(load_config(Path(sys.argv[1])))
workers.cold_ahead = 0
results = workers.prepare(sorted(Path(sys.argv[2]).iterdir()), datetime(2026, 11, 30, 15, tzinfo=timezone.utc))
next(results)
print(" ".join(str(p.pid) for p in workers._pool._processes.values()), flush=True)
time.sleep(600)
"""


def test_workers_end_when_their_daemon_is_killed(tmp_path):
    config = init_workspace(tmp_path / "ws")
    folder = tmp_path / "plans"
    plan_files(folder, 16)
    daemon = subprocess.Popen(
        [sys.executable, "-c", WORKING_DAEMON, str(config), str(folder)], stdout=subprocess.PIPE, text=True
    )
    pids = [int(pid) for pid in daemon.stdout.readline().split()]
    assert len(pids) == os.cpu_count() and all(alive(pid) for pid in pids)
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids):
        assert time.monotonic() < deadline, "a worker outlived its daemon by 10 s"
        time.sleep(0.1)
