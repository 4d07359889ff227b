"""Case-insensitive matching done on lower-case text, for speed.

A pattern of many words compiled with IGNORECASE runs several times slower in Python's ``re``
than the same pattern without it (a date pattern of a reply: 6x), because every character is
compared case-insensitively. When the pattern's words are written in lower case, matching it
without IGNORECASE on the lower-cased text finds the same places, provided lower-casing treats
every character of the text as IGNORECASE does. :func:`lowered` checks that: it gives the
lower-cased text, one character for one (offsets stay valid), or None when the text holds a
character IGNORECASE folds beyond its lower case (``ſ``, ``ı``, ``µ``, ``ς``).
:func:`finditer` then finds the places on the lower-case text and takes each match from the
original pattern on the original text, so callers get the same match objects (groups as
written) as ``pattern.finditer(text)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

_ESCAPES_AND_NAMES = re.compile(r"\\.|\(\?P[<=]\w+>?")


def _folded_specially() -> frozenset[str]:
    """The characters IGNORECASE matches beyond their lower case (``s`` and ``ſ``, ``µ`` and
    ``μ``, ``σ`` and ``ς``: the ASCII ``i``, ``s`` among them), as Python's ``re`` lists them."""
    try:
        from re._casefix import _EXTRA_CASES  # the table re's compiler itself uses
    except ImportError:  # pragma: no cover - another Python: every non-ASCII letter is suspect
        return frozenset()
    return frozenset(chr(code) for key, codes in _EXTRA_CASES.items() for code in (key, *codes))


FOLDED_SPECIALLY = _folded_specially()


class _Plain(dict[str, bool]):
    """Whether lower-casing a character agrees with IGNORECASE, worked out on first sight."""

    def __missing__(self, char: str) -> bool:
        low = char.lower()
        special = char in FOLDED_SPECIALLY or low in FOLDED_SPECIALLY
        plain = bool(FOLDED_SPECIALLY) and len(low) == 1 and not special
        self[char] = plain
        return plain


_PLAIN = _Plain()


def lowered(text: str) -> str | None:
    """``text`` in lower case, one character for one; None when a character in it is one that
    IGNORECASE matches otherwise than its lower case."""
    if text.isascii():
        return text.lower()
    if not all(_PLAIN[char] for char in set(text) if not char.isascii()):
        return None
    return text.lower()


@cache
def _twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` without IGNORECASE, when its words are all lower case (escapes such as
    ``\\S`` and group names aside); None otherwise."""
    if not pattern.flags & re.IGNORECASE:
        return None
    words = _ESCAPES_AND_NAMES.sub("", pattern.pattern)
    if any(char.isupper() or (char in FOLDED_SPECIALLY and not char.isascii()) for char in words):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def finditer(pattern: re.Pattern[str], text: str, low: str | None) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, found faster on ``low`` (:func:`lowered` of ``text``)."""
    twin = _twin(pattern)
    if twin is None or low is None:
        yield from pattern.finditer(text)
        return
    position = 0
    while (place := twin.search(low, position)) is not None:
        match = pattern.match(text, place.start())
        if match is None or match.end() == match.start():
            # not expected; an empty match is left to finditer's own rules
            yield from pattern.finditer(text, place.start())
            return
        yield match
        position = match.end()


def search(pattern: re.Pattern[str], text: str, low: str | None) -> re.Match[str] | None:
    """``pattern.search(text)``, found faster on ``low`` (:func:`lowered` of ``text``)."""
    return next(finditer(pattern, text, low), None)
