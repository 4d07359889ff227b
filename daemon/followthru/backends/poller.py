"""Asking a mail service without push (the Gmail API, Microsoft Graph) at a steady pace.

While the daemon runs, a thread wakes it every ``poll_seconds``, and a pass in between asks the
service nothing; ``followthru tick``, which never watches, asks on every pass. A reader that left
messages for a later pass, or that was notified of new mail, asks again at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Poller:
    """When the inbox of one service is worth asking. ``name`` names the thread."""

    def __init__(self, poll_seconds: float, name: str):
        self.poll_seconds = poll_seconds
        self.name = name
        self.watching = False
        self._next_ask = 0.0
        self._news = threading.Event()  # something came (a notification, a backlog): ask now
        self._wake: Callable[[], None] = lambda: None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> bool:
        """Whether this pass asks the service; if so, the next ask is a poll interval away."""
        if self.watching and time.monotonic() < self._next_ask and not self._news.is_set():
            return False
        self._news.clear()
        # A little early, so the thread's wake-up, which drifts against this clock, is never too soon.
        self._next_ask = time.monotonic() + self.poll_seconds * 0.9
        return True

    def ask_again(self) -> None:
        """Have the next pass ask, and start it now (more mail waits, or a notification came)."""
        self._news.set()
        self._wake()

    def start(self, wake: Callable[[], None]) -> None:
        """Wake the daemon with ``wake`` every poll interval from now on (once; later calls only
        replace ``wake``)."""
        self._wake = wake
        if self._thread is not None:
            return
        self.watching = True
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.poll_seconds):
            self._wake()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
