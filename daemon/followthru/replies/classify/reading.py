"""What the classifier knows about one reply while reading it: the cleaned text and its folded
twin (same offsets), the languages, the sentences, segments and clauses, and the cues found."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date

from followthru.replies.proposals import Mention

ACCEPT_MIN = 0.7  # below this an apparent accept is reported as unclear
DECIDE_MIN = 0.6  # below this any answer is reported as unclear


@dataclass(frozen=True)
class Verdict:
    """What the words say, how sure we are (0..1), the phrase that decided, a proposed date."""

    intent: str
    confidence: float
    evidence: str
    proposed_date: date | None = None


@dataclass(slots=True)
class Span:
    start: int
    end: int


@dataclass(slots=True)
class Clause(Span):
    segment: int
    sentence: int
    paragraph: int


@dataclass(slots=True)
class Segment(Span):
    sentence: int
    paragraph: int
    contrast: bool  # opened by but / aber / mais ...


@dataclass(slots=True)
class Sentence(Span):
    paragraph: int
    question: bool


@dataclass(slots=True)
class Hit:
    cat: str
    start: int
    end: int
    text: str
    negated: bool = False
    weight: float = 0.0


@dataclass
class Reading:
    text: str  # cleaned words
    low: str  # folded, same offsets
    langs: frozenset[str]
    primary: str | None
    sentences: list[Sentence]
    segments: list[Segment]
    clauses: list[Clause]
    hits: dict[str, list[Hit]] = field(default_factory=dict)  # each category's in order of start
    mentions: list[Mention] = field(default_factory=list)
    neg_text: str = ""
    greeting_end: int = 0  # where the opening greeting ("Hi Morgan,") ends
    _starts: list[int] | None = None

    def of(self, *cats: str) -> list[Hit]:
        """The hits of ``cats`` in the order of the text (each category's hits are kept in it)."""
        if len(cats) == 1:
            return list(self.hits.get(cats[0], ()))
        out = [hit for cat in cats for hit in self.hits.get(cat, ())]
        return sorted(out, key=lambda hit: hit.start) if len(out) > 1 else out

    def clause_at(self, pos: int) -> int:
        if self._starts is None or len(self._starts) != len(self.clauses):
            self._starts = [clause.start for clause in self.clauses]
        return max(0, bisect.bisect_right(self._starts, pos) - 1)

    def segment_at(self, pos: int) -> int:
        return self.clauses[self.clause_at(pos)].segment if self.clauses else 0

    def sentence_at(self, pos: int) -> int:
        return self.clauses[self.clause_at(pos)].sentence if self.clauses else 0

    def paragraph_at(self, pos: int) -> int:
        return self.clauses[self.clause_at(pos)].paragraph if self.clauses else 0
