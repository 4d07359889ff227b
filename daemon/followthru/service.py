"""The service: ``followthru run``, the loop that repeats the pass (followthru.daemon) whenever files
arrive and at least every poll interval, under systemd.

It holds the workspace's run lock, takes the pass lock for each pass, tells systemd it is ready and
alive (sd_notify, watchdog), and waits longer after each failure instead of crashing, so work resumes
by itself when the cause goes away. On a PostgreSQL store there are no such locks: any number of
daemons run side by side, and the database shares out the work (followthru.claims).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sqlite3
import threading
import time as clock
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType

from followthru.config import Config
from followthru.daemon import Followthru
from followthru.failures import MAX_PAUSE_SECONDS, MIN_PAUSE_SECONDS, explain_failure
from followthru.journal import STORE_REFUSED_EXIT, StoreRefused
from followthru.lock import Busy, Holder, LockError, WorkspaceLock, pass_lock, run_lock
from followthru.watch import Wakeup

log = logging.getLogger(__name__)

WATCHDOG_SLICE_SECONDS = 30.0  # waiting for the pass lock, the loop still tells systemd it lives this often


def notify_systemd(state: str) -> None:
    """sd_notify without a library: a datagram to $NOTIFY_SOCKET when systemd gave one."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(address)
            sock.sendall(state.encode())
        except OSError as error:
            log.warning("could not notify systemd: %s", error)


def run(config: Config, once_every: float | None = None) -> int:
    """Run until SIGTERM or SIGINT: a pass whenever files arrive, and at least every poll interval.

    Nothing that goes wrong in a pass stops the loop: a failed pass is logged with what to do and
    tried again, waiting longer each time (5 s up to a minute), so a full disk, a read-only or
    damaged store or an unreachable server never makes a crash loop; work resumes by itself when
    the cause goes away.

    One run per workspace: raises :class:`followthru.lock.Busy` at once, naming the other, when
    another run holds the workspace. Every pass holds the pass lock, so a ``tick`` or ``decide``
    started by hand waits for the current pass and never works alongside it. A pass takes a
    bounded batch of files; while more wait, the next pass starts at once.
    """
    stopping = threading.Event()
    wakeups: list[Wakeup] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: finishing the current pass, then stopping", signum)
        stopping.set()
        for wakeup in wakeups:
            wakeup.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    store = config.store_file
    shared = config.store_url is not None  # on PostgreSQL, the database shares out the work
    daemon_lock = _run_lock(store, config, stopping, shared)
    if daemon_lock is None:
        return 0
    passes = pass_lock(store, "run", shared)
    try:
        return _run(config, once_every, passes, stopping, wakeups)
    finally:
        passes.close()
        daemon_lock.close()


def _run_lock(store: Path, config: Config, stopping: threading.Event, shared: bool) -> WorkspaceLock | None:
    """The run lock, held; None when stopped first. :class:`Busy` at once when another run holds
    it; a lock file that cannot be made (a read-only or full disk) is tried again, waiting longer."""
    pause = MIN_PAUSE_SECONDS
    while not stopping.is_set():
        try:
            return run_lock(store, config.root, shared)
        except Busy:
            raise
        except LockError as error:
            log.error("cannot start: %s; trying again in %g s", error, pause)
            notify_systemd(f"WATCHDOG=1\nSTATUS=cannot start: {error}")
            stopping.wait(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
    return None


def _run(
    config: Config, once_every: float | None, passes: WorkspaceLock, stopping: threading.Event, wakeups: list[Wakeup]
) -> int:
    notify_systemd("READY=1\nSTATUS=starting")
    service = _open_service(config, stopping, passes)
    if service is None:
        notify_systemd("STOPPING=1")
        return 0
    wakeup = Wakeup([service.folders["incoming"]], once_every or config.workspace.poll_seconds)
    wakeups.append(wakeup)
    service.backend.watch(wakeup.set, wakeup.watch_folder)
    notify_systemd("STATUS=watching " + str(service.folders["incoming"]))
    log.info("followthru running on %s", config.root)
    if config.workspace.try_out:
        log.warning(
            "a try-out workspace: mail goes at any hour of any day ([workspace] try_out = true); "
            "set it to false for business hours"
        )
    failures = 0
    try:
        while not stopping.is_set():
            try:
                if not passes.acquire(WATCHDOG_SLICE_SECONDS, stop=stopping, waiting=_log_waiting):
                    notify_systemd("WATCHDOG=1\nSTATUS=waiting for another followthru process to finish its pass")
                    continue
                started = clock.monotonic()
                try:
                    report = service.tick(datetime.now(timezone.utc), by="run")
                finally:
                    passes.release()
            except Exception as error:  # the pass failed as a whole: say why, wait, try again
                failures += 1
                pause = min(MIN_PAUSE_SECONDS * 2 ** (failures - 1), MAX_PAUSE_SECONDS)
                log.error("pass failed: %s; trying again in %g s", explain_failure(error, config), pause)
                log.debug("pass failure", exc_info=True)
                notify_systemd(f"WATCHDOG=1\nSTATUS=pass failed: {error}")
                stopping.wait(pause)
                continue
            failures = 0
            worked = report.sent or report.replies or report.web_actions or report.plans_started or report.plans_updated
            if worked or report.errors:
                log.info("pass: %s", report)
            notify_systemd(f"WATCHDOG=1\nSTATUS=last pass {clock.monotonic() - started:.2f}s, sent {report.sent}")
            if report.more_waiting:  # a big drop: the next batch at once, after any tick or decide waiting
                passes.give_turn(stopping)
            elif not stopping.is_set():
                waits = [
                    w
                    for w in (report.waiting_files, service.seconds_until_due(datetime.now(timezone.utc)))
                    if w is not None
                ]
                wakeup.wait(min(waits) + 0.05 if waits else None)
    finally:
        notify_systemd("STOPPING=1")
        wakeup.stop()
        service.close()
    return 0


def _log_waiting(holder: Holder | None) -> None:
    log.info("waiting for %s to finish its pass", holder or "another followthru process")


def _open_service(config: Config, stopping: threading.Event, passes: WorkspaceLock) -> Followthru | None:
    """The service, once its store opens; until then, a clear log line and a wait that grows.
    Opening holds the pass lock (start-up may write to the store), but the waits in between do not."""
    pause = MIN_PAUSE_SECONDS
    while not stopping.is_set():
        try:
            if not passes.acquire(WATCHDOG_SLICE_SECONDS, stop=stopping, waiting=_log_waiting):
                notify_systemd("WATCHDOG=1\nSTATUS=waiting for another followthru process to finish its pass")
                continue
            try:
                return Followthru(config)
            finally:
                passes.release()
        except StoreRefused as refused:  # waiting cannot mend it: exit with the status systemd leaves stopped
            log.error("cannot start: %s", refused)
            notify_systemd(f"STATUS=cannot start: {refused}")
            raise SystemExit(STORE_REFUSED_EXIT) from None
        except (sqlite3.DatabaseError, OSError, LockError) as error:
            reason = error if isinstance(error, LockError) else explain_failure(error, config)
            log.error("cannot start: %s; trying again in %g s", reason, pause)
            notify_systemd(f"WATCHDOG=1\nSTATUS=cannot start: {error}")
        stopping.wait(pause)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)
    return None
