"""The retry loop of the HTTP services (the Google APIs, Microsoft Graph): throttling and passing
failures waited out with backoff, within a budget, then a quiet period.

An answer that means "later" (throttling, a 5xx, a dropped connection) is tried again after an
exponential backoff with jitter (1, 2, 4, 8 s), or after the time the service names
(``Retry-After``), whichever is longer, within :data:`WAIT_BUDGET_SECONDS` per call. Past that the
call raises :class:`~followthru.backends.base.Unavailable`, and after throttling every further call
does so at once, without asking, until the time the service asked for has passed: the daemon pauses
and comes back, it never crashes on throttling, and a pass stays inside systemd's watchdog (120 s).

A request that must not be repeated blindly (sending a message) is tried again only after
throttling, which says it was not done; after a 5xx or a dropped connection nobody knows, so the
call raises :class:`Unavailable` and the caller checks before its next try.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

from followthru.backends.base import Unavailable

log = logging.getLogger(__name__)

ATTEMPTS = 5  # one call and up to four tries again
BASE_DELAY_SECONDS = 1.0
WAIT_BUDGET_SECONDS = 30.0  # per call; a throttled service is then left alone, so a pass stays short

T = TypeVar("T")


@dataclass(eq=False)
class ServiceError(Exception):
    """An error answer the caller decides about: the HTTP ``status``, the service's ``code`` for it
    (Google's reason, Graph's code: ``notFound``, ``ErrorItemNotFound``...), its message, and the
    seconds it asked to wait."""

    status: int
    code: str
    message: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}" if self.code else f"{self.status} {self.message}"


class Later(Exception):
    """One try's answer meant "later": ``throttled`` when the service said it did nothing (so even a
    request that must not be repeated blindly may go again), ``retry_after`` the seconds it named."""

    def __init__(self, text: str, throttled: bool, retry_after: float | None = None):
        super().__init__(text)
        self.text = text
        self.throttled = throttled
        self.retry_after = retry_after


def retry_after(header: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: seconds, or an HTTP date (None without one)."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return seconds_until(when)


def seconds_until(when: datetime) -> float:
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


class Retrying:
    """What a client of an HTTP service keeps between calls: where it is (for messages), how it
    waits (``sleep``, which the tests replace) and until when it is quiet after throttling."""

    def __init__(self, where: str):
        self.where = where
        self.sleep: Callable[[float], None] = time.sleep
        self._quiet_until = 0.0  # throttled: no call before this (time.monotonic)

    def retrying(self, attempt: Callable[[], T], repeatable: bool = True) -> T:
        """``attempt()``'s result, trying again while it raises :class:`Later` and the budget allows.
        Raises :class:`Unavailable` when throttled (quiet) or out of tries; whatever else ``attempt``
        raises goes through."""
        quiet = self._quiet_until - time.monotonic()
        if quiet > 0:
            raise Unavailable(f"{self.where} is throttling Followthru; asking again in {quiet:.0f} s")
        waited, tries = 0.0, 0
        while True:
            try:
                return attempt()
            except Later as later:
                delay = BASE_DELAY_SECONDS * 2**tries + random.uniform(0, BASE_DELAY_SECONDS)
                if later.retry_after is not None:
                    delay = max(delay, later.retry_after)
                tries += 1
                if tries >= ATTEMPTS or waited + delay > WAIT_BUDGET_SECONDS or not (later.throttled or repeatable):
                    if later.throttled:
                        self._quiet_until = time.monotonic() + delay
                    raise Unavailable(self._gave_up(later, tries, delay)) from None
                log.info("%s: %s; trying again in %.1f s", self.where, later.text, delay)
            self.sleep(delay)
            waited += delay

    def _gave_up(self, later: Later, tries: int, delay: float) -> str:
        count = f"{tries} {'try' if tries == 1 else 'tries'}"
        if later.throttled:
            return (
                f"{self.where} is still throttling after {count} ({later.text}); Followthru asks again in {delay:.0f} s"
            )
        return f"{self.where}: {later.text} ({count}); Followthru tries again later"
