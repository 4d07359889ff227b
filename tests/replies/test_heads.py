"""replies/heads.py: searching a phrase category only where its words start finds the same."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from re import _constants as sre
from re import _parser
from typing import Any

import pytest

from followthru.replies import extract_words
from followthru.replies import intent_lexicon as lx
from followthru.replies.classify.cues import _MARKERS, _MASKING_ORDER
from followthru.replies.classify.languages import TELLING, rank_languages
from followthru.replies.heads import DIGIT, Gate, TextKeys, finditer, keys

CATEGORIES = tuple(dict.fromkeys(_MASKING_ORDER + _MARKERS + TELLING))
DATA = Path(__file__).parent.parent / "data"


def test_keys_of_written_phrases() -> None:
    assert keys("sure") == {"sure"}
    assert keys("ok") == {"ok"}
    assert keys(r"count\s+me\s+in") == {"count me"}
    assert keys(r"i'?ll\s+try") == {"i'll try", "ill try"}
    assert keys(r"e-mail\s+me") == {"e mai"}
    assert keys(r"(?:i|we)\s+(?:can\s+)?commit") == {"i can", "i com", "we can", "we com"}
    assert keys(r"mu(?:ss|ß)\s+erst") == {"muss ers", "muß ers"}
    assert keys(r"no(?:\s+way)?") == {"no", "no way"}
    assert keys(r"x\s+y") == {"x y"}  # a second word shorter than a head ends the key
    assert keys(r"maybe\s*,") == {"maybe"}  # nothing but blanks and marks after the word


def test_what_cannot_be_told() -> None:
    # the first word cannot be written out whole: its head still can
    assert keys(r"ab[a-z]+\s+so") == {f"ab{chr(code)}" for code in range(ord("a"), ord("z") + 1)}
    assert keys(r"[a-z]+ly\s+so") is None  # not even that: too many
    assert keys(r"ab\w*\s+so") is None
    # what follows the first word cannot be told: the first word, whole
    assert keys(r"is\s+\w+\s+better") == {"is"}
    assert keys(r"nothing\s+(?:\w+\s+)?left") == {"nothing", "nothing lef"}
    assert keys(r"\w+\s+can") is None  # any word
    assert keys(r"\d{1,2}\s?/\s?\d{1,2}") == {DIGIT}  # a digit of any script opens it
    assert keys(r"x\d") is None
    assert keys(r"¿qué") is None  # a match that starts on no word
    assert keys(r"(?i:sure)") is None  # both cases
    assert keys(r"(?:a)?") is None  # may match nothing


def test_a_text_keys_where_its_words_start() -> None:
    text = TextKeys("i can't, i can - can do")
    assert text.length == 23
    assert text.places["i"] == [0, 9]
    assert text.places["can"] == [2, 11, 17]  # a head, and "can" whole
    assert text.places["can't"] == [2]
    assert text.places["i can"] == [0, 9]
    assert text.places["can do"] == [17]
    assert text.places["can't i"] == [2]  # marks between words do not part a pair
    assert TextKeys("on 12/3 or ١٢ or x1").places[DIGIT] == [3, 6, 11]


def test_the_gate_tells_where_each_group_may_start() -> None:
    gate = Gate({"yes": ["yes", "sure"], "no": [r"no\s+way"], "any": [r"\w+\s+can"]})
    places = gate.places(TextKeys("sure, yes sure thing"))
    assert places.starts("yes") == [0, 6, 10]
    assert places.starts("no") == []
    assert places.starts("any") is None  # anywhere
    assert gate.places(TextKeys("no, not that way")).starts("no") == []  # "no" and "way" apart
    assert gate.places(TextKeys("well no   way!")).starts("no") == [5]


def test_finditer_tries_the_places_only() -> None:
    pattern = re.compile(r"(?<![\w'])(?:ab|abc d)(?![\w'])")
    text = "ab abc d ab"
    assert [m.span() for m in finditer(pattern, text, [0, 3, 9])] == [(0, 2), (3, 8), (9, 11)]
    assert [m.span() for m in finditer(pattern, text, [3, 9])] == [(3, 8), (9, 11)]
    assert [m.span() for m in finditer(pattern, text, None)] == [(0, 2), (3, 8), (9, 11)]
    overlapping = re.compile(r"(?<![\w'])(?:a b|b c)(?![\w'])")
    assert [m.span() for m in finditer(overlapping, "a b c", [0, 2])] == [(0, 3)]  # as finditer


def _sample(items: Any, chance: random.Random) -> str:
    """A string the parsed pattern may match (assertions are left out: the caller checks)."""
    out = []
    for op, value in items:
        if op is sre.LITERAL:
            out.append(chr(value))
        elif op is sre.IN:
            members = []
            for kind, member in value:
                if kind is sre.LITERAL:
                    members.append(chr(member))
                elif kind is sre.RANGE:
                    members.extend(chr(code) for code in range(member[0], member[1] + 1))
                elif kind is sre.CATEGORY and member is sre.CATEGORY_SPACE:
                    members.extend([" ", "\n", "\t", "\u00a0"])
                elif kind is sre.CATEGORY and member is sre.CATEGORY_DIGIT:
                    members.extend(["1", "7", "٣"])
                elif kind is sre.CATEGORY and member is sre.CATEGORY_WORD:
                    members.extend(["a", "z", "é", "_"])
            out.append(chance.choice(members or ["a"]))
        elif op is sre.SUBPATTERN:
            out.append(_sample(value[3], chance))
        elif op is sre.BRANCH:
            out.append(_sample(chance.choice(value[1]), chance))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, inner = value
            out.extend(_sample(inner, chance) for _ in range(chance.randint(low, min(high, low + 2))))
        elif op is sre.ANY:
            out.append(chance.choice("a .-"))
    return "".join(out)


def _same_matches(pattern: re.Pattern[str], text: str, starts: list[int] | None) -> bool:
    return [m.span() for m in finditer(pattern, text, starts)] == [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize("category", CATEGORIES)
def test_searching_where_words_start_finds_what_the_whole_text_holds(category: str) -> None:
    """For every phrase of the category in every language, written out at random 20 times in
    sentences of other phrases' words: the category's patterns, tried only where the gate says
    (per language, and for all languages together), find the same matches as searching the
    whole text."""
    chance = random.Random(category)
    everyone = frozenset(lx.languages())
    together = lx.gate((category,), everyone)
    by_language = lx.gate((category,), everyone, per_language=True)
    all_patterns = [p for p in lx.patterns(category, everyone) if p is not None]
    found = 0
    for code, language in lx.vocabulary().items():
        patterns = [p for p in lx.patterns(category, frozenset({code})) if p is not None]
        words = [w for p in language.phrases[category] for w in re.findall(r"[\w']+", lx.fold(p))]
        for phrase in language.phrases[category]:
            parsed = _parser.parse(lx._fragment(phrase.removeprefix("^")))
            for _ in range(20):
                before = " ".join(chance.choices(words + ["so", "it", "-", ","], k=chance.randint(0, 4)))
                text = f"{before} {_sample(parsed, chance)}{chance.choice(['', '.', ' ok', '!'])}"
                found += any(p.search(text) for p in patterns)
                keys = TextKeys(text)
                mine = by_language.places(keys).starts((code, category))
                assert all(_same_matches(p, text, mine) for p in patterns), (code, phrase, text)
                theirs = together.places(keys).starts(category)
                assert all(_same_matches(p, text, theirs) for p in all_patterns), (code, phrase, text)
    assert found > 20 * len(lx.vocabulary())  # most written-out phrases are found


def test_searching_where_words_start_finds_the_same_in_real_replies() -> None:
    """The person's words of every reply of the corpus and the test replies, with and without
    their signatures, in every category."""
    raws = [path.read_bytes() for path in sorted(DATA.glob("*/*.eml"))]
    texts = [lx.fold(extract_words(raw, keep)) for raw in raws for keep in (False, True)]
    assert len(texts) > 600
    everyone = frozenset(lx.languages())
    gate = lx.gate(CATEGORIES, everyone)
    matched = 0
    for text in texts:
        places = gate.places(TextKeys(text))
        for category in CATEGORIES:
            for pattern in lx.patterns(category, everyone):
                if pattern is not None:
                    matched += pattern.search(text) is not None
                    assert _same_matches(pattern, text, places.starts(category)), (category, text[:200])
    assert matched > 1500


def _plain_ranking(text: str) -> list[tuple[str, float]]:
    """rank_languages written the plain way: every pattern searched over the whole text."""
    text = text[:4000]
    folded = lx.fold(text)
    words = Counter(re.findall(r"[\w']+", folded))
    scores = {}
    for code, language in lx.vocabulary().items():
        known = {lx.fold(w) for w in language.words["function_words"]}
        score = float(sum(words[w] for w in known & words.keys()))
        score += sum(words[w] for w in set(language.words["calendar"]) & words.keys())
        score += 2 * sum(text.lower().count(c) for c in language.letters)
        telling = 0
        for category in TELLING:
            for pattern in lx.patterns(category, frozenset({code})):
                if pattern is not None:
                    telling += sum(1 for m in pattern.finditer(folded) if len(m.group()) > 3)
        scores[code] = score + 1.5 * telling
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def test_languages_are_ranked_as_by_searching_every_pattern() -> None:
    raws = [path.read_bytes() for path in sorted(DATA.glob("*/*.eml"))]
    texts = [extract_words(raw, keep) for raw in raws for keep in (False, True)]
    for text in texts:
        assert rank_languages(text) == _plain_ranking(text), text[:200]
