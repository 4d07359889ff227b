"""``followthru web`` as an operator starts it: refused with one clear line before the daemon has made
its store, or when its address is taken."""

from __future__ import annotations

import socket
import subprocess
import sys

from support.workspace import Workspace


def web_command(workspace: Workspace, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "followthru", "-c", str(workspace.config), "web"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_before_the_daemon_made_its_store_it_says_so(tmp_path):
    workspace = Workspace(tmp_path / "ws")
    result = web_command(workspace)
    assert result.returncode == 3
    assert "no store yet" in result.stderr and "start 'followthru run' first" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "ws" / "followthru.sqlite3").exists()  # the web process never makes one


def test_an_address_in_use_is_one_line(tmp_path):
    workspace = Workspace(tmp_path / "ws")
    workspace.cli("tick", "--now", "2026-11-30T15:00:00+00:00")  # the daemon's pass makes the store
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        text = workspace.config.read_text().replace('listen = "127.0.0.1:8025"', f'listen = "127.0.0.1:{port}"')
        workspace.config.write_text(text)
        result = web_command(workspace)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
