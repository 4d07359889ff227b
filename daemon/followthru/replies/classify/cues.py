"""Steps 4 and 5, cues and their negation: the phrases of every category found on the folded
text, masked in an order that lets compound phrases win over their parts; which of them a
negation takes back; and the helpers that ask whether a clause names a task."""

from __future__ import annotations

import re

from followthru.replies import intent_lexicon as lx
from followthru.replies.classify.languages import negation_words
from followthru.replies.classify.reading import Hit, Reading
from followthru.replies.classify.words import TOKEN, reader_words
from followthru.replies.heads import TextKeys, finditer

_LEAD_MARK = re.compile(r"^\s*(?:[-*•>]+|\(?\d{1,2}[.)]|\(?[a-z][)])\s*")
_A_WORD_CHARACTER = re.compile(r"[\w]")

# Found in this order; each category's phrases are masked before the next category is read.
_MASKING_ORDER = (
    "mixed",
    "precommit",
    "info_need",
    "polite_if",
    "return",
    "accept_idiom",
    "wish",
    "defer",
    "hedge",
    "ack",
    "decline",
    "accept_strong",
    "commit",
    "accept",
)
# Found without masking (they only mark positions).
_MARKERS = (
    "future_ref",
    "past_ref",
    "substitute",
    "postpone",
    "hedge_weak",
    "condition",
    "correction",
    "alt",
    "not_before",
    "works",
    "scope_except",
    "scope_only",
    "scope_part",
    "redirect",
    "absence",
    "reject",
    "decline_weak",
    "regret",
    "question_lead",
    "yes",
    "ok",
)
# Markers read on the masked text: a longer phrase may contain them ("sauf imprévu" is a hedge,
# not a scope limit; "unless something comes up" is a hedge, not a condition).
_READ_MASKED = ("yes", "ok", "scope_except", "scope_only", "scope_part", "condition")
_CATEGORIES = _MASKING_ORDER + _MARKERS
_BULLET = re.compile(r"^[\s\-–(*•>]*(?:\d{1,2}[.)]\s*)?")  # "- ", "2. " before a bare "No"
_MASKED = frozenset(_MASKING_ORDER)
_ON_MASKED_TEXT = frozenset(_MASKING_ORDER + _READ_MASKED)

WEIGHTS = {
    "accept_strong": 0.9,
    "commit": 0.85,
    "accept_idiom": 0.85,
    "accept": 0.8,
    "yes": 0.75,
    "wish": 0.7,
    "ok": 0.5,
    "decline": 0.9,
    "no": 0.85,
    "decline_weak": 0.45,
    "reject": 0.5,
    "redirect": 0.45,
    "absence": 0.45,
    "regret": 0.3,
}
POSITIVE = ("accept_strong", "commit", "accept_idiom", "accept", "yes")


def mask(text: str, start: int, end: int, char: str = "\x00") -> str:
    """``text`` with ``start:end`` blanked out by a character that is neither a word character
    nor a blank, so phrases never match across the gap ("can't commit" must not become "I
    commit")."""
    return text[:start] + char * (end - start) + text[end:]


def at_clause_start(reading: Reading, pos: int) -> bool:
    clause = reading.clauses[reading.clause_at(pos)]
    lead = reading.low[clause.start : pos]
    lead = _LEAD_MARK.sub("", lead)  # "2. No"
    # "Hi Riley - yes": what follows a greeting opens the clause
    return not _A_WORD_CHARACTER.search(reader_words().greeting.sub("", lead, count=1))


def read_cues(reading: Reading, keys: TextKeys | None = None) -> None:
    """Find the cues of every category in ``reading`` (``keys``: of ``reading.low``, when made
    already), and which of them are negated."""
    work = reading.low
    langs = reading.langs
    places = lx.gate(_CATEGORIES, langs).places(keys or TextKeys(reading.low))
    possible = places.labels
    for cat in _CATEGORIES:
        if cat not in possible:  # no word of the text starts like one of its phrases
            reading.hits[cat] = []
            continue
        starts = places.starts(cat)
        free, start_only = lx.patterns(cat, langs)
        source = work if cat in _ON_MASKED_TEXT else reading.low
        found: list[Hit] = []
        for pattern, anchored in ((free, False), (start_only, True)):
            if pattern is None:
                continue
            for m in finditer(pattern, source, starts):
                if m.end() == m.start():
                    continue
                if (anchored or cat in ("yes", "ok")) and not at_clause_start(reading, m.start()):
                    continue
                found.append(
                    Hit(cat, m.start(), m.end(), reading.text[m.start() : m.end()], weight=WEIGHTS.get(cat, 0.0))
                )
        if len(found) > 1:
            found.sort(key=lambda hit: (hit.start, -(hit.end - hit.start)))
        kept: list[Hit] = []
        for hit in found:
            if kept and hit.start < kept[-1].end:
                continue
            kept.append(hit)
        if cat in _MASKED:
            for hit in kept:
                work = mask(work, hit.start, hit.end)
        reading.hits[cat] = kept
    # A bare "No." / "Nein," at the start of a clause, and "no to the call".
    bare = []
    for clause in reading.clauses:
        piece = work[clause.start : clause.end]
        bullet = _BULLET.match(piece)
        assert bullet is not None, "the pattern matches the empty string too"
        lead = bullet.end()
        for pattern in (reader_words().bare_no, reader_words().no_to):
            no = pattern.match(piece, lead)
            if no:
                bare.append(
                    Hit(
                        "no",
                        clause.start + no.start("no"),
                        clause.start + no.end("no"),
                        reading.text[clause.start + no.start("no") : clause.start + no.end("no")],
                        weight=WEIGHTS["no"],
                    )
                )
                break
    reading.hits["no"] = bare
    # "Demo yes, sizing estimate no"
    yes_obj: list[Hit] = []
    no_obj: list[Hit] = []
    vocabulary = reader_words()
    for clause in reading.clauses:
        piece = _without_greeting(reading, clause.start, reading.low[clause.start : clause.end])
        for pattern, target in ((vocabulary.object_yes, yes_obj), (vocabulary.object_no, no_obj)):
            said = pattern.match(piece)
            if said and has_object(said.group("obj")) and not vocabulary.not_an_object.search(said.group("obj")):
                target.append(Hit("obj", clause.start, clause.end, reading.text[clause.start : clause.end].strip()))
    reading.hits["yes_obj"], reading.hits["no_obj"] = yes_obj, no_obj
    mark_negations(reading, work)


def tokens_before(reading: Reading, pos: int, count: int) -> list[str]:
    clause = reading.clauses[reading.clause_at(pos)]
    return TOKEN.findall(reading.neg_text[clause.start : pos])[-count:]


def tokens_after(reading: Reading, pos: int, count: int) -> list[str]:
    clause = reading.clauses[reading.clause_at(max(pos - 1, 0))]
    return TOKEN.findall(reading.neg_text[pos : clause.end])[:count]


def mark_negations(reading: Reading, work: str) -> None:
    """Mark negated positive phrases, availability phrases and refusals."""
    text = reading.low
    for hit in reading.hits.get("accept_idiom", []) + reading.hits.get("hedge", []):
        text = mask(text, hit.start, hit.end, " ")
    reading.neg_text = text
    negators = negation_words(reading.langs, reading.primary) | {"n't"}
    post = lx.word_set("post_negator", reading.langs)

    def negated(hit: Hit, before: int = 3, after: int = 2) -> bool:
        words = tokens_before(reading, hit.start, before)
        if any(w in negators or w.endswith("n't") for w in words):
            # "not only", "no doubt" are no negation of what follows
            return True
        tail = tokens_after(reading, hit.end, after)
        return any(w in post for w in tail)

    for cat in ("accept_strong", "commit", "accept", "works", "yes", "ok", "wish"):
        for hit in reading.hits.get(cat, []):
            inner = TOKEN.findall(lx.fold(hit.text))
            if any(w in negators or w.endswith("n't") for w in inner):
                hit.negated = True  # "ich kann das leider nicht machen"
                continue
            hit.negated = negated(hit, after=0 if cat == "yes" else 4)
    for cat in ("decline", "reject"):
        for hit in reading.hits.get(cat, []):
            words = tokens_before(reading, hit.start, 3)
            # "never been one to turn down": "never" before a refusal (a bare "No I can't"
            # is no double negation)
            if any(w in reader_words().never for w in words):
                hit.negated = True
    # refusal phrases swallow the availability words inside them ("doesn't work")
    blocked = reading.of("decline", "reject")
    for hit in reading.hits.get("works", []):
        if any(b.start <= hit.start < b.end or hit.start <= b.start < hit.end for b in blocked):
            hit.negated = True


def has_object(phrase: str) -> bool:
    """Whether ``phrase`` names a task ("the CISO call", "den Fragebogen"), not just "it"."""
    if re.search(r"\d\s*%|[$€£]\s*\d|\d\s*(?:k|m|eur|usd|chf)\b", phrase, re.I):
        return True  # an amount: "I can't approve 15%"
    words = [w for w in TOKEN.findall(lx.fold(phrase)) if not w.isdigit()]
    vocabulary = reader_words()
    return any(len(w) > 2 and w not in vocabulary.generic and w not in vocabulary.cue_words for w in words)


# --- helpers on the reading ------------------------------------------------------------------


def in_question_clause(reading: Reading, hit: Hit) -> bool:
    """Inside the part of a question sentence that asks ("Is it OK to share ...?"): from the
    first clause of the sentence that opens like a question, else its last clause, to its end.
    Earlier clauses answer ("Sure, but is it remote?", "No capacity, maybe ask Priya?")."""
    sentence_index = reading.sentence_at(hit.start)
    if not reading.sentences[sentence_index].question:
        return False
    clauses = [i for i, c in enumerate(reading.clauses) if c.sentence == sentence_index]
    asking_from = clauses[-1]
    for i in clauses:
        clause = reading.clauses[i]
        if reader_words().interrogative.match(reading.low[clause.start : clause.end]) or reading.text[
            clause.start : clause.end
        ].lstrip().startswith("¿"):
            asking_from = i
            break
    return reading.clause_at(hit.start) >= asking_from


def clause_text(reading: Reading, pos: int) -> str:
    clause = reading.clauses[reading.clause_at(pos)]
    return reading.text[clause.start : clause.end]


def segment_text(reading: Reading, pos: int, low: bool = False) -> str:
    segment = reading.segments[reading.segment_at(pos)]
    source = reading.low if low else reading.text
    return source[segment.start : segment.end]


def object_near(reading: Reading, hit: Hit) -> bool:
    """The clause of ``hit`` names a task besides the cue itself ("den Fragebogen übernehme
    ich", "the CISO call is a no")."""
    clause = reading.clauses[reading.clause_at(hit.start)]
    text = reading.low[clause.start : clause.end]
    offset = clause.start
    for other in reading.of(
        *POSITIVE,
        "decline",
        "reject",
        "redirect",
        "scope_except",
        "scope_only",
        "hedge",
        "ack",
        "no",
        "accept_idiom",
        "absence",
        "future_ref",
        "decline_weak",
    ):
        if clause.start <= other.start < clause.end:
            a, b = other.start - offset, min(other.end, clause.end) - offset
            text = text[:a] + " " * (b - a) + text[b:]
    for mention in reading.mentions:
        if clause.start <= mention.start < clause.end:
            a, b = mention.start - offset, min(mention.end, clause.end) - offset
            text = text[:a] + " " * (b - a) + text[b:]
    return has_object(_without_greeting(reading, clause.start, text))


def _without_greeting(reading: Reading, start: int, text: str) -> str:
    """``text`` (which starts at ``start`` in the reply) with the opening greeting blanked out:
    "Hi Morgan" names a person, never a task."""
    if start >= reading.greeting_end:
        return text
    cut = min(reading.greeting_end - start, len(text))
    return " " * cut + text[cut:]


def own_subject(reading: Reading, hit: Hit) -> bool:
    """A weak hedge about the person or the task ("should be fine", "I might"), not about
    someone else ("Sam might be better placed")."""
    clause = reading.clauses[reading.clause_at(hit.start)]
    before = TOKEN.findall(reading.low[clause.start : hit.start])
    return not before or before[-1] in reader_words().subjects


def object_after(reading: Reading, hit: Hit) -> bool:
    """A task named right after a scope word ("but not the call", "only the questionnaire")."""
    clause = reading.clauses[reading.clause_at(hit.start)]
    segment = reading.segments[reading.segment_at(hit.start)]
    tail = reading.low[hit.end : max(clause.end, segment.end)]
    tail = re.split(r"[.;!?]", tail)[0]
    words = TOKEN.findall(tail)[:5]
    return has_object(" ".join(words))
