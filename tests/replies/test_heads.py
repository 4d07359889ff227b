"""replies/heads.py: the gate never leaves out a phrase category a text holds."""

from __future__ import annotations

import random
import re
from pathlib import Path
from re import _constants as sre
from re import _parser
from typing import Any

import pytest

from followthru.replies import extract_words
from followthru.replies import intent_lexicon as lx
from followthru.replies.classify.cues import _MARKERS, _MASKING_ORDER
from followthru.replies.classify.languages import TELLING
from followthru.replies.heads import Gate, keys, text_keys

CATEGORIES = tuple(dict.fromkeys(_MASKING_ORDER + _MARKERS + TELLING))
DATA = Path(__file__).parent.parent / "data"


def test_keys_of_written_phrases() -> None:
    assert keys("sure") == {"sur"}
    assert keys("ok") == {"ok"}
    assert keys(r"count\s+me\s+in") == {"count me"}
    assert keys(r"i'?ll\s+try") == {"i'll try", "ill try"}
    assert keys(r"e-mail\s+me") == {"e mai"}
    assert keys(r"(?:i|we)\s+(?:can\s+)?commit") == {"i can", "i com", "we can", "we com"}
    assert keys(r"mu(?:ss|ß)\s+erst") == {"muss ers", "muß ers"}
    assert keys(r"no(?:\s+way)?") == {"no", "no way"}
    assert keys(r"x\s+y") == {"x y"}  # a second word shorter than a head ends the key
    assert keys(r"maybe\s*,") == {"may"}  # nothing but blanks and marks after the word


def test_what_cannot_be_told() -> None:
    # the first word cannot be written out whole: its head still can
    assert keys(r"ab[a-z]+\s+so") == {f"ab{chr(code)}" for code in range(ord("a"), ord("z") + 1)}
    assert keys(r"[a-z]+ly\s+so") is None  # not even that: too many
    assert keys(r"ab\w*\s+so") is None
    assert keys(r"\w+\s+can") is None  # any word
    assert keys(r"\d{1,2}/\d{1,2}") is None  # a digit of any script
    assert keys(r"¿qué") is None  # a match that starts on no word
    assert keys(r"(?i:sure)") is None  # both cases
    assert keys(r"(?:a)?") is None  # may match nothing


def test_the_gate_tells_the_labels_of_the_words_present() -> None:
    gate = Gate({"yes": ["yes", "sure"], "no": [r"no\s+way"], "any": [r"\w+\s+can"]})
    assert gate.possible(text_keys("sure thing")) == {"yes", "any"}
    assert gate.possible(text_keys("no, not that way")) == {"any"}  # "no" and "way" apart
    assert gate.possible(text_keys("no   way!")) == {"no", "any"}
    assert gate.possible(set()) == {"any"}


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


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_gate_never_leaves_out_a_category_that_matches(category: str) -> None:
    """For every phrase of the category in every language, written out at random 20 times in
    sentences of other phrases' words: wherever the category's patterns find a phrase, the gate
    (per language, and for all languages together) lets the category through."""
    chance = random.Random(category)
    everyone = frozenset(lx.languages())
    together = lx.gate((category,), everyone)
    by_language = lx.gate((category,), everyone, per_language=True)
    found = 0
    for code, language in lx.vocabulary().items():
        pattern = [p for p in lx.patterns(category, frozenset({code})) if p is not None]
        words = [w for p in language.phrases[category] for w in re.findall(r"[\w']+", lx.fold(p))]
        for phrase in language.phrases[category]:
            parsed = _parser.parse(lx._fragment(phrase.removeprefix("^")))
            for _ in range(20):
                before = " ".join(chance.choices(words + ["so", "it", "-", ","], k=chance.randint(0, 4)))
                text = f"{before} {_sample(parsed, chance)}{chance.choice(['', '.', ' ok', '!'])}"
                if not any(p.search(text) for p in pattern):
                    continue
                found += 1
                heads = text_keys(text)
                assert category in together.possible(heads), (code, phrase, text)
                assert (code, category) in by_language.possible(heads), (code, phrase, text)
    assert found > 20 * len(lx.vocabulary())  # most written-out phrases are found


def test_the_gate_never_leaves_out_a_category_in_real_replies() -> None:
    """The person's words of every reply of the corpus and the test replies, with and without
    their signatures."""
    raws = [path.read_bytes() for path in sorted(DATA.glob("*/*.eml"))]
    texts = [lx.fold(extract_words(raw, keep)) for raw in raws for keep in (False, True)]
    assert len(texts) > 600
    everyone = frozenset(lx.languages())
    gate = lx.gate(CATEGORIES, everyone)
    matched = 0
    for text in texts:
        possible = gate.possible(text_keys(text))
        for category in CATEGORIES:
            if any(p is not None and p.search(text) for p in lx.patterns(category, everyone)):
                matched += 1
                assert category in possible, (category, text[:200])
    assert matched > 1500
