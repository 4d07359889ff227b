"""Benchmark: the rep's board with a thousand plans.

A workspace made by ``followthru init`` (tests/support/busy.py: its send window open at every hour)
takes N plan files (three people, a stakeholder and a meeting each; twenty owners) in passes of the
real daemon (``followthru tick``); then a fifth of the people answer on the web (commit, decline, a
question, other terms) and a pass applies their answers, so plans need their owners, wait on
backups and are committed as they would be.

Then the web application (``create_app``, Flask's test client) renders, each several times with the
median reported: ``/plans`` for an admin (every plan, with the owner column), ``/plans`` for one
owner, and one plan's page (with its timeline). Also printed: the bytes of those pages' HTML and of
the stylesheet, the one file besides the HTML a page loads.

Usage: python bench/web_board.py [N]   (default: 1000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from big_drop import drop as drop_files  # noqa: E402

from support.busy import Workspace  # noqa: E402

OWNERS = 20
RUNS = 7
ADMIN = "admin@example.com"
PLAN = """\
[plan]
id = "deal-{n}"
title = "Customer {n} - expansion"
customer = "Customer {n}"
timezone = "America/New_York"
respond_by = 2030-12-02T17:00:00
priorities = ["Close before the budget freeze", "No surprises on price"]

[owner]
name = "Rep {owner}"
email = "rep{owner}@example.com"
{resources}
[[resources]]
id = "backup"
name = "Backup {n}"
email = "backup{n}@example.com"
role = "Solutions engineer"
standby = true

[[steps]]
what = "Order form signed"
due = 2030-12-14

[[stakeholders]]
name = "Manager {owner}"
email = "manager{owner}@example.com"
updates = ["started"]

[[meetings]]
id = "check-in"
title = "Check-in {n}"
start = 2030-12-03T10:00:00
duration = "30m"
repeat = "weekly"
count = 3
"""
RESOURCE = """
[[resources]]
id = "r{i}"
name = "Person {n}-{i}"
email = "p{n}-{i}@example.com"
role = "Engineer"
asks = ["Part {i} of deal {n}"]
due = 2030-12-09
backups = ["backup"]
"""
CHOICES = ["commit", "commit", "decline", "question", "propose"]  # every fifth person answers one of these


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory(prefix="followthru-bench-") as folder:
        root = Path(folder) / "ws"
        started = time.perf_counter()
        workspace = Workspace(root)
        text = workspace.config.read_text()
        text = text.replace('base_url = ""', 'base_url = "https://board.example.com"', 1)
        workspace.config.write_text(text.replace("admins = []", f'admins = ["{ADMIN}"]', 1))
        drop(workspace, count)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        while any(workspace.incoming.iterdir()):
            tick(workspace, now)
        answered = answer(workspace, now + timedelta(minutes=5))
        tick(workspace, now + timedelta(minutes=10))
        print(f"workspace: {count:,} plans, {answered:,} web answers, in {time.perf_counter() - started:.1f} s")
        report(workspace, now + timedelta(minutes=11), count)


def drop(workspace: Workspace, count: int) -> None:
    """N plans dropped at once (bench/big_drop.py's drop), each with three people and a backup."""
    files = {}
    for n in range(count):
        resources = "".join(RESOURCE.format(n=n, i=i) for i in range(3))
        files[f"deal-{n}.toml"] = PLAN.format(n=n, owner=n % OWNERS, resources=resources).encode()
    drop_files(workspace.incoming, files)


def tick(workspace: Workspace, now: datetime) -> None:
    subprocess.run(workspace.command("tick", "--now", now.isoformat()), check=True, capture_output=True)


def answer(workspace: Workspace, now: datetime) -> int:
    """A web answer from every fifth person asked, the choices in turn; how many."""
    from followthru import web_actions
    from followthru.config import load_config
    from followthru.journal import open_store

    store, _ = open_store(load_config(workspace.config))
    try:
        rows = store.connection.execute(
            "SELECT a.token_key, c.plan_id, c.resource_id, c.email FROM commitments c JOIN asks a "
            "ON a.plan_id = c.plan_id AND a.resource_id = c.resource_id AND a.ask = c.terms "
            "WHERE c.state = 'requested' ORDER BY c.plan_id, c.resource_id"
        ).fetchall()
        chosen = rows[::5]
        for number, (key, plan_id, resource_id, email) in enumerate(chosen):
            choice = CHOICES[number % len(CHOICES)]
            proposed = date(2030, 12, 16) if choice == "propose" else None
            words = "Is the SSO work in scope?" if choice == "question" else ""
            web_actions.answer(store, key, f"bench-{number}", plan_id, resource_id, email, choice, words, proposed, now)
    finally:
        store.close()
    return len(chosen)


def report(workspace: Workspace, now: datetime, count: int) -> None:
    from followthru.config import load_config
    from followthru.web.app import create_app

    app = create_app(load_config(workspace.config), clock=lambda: now)
    client = app.test_client()
    css = client.get("/static/web.css").get_data()
    pages = [("/plans, admin", ADMIN, "/plans"), ("/plans, one owner", "rep0@example.com", "/plans")]
    busiest = busy_plan(workspace)
    pages.append((f"/plans/{busiest}", ADMIN, f"/plans/{busiest}"))
    print(f"\n| page | median of {RUNS} | HTML | CSS |")
    print("|---|---:|---:|---:|")
    for label, who, url in pages:
        with client.session_transaction() as session:
            session["user"] = who
        times, size = [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
            size = len(response.get_data())
        print(f"| {label} | {median(times) * 1000:.0f} ms | {size / 1024:.0f} KiB | {len(css) / 1024:.1f} KiB |")
    print(f"\n{count:,} plans; {os.cpu_count()} cores; Python {sys.version.split()[0]}")


def busy_plan(workspace: Workspace) -> str:
    """A plan with the most going on: answers in, a backup asked, something waiting on its owner."""
    rows = workspace.query(
        "SELECT plan_id FROM commitments WHERE state IN ('countered', 'question') OR stands_in_for IS NOT NULL "
        "GROUP BY plan_id ORDER BY COUNT(*) DESC, plan_id LIMIT 1"
    )
    return str(rows[0][0]) if rows else "deal-0"


if __name__ == "__main__":
    main()
