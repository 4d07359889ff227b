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


def forget_stale_faketime() -> None:
    """The faketime wrapper makes /dev/shm/sem.faketime_sem_<pid> and faketime_shm_<pid>, and one
    killed leaves them behind; a later wrapper given the same pid then fails ("sem_open: File
    exists"). Those of processes gone are removed."""
    for path in Path("/dev/shm").glob("*faketime_*_*"):
        pid = path.name.rpartition("_")[2]
        if pid.isdigit() and not alive(int(pid)):
            path.unlink(missing_ok=True)
