"""Counter-proposals: another date or time, other terms, or a reduced scope ("I can do X but
not Y", "only X", "X yes, Y no")."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date

from followthru.replies import intent_lexicon as lx
from followthru.replies.classify.cues import (
    at_clause_start,
    clause_text,
    object_after,
    object_near,
    segment_text,
    tokens_before,
)
from followthru.replies.classify.evidence import Evidence
from followthru.replies.classify.languages import negation_words
from followthru.replies.classify.reading import Hit, Reading, Sentence, Verdict
from followthru.replies.classify.words import TOKEN, reader_words
from followthru.replies.proposals import Mention

# --- another date or time, other terms ----------------------------------------------------------


@dataclass
class Proposal:
    mention: Mention
    strength: float
    reason: str


def find_proposals(reading: Reading, ev: Evidence, asked: Set[date]) -> tuple[list[Proposal], list[Mention]]:
    """Dates and times offered instead of the asked ones, and those refused. ``asked`` may be
    costly to read (the reader reads them from the quoted request when first asked): each
    condition asks it last."""
    if not reading.mentions:
        return [], []
    refused: list[Mention] = []
    refused_by_refusal: list[Mention] = []
    proposals: list[Proposal] = []
    works = [h for h in reading.of("works") if not h.negated]
    alts = reading.of("alt")
    not_before = reading.of("not_before")
    other_time = {reading.segment_at(h.start) for h in reading.of("future_ref", "past_ref")}
    refusing = [
        h
        for h in reading.of("decline", "reject", "no")
        if not h.negated and reading.segment_at(h.start) not in other_time
    ]
    absences = reading.of("absence")
    positive = ev.positive + [h for h in reading.of("commit", "accept_strong") if not h.negated]
    negators = negation_words(reading.langs, reading.primary)

    def within(hits: list[Hit], index: int, of_segment: bool) -> list[Hit]:
        where = reading.segment_at if of_segment else reading.clause_at
        return [h for h in hits if where(h.start) == index]

    for mention in reading.mentions:
        seg = reading.segment_at(mention.start)
        clause = reading.clause_at(mention.start)
        sentence = reading.sentences[reading.sentence_at(mention.start)]

        def in_seg(hits: list[Hit], seg: int = seg) -> list[Hit]:
            return within(hits, seg, True)

        def in_clause(hits: list[Hit], clause: int = clause) -> list[Hit]:
            return within(hits, clause, False)

        lead = reading.low[max(0, mention.start - 30) : mention.start]
        seg_alt = in_seg(alts) + in_seg(not_before)
        seg_works = in_seg(works)
        before_negated = any(w in negators or w.endswith("n't") for w in tokens_before(reading, mention.start, 3))
        nb_right_before = any(h.end <= mention.start and mention.start - h.end < 25 for h in in_seg(not_before))
        instead_of = bool(reader_words().instead_of.search(lead))
        # a refusal elsewhere in the segment refuses this date only when its own clause names no
        # other date ("The 9th, unfortunately, doesn't work" but not "9 grudnia odpada, może
        # 11 grudnia?")
        seg_refusal = [
            r
            for r in in_seg(refusing)
            if not any(
                m is not mention and reading.clause_at(m.start) == reading.clause_at(r.start) for m in reading.mentions
            )
        ]
        clause_refusal = in_clause(refusing)
        clause_offer = in_clause(alts) + in_clause(not_before) + in_clause(works)
        absent = bool(in_clause(absences)) or (bool(in_seg(absences)) and not seg_alt)
        clause_positive = in_clause(positive)
        if (
            instead_of
            or (before_negated and not nb_right_before)
            or (clause_refusal and not clause_offer)
            or (seg_refusal and not seg_alt and not seg_works and not clause_positive and not clause_offer)
            or absent
        ):
            refused.append(mention)
            if not absent:
                refused_by_refusal.append(mention)
            continue
        prior = bool(refused) or any(
            h.start < reading.segments[seg].start for h in refusing + absences + alts + not_before
        )
        strength, reason = 0.0, ""
        if seg_alt:
            strength, reason = 1.0, seg_alt[0].text
        elif seg_works and (prior or any(h.start > mention.start for h in seg_works)):
            strength, reason = 0.9, seg_works[0].text
        elif prior and (in_seg(positive) or sentence.question or seg_works):
            strength, reason = 0.85, "after a refusal"
        elif prior and reading.segments[seg].contrast and mention.day not in asked:
            # "I can't do the 9th, but the 11th." / "Am 9. kann ich nicht, aber am 10. schon."
            strength, reason = 0.8, "after a refusal"
        elif sentence.question and bare_date_question(reading, sentence, mention):
            strength, reason = 0.8, "asks for another date"  # "And next Friday?"
        elif (
            mention.day is not None
            and ev.positive
            and (
                reader_words().deadline_before.search(lead)
                or (reading.segments[seg].contrast and any(h.start < reading.segments[seg].start for h in ev.positive))
            )
            and asked
            and mention.day > max(asked)
        ):
            # "Yes, I can have it by Dec 14" / "Confirmo, pero lo entrego el viernes 11"
            strength, reason = 0.7, "later than asked"
        if (
            strength
            and not prior
            and not any(reader_words().moving.search(h.text) for h in seg_alt)
            and mention.day in asked
        ):
            strength = 0.0  # "Tuesday works" for the Tuesday asked: an answer, not a proposal
        start = reading.segments[seg].start
        away_only = (
            any(h.start < start for h in absences)
            and not refused_by_refusal
            and not any(h.start < start for h in refusing + alts + not_before)
        )
        if (
            strength
            and positive
            and not prior
            and mention.day is not None
            and not any(reader_words().moving.search(h.text) for h in seg_alt + seg_works)
            and asked
            and mention.day <= max(asked)
        ):
            # a yes with a day before the deadline is the deadline met, not other terms: "Ja,
            # ich kann es am Montag schicken", "Ja, mache ich. Können wir am Montag kurz
            # telefonieren?" (but "works for me on Friday", "I could do Friday" choose a day)
            strength = 0.0
        if (
            strength
            and strength <= 0.9
            and not seg_alt
            and mention.day is not None
            and away_only
            and asked
            and mention.day <= max(asked)
        ):
            # "I'm on vacation next week but can do it before I leave on Friday": the asked
            # deadline is met, nothing was refused
            strength = 0.0
        if strength:
            proposals.append(Proposal(mention, strength, reason))
    return proposals, refused


def bare_date_question(reading: Reading, sentence: Sentence, mention: Mention) -> bool:
    """A question that is little more than a date ("Monday?", "Und Freitag?", "Et vendredi
    prochain ?"): an offer of that date."""
    rest = reading.low[sentence.start : mention.start] + " " + reading.low[mention.end : sentence.end]
    rest = reader_words().filler.sub(" ", rest)
    return len(TOKEN.findall(rest)) == 0


def date_counter(reading: Reading, ev: Evidence, asked: Set[date]) -> Verdict | None:
    proposals, refused = find_proposals(reading, ev, asked)
    days = [p for p in proposals if p.mention.kind != "time"]
    if days:
        best = days[0]
        if len(days) > 1:  # the asked dates are read only to choose
            best = sorted(
                days, key=lambda p: (not p.mention.precise, p.mention.day in asked, -p.strength, p.mention.start)
            )[0]
        confidence = {1.0: 0.85, 0.9: 0.8, 0.85: 0.75, 0.8: 0.75}.get(best.strength, 0.65)
        day = best.mention.day if best.mention.precise else None
        return Verdict("counter", confidence, f"{best.reason}: {best.mention.text}".strip(": "), day)
    times = [p for p in proposals if p.mention.kind == "time"]
    if times and any(m.kind == "time" for m in refused):
        return Verdict("counter", 0.7, f"another time: {times[0].mention.text}")
    if ev.positive:
        first = ev.positive[0].start
        for mention in reading.mentions:
            segment = reading.segments[reading.segment_at(mention.start)]
            if mention.kind == "time" and mention not in refused and segment.contrast and segment.start > first:
                # "Yes to both, but the call would have to be after 3pm"
                return Verdict("counter", 0.6, f"another time: {mention.text}")
    absences = reading.of("absence")
    later = [h for h in reading.of("return") if absences and ev.positive]
    if later or (absences and ev.positive and reader_words().after_that.search(reading.low)):
        # "I'm out until the 14th. Happy to pick it up after that." / "... when I'm back"
        return Verdict("counter", 0.6, f"after the absence: {absences[0].text}")
    for hit in reading.of("postpone"):
        asking_about = reading.sentences[reading.sentence_at(hit.start)].question
        words = tokens_before(reading, hit.start, 3)
        negators = negation_words(reading.langs, reading.primary)
        if any(w in negators or w.endswith("n't") for w in words):
            continue
        if ev.positive or asking_about or ev.conditions:
            # "Push it a week and I'm in" / "Could we postpone?"
            return Verdict("counter", 0.6, f"later: {segment_text(reading, hit.start).strip()}")
    if ev.positive:
        first = ev.positive[0].start
        for hit in reading.of("substitute"):
            about_a_date = any(0 <= m.start - hit.end <= 12 or 0 <= hit.start - m.end <= 3 for m in reading.mentions)
            if hit.start > first and not about_a_date:
                # "Yes, but can we make it a call instead of a meeting?"
                terms = segment_text(reading, hit.start).strip()
                return Verdict("counter", 0.6, f"other terms: {terms}")
    return None


# --- a reduced scope -------------------------------------------------------------------------------


def scope_counter(reading: Reading, ev: Evidence) -> Verdict | None:
    """A commitment to part of the ask: "I can do X but not Y", "X yes, Y no", "only X"."""
    statements = [h for h in ev.positive]
    question_only = all(s.question for s in reading.sentences)
    if reading.of("yes_obj") and reading.of("no_obj"):
        return Verdict("counter", 0.75, f"{reading.of('yes_obj')[0].text} / {reading.of('no_obj')[0].text}")
    excepts = [h for h in reading.of("scope_except") if not reading.sentences[reading.sentence_at(h.start)].question]
    if statements and excepts and not question_only:
        for hit in excepts:
            if object_after(reading, hit):
                return Verdict("counter", 0.75, segment_text(reading, hit.start).strip())
    for hit in reading.of("scope_only"):
        if reading.sentences[reading.sentence_at(hit.start)].question:
            continue
        clause = clause_text(reading, hit.start)
        low = lx.fold(clause)
        able = reader_words().able.search(low)
        clause_start = at_clause_start(reading, hit.start) or bool(
            reader_words().but_or_and_before.search(
                reading.low[reading.clauses[reading.clause_at(hit.start)].start : hit.start]
            )
        )
        limits_a_yes = (
            able
            and any(
                reading.clause_at(h.start) == reading.clause_at(hit.start)
                or reading.segment_at(h.start) == reading.segment_at(hit.start)
                for h in statements + reading.of("works", "alt")
            )
        ) or (clause_start and (excepts or ev.refusals or reading.of("no") or statements))
        if limits_a_yes and object_after(reading, hit):
            return Verdict("counter", 0.7, clause.strip())
    for hit in reading.of("scope_part"):
        # "I can do part of it" / "Teilweise" / "Je peux en faire une partie"
        if not reading.sentences[reading.sentence_at(hit.start)].question:
            return Verdict("counter", 0.7, clause_text(reading, hit.start).strip())
    # "Unfortunately I'm travelling. Yes for the call though.": a yes to one task after a no
    reluctance = [h for h in ev.refusals + ev.weak_refusals if h.cat != "regret"]
    for hit in statements:
        segment = reading.segments[reading.segment_at(hit.start)]
        if (
            segment.contrast
            and object_near(reading, hit)
            and any(
                r.start < hit.start and reading.sentence_at(r.start) != reading.sentence_at(hit.start)
                for r in reluctance
            )
        ):
            return Verdict("counter", 0.65, f"only: {clause_text(reading, hit.start).strip()}")
    # a commitment with a task and a refusal or hand-off with another task
    commits = [
        h
        for h in statements
        if h.cat in ("commit", "accept_strong", "accept", "accept_idiom", "yes") and object_near(reading, h)
    ]
    refusing = ev.refusals + [w for w in ev.weak_refusals if w.cat == "redirect"] if commits else []
    partial = [h for h in refusing if object_near(reading, h)]
    if commits and partial:
        first = min(commits + partial, key=lambda h: h.start)
        other = [h for h in commits + partial if (h in commits) != (first in commits)]
        if other and reading.clause_at(first.start) != reading.clause_at(other[0].start):
            return Verdict("counter", 0.7, f"{first.text} ... {other[0].text}")
    return None
