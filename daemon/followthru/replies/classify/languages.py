"""Step 2, language: which of the shipped languages a reply is written in, from its function
words, calendar words, letters and cue phrases; and the negation words that count in it."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import cast

from followthru.replies import intent_lexicon as lx
from followthru.replies.heads import Places, TextKeys, finditer

_WORD = re.compile(r"[\w']+")

# Phrase categories that say which language a reply is in (short, shared words excluded).
TELLING = (
    "accept_idiom",
    "accept_strong",
    "accept",
    "commit",
    "wish",
    "decline",
    "reject",
    "hedge",
    "hedge_weak",
    "defer",
    "ack",
    "precommit",
    "info_need",
    "alt",
    "not_before",
    "scope_except",
    "absence",
    "future_ref",
    "correction",
    "decline_weak",
    "closing",
)


@cache
def _function_words() -> dict[str, frozenset[str]]:
    return {code: frozenset(lx.fold(w) for w in lang.words["function_words"]) for code, lang in lx.vocabulary().items()}


@cache
def _calendar_words() -> dict[str, frozenset[str]]:
    return {code: frozenset(lang.words["calendar"]) for code, lang in lx.vocabulary().items()}


@cache
def _counted_words() -> dict[str, tuple[str, ...]]:
    """Each function and calendar word with the languages it counts for (a language twice when
    it is both there)."""
    table: dict[str, list[str]] = {}
    for code in lx.vocabulary():
        for word in (*_function_words()[code], *_calendar_words()[code]):
            table.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in table.items()}


def rank_languages(text: str, keys: TextKeys | None = None) -> list[tuple[str, float]]:
    """Languages by how much of ``text`` they explain: function words, calendar words, letters
    and cue phrases (``keys``: the :class:`..heads.TextKeys` of ``text`` folded, when made
    already)."""
    text = text[:4000]  # the opening of a reply tells its language
    folded = lx.fold(text)
    words = Counter(_WORD.findall(folded))
    lowered = text.lower()
    if keys is None or keys.length != len(folded):
        keys = TextKeys(folded)
    telling = _telling_phrases(folded, lx.gate(TELLING, frozenset(lx.languages()), per_language=True).places(keys))
    scores = dict.fromkeys(lx.vocabulary(), 0.0)
    counted = _counted_words()
    for word in counted.keys() & words.keys():
        for code in counted[word]:
            scores[code] += words[word]
    ascii_text = lowered.isascii()
    for code, lang in lx.vocabulary().items():
        if lang.letters and not (ascii_text and not _ascii_letters(code)):  # no letter to count
            scores[code] += 2 * sum(lowered.count(c) for c in lang.letters)
        scores[code] += 1.5 * telling[code]
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def _telling_phrases(folded: str, places: Places) -> Counter[str]:
    """How many phrases of the TELLING categories longer than three characters ``folded``
    holds in each language, each category counted on its own (``places``: where each
    ``(language, category)`` may be, from its :class:`..heads.Gate`)."""
    count: Counter[str] = Counter()
    for label in places.labels:
        code, category = cast(tuple[str, str], label)
        starts = places.starts(label)
        for pattern in lx.patterns(category, _alone(code)):
            if pattern is not None:
                count[code] += sum(1 for m in finditer(pattern, folded, starts) if len(m.group()) > 3)
    return count


@cache
def _ascii_letters(code: str) -> bool:
    """Whether any of the letters only language ``code`` writes is an ASCII one."""
    return any(letter.isascii() for letter in lx.vocabulary()[code].letters)


@cache
def _alone(code: str) -> frozenset[str]:
    return frozenset({code})


def detect_languages(text: str) -> frozenset[str]:
    """The likely language(s) of ``text``: the best one, any other that scores nearly as well,
    and English (which colleagues mix into every language). All languages when nothing
    tells."""
    return languages_from_ranking(rank_languages(text))


def languages_from_ranking(ranked: list[tuple[str, float]]) -> frozenset[str]:
    """:func:`detect_languages` from a ranking already made."""
    best, top = ranked[0]
    if top <= 0:
        return frozenset(lx.languages())
    chosen = {best, "en"}
    for lang, score in ranked[1:]:
        if score > 0 and score >= top * 0.6:
            chosen.add(lang)
    return frozenset(chosen)


@cache
def negation_words(langs: frozenset[str], primary: str | None) -> frozenset[str]:
    """Negation words of ``langs``, without those that are ordinary function words of the
    primary language (Portuguese "no" = "in the", Italian "ne" = "of it")."""
    words = lx.word_set("negator", langs)
    if primary:
        own = lx.word_set("negator", frozenset({primary}))
        words = frozenset(w for w in words if w in own or w not in _function_words()[primary])
    return words
