"""Private files: commands run by hand with a permissive umask leave nothing others can read.

The workspace holds names, addresses and deal details: the store (and its -wal/-shm while it is
open), the mail, the plans moved to active/, rejected/ and archive/, and the error notes.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from support.workspace import SMALL_PLAN as PLAN

SATURDAY = "2026-12-05T15:00:00+00:00"  # a pass, nothing delivered yet
MONDAY = "2026-12-07T15:00:00+00:00"  # in the send window: the requests go out


def followthru(*args: str | Path) -> subprocess.CompletedProcess:
    """A command in a new process, with the umask a shell usually has."""
    return subprocess.run(
        [sys.executable, "-m", "followthru", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        umask=0o022,
        check=True,
    )


def readable_by_others(root: Path) -> list[str]:
    found = []
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            if stat.S_IMODE(mode) & 0o077:
                found.append(f"{path.relative_to(root)} {stat.filemode(mode)}")
    return found


def drop(folder: Path, name: str, text: str, mode: int = 0o644) -> None:
    """A file as a rep's editor or a sync client leaves it: readable by everyone, settled."""
    path = folder / name
    path.write_text(text)
    path.chmod(mode)
    old = time.time() - 5
    os.utime(path, (old, old))


def test_tick_with_umask_022_leaves_nothing_readable_by_others(tmp_path):
    root = tmp_path / "ws"
    followthru("init", root)
    config = root / "config.toml"
    incoming = root / "plans" / "incoming"
    drop(incoming, "deal.toml", PLAN.format(n=1))
    drop(incoming, "broken.toml", "[plan\n")
    followthru("-c", config, "tick", "--now", SATURDAY)
    drop(incoming, "deal.toml", PLAN.format(n=1).replace("Part of deal 1", "All of deal 1"))
    # A reply as a mail system delivers it into a private Maildir.
    drop(root / "mail" / "inbox" / "new", "1.eml", "From: sam1@example.com\nSubject: hi\n\nACCEPT\n", mode=0o600)
    followthru("-c", config, "tick", "--now", MONDAY)

    assert (root / "followthru.sqlite3").exists()
    assert [p.name for p in (root / "plans" / "active").iterdir()] == ["deal-1.toml"]
    assert [p.name for p in (root / "plans" / "archive").iterdir()] == ["deal-1.toml"]
    assert sorted(p.name for p in (root / "plans" / "rejected").iterdir()) == ["broken.toml", "broken.toml.errors.txt"]
    assert len(list((root / "mail" / "outbox" / "new").iterdir())) >= 1
    assert len(list((root / "mail" / "inbox" / "cur").iterdir())) == 1
    assert readable_by_others(root) == []


def test_a_running_daemon_keeps_its_store_files_private(tmp_path):
    root = tmp_path / "ws"
    followthru("init", root)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "followthru", "-c", str(root / "config.toml"), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        umask=0o022,
    )
    try:
        deadline = time.monotonic() + 30
        while not (root / "followthru.sqlite3-wal").exists() or not (root / "followthru.sqlite3-shm").exists():
            assert time.monotonic() < deadline, "the store was not opened"
            time.sleep(0.1)
        assert readable_by_others(root) == []
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)


def test_plan_new_writes_the_reps_file_with_their_umask(tmp_path):
    out = tmp_path / "my-plan.toml"
    followthru("plan", "new", "--out", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
