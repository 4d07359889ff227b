"""Several daemons on one PostgreSQL store and one workspace (followthru.claims), as real
``followthru run`` processes on the real clock: killed with SIGKILL and started again every second
or two while plans and replies arrive, and with PostgreSQL itself restarted under them. Everything
happens exactly once (support.busy), and the workspace ends as one uninterrupted daemon leaves it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from support import postgres
from support.busy import PEOPLE, Workspace

PLANS = 120  # 240 requests and 240 replies, 120 stakeholder updates, 120 "all committed" notices
BATCH = 4  # plans dropped at a time, every second or two, so that the kills fall on work under way
KILLS = 50


class Daemons:
    """``count`` daemons on ``ws``, each logging to its own file."""

    def __init__(self, ws: Workspace, count: int, logs: Path):
        self.ws = ws
        self.logs = logs
        self.processes: list[subprocess.Popen] = [self._start(n) for n in range(count)]
        self.kills = 0

    def _start(self, number: int) -> subprocess.Popen:
        log = (self.logs / f"daemon-{number}.log").open("ab")
        env = {**os.environ, "FOLLOWTHRU_INSTANCE": str(number)}
        return subprocess.Popen(self.ws.command("run"), stdout=subprocess.DEVNULL, stderr=log, env=env)

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL a daemon at random, and start it again."""
        number = rng.randrange(len(self.processes))
        process = self.processes[number]
        assert process.poll() is None, self.log(number)  # none of them stopped by itself
        process.kill()
        process.wait()
        self.kills += 1
        self.processes[number] = self._start(number)

    def all_running(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def log(self, number: int) -> str:
        return (self.logs / f"daemon-{number}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=60) for process in self.processes]
        # -SIGTERM: one started again a moment ago, stopped before Python set its handler up.
        assert set(codes) <= {0, -signal.SIGTERM}, [self.log(n)[-2000:] for n in range(len(codes))]


def settled(ws: Workspace, plans: int) -> bool:
    """Every plan taken in and committed, every reply read, nothing left to send."""
    return (
        not any(ws.incoming.iterdir())
        and not any(ws.inbox.iterdir())
        and ws.query("SELECT count(*) FROM inbound") == [(plans * PEOPLE,)]
        and ws.query("SELECT count(*) FROM plans WHERE state = 'committed'") == [(plans,)]
        and ws.query("SELECT count(*) FROM outbox WHERE status = 'pending'") == [(0,)]
    )


def end_state(ws: Workspace) -> tuple[Counter, dict, dict]:
    """What the workspace ended with: the messages (plan, kind, recipients), each plan's state and
    its people's, and the plan files in plans/active."""
    messages = Counter((m["X-Followthru-Plan"], m["X-Followthru-Kind"], str(m["To"])) for m in ws.sent())
    status = json.loads(subprocess.run(ws.command("status", "--json"), capture_output=True, check=True).stdout)
    states = {p["id"]: (p["state"], {c["resource"]: c["state"] for c in p["commitments"]}) for p in status["plans"]}
    files = {p.name: p.read_bytes() for p in (ws.root / "plans" / "active").iterdir()}
    return messages, states, files


def one_daemon(root: Path) -> tuple[Counter, dict, dict]:
    """The same plans and replies, taken by one daemon on SQLite that nothing interrupts."""
    ws = Workspace(root)
    daemons = Daemons(ws, 1, root)
    try:
        ws.drop_plans(PLANS)
        deadline = time.monotonic() + 300
        while not settled(ws, PLANS):
            ws.answer_new()
            assert time.monotonic() < deadline, "one daemon did not settle within 300 s"
            time.sleep(0.5)
    finally:
        daemons.stop()
    return end_state(ws)


@pytest.fixture
def server(monkeypatch):
    with postgres.PostgresServer() as server:
        monkeypatch.setenv("PGPASSWORD", server.password)
        yield server


def test_three_daemons_killed_fifty_times_do_everything_once_and_end_as_one_daemon_does(tmp_path, server):
    ws = Workspace(tmp_path / "team", server.new_database())
    daemons = Daemons(ws, 3, tmp_path)
    rng = random.Random(16)
    dropped, replies, restarted = 0, 0, False
    deadline = time.monotonic() + 600
    try:
        while daemons.kills < KILLS or not settled(ws, PLANS):
            if dropped < PLANS:
                ws.drop_plans(BATCH, first=dropped)
                dropped += BATCH
            replies += ws.answer_new()
            time.sleep(rng.uniform(0.6, 1.6))
            if daemons.kills < KILLS:
                daemons.kill_one(rng)
            if daemons.kills == KILLS // 2 and not restarted:
                server.restart()  # every connection ends; the daemons wait, then carry on
                restarted = True
                time.sleep(2)
                assert daemons.all_running()
            assert time.monotonic() < deadline, "the daemons did not settle within 600 s"
    finally:
        daemons.stop()
    replies += ws.answer_new()
    assert (dropped, replies, daemons.kills, restarted) == (PLANS, PLANS * PEOPLE, KILLS, True)
    counts = ws.assert_everything_once(replies, plans=PLANS)
    messages, states, files = end_state(ws)
    assert set(files) == {f"deal-{n}.toml" for n in range(PLANS)}
    assert (messages, states, files) == one_daemon(tmp_path / "one")
    print({**counts, "kills": daemons.kills, "postgres restarts": 1})


def test_daemons_wait_while_postgres_restarts_and_carry_on(tmp_path, server):
    ws = Workspace(tmp_path / "team", server.new_database())
    daemons = Daemons(ws, 3, tmp_path)
    plans = 40
    try:
        ws.drop_plans(plans)
        ws.wait_for("the first requests", lambda: ws.requests())
        server.restart()
        ws.drop_plans(plans, first=plans)  # while the daemons find the store gone
        deadline = time.monotonic() + 120
        while not settled(ws, 2 * plans):
            ws.answer_new()
            assert time.monotonic() < deadline, "not settled within 120 s of the restart"
            time.sleep(0.5)
        assert daemons.all_running()  # they waited; none exited or had to be started again
    finally:
        daemons.stop()
    ws.assert_everything_once(2 * plans * PEOPLE, plans=2 * plans)
    logs = "".join(daemons.log(n) for n in range(3))
    assert "the store postgresql://followthru@127.0.0.1:" in logs  # each said what it waited for
    assert server.password not in logs
