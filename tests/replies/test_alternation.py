"""replies/alternation.py: a factored alternation matches exactly what the joined one does."""

from __future__ import annotations

import random
import re

import pytest

from followthru.replies import date_words, lexicon
from followthru.replies import intent_lexicon as lx
from followthru.replies.alternation import MAX_EXPANSION, factored

WRAP = r"(?<![\w'])(?:{})(?![\w'])"


def spans(pattern: str, text: str, flags: int = 0) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(pattern, text, flags)]


def same(parts: list[str], texts: list[str], flags: int = 0) -> None:
    plain = WRAP.format("|".join(parts))
    tree = WRAP.format(factored(parts, ignorecase=bool(flags & re.IGNORECASE)))
    for text in texts:
        assert spans(tree, text, flags) == spans(plain, text, flags), (parts, text)


def test_literal_heads_are_factored_in_order() -> None:
    assert factored(["commit", "confirm", "can do"]) == "c(?:o(?:mmit|nfirm)|an do)"
    # the longer alternative keeps its priority over its own prefix
    assert factored(["cannot", "can"]) == "can(?:not|)"
    same(["cannot", "can"], ["I can", "I cannot", "cannot can"])


def test_an_alternative_that_may_start_alike_closes_the_group() -> None:
    parts = ["ab", r"(?:a|x)+y", "ac", "bd", "be"]
    # "ac" may not be tried before "(?:a|x)+y": it is not moved into the group of "ab"; "b..."
    # cannot start like it and is factored across it
    assert factored(parts) == r"ab|(?:a|x)+y|ac|b(?:d|e)"
    same(parts, ["ab axy ac bd be", "ac", "aay", "xy", "be"])
    # a written-out group joins the group of its first character in place
    assert factored(["ab", r"(?:a|x)y", "ac"]) == "a(?:b|y|c)|xy"


def test_leading_groups_are_written_out() -> None:
    assert factored([r"(?:i\s+)?will"]) == r"i\s+will|will"
    assert factored(["(?:a|b)c", "(?:a|b)d"]) == "a(?:c|d)|b(?:c|d)"


def test_what_is_left_as_it_was() -> None:
    # a capturing group would be renumbered; a bare "|" inside a part belongs to the whole
    assert factored(["(ab)", "ac"]) == "(ab)|ac"
    same(["ab|x", "ac"], ["ab", "x", "ac", "ax"])
    # quantified heads and classes are no literals
    same(["a?b", "ab", "[ab]c", "ac", r"\w+d", "ad"], ["b ab abc ac ad xd", "bc"])
    # no more than MAX_EXPANSION alternatives from one part
    wide = "(?:" + "|".join(f"w{i}" for i in range(MAX_EXPANSION + 1)) + ")z"
    assert wide in factored([wide, "q"])


def test_ignorecase_is_factored_only_when_no_two_characters_fold_together() -> None:
    assert factored(["ab", "ac"], ignorecase=True) == "a(?:b|c)"
    assert factored(["Ab", "ac"], ignorecase=True) == "Ab|ac"
    assert factored(["sa", "ſb"], ignorecase=True) == "sa|ſb"  # "ſ" matches "s"
    same(["mai", "march", "mar", "may"], ["MARCH 2", "Mai", "mAy", "mar."], re.IGNORECASE)


@pytest.mark.parametrize("category", ["decline", "hedge", "accept_strong", "commit", "alt", "question_lead"])
def test_the_vocabulary_phrases_match_the_same_places(category: str) -> None:
    """Every language's phrases of a category, as the classifier compiles them, on texts made of
    their own words shuffled (so that phrases, their prefixes and near misses all occur)."""
    phrases = [p.removeprefix("^") for lang in lx.vocabulary().values() for p in lang.phrases[category]]
    parts = sorted({lx._fragment(p) for p in phrases}, key=len, reverse=True)
    words = [w for p in phrases for w in re.findall(r"[\w']+", lx.fold(p))] + ["the", "it", "a", "I'", "'ll"]
    chance = random.Random(category)
    texts = [" ".join(chance.choices(words, k=chance.randint(3, 40))) for _ in range(200)]
    texts += [lx.fold(p.removeprefix("^").replace("'?", "'")) for p in phrases if "(" not in p]
    same(parts, texts)


def _plainly(names: list[str]) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)


def test_the_date_words_match_the_same_places() -> None:
    """Every list of date words of every language, and all of them together, joined as the date
    readers join them (factored) and plainly: the same matches, in any case, on texts of their
    own words."""
    lists = [
        names
        for lang in lx.vocabulary().values()
        for table in (lang.months, lang.weekdays, lang.weekday_short, lang.weekday_prefix, lang.dates)
        for names in table.values()
        if names
    ]
    lists.append([name for names in lists for name in names])
    chance = random.Random("date words")
    for names in lists:
        words = [w for n in names for w in n.split()] + ["de", "the", "am", "1."]
        texts = [" ".join(chance.choices(words, k=chance.randint(1, 12))) for _ in range(60)]
        texts = [chance.choice([text, text.upper(), text.title()]) for text in texts] + names
        longest_first = sorted(names, key=len, reverse=True)
        for joined, plain in (
            (date_words.ordered_alternation(names), _plainly(list(dict.fromkeys(names)))),
            (date_words.alternation(names), _plainly(longest_first)),
        ):
            ours = re.compile(rf"(?<![\w])(?:{joined})(?![\w])", re.I)
            theirs = re.compile(rf"(?<![\w])(?:{plain})(?![\w])", re.I)
            for text in texts:
                assert [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)], text


def test_the_trimming_words_match_the_same_places() -> None:
    """Every list of trimming words of every language file, joined as the trimmer joins them
    (factored) and plainly: the same matches, in any case, on texts of their own words."""
    lists = [names for lang in lx.language_files().values() for names in lang.trimming.values() if names]
    chance = random.Random("trimming words")
    for names in lists:
        words = [w for n in names for w in n.split()] + ["de", "the", ":", "1."]
        texts = [" ".join(chance.choices(words, k=chance.randint(1, 12))) for _ in range(40)]
        texts = [chance.choice([text, text.upper(), text.title()]) for text in texts] + names
        plain = _plainly([n.strip() for n in sorted(dict.fromkeys(names), key=len, reverse=True) if n.strip()])
        ours = re.compile(rf"(?:{lexicon._alternatives(names)})", re.I)
        theirs = re.compile(rf"(?:{plain})", re.I)
        for text in texts:
            assert [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)], text
