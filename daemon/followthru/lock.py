"""One writer per workspace: the locks that keep two Followthru processes from doing the same work.

Two locks, each an ``fcntl.flock`` on a file beside the store (the store's folder must be writable
anyway, and the store is what a workspace's state is):

- the *run* lock, ``<store>.run.lock``: held by ``followthru run`` for its whole life, so a second
  ``run`` on the workspace exits at once naming the first;
- the *pass* lock, ``<store>.pass.lock``: held around every pass that may write (each pass of the
  run loop, ``tick``, ``decide``). A ``tick`` or ``decide`` while a pass is going on waits for it to
  end. Reading commands (``status``, ``log``, ``doctor``) take no lock.

A ``tick`` may run while a ``run`` holds the run lock: it waits for the pass lock, then does its
pass. That is safe because every pass reads what it decides from the store and the folders; the
run loop keeps in memory only its delivery back-off and its file watcher.

The kernel drops a flock when the process holding it ends, even on a crash or SIGKILL: there are
no stale locks to clean up, and lock files are never deleted (deleting one while another process
waits on it would let two processes hold "the" lock on two different files). Each lock file holds
its holder's pid, command, host and start time, only so that the others can say whom they wait for.

A waiter takes a shared lock on ``<store>.pass.queue.lock`` while it waits, so that the run loop, going
from one batch to the next with no pause, can see somebody waits and let them have their turn.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

POLL_SECONDS = 0.05  # how often a waiter tries again: flock has no timeout of its own
PASS_WAIT_SECONDS = 300.0  # a tick or decide gives up after this; a pass is bounded well under it
TURN_SECONDS = 2.0  # the longest the run loop holds back its next pass for a waiting tick or decide


class LockError(Exception):
    """A lock file cannot be opened; the message says which and why."""


class Busy(LockError):
    """Another process holds the lock; the message names it and says what to do."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as its lock file says."""

    pid: int
    command: str
    since: datetime
    host: str

    def __str__(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"followthru {self.command} (pid {self.pid}{where}, since {self.since:%H:%M})"


class WorkspaceLock:
    """One exclusive flock on ``path``, taken by ``command`` (``run``, ``tick``, ``decide``).

    The file is opened when the lock is first tried and kept open until :meth:`close`; taking and
    releasing it again in between is cheap.
    """

    def __init__(self, path: Path, command: str):
        self.path = path
        self.command = command
        self._fd: int | None = None
        self.held = False
        self._queue = path.with_name(path.name.removesuffix(".lock") + ".queue.lock")

    def _open(self) -> int:
        if self._fd is None:
            # Not inherited by worker processes (the default for os.open): a worker outliving this
            # process must not keep the workspace locked.
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise LockError(f"the disk holding {self.path} is full: free some space") from None
                raise LockError(
                    f"the lock file {self.path} cannot be written ({error.strerror or error}): check "
                    "its owner, its mode and the file system, for it and its folder"
                ) from None
        return self._fd

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this process holds it now."""
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.held = True
        record = json.dumps(
            {
                "pid": os.getpid(),
                "command": self.command,
                "host": socket.gethostname(),
                "since": datetime.now().astimezone().isoformat(timespec="seconds"),
            }
        )
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (record + "\n").encode(), 0)
        except OSError:  # a full disk: the lock holds all the same; only the others' message says less
            pass
        return True

    def acquire(
        self,
        timeout: float | None,
        stop: threading.Event | None = None,
        waiting: Callable[[Holder | None], None] | None = None,
    ) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds (None: until ``stop`` is set).

        ``waiting`` is called once, with the holder, when the lock is not free at once. Returns
        False when the time is up or ``stop`` was set first.
        """
        if self.try_acquire():
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        queue: int | None
        try:
            queue = os.open(self._queue, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(queue, fcntl.LOCK_SH)  # shared: any number of waiters; held until we are in
        except OSError:  # only a courtesy to the run loop: wait without it
            queue = None
        try:
            if waiting is not None:
                waiting(self.holder())
            while not self.try_acquire():
                if stop is not None and stop.is_set():
                    return False
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                if stop is not None:
                    stop.wait(POLL_SECONDS)
                else:
                    time.sleep(POLL_SECONDS)
            return True
        finally:
            if queue is not None:
                os.close(queue)

    def others_waiting(self) -> bool:
        """Whether another process waits for this lock now (see :meth:`acquire`)."""
        try:
            queue = os.open(self._queue, os.O_RDWR)
        except OSError:  # nobody ever waited, or the folder is not ours to write
            return False
        try:
            fcntl.flock(queue, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(queue)  # closing releases the lock, when we got it
        return False

    def give_turn(self, stop: threading.Event | None = None) -> None:
        """Between two passes, with the lock released: let a waiting tick or decide in first, for
        at most TURN_SECONDS (the waiter leaves the queue once it holds the lock)."""
        deadline = time.monotonic() + TURN_SECONDS
        while self.others_waiting() and time.monotonic() < deadline and not (stop and stop.is_set()):
            time.sleep(POLL_SECONDS)

    def release(self) -> None:
        """Let the lock go; the file stays (see the module's docstring)."""
        if self._fd is not None and self.held:
            try:
                os.ftruncate(self._fd, 0)  # no stale holder for the next waiter to name
            except OSError:  # the file system went read-only: a stale name is all it costs
                pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def holder(self) -> Holder | None:
        """Who holds the lock, from its file; None when that cannot be told (it was just taken or
        let go, or the file is not one of ours)."""
        for _attempt in range(3):
            try:
                record = json.loads(self.path.read_text(encoding="utf-8"))
                return Holder(
                    int(record["pid"]),
                    str(record["command"]),
                    datetime.fromisoformat(record["since"]),
                    str(record.get("host", "")),
                )
            except (OSError, ValueError, KeyError, TypeError):
                time.sleep(POLL_SECONDS)  # the holder writes its record just after taking the lock
        return None

    def __enter__(self) -> WorkspaceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Unlocked(WorkspaceLock):
    """The locks of a workspace on PostgreSQL: granted at once and touching no file. There several
    daemons, and a ``tick`` or ``decide`` by hand, work side by side: the database keeps them from
    doing the same work (followthru.claims)."""

    def try_acquire(self) -> bool:
        self.held = True
        return True

    def others_waiting(self) -> bool:
        return False

    def release(self) -> None:
        self.held = False

    def close(self) -> None:
        self.held = False


def lock_paths(store: Path) -> tuple[Path, Path]:
    """The run lock's and the pass lock's files for the workspace whose store is ``store``."""
    return store.with_name(store.name + ".run.lock"), store.with_name(store.name + ".pass.lock")


def run_lock(store: Path, workspace: Path, shared: bool = False) -> WorkspaceLock:
    """The run lock, held: raises :class:`Busy` at once when another ``run`` holds it. ``shared``
    (a PostgreSQL store): :class:`Unlocked`."""
    lock = (Unlocked if shared else WorkspaceLock)(lock_paths(store)[0], "run")
    if not lock.try_acquire():
        holder = lock.holder()
        lock.close()
        who = f"another {holder}" if holder else "another followthru run"
        raise Busy(f"{who} is working on {workspace}; stop it first")
    return lock


def pass_lock(store: Path, command: str, shared: bool = False) -> WorkspaceLock:
    """The pass lock, not yet taken; ``shared`` (a PostgreSQL store): :class:`Unlocked`."""
    return (Unlocked if shared else WorkspaceLock)(lock_paths(store)[1], command)


def wait_for_pass(
    store: Path,
    command: str,
    workspace: Path,
    say: Callable[[str], None],
    timeout: float = PASS_WAIT_SECONDS,
    shared: bool = False,
) -> WorkspaceLock:
    """The pass lock for a one-off command (``tick``, ``decide``), held. When another process is
    in a pass, ``say`` is told once whom we wait for; after ``timeout`` seconds :class:`Busy`."""
    lock = pass_lock(store, command, shared)
    seen: list[Holder | None] = []

    def waiting(holder: Holder | None) -> None:
        seen.append(holder)
        say(f"waiting for {holder or 'another followthru process'} to finish its pass…")

    if not lock.acquire(timeout, waiting=waiting):
        holder = lock.holder() or (seen[0] if seen else None)
        lock.close()
        raise Busy(
            f"gave up after {timeout:g} s waiting for {holder or 'another followthru process'} "
            f"to finish its pass on {workspace}; try again, or see what that process is doing"
        )
    return lock
