"""replies/reader.py: the due lines of a quoted request, found in one search."""

from __future__ import annotations

import random

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
