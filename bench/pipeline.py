"""Benchmark: N plans x 5 resources through the daemon's pass, on the embedded default.

For each N it runs in a fresh process and workspace, and reports:
- plans started per second (reading the files, engine decisions, rendering and recording every
  message in the outbox, moving the files to active/),
- messages delivered per second to the Maildir outbox,
- the time of an idle pass (nothing due) with all N plans active,
- peak memory (max RSS) of the daemon's process and of its largest worker, and the store's size.

New plans are read, decided and drafted in worker processes (one per core) while the daemon's
process stores them, as the daemon does when many files arrive at once.

Usage: python bench/pipeline.py [N ...]   (default: 100 1000 10000)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
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


def one_run(count: int) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))
    from followthru.config import init_workspace, load_config
    from followthru.daemon import Followthru

    with tempfile.TemporaryDirectory() as directory:
        config_path = init_workspace(Path(directory) / "ws")
        config = load_config(config_path)
        incoming = config.plans_dir / "incoming"
        old = time.time() - 10
        for n in range(count):
            resources = "".join(RESOURCE.format(i=i, n=n) for i in range(5))
            path = incoming / f"plan-{n}.toml"
            path.write_text(PLAN.format(n=n, owner=n % 50, resources=resources))
            os.utime(path, (old, old))
        service = Followthru(config)
        now = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)

        # Start every plan; keep delivery apart to time it on its own.
        deliver = service._deliver
        service._deliver = lambda now, report: None
        started = time.perf_counter()
        report = service.tick(now)
        start_seconds = time.perf_counter() - started
        assert report.plans_started == count, report
        service._deliver = deliver
        pending = service.store.connection.execute("SELECT count(*) FROM outbox WHERE status='pending'").fetchone()[0]
        started = time.perf_counter()
        while service.store.pending(now):
            service._deliver(now, report)
        deliver_seconds = time.perf_counter() - started

        idle = []
        for minute in range(1, 21):
            moment = now + timedelta(minutes=minute)
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


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one_run(int(sys.argv[2]))))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 10000]
    for size in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True
        ).stdout
        print(json.dumps(json.loads(output.strip().splitlines()[-1])))


if __name__ == "__main__":
    main()
