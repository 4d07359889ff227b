"""One writer per workspace: real ``followthru`` processes started together on one workspace.

Each test drops plans (and replies to them) into a workspace made by ``followthru init``
(Maildir + SQLite) while several processes work on it, then checks that everything happened
exactly once: every message (by Message-ID and by plan, kind and recipient, from the headers the
messages carry, against the store's outbox), every plan file in plans/active, every reply applied.
The send window is open at every hour, so ``run`` (on the real clock) and ``tick`` (also on the
real clock: both must agree on the time) send at once.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from followthru.lock import Busy, WorkspaceLock, lock_paths, wait_for_pass
from support.busy import PEOPLE, PLANS, Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return out, err


def test_a_run_and_ticks_in_a_loop_do_every_plan_and_reply_once(ws):
    daemon = ws.start("run")
    ticking, ticks, waited = threading.Event(), [], []

    def tick_loop() -> None:
        while not ticking.is_set():
            result = subprocess.run(ws.command("tick"), capture_output=True, text=True, timeout=120)
            ticks.append(result.returncode)
            waited.append("waiting for followthru" in result.stderr)

    loop = threading.Thread(target=tick_loop)
    loop.start()
    try:
        ws.wait_for("a first tick", lambda: ticks)
        ws.drop_plans()
        ws.wait_for(
            "every plan taken and its requests sent",
            lambda: not any(ws.incoming.iterdir()) and len(ws.requests()) == PLANS * PEOPLE,
        )
        replies = ws.answer_all()
        ws.wait_for(
            "every reply read",
            lambda: ws.query("SELECT count(*) FROM inbound") == [(replies,)] and not any(ws.inbox.iterdir()),
        )
        ws.wait_for("a few more ticks", lambda: len(ticks) >= 4)
    finally:
        ticking.set()
        loop.join(timeout=120)
        stop(daemon)
    subprocess.run(ws.command("tick"), check=True, capture_output=True)  # what the last pass left due
    counts = ws.assert_everything_once(replies)
    assert len(ticks) >= 4 and set(ticks) == {0}
    print(counts, f"ticks {len(ticks)}, of which waited for a pass: {sum(waited)}")


def test_four_ticks_started_together_take_each_plan_and_reply_once(ws):
    ws.drop_plans()
    ticks = [ws.start("tick") for _ in range(4)]
    results = [(t.wait(timeout=120), t.stderr.read()) for t in ticks]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    # They took turns: those that had to wait said so, once, naming the process they waited for.
    for _, stderr in results:
        assert stderr.count("waiting for") <= 1
        assert re.fullmatch(
            r"(waiting for followthru tick \(pid \d+, since \d\d:\d\d\) to finish its pass…\n)?", stderr
        ), stderr
    assert any(stderr for _, stderr in results)
    replies = ws.answer_all()
    ticks = [ws.start("tick") for _ in range(4)]
    assert [t.wait(timeout=120) for t in ticks] == [0, 0, 0, 0]
    counts = ws.assert_everything_once(replies)
    print(counts)


def test_a_second_run_exits_at_once_naming_the_first(ws):
    first = ws.start("run")
    run_lock = lock_paths(ws.root / "followthru.sqlite3")[0]
    ws.wait_for("the first run holds the workspace", lambda: run_lock.exists() and run_lock.read_text())
    started = time.monotonic()
    second = subprocess.run(ws.command("run"), capture_output=True, text=True, timeout=30)
    assert second.returncode == 1
    assert time.monotonic() - started < 10
    assert re.fullmatch(
        rf"another followthru run \(pid {first.pid}, since \d\d:\d\d\) is working on "
        rf"{re.escape(str(ws.root))}; stop it first\n",
        second.stderr,
    ), second.stderr
    assert first.poll() is None  # the first goes on
    # A run that dies, even by SIGKILL, leaves no stale lock: the next one starts.
    first.kill()
    first.wait()
    third = ws.start("run")
    ws.wait_for("the next run holds the workspace", lambda: f'"pid": {third.pid}' in run_lock.read_text())
    ws.drop_plans(3)
    ws.wait_for("it works", lambda: len(list((ws.root / "plans" / "active").iterdir())) == 3)
    stop(third)


def hold_pass_lock(ws: Workspace, seconds: float) -> subprocess.Popen:
    """Another process in a pass for ``seconds``: it holds the pass lock as a tick does."""
    store = ws.root / "followthru.sqlite3"
    code = (
        f"import sys, time; from pathlib import Path; from followthru.lock import pass_lock\n"
        f"lock = pass_lock(Path({str(store)!r}), 'tick'); assert lock.try_acquire()\n"
        f"print('held', flush=True); time.sleep({seconds})"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    return holder


def test_tick_waits_for_the_pass_in_progress_and_says_so_once(ws):
    holder = hold_pass_lock(ws, 2.0)
    ws.drop_plans(2)
    started = time.monotonic()
    result = subprocess.run(ws.command("tick"), capture_output=True, text=True, timeout=60)
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.5  # it did wait for the other pass to end
    assert re.fullmatch(
        rf"waiting for followthru tick \(pid {holder.pid}, since \d\d:\d\d\) to finish its pass…\n", result.stderr
    ), result.stderr
    assert len(list((ws.root / "plans" / "active").iterdir())) == 2


def test_decide_waits_for_the_pass_in_progress_then_applies(ws):
    holder = hold_pass_lock(ws, 1.5)
    result = subprocess.run(ws.command("decide", "deal-0", "r0", "approve"), capture_output=True, text=True, timeout=60)
    holder.wait()
    # It waited, then ran: the answer about a plan that does not exist comes from applying it.
    assert result.stderr.startswith(f"waiting for followthru tick (pid {holder.pid}, ")
    assert result.stderr.splitlines()[1:] == ["no plan with the id 'deal-0'"]
    assert result.returncode == 1


def test_a_wait_for_the_pass_lock_gives_up_with_one_line_naming_the_holder(ws):
    holder = hold_pass_lock(ws, 10.0)
    said = []
    try:
        with pytest.raises(Busy) as error:
            wait_for_pass(ws.root / "followthru.sqlite3", "tick", ws.root, said.append, timeout=0.5)
    finally:
        holder.kill()
        holder.wait()
    assert len(said) == 1 and f"pid {holder.pid}" in said[0]
    assert str(error.value).startswith(f"gave up after 0.5 s waiting for followthru tick (pid {holder.pid}, ")
    assert "\n" not in str(error.value)
    # The holder is gone: the lock is free again at once.
    lock = WorkspaceLock(lock_paths(ws.root / "followthru.sqlite3")[1], "tick")
    assert lock.try_acquire()
    lock.close()
