"""A long regex alternation, factored by its alternatives' leading characters.

Python's ``re`` tries the alternatives of ``a|b|c`` one after the other at every position of
the text. The phrase lists of the vocabulary make alternations of hundreds of phrases, so
reading a reply spent most of its time there. :func:`factored` writes the same alternation as a
tree (``commit|confirm|can do`` becomes ``c(?:o(?:mmit|nfirm)|an\\ do)``), so that at each
position only the alternatives starting with the character found there are tried.

The factored pattern matches exactly what the plain one matches, with the same priority
between alternatives (the text of every match is the same), because:

- only a *literal* leading character is factored out (a plain character or an escaped one, not
  followed by a quantifier), and two alternatives with different literal first characters can
  never both match at one position (the patterns are compiled without IGNORECASE);
- alternatives keep their order within a group, and a group never moves an alternative past
  one that does not start with a literal (a group, a class, ``\\s``) and might match the same
  first character: such an alternative closes the groups of the characters it may start with
  (all of them when those are not known).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from followthru.replies.lowercase import CASE_FIXES

_CAPTURING = re.compile(r"(?<!\\)\((?!\?)")
_META = set(".^$*+?{}[]\\|()")
_QUANTIFIERS = set("*+?{")


def _structure(part: str) -> Iterator[tuple[int, str, int]]:
    """``(index, character, depth)`` of the parentheses and bars of ``part`` that are neither
    escaped nor in a class; ``depth`` is the number of groups around the character."""
    depth, in_class, escaped = 0, False, False
    for index, char in enumerate(part):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            yield index, char, depth
            depth += 1
        elif char == ")":
            depth -= 1
            yield index, char, depth
        elif char == "|":
            yield index, char, depth


def _splits(part: str) -> bool:
    """Whether ``part`` has a ``|`` outside any group or class: moved into a group, it would
    split only its own group."""
    return any(char == "|" and depth == 0 for _, char, depth in _structure(part))


def _leading_literal(part: str) -> str | None:
    """The first character of ``part`` as written (``a`` or ``\\-``), when it is a literal one
    not followed by a quantifier; None otherwise."""
    if not part or _splits(part):
        return None
    if part[0] == "\\":
        if len(part) < 2 or part[1].isalnum():  # \s, \d, \b, \1 ... are no literals
            return None
        token = part[:2]
    elif part[0] in _META:
        return None
    else:
        token = part[0]
    if part[len(token) : len(token) + 1] in _QUANTIFIERS and len(part) > len(token):
        return None
    return token


def _group_end(part: str) -> int | None:
    """The index just past the group that opens ``part``; None when it is not closed."""
    return next((index + 1 for index, char, depth in _structure(part) if char == ")" and depth == 0), None)


def _alternatives(inner: str) -> list[str]:
    """``inner`` split at its top-level ``|``."""
    bars = [index for index, char, depth in _structure(inner) if char == "|" and depth == 0]
    return [inner[begin + 1 : end] for begin, end in zip([-1, *bars], [*bars, len(inner)], strict=True)]


def _first_chars(part: str) -> frozenset[str] | None:
    """Every character a match of ``part`` can start with; None when that is not known here
    (a class, ``\\s``, ``.``, or a part that may match the empty string)."""
    if _splits(part):
        return None
    head = _leading_literal(part)
    if head is not None:
        return frozenset(head[-1])
    if part[:1] == "\\" and len(part) > 2 and not part[1].isalnum():  # "\\-?", "\\'*"
        head, rest = part[:2], part[3:]
    elif part[:1] not in _META and part[1:2] in ("?", "*"):  # "a?", "b*"
        head, rest = part[:1], part[2:]
    elif part.startswith("(?"):
        return _group_first_chars(part)
    else:
        return None
    after = _first_chars(rest)
    return None if after is None else after | {head[-1]}


def _group_first_chars(part: str) -> frozenset[str] | None:
    end = _group_end(part)
    if end is None:
        return None
    rest = part[end:]
    if part.startswith(("(?<!", "(?<=", "(?!", "(?=")):  # zero-width: what follows starts
        return _first_chars(rest)
    if not part.startswith("(?:"):
        return None
    quantifier = rest[:1]
    if quantifier in ("{", "*") or rest[:2] in ("??", "*?"):
        return None  # "{0,2}" and "*" may match nothing
    chars: set[str] = set()
    for alternative in _alternatives(part[3 : end - 1]):
        found = _first_chars(alternative)
        if found is None:
            return None
        chars |= found
    if quantifier == "?":
        after = _first_chars(rest[1:])
        return None if after is None else frozenset(chars | after)
    return frozenset(chars)


MAX_EXPANSION = 32  # alternatives one part may be written out into


def _expanded(part: str) -> list[str]:
    """``part`` with a leading group of alternatives written out, as many alternatives in the
    same order: ``(?:a|b)x`` is ``ax|bx`` and ``(?:a)?x`` is ``ax|x`` (a greedy ``?`` tries the
    group first), so the alternatives' first characters can be factored. Returned as it is
    when its head is anything else or when it would make more than MAX_EXPANSION."""
    if not part.startswith("(?:") or _splits(part):
        return [part]
    end = _group_end(part)
    if end is None:
        return [part]
    rest = part[end:]
    inner = _alternatives(part[3 : end - 1])
    if rest[:2] == "??" or rest[:1] in ("*", "+", "{"):
        return [part]
    if rest[:1] == "?":
        rest = rest[1:]
        inner.append("")
    written: list[str] = []
    for alternative in inner:
        written.extend(_expanded(alternative + rest))
        if len(written) > MAX_EXPANSION:
            return [part]
    return written


def _folds_together(parts: list[str]) -> bool:
    """Whether two different characters of ``parts`` match each other under IGNORECASE (an
    upper-case letter, or a letter and one of its :data:`CASE_FIXES`)."""
    chars = {char for part in parts for char in part}
    return any(char != char.lower() or CASE_FIXES.get(char, frozenset()) & chars for char in chars)


def factored(parts: Iterable[str], ignorecase: bool = False) -> str:
    """``"|".join(parts)``, factored by leading literal characters (see the module's
    docstring); the result is an alternation to put inside a group, like the joined one.
    ``parts`` are written for a pattern compiled without VERBOSE; with a capturing group among
    them they are joined as they are (moving one would renumber it). For a pattern compiled
    with IGNORECASE, say so: they are then factored only when no two of their characters match
    each other under it (two different first characters then never match the same one)."""
    parts = list(parts)
    if any(_CAPTURING.search(part) for part in parts):
        return "|".join(parts)
    if ignorecase and _folds_together(parts):
        return "|".join(parts)
    return _factor([written for part in parts for written in _expanded(part)])


def _factor(parts: list[str]) -> str:
    branches: list[str | list[str]] = []  # a plain alternative, or a group's remainders
    heads: list[str | None] = []
    open_groups: dict[str, int] = {}  # leading literal -> index in branches
    for part in parts:
        head = _leading_literal(part)
        if head is None:
            # a group it might match the first character of is closed: no alternative of
            # that group that comes after this one may be tried before it
            starts = _first_chars(part)
            for char in list(open_groups):
                if starts is None or char[-1] in starts:
                    del open_groups[char]
            branches.append(part)
            heads.append(None)
            continue
        if head in open_groups:
            group = branches[open_groups[head]]
            assert isinstance(group, list)
            group.append(part[len(head) :])
            continue
        open_groups[head] = len(branches)
        branches.append([part[len(head) :]])
        heads.append(head)
    written = []
    for head, branch in zip(heads, branches, strict=True):
        if head is None:
            assert isinstance(branch, str)
            written.append(branch)
        elif len(branch) == 1:
            written.append(head + branch[0])
        else:
            assert isinstance(branch, list)
            inner = _factor(branch)
            written.append(f"{head}(?:{inner})" if _splits(inner) else head + inner)
    return "|".join(written)
