"""The classifier's own vocabulary, compiled once per process on first use.

The words come from the ``[words]`` and ``[patterns]`` tables of the language files
(:mod:`..intent_lexicon`); only the shape of each pattern is here. These lists are read in
every language at once, whatever language a reply is in: a word of one language is rarely a
word of another in the places these rules look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from followthru.replies import intent_lexicon as lx

TOKEN = re.compile(r"[\w']+")


@dataclass(frozen=True)
class ReaderWords:
    first_line: dict[str, frozenset[str]]  # "ACCEPT" / "Zusagen" alone on the first line
    generic: frozenset[str]  # words that never name a task ("it", "team")
    cue_words: frozenset[str]  # words of cues, no task either
    never: frozenset[str]  # "never" before a refusal takes it back
    subjects: frozenset[str]  # before a weak hedge about oneself or the task
    greeting: re.Pattern[str]  # "Hi", "Hallo", "Dear" opening a clause
    greeting_opening: re.Pattern[str]  # the same words opening a folded reply
    title: re.Pattern[str]  # "Dr", "Herr", "Mme" before a name
    disclaimer: re.Pattern[str]
    legal_footer: re.Pattern[str]
    abbreviation: re.Pattern[str]  # a full stop that does not end a sentence
    noncommittal: re.Pattern[str]  # "look at", "received": seen, not promised
    harmless_after_no: re.Pattern[str]  # "no rush": a negation that takes nothing back
    warm_wish: re.Pattern[str]  # "I'd love to!" is a yes
    bare_no: re.Pattern[str]  # "No." / "Nein," opening a clause
    no_to: re.Pattern[str]  # "no to the call"
    object_yes: re.Pattern[str]  # "Demo yes"
    object_no: re.Pattern[str]  # "sizing estimate no"
    not_an_object: re.Pattern[str]  # "it's a no" is not "<task> no"
    instead_of: re.Pattern[str]  # "instead of (the) <date>"
    moving: re.Pattern[str]  # alternatives that move or replace the asked date
    deadline_before: re.Pattern[str]  # "by (the) <date>"
    interrogative: re.Pattern[str]  # a clause that opens like a question
    filler: re.Pattern[str]  # what "And Friday?" has besides the date
    after_that: re.Pattern[str]  # "after that", "danach"
    able: re.Pattern[str]  # "I can", "ich kann"
    but_or_and_before: re.Pattern[str]  # "but" / "and" right before a word


def _any(key: str) -> str:
    return lx.alternation(key)


@cache
def reader_words() -> ReaderWords:
    """The compiled vocabulary (one object per process)."""
    copula = _any("copula")
    return ReaderWords(
        first_line={"accept": lx.words("first_line_accept"), "decline": lx.words("first_line_decline")},
        generic=lx.words("generic"),
        cue_words=lx.words("cue_words"),
        never=lx.words("never"),
        subjects=lx.words("subjects"),
        greeting=re.compile(rf"^\W*(?:{_any('greeting')})\b[^,\-:]*[,\-:]?"),
        greeting_opening=re.compile(rf"\s*(?:{_any('greeting')})\b"),
        title=re.compile(rf"(?:{_any('title')})\.?", re.I),
        disclaimer=re.compile(_any("disclaimer"), re.I),
        legal_footer=re.compile(rf"\b(?:{_any('legal_footer')})(?!\w)"),
        abbreviation=re.compile(rf"(?:\b(?:{_any('abbreviation')})|\d)$", re.I),
        noncommittal=re.compile(_any("noncommittal"), re.I),
        harmless_after_no=re.compile(_any("harmless_after_no")),
        warm_wish=re.compile(_any("warm_wish"), re.I),
        bare_no=re.compile(
            rf"(?P<no>({_any('bare_no')})(?:\s+(?:\2|no))*)"
            rf"(?=\s*(?:[.,!;:)\-]|$|{_any('thanks_after_no')}))"
        ),
        no_to=re.compile(rf"(?P<no>{_any('no_to')})\s+(?:{_any('no_to_preposition')})\b"),
        object_yes=re.compile(
            rf"^\W*(?P<obj>(?:[\w'-]+\s+){{0,3}}?[\w'-]+)\s+(?:(?:{copula})\s+(?:{_any('object_fine')})"
            rf"|{_any('object_yes')})\W*$"
        ),
        object_no=re.compile(
            rf"^\W*(?P<obj>(?:[\w'-]+\s+){{0,3}}?[\w'-]+)\s+(?:(?:{copula})\s+(?:a\s+)?"
            rf"(?:{_any('object_not_possible')})|{_any('object_no')})\W*$"
        ),
        not_an_object=re.compile(
            rf"^(?:{_any('object_pronoun')})\b|n't\b"
            rf"|\b(?:{_any('object_trailing')})$"
        ),
        instead_of=re.compile(rf"(?:{_any('instead_of')})\s+(?:(?:{_any('instead_of_article')})\s+)?$"),
        moving=re.compile(_any("moving"), re.I),
        deadline_before=re.compile(rf"(?:{_any('deadline_before')})\s+(?:(?:{_any('deadline_article')})\s+)?$"),
        interrogative=re.compile(
            rf"^\W*(?:(?:{_any('question_conjunction')})\s+)?"
            rf"(?:{_any('question_opener')})\b"
        ),
        filler=re.compile(rf"\b(?:{_any('filler')})\b"),
        after_that=re.compile(rf"\b(?:{_any('after_that')})\b"),
        able=re.compile(rf"\b(?:{_any('first_person')})?\s*(?:{_any('ability')})\b"),
        but_or_and_before=re.compile(rf"(?:^|\W)(?:{_any('but_or_and')})\s+$"),
    )
