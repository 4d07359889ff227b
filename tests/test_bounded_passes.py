"""Bounded passes: a big drop is taken a batch per pass, oldest first, and the loop goes on at once.

Sizes: the batch tests use the real batch sizes (500 plan files, 400 inbox messages) with 50 or 30
files more; the loop test uses batches of 10 plans for 25 plans, to stay short.
bench/big_drop.py shows 20,000 files.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from followthru import daemon as daemon_module
from followthru import service as service_module
from followthru.backends.maildir import MAX_PER_PASS
from followthru.config import load_config
from followthru.daemon import PLANS_PER_PASS, Followthru
from support.workspace import SMALL_PLAN

SATURDAY = datetime(2026, 12, 5, 15, 0, tzinfo=timezone.utc)  # the send window is closed: nothing is delivered

PLAN = SMALL_PLAN


def drop_plans(incoming: Path, count: int) -> None:
    """``count`` plans, deal-0 the oldest: each file a second older than the next."""
    old = time.time() - 10 - count
    for n in range(count):
        path = incoming / f"deal-{n}.toml"
        path.write_text(PLAN.format(n=n))
        os.utime(path, (old + n, old + n))


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def progress_lines(caplog, what: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "followthru.daemon" and r.getMessage().startswith(what)]


def test_a_drop_larger_than_a_batch_is_taken_over_passes_oldest_first(workspace, caplog):
    caplog.set_level(logging.INFO, logger="followthru.daemon")
    config = load_config(workspace)
    incoming = config.plans_dir / "incoming"
    drop_plans(incoming, PLANS_PER_PASS + 50)
    service = Followthru(config)
    try:
        first = service.tick(SATURDAY)
        assert (first.plans_started, first.plans_left) == (PLANS_PER_PASS, 50)
        assert first.more_waiting
        # The newest 50 wait; none of the older ones does.
        assert names(incoming) == {f"deal-{n}.toml" for n in range(PLANS_PER_PASS, PLANS_PER_PASS + 50)}
        # How far it got, every 100 files (no terminal here, so lines in the log rather than a bar).
        assert progress_lines(caplog, "taking in plan files") == [
            f"taking in plan files: {n:,} of {PLANS_PER_PASS:,}, 50 more waiting for the next passes"
            for n in [*range(100, PLANS_PER_PASS, 100), PLANS_PER_PASS]
        ]
        caplog.clear()
        second = service.tick(SATURDAY)
        assert (second.plans_started, second.plans_left, second.more_waiting) == (50, 0, False)
        assert progress_lines(caplog, "taking in plan files") == []  # 50 files: quick, nothing to report
    finally:
        service.close()
    assert names(incoming) == set()
    assert len(names(config.plans_dir / "active")) == PLANS_PER_PASS + 50


def test_a_big_inbox_is_read_over_passes_oldest_first(workspace, caplog):
    caplog.set_level(logging.INFO, logger="followthru.daemon")
    config = load_config(workspace)
    inbox = workspace.parent / "mail" / "inbox" / "new"
    old = time.time() - 10 - MAX_PER_PASS
    for n in range(MAX_PER_PASS + 30):
        message = EmailMessage()
        message["From"] = f"someone{n}@example.org"
        message["To"] = "followthru@localhost.localdomain"
        message["Subject"] = f"Lunch {n}?"
        message["Message-ID"] = f"<lunch-{n}@example.org>"
        message.set_content("Are you free?")
        path = inbox / f"{n:05d}.eml"
        path.write_bytes(message.as_bytes())
        os.utime(path, (old + n, old + n))
    service = Followthru(config)
    try:
        first = service.tick(SATURDAY)
        assert (first.replies, first.replies_left, first.plans_left) == (MAX_PER_PASS, 30, 0)
        assert "left for the next pass: 0 plan files, 30 replies" in str(first)
        assert names(inbox) == {f"{n:05d}.eml" for n in range(MAX_PER_PASS, MAX_PER_PASS + 30)}
        assert progress_lines(caplog, "reading the inbox") == [
            f"reading the inbox: {n} so far" for n in range(100, MAX_PER_PASS + 1, 100)
        ]
        second = service.tick(SATURDAY)
        assert (second.replies, second.replies_left, second.more_waiting) == (30, 0, False)
    finally:
        service.close()
    assert names(inbox) == set()


def test_tick_says_what_it_left_for_the_next_pass(workspace, cli, monkeypatch):
    monkeypatch.setattr(daemon_module, "PLANS_PER_PASS", 3)
    drop_plans(workspace.parent / "plans" / "incoming", 5)
    first = cli("-c", workspace, "tick", "--now", SATURDAY.isoformat())
    assert first.output.startswith("started 3,")
    assert first.output.rstrip().endswith("left for the next pass: 2 plan files, 0 replies")
    second = cli("-c", workspace, "tick", "--now", SATURDAY.isoformat())
    assert second.output.startswith("started 2,") and "left" not in second.output


def test_run_takes_the_next_batch_at_once_without_waiting_for_the_poll_interval(workspace, monkeypatch, caplog):
    # File events unavailable (as on a network share) and an hour between polls: only the loop's
    # own "files are left" can start the next pass. The send window is far from now, so no
    # message falls due either.
    import watchdog.observers

    def no_events():
        raise OSError("inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers, "Observer", no_events)
    monkeypatch.setattr(daemon_module, "PLANS_PER_PASS", 10)
    hour = (datetime.now(timezone.utc).hour + 12) % 24
    text = workspace.read_text()
    for pattern, value in (
        (r"poll_seconds = 5.0", "poll_seconds = 3600"),
        (r"business_days = .*", 'business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'),
        (r"send_from = .*", f'send_from = "{hour:02d}:00"'),
        (r"send_until = .*", f'send_until = "{hour:02d}:30"'),
    ):
        text, found = re.subn(f"(?m)^{pattern}$", value, text, count=1)
        assert found, pattern
    workspace.write_text(text)
    config = load_config(workspace)
    incoming = config.plans_dir / "incoming"
    drop_plans(incoming, 25)
    caplog.set_level(logging.INFO, logger="followthru.service")

    def stop_when_taken() -> None:
        deadline = time.monotonic() + 50
        while any(incoming.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)  # the pass that took the last files has logged
        os.kill(os.getpid(), signal.SIGTERM)

    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    watcher = threading.Thread(target=stop_when_taken)
    watcher.start()
    try:
        assert service_module.run(config) == 0
    finally:
        watcher.join()
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
    assert names(incoming) == set()
    passes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("pass: started")]
    assert [re.match(r"pass: started (\d+),", p).group(1) for p in passes] == ["10", "10", "5"]
    assert [p.partition("left for the next pass: ")[2] for p in passes] == [
        "15 plan files, 0 replies",
        "5 plan files, 0 replies",
        "",
    ]
