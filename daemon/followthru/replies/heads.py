"""Which phrase categories a text can hold at all, told from the heads of its words.

A phrase of the vocabulary matches only where a word starts (its pattern opens with
``(?<![\\w'])``), so a text can hold a phrase only if one of the text's words starts the way the
phrase's first word does. The *head* of a word is its first three characters (the whole word
when it is shorter); :func:`heads` works out, from a phrase's regular expression, every head its
first word can have.

:class:`Gate` holds the heads of many groups of phrases (a category in some languages). Given the
heads of a text's words (:func:`text_heads`, one pass over the text), it tells the groups that
may match; a group it leaves out cannot match anywhere in the text, so its patterns need not be
run. Reading the corpus, most categories are left out this way at the cost of a few set
operations, where looking for each category's first phrase cost a search of the whole text.

A group whose heads cannot be told (a phrase opening with a class such as ``\\w``, a
non-word character or a case-insensitive group) is always possible: the gate only ever leaves
out what cannot match.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Hashable, Iterable, Mapping
from itertools import pairwise
from typing import Any

# The standard library's own regular-expression parser and its op codes (private, but the same
# from Python 3.11 to 3.13; the tests walk every phrase of the vocabulary through them).
_parser: Any = importlib.import_module("re._parser")
sre: Any = importlib.import_module("re._constants")

HEAD = 3  # characters of a word that make its head
_WORD = re.compile(r"[\w']+")  # a word, as the phrase patterns' boundaries see one
_WORD_CHAR = re.compile(r"[\w']")
_MAX_KEYS = 4096  # more and the keys of a phrase are not worth telling
_LONGEST_WORD = 40


class _Untold(Exception):
    """The keys of a pattern cannot be told here."""


def text_keys(folded: str) -> set[str]:
    """The keys of ``folded`` (text folded like the phrases are): the head of each word, and
    each word with the head of the word after it (``"i can"``, ``"can tak"``)."""
    return word_keys(_WORD.findall(folded))


def word_keys(words: Iterable[str]) -> set[str]:
    """The keys of a text whose words (each ``[\\w']+``) are ``words``, in their order."""
    words = list(words)
    keys = {word[:HEAD] for word in words}
    keys.update(f"{first} {second[:HEAD]}" for first, second in pairwise(words))
    return keys


def keys(pattern: str) -> frozenset[str] | None:
    """The keys one of which a text holds wherever ``pattern`` matches at the start of a word:
    the first word with the head of the second (``"i wil"`` for ``i will try``), or the head
    of the only word (``"sur"`` for ``sure``), or, when the first word cannot be told whole,
    its head. None when not even that can be told (the pattern may start with something other
    than a word character, or with a construct not followed here)."""
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
    first, blank, second = key.partition(" ")
    return key if second else first[:HEAD]


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
            finished, growing = self.step(op, value, growing)
            done |= finished
            if len(done) + len(growing) > _MAX_KEYS:
                raise _Untold
        return done, growing

    def step(self, op: Any, value: Any, growing: set[str]) -> tuple[set[str], set[str]]:
        if op is sre.LITERAL:
            return self.characters([chr(value)], growing)
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
    """The heads of groups of phrases, to tell which groups a text may hold.

    ``groups`` maps a label to the phrases' patterns (each to be matched where a word starts).
    :meth:`possible` gives every label one of whose patterns might match a text: never one
    that cannot."""

    def __init__(self, groups: Mapping[Hashable, Iterable[str]]):
        self.labels = tuple(groups)
        self._bits = {label: 1 << index for index, label in enumerate(self.labels)}
        table: dict[str, int] = {}
        always = 0
        for label, patterns in groups.items():
            bit = self._bits[label]
            for pattern in patterns:
                found = keys(pattern)
                if found is None:
                    always |= bit
                    continue
                for key in found:
                    table[key] = table.get(key, 0) | bit
        self._table = table
        self._always = always

    def possible(self, words: set[str]) -> frozenset[Hashable]:
        """The labels whose phrases may occur in a text whose words have the heads ``words``
        (:func:`text_heads`)."""
        bits = self._always
        table = self._table
        for head in table.keys() & words:
            bits |= table[head]
        return frozenset(label for label, bit in self._bits.items() if bits & bit)
