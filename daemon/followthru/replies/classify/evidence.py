"""Step 6, evidence: the cues that answer this request (not negated, not asked about, not
about another occasion), sorted into what the decision weighs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from followthru.replies.classify.cues import POSITIVE, in_question_clause, own_subject
from followthru.replies.classify.reading import Hit, Reading, Sentence


@dataclass
class Evidence:
    positive: list[Hit]
    negated_positive: list[Hit]
    refusals: list[Hit]
    weak_refusals: list[Hit]
    hedges: list[Hit]
    weak_hedges: list[Hit]
    conditions: list[Hit]
    deferrals: list[Hit]
    questions: list[Sentence]
    precommit: list[Hit]
    wishes: list[Hit]
    acks: list[Hit]
    oks: list[Hit]


def evidence_of(reading: Reading) -> Evidence:
    # answers about another occasion ("happy to help on the next one", "last time we
    # couldn't") are not answers to this request
    other_time = reading.of("future_ref", "past_ref")
    future_clauses = {reading.clause_at(h.start) for h in other_time}
    future_segments = {reading.segment_at(h.start) for h in other_time}

    def answering(hit: Hit) -> bool:
        return (
            not in_question_clause(reading, hit)
            and reading.clause_at(hit.start) not in future_clauses
            and reading.segment_at(hit.start) not in future_segments
        )

    positive = [h for h in reading.of(*POSITIVE) if not h.negated and answering(h)]
    negated_positive = [
        h for h in reading.of("accept_strong", "commit", "accept") if h.negated and not in_question_clause(reading, h)
    ]
    refusals = [h for h in reading.of("decline", "no") if not h.negated and answering(h)]
    weak = [h for h in reading.of("decline_weak", "redirect", "absence", "regret") if answering(h)]
    weak += [
        h
        for h in reading.of("reject")
        if not h.negated and answering(h) and not any(r.start <= h.start < r.end for r in refusals)
    ]
    hedges = [h for h in reading.of("hedge") if answering(h)]
    weak_hedges = [h for h in reading.of("hedge_weak") if answering(h) and own_subject(reading, h)]
    polite = reading.of("polite_if")
    conditions = [
        h
        for h in reading.of("condition")
        if not any(p.start <= h.start < p.end for p in polite) and not re.match(r"s[íì]\b", h.text, re.I)
    ]  # "sí" is yes, "si" is if
    deferrals = reading.of("defer")
    questions = [s for s in reading.sentences if s.question]
    precommit = reading.of("precommit", "info_need")
    wishes = [h for h in reading.of("wish") if answering(h) and not h.negated]
    acks = reading.of("ack")
    oks = [h for h in reading.of("ok") if not h.negated and answering(h)]
    return Evidence(
        positive,
        negated_positive,
        refusals,
        weak,
        hedges,
        weak_hedges,
        conditions,
        deferrals,
        questions,
        precommit,
        wishes,
        acks,
        oks,
    )
