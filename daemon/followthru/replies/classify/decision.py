"""Step 7, the decision: which answer the evidence gives, in the order of the rules in the
package's documentation, and :func:`classify`, which applies the thresholds in one place."""

from __future__ import annotations

import re
from collections.abc import Set
from datetime import date, datetime

from followthru.replies import intent_lexicon as lx
from followthru.replies.classify.cleaning import clean, greeting_end
from followthru.replies.classify.counters import date_counter, scope_counter
from followthru.replies.classify.cues import at_clause_start, object_near, read_cues, tokens_before
from followthru.replies.classify.evidence import Evidence, evidence_of
from followthru.replies.classify.languages import languages_from_ranking, negation_words, rank_languages
from followthru.replies.classify.reading import ACCEPT_MIN, DECIDE_MIN, Clause, Hit, Reading, Segment, Sentence, Verdict
from followthru.replies.classify.structure import structure
from followthru.replies.classify.words import TOKEN, reader_words
from followthru.replies.heads import TextKeys
from followthru.replies.proposals import find_mentions

# The keywords Followthru's own requests offer (templates/*/ in every language): written in
# capitals anywhere, they answer.
_KEYWORD = re.compile(r"(?<![\w'’])(ACCEPT(?:ED)?|ZUSAGEN|DECLINE(?:D)?|ABSAGEN)(?![\w'’])")


# --- keywords ---------------------------------------------------------------------------------


_MARKS = re.compile(r"[^\w\s]")


def first_line_keyword(words: str) -> str | None:
    line = next((line for line in words.splitlines() if line.strip()), "")
    tokens = _MARKS.sub(" ", line).split()
    if not tokens:
        return None
    head = tokens[0]
    lowered = {token.lower() for token in tokens}
    if all(lowered & keywords for keywords in reader_words().first_line.values()):
        return None  # "ACCEPT or DECLINE?"
    for intent, keywords in reader_words().first_line.items():
        if head.lower() in keywords and (len(tokens) == 1 or head.isupper()):
            return intent
    return None


def keyword_answer(text: str, reading: Reading) -> tuple[str, float, str] | None:
    first = first_line_keyword(text)
    if first:
        return first, 1.0, f"first line: {text.splitlines()[0].strip()}"
    found = set()
    for m in _KEYWORD.finditer(text):
        words = tokens_before(reading, m.start(), 3)
        negators = negation_words(reading.langs, reading.primary)
        if any(w in negators or w.endswith("n't") for w in words):
            continue
        found.add(("accept" if m.group().startswith(("ACCEPT", "ZUSAGEN")) else "decline", m.group()))
    if len({intent for intent, _ in found}) == 1:
        intent, word = found.pop()
        return intent, 0.95, word
    return None


# --- the decision ---------------------------------------------------------------------------------


def read_words(words: str, base: datetime | None) -> Reading:
    text = clean(words)
    low = lx.fold(text)
    keys = TextKeys(low)
    ranked = rank_languages(text, keys)
    langs = languages_from_ranking(ranked)
    primary = ranked[0][0] if ranked[0][1] > 0 else None
    sentences, segments, clauses = structure(text, low, langs)
    if not clauses:
        clauses = [Clause(0, len(text), 0, 0, 0)]
        segments = [Segment(0, len(text), 0, 0, False)]
        sentences = [Sentence(0, len(text), 0, "?" in text)]
    reading = Reading(text, low, langs, primary, sentences, segments, clauses, greeting_end=greeting_end(text))
    read_cues(reading, keys)
    if base is not None:
        reading.mentions = find_mentions(text, base, set(langs), primary)
    return reading


def taken_back(reading: Reading, ev: Evidence) -> Verdict | None:
    """A yes taken back ("Yes. Actually, no."): nothing is decided."""
    if not ev.positive:
        return None
    first_yes = ev.positive[0]
    for fix in reading.of("correction"):
        if fix.start <= first_yes.start:
            continue
        after = [h for h in ev.refusals + ev.negated_positive if h.start >= fix.start]
        negators = negation_words(reading.langs, reading.primary)
        following = TOKEN.findall(reading.low[fix.end :])[:3]
        negation = [w for w in following if w in negators or w.endswith("n't") or reader_words().bare_no.fullmatch(w)]
        if negation and not after:
            after = [Hit("no", fix.end, fix.end, negation[0])]
        if after:
            return Verdict("unclear", 0.4, f"contradicts itself: {first_yes.text} ... {fix.text} {after[0].text}")
    return None


def sentence_object(reading: Reading, hit: Hit) -> bool:
    """The sentence of ``hit`` names a task besides its cues ("Questionnaire - yes.")."""
    sentence = reading.sentences[reading.sentence_at(hit.start)]
    return any(
        object_near(reading, Hit(hit.cat, c.start, c.start, ""))
        for c in reading.clauses
        if sentence.start <= c.start < sentence.end
    )


def line_of(reading: Reading, pos: int) -> int:
    return reading.text.count("\n", 0, pos)


def both_answers(reading: Reading, ev: Evidence) -> Verdict:
    """A yes and a no in the same reply, neither a reduced scope nor a date."""
    yes, no = ev.positive[0], ev.refusals[0]
    separate = reading.paragraph_at(yes.start) != reading.paragraph_at(no.start) or (
        line_of(reading, yes.start) != line_of(reading, no.start)
        and at_clause_start(reading, yes.start)
        and at_clause_start(reading, no.start)
    )
    if separate and not any(reading.of("correction")):
        # inline answers, one per ask: yes to one, no to the other
        return Verdict("counter", 0.65, f"{yes.text} ... {no.text}")
    if (
        reading.sentence_at(yes.start) != reading.sentence_at(no.start)
        and sentence_object(reading, yes)
        and sentence_object(reading, no)
        and not any(reading.of("correction"))
    ):
        # "Re the questionnaire: happy to. Re the call: can't."
        return Verdict("counter", 0.65, f"{yes.text} ... {no.text}")
    later, earlier = (no, yes) if yes.start < no.start else (yes, no)
    contrast = any(seg.contrast and earlier.start < seg.start <= later.start for seg in reading.segments)
    if yes.start < no.start and contrast:
        return Verdict("decline", 0.7, f"{yes.text} ... but {no.text}")
    if no.start < yes.start and contrast:
        if yes.cat in ("commit", "accept", "accept_strong") and object_near(reading, yes):
            # "I won't make the call, but happy to do the questionnaire": other terms
            return Verdict("counter", 0.65, f"{no.text} ... but {yes.text}")
        return Verdict("decline", 0.6, f"{no.text} ... {yes.text}")
    return Verdict("unclear", 0.4, f"both '{yes.text}' and '{no.text}'")


def qualified_yes(reading: Reading, ev: Evidence, hits: list[Hit]) -> bool:
    """Regret or an absence in the sentence of the yes or in a "but" part after it."""
    yes_sentences = {reading.sentence_at(h.start) for h in hits}
    first = min(h.start for h in hits)
    for weak in ev.weak_refusals:
        if weak.cat not in ("decline_weak", "absence") or weak.start < first:
            continue  # "I'm away next week, but I can do it on Friday": the yes comes after
        segment = reading.segments[reading.segment_at(weak.start)]
        if reading.sentence_at(weak.start) in yes_sentences or (segment.contrast and segment.start > first):
            return True
    return False


def wish_then_but(reading: Reading, ev: Evidence) -> Verdict | None:
    """ "I'd love to, but I'm travelling": a wish taken back by what follows."""
    if not ev.wishes or ev.positive:
        return None
    wish = ev.wishes[0]
    for hit in ev.refusals + ev.weak_refusals:
        segment = reading.segments[reading.segment_at(hit.start)]
        if hit.start > wish.start and segment.contrast and hit.cat != "redirect":
            return Verdict("decline", 0.7, f"{wish.text} ... but {hit.text}")
    for segment in reading.segments:
        # "I'd really like to help, but I'm already on two other deals": a wish, then a reason
        if segment.contrast and segment.start > wish.start and not ev.hedges:
            return Verdict("decline", 0.65, f"{wish.text} ... {reading.text[segment.start : segment.end].strip()}")
    return None


def accept_verdict(reading: Reading, ev: Evidence) -> Verdict:
    hits = ev.positive
    first = hits[0]
    for weak in ev.weak_refusals:
        segment = reading.segments[reading.segment_at(weak.start)]
        if segment.contrast and weak.start > first.start:
            # "Of course, but the timing is bad" / "Yes, but I'm out on the 18th"
            return Verdict("unclear", 0.45, f"yes, but: {weak.text}")
    negators = negation_words(reading.langs, reading.primary)
    for segment in reading.segments:
        if not segment.contrast or segment.start <= first.start:
            continue
        words = TOKEN.findall(reading.neg_text[segment.start : segment.end])
        for i, word in enumerate(words):
            if (word in negators or word.endswith("n't")) and not (
                i + 1 < len(words) and reader_words().harmless_after_no.match(words[i + 1])
            ):
                # "Yes, but not this week": the yes is qualified
                qualified = reading.text[segment.start : segment.end].strip()
                return Verdict("unclear", 0.45, f"yes, but: {qualified}")
    if all(h.cat == "yes" for h in hits) and any(reader_words().noncommittal.search(a.text) for a in ev.acks):
        # "Sure, I can look at it" / "Yes, received": seen, not promised
        return Verdict("unclear", 0.5, f"{first.text}, {ev.acks[0].text}")
    best = max(hits, key=lambda h: (h.weight, -h.start))
    distinct = {h.text.lower() for h in hits}
    confidence = min(0.97, best.weight + 0.05 * (len(distinct) - 1))
    if ev.questions:
        confidence -= 0.05
    if qualified_yes(reading, ev, hits):
        confidence -= 0.15
    if ev.negated_positive:
        confidence -= 0.2
    confidence = round(confidence, 2)
    if confidence < ACCEPT_MIN:
        return Verdict("unclear", min(0.55, confidence), f"weak yes: {best.text}")
    return Verdict("accept", confidence, best.text)


def classify(words: str, base: datetime | None = None, asked: Set[date] = frozenset()) -> Verdict:
    """The intent of ``words`` (a person's new words only, quotes already removed).

    ``base`` is the naive local moment the words were written, for reading dates ("Friday");
    ``asked`` are the dates the request asked for: a yes with a later deadline is a counter.
    """
    verdict = decide(words, base, asked)
    # the thresholds, in one place: an answer below them is no answer
    floor = ACCEPT_MIN if verdict.intent == "accept" else DECIDE_MIN
    if verdict.intent != "unclear" and verdict.confidence < floor:
        return Verdict(
            "unclear", min(verdict.confidence, DECIDE_MIN - 0.05), f"not sure ({verdict.intent}): {verdict.evidence}"
        )
    if verdict.intent == "unclear" and verdict.confidence >= DECIDE_MIN:
        return Verdict("unclear", DECIDE_MIN - 0.05, verdict.evidence)
    return verdict


def decide(words: str, base: datetime | None, asked: Set[date]) -> Verdict:
    if not words or not words.strip():
        return Verdict("unclear", 0.3, "no new words")
    reading = read_words(words, base)
    if not reading.text.strip():
        return Verdict("unclear", 0.3, "no new words")
    ev = evidence_of(reading)
    keyword = keyword_answer(reading.text, reading)

    contradiction = taken_back(reading, ev)
    if contradiction:
        return contradiction
    if reading.of("mixed"):
        return Verdict("unclear", 0.45, f"mixed: {reading.of('mixed')[0].text}")
    counter = date_counter(reading, ev, asked) or scope_counter(reading, ev)
    if counter:
        return counter
    if keyword:
        return Verdict(*keyword)

    asks = [s for s in ev.questions]
    question_text = reading.text[asks[0].start : asks[0].end].strip() if asks else ""
    if ev.precommit and (asks or reading.of("question_lead") or not ev.hedges):
        return Verdict("question", 0.8, question_text or ev.precommit[0].text)

    strong_commit = [h for h in ev.positive if h.cat in ("accept_strong", "commit", "accept_idiom")]
    if ev.positive and ev.refusals:
        mixed = both_answers(reading, ev)
        if mixed.intent == "unclear":
            return mixed
    hedged = hedged_by(reading, ev, strong_commit)
    if hedged:
        if (
            asks
            and not ev.hedges
            and not ev.refusals
            and (
                not ev.positive
                or (
                    not ev.deferrals
                    and ev.conditions
                    and all(
                        any(reading.sentence_at(k.start) == reading.sentence_at(h.start) for k in ev.conditions)
                        for h in ev.positive
                    )
                )
            )
        ):
            # "Is it the full SIG? If it's lite, I'm happy to take it": the answer decides
            return Verdict("question", 0.7, question_text)
        if ev.refusals and not ev.positive and not ev.hedges:
            return Verdict("decline", 0.7, ev.refusals[0].text)
        return Verdict("tentative", 0.75 if ev.hedges else 0.65, hedged)

    wish_but = wish_then_but(reading, ev)
    if wish_but:
        return wish_but
    if ev.positive and ev.refusals:
        return both_answers(reading, ev)
    if ev.refusals:
        strongest = max(ev.refusals, key=lambda h: h.weight)
        confidence = min(0.95, strongest.weight + 0.03 * (len(ev.refusals) - 1))
        if ev.positive or ev.oks:
            confidence -= 0.1
        return Verdict("decline", round(confidence, 2), ev.refusals[0].text)
    if ev.positive:
        return accept_verdict(reading, ev)
    if ev.wishes and not asks and not ev.weak_refusals and not ev.negated_positive:
        if reader_words().warm_wish.search(ev.wishes[0].text):  # "I'd love to!"
            return Verdict("accept", 0.7, ev.wishes[0].text)
        return Verdict("unclear", 0.5, f"only a wish: {ev.wishes[0].text}")
    if asks or reading.of("question_lead"):
        lead = reading.of("question_lead")
        return Verdict("question", 0.75 if asks else 0.65, question_text or lead[0].text)
    if ev.weak_refusals:
        weights = [h.weight for h in ev.weak_refusals]
        confidence = max(weights) + 0.15 * (len(weights) - 1)
        if confidence >= DECIDE_MIN:
            return Verdict("decline", round(min(confidence, 0.7), 2), ev.weak_refusals[0].text)
    if ev.negated_positive:
        return Verdict("unclear", 0.45, f"negated: {ev.negated_positive[0].text}")
    if ev.oks:
        return Verdict("unclear", 0.5, f"only '{ev.oks[0].text}'")
    if ev.acks:
        return Verdict("unclear", 0.4, f"acknowledgement only: {ev.acks[0].text}")
    return Verdict("unclear", 0.3, "no decision found")


def hedged_by(reading: Reading, ev: Evidence, strong_commit: list[Hit]) -> str | None:
    """What makes the answer tentative, if anything: a hedge, a condition on the yes, a
    deferral, or a weak hedge ("should be fine") that no firm commitment elsewhere outweighs."""
    if ev.hedges:
        return ev.hedges[0].text
    if ev.deferrals:
        return ev.deferrals[0].text
    if ev.conditions and (ev.positive or ev.weak_hedges or (not ev.refusals and not ev.questions)):
        return f"{ev.conditions[0].text} ..."
    if ev.weak_hedges:
        hedge_sentences = {reading.sentence_at(h.start) for h in ev.weak_hedges}
        firm_elsewhere = [h for h in strong_commit if reading.sentence_at(h.start) not in hedge_sentences]
        if not firm_elsewhere:
            return ev.weak_hedges[0].text
    return None
