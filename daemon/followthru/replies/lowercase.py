"""Case-insensitive matching done on lower-case text, for speed.

A pattern of many words compiled with IGNORECASE runs several times slower in Python's ``re``
than the same pattern without it (a date pattern of a reply: 6x), because every character is
compared case-insensitively. :func:`finditer` finds the places where such a pattern matches
with its twin compiled without IGNORECASE, on the lower-cased text (:func:`lowered`, one
character for one, so offsets stay valid), and takes each match from the original pattern on
the original text: callers get the same match objects (groups as written) as
``pattern.finditer(text)``.

Why the places are the same: with IGNORECASE, a lower-case letter of the pattern matches a
character of the text when that character's lower case is the letter, or is one of the few
characters ``re`` lists as matching it besides (:data:`CASE_FIXES`: ``ſ`` for ``s``, ``ς`` for
``σ``). So the twin is only used when the pattern's words are in lower case and hold no letter
``re`` matches to an ASCII letter of another lower case (``ı``, ``ſ``), and :func:`lowered`
refuses a text holding any character of those lists beyond ASCII, or one whose lower case is
longer than itself: the slow, original way then reads it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

_ESCAPES_AND_NAMES = re.compile(r"\\.|\(\?P[<=]\w+>?")
_NON_ASCII = re.compile("[^\x00-\x7f]+")  # found at C speed: most text is nearly all ASCII


def _case_fixes() -> dict[str, frozenset[str]]:
    """The characters IGNORECASE matches to a letter beyond those of the same lower case (``s``:
    ``ſ``; ``ı``: ``i``; ``σ``: ``ς``), from the table Python's ``re`` compiler itself uses."""
    try:
        table: dict[int, tuple[int, ...]] = importlib.import_module("re._casefix")._EXTRA_CASES
    except (ImportError, AttributeError):  # pragma: no cover - another Python: nothing is lowered
        return {}
    return {chr(key): frozenset(map(chr, codes)) for key, codes in table.items()}


CASE_FIXES = _case_fixes()
FOLDED_SPECIALLY = frozenset(CASE_FIXES) | frozenset(char for fixes in CASE_FIXES.values() for char in fixes)
# Letters IGNORECASE also matches to an ASCII letter of another lower case ("ı" to "I"): a pattern
# holding one is not lowered, since ASCII text is not looked at character by character.
_ASCII_FIXED = frozenset(char for char, fixes in CASE_FIXES.items() if any(fix.isascii() for fix in fixes))


class _Plain(dict[str, bool]):
    """Whether lower-casing a character agrees with IGNORECASE, worked out on first sight."""

    def __missing__(self, char: str) -> bool:
        low = char.lower()
        special = char in FOLDED_SPECIALLY or low in FOLDED_SPECIALLY
        plain = len(low) == 1 and not special
        self[char] = plain
        return plain


_PLAIN = _Plain()


def lowered(text: str) -> str | None:
    """``text`` in lower case, one character for one; None when a character in it is one that
    IGNORECASE matches otherwise than its lower case."""
    if text.isascii():
        return text.lower()
    if not all(_PLAIN[char] for char in set("".join(_NON_ASCII.findall(text)))):
        return None
    return text.lower()


# Twins by the id of their pattern, each beside its pattern (so that the id is not reused while
# the entry lives): a compiled pattern hashes its whole program on every call, 3-10 us for the
# reader's, which a cache keyed by the pattern itself would pay each time.
_TWINS: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}
_MAX_TWINS = 4096


def twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` (compiled with IGNORECASE) without it, to be run on :func:`lowered` text with
    the same matches, when its words are all lower case (escapes such as ``\\S`` and group names
    aside); None otherwise. Made once per pattern."""
    kept = _TWINS.get(id(pattern))
    if kept is not None and kept[0] is pattern:
        return kept[1]
    if len(_TWINS) >= _MAX_TWINS:
        _TWINS.clear()
    made = _make_twin(pattern)
    _TWINS[id(pattern)] = (pattern, made)
    return made


def _make_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    if not pattern.flags & re.IGNORECASE or not CASE_FIXES:
        return None
    words = _ESCAPES_AND_NAMES.sub("", pattern.pattern)
    if any(char.isupper() or char in _ASCII_FIXED for char in words):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def finditer(pattern: re.Pattern[str], text: str, low: str | None) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, found faster on ``low`` (:func:`lowered` of ``text``)."""
    fast = twin(pattern)
    if fast is None or low is None:
        yield from pattern.finditer(text)
        return
    position = 0
    while (place := fast.search(low, position)) is not None:
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


def match(pattern: re.Pattern[str], text: str, low: str | None) -> re.Match[str] | None:
    """``pattern.match(text)``, tried first on ``low`` (:func:`lowered` of ``text``)."""
    fast = twin(pattern)
    if fast is not None and low is not None and fast.match(low) is None:
        return None
    return pattern.match(text)
