"""Faults of the machine, not of the input: a full disk, a read-only or damaged store, a mail
backend that fails for an hour, a clock that jumps back. Each time: a clear log line, no crash
loop, nothing lost or doubled, and work resumes by itself when the cause goes away.

The full and read-only file systems are real: small tmpfs mounts (the tests run as root).
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from followthru.config import init_workspace

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "acme-q4.toml").read_text()


@pytest.fixture
def tmpfs(tmp_path):
    """A 4 MB file system of its own, unmounted afterwards."""
    mounted = []

    def mount(name: str, size: str = "4m") -> Path:
        point = tmp_path / name
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], check=True)
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def workspace(root: Path, **edits: str) -> Path:
    config = init_workspace(root)
    text = config.read_text().replace('email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"')
    text = text.replace("poll_seconds = 5.0", "poll_seconds = 0.3")
    for old, new in edits.items():
        text = text.replace(old, new)
    config.write_text(text)
    return config


def drop(root: Path, text: str = EXAMPLE, name: str = "acme-q4.toml") -> None:
    path = root / "plans" / "incoming" / name
    path.write_text(text)
    os.utime(path, (time.time() - 5, time.time() - 5))


def sent(root: Path) -> list:
    folder = root / "mail" / "outbox" / "new"
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in folder.iterdir()]


def summary(messages) -> Counter:
    return Counter((m["X-Followthru-Kind"], str(m["To"])) for m in messages)


def assert_once(root: Path) -> None:
    """Each request went once, and no message twice."""
    messages = sent(root)
    requests = Counter(m["X-Followthru-Resource"] for m in messages if m["X-Followthru-Kind"] == "request")
    assert requests == {"sam": 1, "lee": 1, "sol": 1}
    assert len({m["Message-ID"] for m in messages}) == len(messages)


class Daemon:
    """``followthru run`` in real time, with the plans it is given dated to start now."""

    def __init__(self, config: Path):
        self.log = config.parent.parent / f"{config.parent.name}.log"
        self.handle = open(self.log, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "followthru", "-c", str(config), "run"], stdout=self.handle, stderr=subprocess.STDOUT
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.alive(), self.text()
            time.sleep(0.2)
        raise AssertionError(f"{what} within {timeout} s; log:\n{self.text()[-3000:]}")

    def stop(self) -> str:
        if self.alive():
            self.process.terminate()
            assert self.process.wait(timeout=30) == 0, self.text()
        self.handle.close()
        return self.text()


def live_plan() -> str:
    """The example plan moved to now, with a send window that is always open."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    return (
        EXAMPLE.replace(
            "respond_by = 2026-12-02T17:00:00", f"respond_by = {(now + timedelta(days=3)):%Y-%m-%dT%H:%M:%S}"
        )
        .replace("respond_by = 2026-12-02T12:00:00", f"respond_by = {(now + timedelta(days=2)):%Y-%m-%dT%H:%M:%S}")
        .replace('timezone = "America/New_York"', 'timezone = "UTC"')
    )


ALWAYS = {
    'business_days = ["mon", "tue", "wed", "thu", "fri"]': (
        'business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
    ),
    'send_from = "08:30"': 'send_from = "00:00"',
    'send_until = "18:00"': 'send_until = "23:59"',
}


def test_a_full_disk_stops_nothing_for_good(tmpfs):
    root = tmpfs("ws") / "ws"
    config = workspace(root, **ALWAYS)
    daemon = Daemon(config)
    try:
        # Started, and its log begun: the log lives on the disk about to be filled.
        daemon.wait_for(lambda: "followthru running" in daemon.text(), "the daemon started")
        reserve, filler = root.parent / "reserve", root.parent / "filler"
        reserve.write_bytes(b"\0" * len(live_plan().encode()))  # room for the plan file, and no more
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)  # until ENOSPC
        reserve.unlink()
        drop(root, live_plan())
        daemon.wait_for(lambda: "full" in daemon.text(), "a log line saying the disk is full")
        time.sleep(2)
        assert daemon.alive()
        assert (root / "plans" / "incoming" / "acme-q4.toml").exists()  # nothing lost meanwhile
        filler.unlink()
        daemon.wait_for(lambda: (root / "plans" / "active" / "acme-q4.toml").exists(), "the plan started")
        daemon.wait_for(
            lambda: summary(sent(root))[("request", "Sam Security <sam.security@example.com>")] == 1,
            "Sam's request sent",
        )
    finally:
        log = daemon.stop()
    assert "free some space" in log and "Traceback" not in log
    assert_once(root)


def test_a_read_only_store_waits_and_resumes(tmpfs):
    database = tmpfs("db")
    root = Path(str(database) + "-ws")
    config = workspace(root, **{'store = "followthru.sqlite3"': f'store = "{database}/followthru.sqlite3"'}, **ALWAYS)
    tick(config, "2026-11-30T15:00:00+00:00")  # the store exists...
    subprocess.run(["mount", "-o", "remount,ro", str(database)], check=True)  # ...on a file system now read-only
    drop(root, live_plan())
    daemon = Daemon(config)
    try:
        daemon.wait_for(lambda: "cannot be written" in daemon.text(), "a log line saying the store cannot be written")
        time.sleep(1)
        assert daemon.alive() and (root / "plans" / "incoming" / "acme-q4.toml").exists()
        subprocess.run(["mount", "-o", "remount,rw", str(database)], check=True)
        daemon.wait_for(lambda: (root / "plans" / "active" / "acme-q4.toml").exists(), "the plan started", 120)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(database)], check=False)
        log = daemon.stop()
    assert "check its owner, its mode and the file system" in log and "Traceback" not in log
    assert_once(root)


def test_a_damaged_store_is_reported_kept_and_used_again_once_restored(tmp_path):
    root = tmp_path / "ws"
    config = workspace(root, **ALWAYS)
    subprocess.run([sys.executable, "-m", "followthru", "-c", str(config), "tick"], check=True, capture_output=True)
    store = root / "followthru.sqlite3"
    backup = store.read_bytes()
    store.write_bytes(b"this is not a database, it was overwritten " * 200)
    damaged = store.read_bytes()
    drop(root, live_plan())
    daemon = Daemon(config)
    try:
        daemon.wait_for(lambda: "is damaged" in daemon.text(), "a log line saying the store is damaged")
        time.sleep(1)
        assert daemon.alive()
        assert store.read_bytes() == damaged  # never overwritten: the operator decides
        assert (root / "plans" / "incoming" / "acme-q4.toml").exists()
        store.write_bytes(backup)  # restored from the backup
        daemon.wait_for(lambda: (root / "plans" / "active" / "acme-q4.toml").exists(), "the plan started", 120)
    finally:
        log = daemon.stop()
    assert "restore it from a backup" in log and "Traceback" not in log


def tick(config: Path, now: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "followthru", "-c", str(config), "tick", "--now", now],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result


def test_a_mail_backend_failing_for_an_hour_loses_and_doubles_nothing(tmp_path):
    reference, broken = (workspace(tmp_path / name) for name in ("reference", "broken"))
    for config in (reference, broken):
        drop(config.parent)
    outbox_tmp = broken.parent / "mail" / "outbox" / "tmp"
    shutil.rmtree(outbox_tmp)
    outbox_tmp.write_text("not a folder: every delivery fails")
    times = [f"2026-11-30T15:{m:02d}:00+00:00" for m in range(0, 60, 5)] + ["2026-11-30T16:00:00+00:00"]
    for now in times[:-1]:
        result = tick(broken, now)
        assert "delivery" in result.stderr  # said every pass, in one line
        assert not any((broken.parent / "mail" / "outbox" / "new").iterdir())
    outbox_tmp.unlink()
    outbox_tmp.mkdir()
    for now in times:
        tick(reference, now)
    tick(broken, times[-1])
    assert summary(sent(broken.parent)) == summary(sent(reference.parent))  # all of it, once


def test_a_clock_jumping_back_repeats_nothing(tmp_path):
    steady, jumpy = (workspace(tmp_path / name) for name in ("steady", "jumpy"))
    for config in (steady, jumpy):
        drop(config.parent)
    for now in ["2026-11-30T15:00:00+00:00", "2026-12-01T15:00:00+00:00", "2026-12-02T18:00:00+00:00"]:
        tick(steady, now)
    # The jumpy clock: forward a day (the reminder goes), back to the start, forward again.
    for now in [
        "2026-11-30T15:00:00+00:00",
        "2026-12-01T15:00:00+00:00",
        "2026-11-30T15:30:00+00:00",
        "2026-11-30T20:00:00+00:00",
        "2026-12-01T15:00:00+00:00",
        "2026-12-02T18:00:00+00:00",
    ]:
        tick(jumpy, now)
    assert summary(sent(jumpy.parent)) == summary(sent(steady.parent))
