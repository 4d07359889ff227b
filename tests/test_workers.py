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
from followthru.workers import PARALLEL_FROM, PlanWorkers
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
    files = plan_files(tmp_path / "plans", PARALLEL_FROM)
    workers = PlanWorkers(config)
    try:
        prepared = [next(results) for results in [workers.prepare(files, NOW)] for _ in files]
    finally:
        workers.close()
    assert [p.plan.id for p in prepared] == [f"deal-{f.stem.split('-')[1]}" for f in files]
    assert all(p.drafted and p.decisions.sends for p in prepared)


WORKING_DAEMON = """
import os, sys, time
from datetime import datetime, timezone
from pathlib import Path
from followthru.config import load_config
from followthru.workers import PlanWorkers
workers = PlanWorkers(load_config(Path(sys.argv[1])))
results = workers.prepare(sorted(Path(sys.argv[2]).iterdir()), datetime(2026, 11, 30, 15, tzinfo=timezone.utc))
next(results)
print(" ".join(str(p.pid) for p in workers._pool._processes.values()), flush=True)
time.sleep(600)
"""


def test_workers_end_when_their_daemon_is_killed(tmp_path):
    config = init_workspace(tmp_path / "ws")
    folder = tmp_path / "plans"
    plan_files(folder, PARALLEL_FROM)
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
