"""Which dropped plan files are ready: a file just written waits; an older one, or one dated far
in the future by a clock that is ahead (a file server, a restored copy), is taken."""

from __future__ import annotations

import os
import time

from followthru.watch import ready_files


def test_a_file_written_just_now_waits_and_says_how_long(tmp_path):
    (tmp_path / "fresh.toml").write_text("x")
    ready = ready_files(tmp_path, settle=5.0)
    assert ready.files == [] and ready.wait is not None and 0 < ready.wait <= 5.0


def test_an_older_file_and_one_from_a_clock_ahead_are_ready(tmp_path):
    now = time.time()
    for name, when in (("old.toml", now - 60), ("ahead.toml", now + 6 * 86400), ("slightly.toml", now + 2)):
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (when, when))
    ready = ready_files(tmp_path, settle=5.0)
    assert sorted(p.name for p in ready.files) == ["ahead.toml", "old.toml"]  # two seconds ahead: may be a write
