"""Where in a text a phrase of the vocabulary can be, told from the beginnings of its words.

A phrase pattern of the vocabulary matches only where a word starts (it opens with
``(?<![\\w'])``), so it can match only where the text's words begin the way the phrase's
words do. A *key* says how: the first word of a phrase with the *head* (first three characters)
of its second word, ``"i wil"`` for "I will try", or a phrase's only word, ``"sure"``.
:func:`keys` works them out from a phrase's regular expression;
:class:`TextKeys` finds every key of a text, and where, in one pass over its words.

:class:`Gate` holds the keys of groups of phrases (a category, in some languages). For a text it
gives each group the word starts where one of its phrases may match (:meth:`Gate.places`), and
:func:`finditer` tries a pattern there only: the same matches as searching the whole text, since
no match can start anywhere else. Reading the corpus, most categories have no such place at
all, and the others a few, where each category cost a search of the whole text before.

A group holding a phrase whose keys cannot be told (it opens with a class such as ``\\w``, a
non-word character or a case-insensitive group) is searched everywhere.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

# The standard library's own regular-expression parser and its op codes (private, but the same
# from Python 3.11 to 3.13; the tests walk every phrase of the vocabulary through them).
_parser: Any = importlib.import_module("re._parser")
sre: Any = importlib.import_module("re._constants")

HEAD = 3  # characters of a word that make its head
_WORD = re.compile(r"[\w']+")  # a word, as the phrase patterns' boundaries see one
_WORD_CHAR = re.compile(r"[\w']")
DIGIT = "#digit"  # the key of a word that opens with a decimal digit ("#" is in no word)
_MAX_KEYS = 4096  # more and the keys of a phrase are not worth telling
_LONGEST_WORD = 40


class _Untold(Exception):
    """The keys of a pattern cannot be told here."""


class TextKeys:
    """The keys of a folded text (folded like the phrases are) and where each is: each word,
    and its head, at its start, and each word with the head of the next at the first one's
    start; :data:`DIGIT` where a word opens with a digit."""

    def __init__(self, folded: str):
        self.length = len(folded)
        places: dict[str, list[int]] = {}
        previous, previous_start = "", 0
        for found in _WORD.finditer(folded):
            word, start = found.group(), found.start()
            head = word[:HEAD]
            places.setdefault(head, []).append(start)
            if len(word) > HEAD:
                places.setdefault(word, []).append(start)
            if word[0].isdecimal():
                places.setdefault(DIGIT, []).append(start)
            if previous:
                places.setdefault(f"{previous} {head}", []).append(previous_start)
            previous, previous_start = word, start
        self.places = places


def keys(pattern: str) -> frozenset[str] | None:
    """The keys one of which a text holds wherever ``pattern`` matches at the start of a word:
    the first word with the head of the second (``"i wil"`` for ``i will try``), or the only
    word (``"sure"``), or the first word alone when what follows it cannot be told
    (``is \\w+ better``), or, when the first word cannot be told whole, its head. None when not
    even that can be told (the pattern may start with something other than a word character,
    or with a construct not followed here)."""
    for pairs in (True, False):
        try:
            done, growing = _Reader(pairs).walk(_parser.parse(pattern), {""})
        except (_Untold, re.error):
            continue
        if "" in growing:
            return None  # the pattern may match nothing at all
        # a match ends where the pattern does, and a word there ends with it ((?![\w']) follows)
        return frozenset(done | {_ended(key) for key in growing})
    return None


def _ended(key: str) -> str:
    """The key of a match that ends within its first word or second: a phrase of one word has
    that word, whole, as its key (a longer word of the text is not it)."""
    first, blank, second = key.partition(" ")
    return key if second else first


class _Reader:
    """Walks a parsed pattern, following each way a match can begin, as keys being written:
    with ``pairs``, the first word whole, a blank, then the head of the second word; without,
    the head of the first word only."""

    def __init__(self, pairs: bool):
        self.pairs = pairs

    def walk(self, items: Iterable[tuple[Any, Any]], growing: set[str]) -> tuple[set[str], set[str]]:
        """``(done, growing)``: keys completed within ``items`` and keys still being written
        after them, for each way of matching ``items`` after the keys in ``growing``."""
        done: set[str] = set()
        for op, value in items:
            if not growing:
                break
            try:
                finished, growing = self.step(op, value, growing)
            except _Untold:
                if not self.pairs or any(" " not in key for key in growing):
                    raise
                # past the first word, what follows cannot be told: the first word, whole, is
                # the key (the text's word where such a match starts is that word)
                return done | {key.partition(" ")[0] for key in growing}, set()
            done |= finished
            if len(done) + len(growing) > _MAX_KEYS:
                raise _Untold
        return done, growing

    def step(self, op: Any, value: Any, growing: set[str]) -> tuple[set[str], set[str]]:
        if op is sre.LITERAL:
            return self.characters([chr(value)], growing)
        if op is sre.IN and value == [(sre.CATEGORY, sre.CATEGORY_DIGIT)] and growing == {""}:
            return {DIGIT}, set()  # a phrase that opens with a digit, of any script
        if op is sre.IN:
            return self.characters(_members(value), growing)
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return set(), growing  # zero-width: they narrow the matches, never widen them
        if op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, inner = value
            if add_flags & (sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_LOCALE):
                raise _Untold
            return self.walk(inner, growing)
        if op is sre.ATOMIC_GROUP:
            return self.walk(value, growing)
        if op is sre.BRANCH:
            done: set[str] = set()
            grown: set[str] = set()
            for alternative in value[1]:
                finished, still = self.walk(alternative, growing)
                done |= finished
                grown |= still
            return done, grown
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, inner = value
            return self.repeat(low, high, inner, growing)
        raise _Untold

    def repeat(
        self, low: int, high: int, inner: Iterable[tuple[Any, Any]], growing: set[str]
    ) -> tuple[set[str], set[str]]:
        done: set[str] = set()
        after: set[str] = set(growing) if low == 0 else set()
        current, seen = growing, set(growing)
        rounds = 0
        while current and rounds < high:
            rounds += 1
            finished, current = self.walk(inner, current)
            done |= finished
            if rounds >= low:
                after |= current
                if current <= seen:
                    break  # another round writes no new key
            seen |= current
            if rounds > _LONGEST_WORD + low:
                raise _Untold
        return done, after

    def characters(self, chars: list[str], growing: set[str]) -> tuple[set[str], set[str]]:
        """One character out of ``chars`` after each key in ``growing``."""
        done: set[str] = set()
        grown: set[str] = set()
        for key in growing:
            first, blank, second = key.partition(" ")
            for char in chars:
                in_word = _WORD_CHAR.match(char) is not None
                if not key and not in_word:
                    raise _Untold  # a match that does not start a word
                if not blank and in_word:  # the first word goes on
                    if not self.pairs:
                        (done if len(key) + 1 == HEAD else grown).add(key + char)
                    elif len(key) < _LONGEST_WORD:
                        grown.add(key + char)
                    else:
                        raise _Untold
                elif not blank:  # the first word ends
                    (grown.add(key + " ") if self.pairs else done.add(key))
                elif in_word:  # the head of the second word goes on
                    (done if len(second) + 1 == HEAD else grown).add(key + char)
                elif second:  # the second word ends
                    done.add(key)
                else:  # between the words
                    grown.add(key)
        return done, grown


def _members(items: list[tuple[Any, Any]]) -> list[str]:
    """The characters of a class, or _Untold when it is negated or holds a category that may
    continue a word (``\\w``, ``\\d``, ``\\W``)."""
    chars: list[str] = []
    for op, value in items:
        if op is sre.LITERAL:
            chars.append(chr(value))
        elif op is sre.RANGE:
            first, last = value
            if last - first > 64:
                raise _Untold
            chars.extend(chr(code) for code in range(first, last + 1))
        elif op is sre.CATEGORY and value in (sre.CATEGORY_SPACE, sre.CATEGORY_UNI_SPACE):
            chars.append(" ")  # a blank ends the word
        else:
            raise _Untold
    return chars


class Gate:
    """The keys of groups of phrases, to tell where in a text each group may match.

    ``groups`` maps a label to the phrases' patterns (each matched where a word starts)."""

    def __init__(self, groups: Mapping[Hashable, Iterable[str]]):
        table: dict[str, list[Hashable]] = {}
        anywhere: set[Hashable] = set()
        for label, patterns in groups.items():
            for pattern in patterns:
                found = keys(pattern)
                if found is None:
                    anywhere.add(label)
                    continue
                for key in found:
                    if label not in table.setdefault(key, []):
                        table[key].append(label)
        self._table = table
        self._anywhere = frozenset(anywhere)

    def places(self, text: TextKeys) -> Places:
        """Where the groups' phrases may match in ``text``."""
        found: dict[Hashable, list[int]] = {}
        for key in self._table.keys() & text.places.keys():
            at = text.places[key]
            for label in self._table[key]:
                found.setdefault(label, []).extend(at)
        return Places(found, self._anywhere)


class Places:
    """The word starts where each group of a :class:`Gate` may match in one text.

    ``labels`` are the groups that may match somewhere (those with a place, and those that may
    match anywhere)."""

    def __init__(self, found: dict[Hashable, list[int]], anywhere: frozenset[Hashable]):
        self._found = found
        self._anywhere = anywhere
        self.labels = anywhere | found.keys()

    def starts(self, label: Hashable) -> list[int] | None:
        """The places, in order, where a phrase of ``label`` may start; None when it may start
        anywhere (its keys cannot be told)."""
        if label in self._anywhere:
            return None
        at = self._found.get(label)
        if not at:
            return []
        return at if len(at) == 1 else sorted(set(at))


def finditer(pattern: re.Pattern[str], text: str, starts: list[int] | None) -> list[re.Match[str]]:
    """The matches of ``pattern.finditer(text)``, for a pattern none of whose matches starts
    anywhere but at ``starts`` (ascending; None: anywhere) and none of which is empty: each place
    is tried once, unless an earlier match covers it."""
    if starts is None:
        return list(pattern.finditer(text))
    found: list[re.Match[str]] = []
    end = 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            found.append(match)
            end = match.end()
    return found
