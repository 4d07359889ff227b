"""replies/reader.py: the due lines of a quoted request, found in one search."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from followthru.replies import reader

WORDS = ["due", "by", "Due:", "deadline", "until", "bis", "fällig", "avant", "para", "antes", "please answer by"]
WORDS += ["answer", "reply by", "Friday", "x", "byway", "dues", "."]
BREAKS = ["\n", "\r\n", "\r", "\x85", "\u2028", "\v", "\f", "\x1c", " ", "  ", "> "]


def _line_by_line(rest: str) -> list[str]:
    """What the due lines were when each line was searched on its own."""
    return [
        line for line in rest.splitlines() if reader._DUE_LINE.search(line) and not reader._answer_line().search(line)
    ][:40]


def test_due_lines_are_those_found_line_by_line() -> None:
    chance = random.Random("due lines")
    found = 0
    for _ in range(20000):
        pieces = chance.choices(WORDS + BREAKS, k=chance.randint(0, 60))
        rest = "".join(piece + chance.choice(["", " "]) for piece in pieces)
        assert reader._due_lines(rest) == _line_by_line(rest), repr(rest)
        found += bool(_line_by_line(rest))
    assert found > 10000


def test_at_most_forty_due_lines() -> None:
    rest = "\n".join(f"> Item {n} due by Friday" if n % 3 else f"> Please answer by {n}" for n in range(200))
    assert len(reader._due_lines(rest)) == 40
    assert reader._due_lines(rest) == _line_by_line(rest)


def _standard_date(value: str) -> datetime | None:
    """What the reader took a Date header for when the standard library read every one."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_dates_of_the_plain_shape_are_read_as_the_standard_library_reads_them() -> None:
    chance = random.Random("dates")
    plain = 0
    for _ in range(30000):
        weekday = chance.choice(["", "Tue, ", "Mon,", "tue, ", "Xyz, ", "Tue , "])
        day = chance.choice(["0", "1", "9", "10", "28", "29", "30", "31", "32", "99"])
        month = chance.choice(["Jan", "feb", "MAR", "Dec", "Foo", "June", "Sept"])
        year = chance.choice(["2026", "2024", "0001", "0099", "0100", "9999", "26", "1899", "1000"])
        time = chance.choice(["09:15:00", "9:15", "23:59:59", "24:00:00", "12:60:00", "00:00:60", "7:05:09"])
        zone = chance.choice(["+0100", "-0000", "+0000", "-0800", "+0060", "+1400", "+9999", "GMT", "+0100 (CET)"])
        value = f"{weekday}{day} {month} {year} {time} {zone}".strip()
        value = value.replace(" ", "  ") if chance.random() < 0.2 else value
        plain += reader._PLAIN_DATE.fullmatch(value) is not None
        assert repr(reader._date(value)) == repr(_standard_date(value)), value
    assert plain > 5000
