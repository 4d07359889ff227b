"""How far long work has got: a bar when a person watches a terminal, a log line every so often otherwise.

Used for a large drop of plan files, a first read of a full inbox and ``plan preview`` of many plans.
On a terminal the bar is click's (a count when the total is not known beforehand, as for an inbox
read message by message); elsewhere (systemd, a file, a pipe) one log line every :data:`EVERY` items
and one at the end, so a journal shows progress without a line per item.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

EVERY = 100  # items between two log lines
BAR_FROM = 20  # fewer items than this finish before a bar would tell anything

log = logging.getLogger(__name__)


class Progress:
    """Progress through ``total`` items (None when unknown), called ``what`` ("taking in plan files").

    Use as a context manager and call :meth:`advance` after each item::

        with Progress("previewing plans", total=len(files)) as progress:
            for file in files:
                ...
                progress.advance()

    ``stream`` is where a bar goes (default: standard error), and only when it is a terminal and
    ``bar`` is true (false where other output shares the terminal); ``logger`` gets the lines
    otherwise; ``detail`` is added to each line ("12 more waiting").
    """

    def __init__(
        self,
        what: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        logger: logging.Logger = log,
        every: int = EVERY,
        bar: bool = True,
    ):
        self.what, self.total, self.done, self.logged = what, total, 0, 0
        self.logger, self.every = logger, every
        self.detail = ""
        self.stream = sys.stderr if stream is None else stream
        self._bar: Any = None
        self._counting = False  # a count redrawn on one terminal line, for an unknown total
        self._terminal = _is_terminal(self.stream)
        self.bar = bar

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()

    def advance(self, count: int = 1) -> None:
        """``count`` more items done."""
        before, self.done = self.done, self.done + count
        if self._terminal:
            if self.bar:
                self._draw(count)
        elif before // self.every != self.done // self.every:
            self._log()

    def finish(self) -> None:
        """Close the bar, or log the last line when the work was long enough to log any."""
        if self._bar is not None:
            self._bar.render_finish()
            self._bar = None
        elif self._counting:
            self.stream.write("\n")
            self.stream.flush()
            self._counting = False
        elif not self._terminal and self.done >= self.every and self.done != self.logged:
            self._log()

    def _log(self) -> None:
        self.logged = self.done
        of = f" of {self.total:,}" if self.total is not None else " so far"
        self.logger.info("%s: %s%s%s", self.what, f"{self.done:,}", of, f", {self.detail}" if self.detail else "")

    def _draw(self, count: int) -> None:
        if self.total is not None:
            if self.total < BAR_FROM:
                return
            if self._bar is None:
                import click

                self._bar = click.progressbar(
                    length=self.total, label=self.what, file=self.stream, show_pos=True, show_percent=True
                )
                self._bar.render_progress()
            self._bar.update(count)
        elif self.done >= BAR_FROM:
            self._counting = True
            self.stream.write(f"\r{self.what}: {self.done:,}")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or closed
        return False
