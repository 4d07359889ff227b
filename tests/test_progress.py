"""``followthru.progress``: a bar on a terminal, a log line every so often elsewhere."""

from __future__ import annotations

import io
import logging

from followthru.progress import BAR_FROM, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(total: int | None, items: int, stream: io.StringIO) -> None:
    with Progress("taking in plan files", total=total, stream=stream, every=100) as progress:
        for _ in range(items):
            progress.advance()


def test_elsewhere_a_line_every_hundred_items_and_one_at_the_end(caplog):
    caplog.set_level(logging.INFO, logger="followthru.progress")
    stream = io.StringIO()
    run(250, 250, stream)
    assert [r.getMessage() for r in caplog.records] == [
        "taking in plan files: 100 of 250",
        "taking in plan files: 200 of 250",
        "taking in plan files: 250 of 250",
    ]
    assert stream.getvalue() == ""  # nothing drawn where no one watches


def test_no_line_twice_when_the_end_falls_on_a_hundred_and_none_for_short_work(caplog):
    caplog.set_level(logging.INFO, logger="followthru.progress")
    run(200, 200, io.StringIO())
    run(99, 99, io.StringIO())
    assert [r.getMessage() for r in caplog.records] == [
        "taking in plan files: 100 of 200",
        "taking in plan files: 200 of 200",
    ]


def test_an_unknown_total_is_counted_with_the_detail(caplog):
    caplog.set_level(logging.INFO, logger="followthru.progress")
    with Progress("reading the inbox", stream=io.StringIO()) as progress:
        progress.detail = "3 more waiting"
        progress.advance(150)
    assert [r.getMessage() for r in caplog.records] == ["reading the inbox: 150 so far, 3 more waiting"]


def test_on_a_terminal_a_bar_and_no_log_lines(caplog):
    caplog.set_level(logging.INFO, logger="followthru.progress")
    terminal = Terminal()
    run(300, 300, terminal)
    drawn = terminal.getvalue()
    assert "taking in plan files" in drawn and "300/300" in drawn and "100%" in drawn
    assert drawn.endswith("\n") and not caplog.records


def test_on_a_terminal_a_count_when_the_total_is_unknown():
    terminal = Terminal()
    run(None, BAR_FROM + 5, terminal)
    assert terminal.getvalue().endswith(f"\rtaking in plan files: {BAR_FROM + 5}\n")


def test_on_a_terminal_short_work_draws_nothing():
    terminal = Terminal()
    run(BAR_FROM - 1, BAR_FROM - 1, terminal)
    run(None, BAR_FROM - 1, terminal)
    assert terminal.getvalue() == ""


def test_no_bar_where_other_output_shares_the_terminal(caplog):
    caplog.set_level(logging.INFO, logger="followthru.progress")
    terminal = Terminal()
    with Progress("previewing plans", total=300, stream=terminal, bar=False) as progress:
        progress.advance(300)
    assert terminal.getvalue() == "" and not caplog.records
