"""Processes the test servers leave behind, and the end of their logs when they fail."""

from __future__ import annotations

from pathlib import Path


def alive(pid: int) -> bool:
    """Whether the process runs. A zombie counts as gone: servers are reparented to PID 1, which on
    some machines reaps them late."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat_line.rpartition(")")[2].split()[0] != "Z"


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a server's log, for the message of a server that did not start."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
