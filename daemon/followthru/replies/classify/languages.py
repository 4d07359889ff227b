"""Step 2, language: which of the shipped languages a reply is written in, from its function
words, calendar words, letters and cue phrases; and the negation words that count in it."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from followthru.replies import intent_lexicon as lx
from followthru.replies.heads import word_keys

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


def rank_languages(text: str) -> list[tuple[str, float]]:
    """Languages by how much of ``text`` they explain: function words, calendar words, letters
    and cue phrases."""
    text = text[:4000]  # the opening of a reply tells its language
    folded = lx.fold(text)
    found = re.findall(r"[\w']+", folded)
    words = Counter(found)
    lowered = text.lower()
    function_words, calendar_words = _function_words(), _calendar_words()
    telling = lx.gate(TELLING, frozenset(lx.languages()), per_language=True).possible(word_keys(found))
    scores = {}
    for code, lang in lx.vocabulary().items():
        score = float(sum(words[w] for w in function_words[code] & words.keys()))
        score += sum(words[w] for w in calendar_words[code] & words.keys())
        score += 2 * sum(lowered.count(c) for c in lang.letters)
        scores[code] = score + 1.5 * _telling_phrases(folded, code, telling)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def _telling_phrases(folded: str, code: str, possible: frozenset[object]) -> int:
    """How many phrases of the TELLING categories in language ``code`` longer than three
    characters ``folded`` holds, each category counted on its own; only the categories
    ``possible`` (a :class:`..heads.Gate`'s answer for ``folded``) are looked for."""
    langs = frozenset({code})
    count = 0
    for category in TELLING:
        if (code, category) not in possible:
            continue
        for pattern in lx.patterns(category, langs):
            if pattern is not None:
                count += sum(1 for m in pattern.finditer(folded) if len(m.group()) > 3)
    return count


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


def negation_words(langs: frozenset[str], primary: str | None) -> frozenset[str]:
    """Negation words of ``langs``, without those that are ordinary function words of the
    primary language (Portuguese "no" = "in the", Italian "ne" = "of it")."""
    words = lx.word_set("negator", langs)
    if primary:
        own = lx.word_set("negator", frozenset({primary}))
        words = frozenset(w for w in words if w in own or w not in _function_words()[primary])
    return words
