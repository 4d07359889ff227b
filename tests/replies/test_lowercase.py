"""replies/lowercase.py: case-insensitive patterns run on lower-case text find the same matches."""

from __future__ import annotations

import random
import re

import pytest

from followthru.replies import lowercase
from followthru.replies.lowercase import lowered

PATTERNS = [
    re.compile(r"(?<![\w'])(?P<name>montag|monday|mardi|środa|sábado|straße)(?![\w-])", re.IGNORECASE),
    re.compile(r"\b(?:due|by|bis|fällig|until)\b", re.IGNORECASE),
    re.compile(r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>dec|december|déc)\.?", re.IGNORECASE),
    re.compile(r"[a-zäöü]+lich", re.IGNORECASE),
]


def found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str, dict[str, str | None]]]:
    return [(m.span(), m.group(), m.groupdict()) for m in pattern.finditer(text)]


def fast(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str, dict[str, str | None]]]:
    return [(m.span(), m.group(), m.groupdict()) for m in lowercase.finditer(pattern, text, lowered(text))]


def test_lowered_keeps_offsets_or_refuses() -> None:
    assert lowered("Due BY Friday") == "due by friday"
    assert lowered("Grüße, Straße, ẞ, ÄÖÜ") == "grüße, straße, ß, äöü"
    # IGNORECASE matches these beyond their lower case: the text is read the slow way
    for text in ("ſince", "DIYARBAKIR ı", "µs", "ΟΔΟΣ", "Привет"):
        assert lowered(text) is None, text
    assert lowered("İstanbul") is None  # its lower case is two characters


def test_a_pattern_with_upper_case_or_a_letter_folding_to_ascii_gets_no_twin() -> None:
    assert lowercase.twin(re.compile("[A-Z]x", re.IGNORECASE)) is None
    assert lowercase.twin(re.compile("Monday", re.IGNORECASE)) is None
    assert lowercase.twin(re.compile("dıyar", re.IGNORECASE)) is None  # "ı" matches "I"
    assert lowercase.twin(re.compile("monday")) is None  # not case-insensitive at all
    assert lowercase.twin(re.compile(r"(?P<Name>\S+day)", re.IGNORECASE)) is not None


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:24])
def test_same_matches_as_the_pattern_itself(pattern: re.Pattern[str]) -> None:
    pieces = [
        "Monday", "MONDAY", "monDAY", "Mardi", "ŚRODA", "Sábado", "STRASSE", "Straße", "ſtraße", "due",
        "DUE", "By", "bis", "FÄLLIG", "until", "1st of December", "12 DEC.", "3rd déc", "Déc", "freundLICH",
        "ſ", "ı", "K", "Σ", "İ", "-", ",", "'", "2", "30th",
    ]  # fmt: skip
    chance = random.Random(pattern.pattern)
    for _ in range(400):
        text = " ".join(chance.choices(pieces, k=chance.randint(1, 12)))
        assert fast(pattern, text) == found(pattern, text), text


def test_search_and_match() -> None:
    def span(match: re.Match[str] | None) -> tuple[int, int] | None:
        return match.span() if match else None

    pattern = PATTERNS[1]
    for text in ("Reply BY Friday", "nothing here", "ſ by", "Bis Freitag"):
        low = lowered(text)
        assert span(lowercase.search(pattern, text, low)) == span(pattern.search(text))
        assert span(lowercase.match(pattern, text, low)) == span(pattern.match(text))
