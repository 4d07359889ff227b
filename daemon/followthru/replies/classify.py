"""The intent of a person's own words: accept, decline, tentative, counter, question or unclear.

Rules, in order:

1. A first line that is ACCEPT / DECLINE (also ZUSAGEN / ABSAGEN ...) decides, confidence 1.0
   (unless the rest proposes other terms: then it is a counter); one of these keywords in
   capitals elsewhere decides too, with 0.95, unless negated ("I can't ACCEPT this").
2. Idioms that contain a negative word but mean yes ("no problem", "can't wait") or maybe
   ("not sure", "can't promise") are read first and masked, so "no" and "can't" inside them
   never count as a refusal.
3. Phrases of each intent are found, skipping accept phrases that are negated ("not happy to").
4. A counter needs a concrete alternative: a date next to "instead", "how about", "but ...
   works", "push to", or a refusal followed by a date; or a reduced scope ("I can do X but not
   Y", "I can only ...").
5. Hedges beat everything but a counter (tentative); a refusal and a yes together are resolved by
   "but"; a question only counts when nothing is decided.

When nothing fits the answer is ``unclear`` with a confidence below 0.6: a false *accept* is the
worst error, so accept is only returned on an explicit phrase.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from datetime import date, datetime

from followthru.replies.dates import Found, find_dates


@dataclass(frozen=True)
class Verdict:
    """What the words say, how sure we are (0..1), the phrase that decided, a proposed date."""

    intent: str
    confidence: float
    evidence: str
    proposed_date: date | None = None


def _words(*phrases: str) -> re.Pattern[str]:
    """One pattern matching any of ``phrases`` as whole words ("'" also matches "’")."""
    body = "|".join(p.replace("'", "['’]") for p in phrases)
    return re.compile(rf"(?<![\w'’])(?:{body})(?![\w'’])", re.I)


_FIRST_LINE = {
    "accept": {"accept", "accepted", "zusagen", "zusage", "accepte", "accepté", "acepto"},
    "decline": {"decline", "declined", "absagen", "absage", "décline", "refuse", "rechazo"},
}
# The keywords the request offers, written in capitals anywhere ("Sorry, was out. ACCEPT.").
_KEYWORD = re.compile(r"(?<![\w'’])(ACCEPT(?:ED)?|ZUSAGEN|DECLINE(?:D)?|ABSAGEN)(?![\w'’])")

# Idioms read before anything else, then masked.
_ACCEPT_IDIOMS = _words(
    "no problem", "not a problem", "no problems", "no worries", "no issue", "no issues",
    "not an issue", "won't be a problem", "will not be a problem", "can't wait", "cannot wait",
    "can not wait", "why not", "no doubt", "kein problem", "kein thema", "pas de problème",
    "pas de probleme", "pas de souci", "pas de soucis", "aucun problème", "sin problema",
    "ningún problema", "no hay problema", "ohne problem",
)
_TENTATIVE_IDIOMS = _words(
    "not sure", "not certain", "not yet", "not (?:yet )?confirmed", "can't promise",
    "cannot promise", "can't guarantee", "cannot guarantee", "can't confirm", "cannot confirm",
    "can't say yet", "don't know yet",
    "nicht sicher", "noch nicht", "pas sûr", "pas sûre", "pas certain", "pas encore",
    "no estoy seguro", "no estoy segura", "todavía no", "aún no",
)

_ACCEPT = _words(
    # English
    "count me in", "i'm in", "i am in", "will do", "i can do (?:that|it|this)", "can do",
    "happy to", "glad to", "would love to", "i'd love to", "sounds good", "sounds great",
    "sounds fine", "works for me", "that works", "fine by me", "fine with me", "confirmed",
    "i confirm", "i commit", "committed", "i accept", "accepted", "agreed", "i'll do it",
    "i will do it", "i'll take (?:it|this|that|care of it)", "i'll handle it", "i'm on it",
    "consider it done", "count on me", "absolutely", "definitely", "of course", "certainly",
    "will be done", "i've got it covered", "got it covered", "i'll be there",
    # German
    "bin dabei", "ich bin dabei", "mache ich", "mach ich", "machen wir", "übernehme ich",
    "passt", "geht klar", "einverstanden", "in ordnung", "ich sage zu",
    "zugesagt", "bestätigt", "ich bestätige", "gerne", "gern", "selbstverständlich",
    "natürlich", "klar", "sehr gerne",
    # French
    "d'accord", "avec plaisir", "ça marche", "ca marche", "je m'engage", "volontiers",
    "compte sur moi", "c'est bon", "bien sûr", "entendu",
    "je confirme", "je suis partant", "je suis partante", "je m'en occupe", "je m'en charge",
    # Spanish
    "de acuerdo", "cuenta conmigo", "con gusto", "me comprometo",
    "por supuesto", "lo hago", "confirmado", "confirmo", "me encargo", "perfecto", "claro",
)
# "yes" and its kin only at the start of a sentence or clause.
_YES = re.compile(
    r"(?:^|[.!?,;:\n(]\s*)\s*(yes|yep|yeah|yup|sure|ja|jawohl|oui|sí|si(?=[,.!])|vale)"
    r"(?![\w'’])", re.I)
_STRONG_ACCEPT = re.compile(
    r"count me in|i'?m in|i am in|i commit|committed|confirm|i accept|will do|i can do|bin dabei"
    r"|je m'engage|me comprometo|zugesagt", re.I)

_DECLINE = _words(
    "can't", "cannot", "can not", "couldn't", "won't be able", "will not be able", "i won't",
    "i will not", "not this time", "unable to", "not able to", "not available", "unavailable",
    "decline", "have to pass", "i'll pass", "must pass", "not possible", "impossible", "i'm out",
    "count me out", "too busy", "no capacity", "no bandwidth",
    "don't have (?:the )?(?:time|capacity|bandwidth)", "not going to (?:be able|make it)",
    "not in a position", "afraid not", "no can do", "don't think i can", "do not think i can",
    "i'm not doing", "not for me", "regret to",
    # German
    "nicht dieses mal", "diesmal nicht", "leider nicht", "kann ich nicht", "kann nicht",
    "kann leider nicht", "schaffe ich nicht",
    "schaffe das nicht", "nicht möglich", "unmöglich", "muss absagen", "muss leider absagen",
    "sage ab", "keine zeit", "keine kapazität", "bin raus", "geht nicht", "geht leider nicht",
    # French
    "je ne peux pas", "je ne pourrai pas", "je ne pourrais pas", "pas possible", "pas cette fois",
    "je dois décliner", "je dois refuser", "je refuse", "pas disponible", "indisponible",
    "je décline",
    # Spanish
    "no puedo", "no podré", "no podría", "no es posible", "no estoy disponible",
    "tengo que declinar", "debo declinar", "no me es posible", "esta vez no",
)
_WEAK_DECLINE = _words("unfortunately", "leider", "malheureusement", "lamentablemente",
                       "desafortunadamente")
_NO = re.compile(r"(?:^|[.!?;\n]\s*)\s*(no|nope|nah|nein|non)(?![\w'’])", re.I)

_TENTATIVE = _words(
    "maybe", "perhaps", "probably", "possibly", "i'll try", "i will try", "i'd try", "try to",
    "let me check", "need to check", "have to check", "will check", "will confirm",
    "i'll confirm", "confirm later", "unsure", "i think so", "hopefully", "should be able",
    "might", "tentative", "tentatively", "let you know(?! if)", "get back to you(?! if)",
    "depends on", "depending on", "as long as", "provided that", "assuming", "if i can",
    "pencil me in", "tbc",
    # German
    "vielleicht", "eventuell", "wahrscheinlich", "vermutlich", "ich versuche", "versuche es",
    "ich schaue", "ich prüfe", "muss prüfen", "muss schauen", "melde mich", "gebe bescheid",
    "unter vorbehalt", "möglicherweise",
    # French
    "peut-être", "peut être", "probablement", "je vais essayer", "j'essaierai", "je vérifie",
    "je vais vérifier", "je confirme plus tard", "sous réserve", "éventuellement",
    "je reviens vers vous",
    # Spanish
    "quizás", "quizá", "tal vez", "intentaré", "lo intentaré", "lo confirmo", "te confirmo",
    "le confirmo", "a lo mejor", "posiblemente",
)

# A counter-proposal marker: counts with a date in the same sentence.
_COUNTER_DATE = _words(
    "instead", "how about", "what about", "would .{1,40} work", "(?:can|could) we (?:do|make|move"
    "|push|shift|say|change|postpone)", "push (?:it|this|that)?", "move (?:it|this|that)?",
    "postpone", "reschedule", "works better", "would be better", "better for me", "prefer",
    "earliest", "not before", "no earlier than", "rather", "only by",
    "stattdessen", "statt", "wie wäre es", "wie wär's", "lieber", "erst am", "erst bis",
    "verschieben", "plutôt", "à la place", "au lieu", "que diriez-vous", "et si",
    "en su lugar", "en lugar de", "qué tal", "que tal", "mejor", "propongo",
)
# "... but Dec 11 works", "Dec 11 would work" after a refusal.
_WORKS = _words("works?", "would work", "is fine", "is better", "is possible", "is ok", "geht",
                "passt", "ginge", "marche", "me va", "funciona", "sería posible", "est possible")
_NOT_THIS = re.compile(r"(instead of|rather than|not|statt|au lieu de|en lugar de|plutôt que)\s*"
                       r"(?:the\s+|on\s+|by\s+|am\s+|le\s+|el\s+)?$", re.I)
# A reduced scope: commits to part of the ask.
_COUNTER_SCOPE = re.compile(
    r"\b(?:i can|i could|i'll|i will|happy to|can do)\b[^.!?\n]{1,80}\bbut not\b"
    r"|\b(?:i )?can only\b|\bonly able to\b|\bpart of (?:it|this|that|the)\b|\bpartially\b"
    r"|\bnur (?:den|die|das)\b[^.!?\n]{1,60}\bnicht\b|\bseulement\b|\bsolo (?:puedo|el|la)\b",
    re.I)
_BUT = re.compile(r"\b(but|however|though|aber|mais|pero|sino)\b", re.I)
_NEGATION = re.compile(r"(?<![\w'’])(not|n't|never|no|nicht|kein|keine|ne|pas|jamais|nunca)"
                       r"(?![\w'’])|n['’]t\b", re.I)
_QUESTION_LEAD = re.compile(
    r"\b(could|can|would) you (?:please )?(?:clarify|explain|tell me|confirm)\b|quick question"
    r"|question:|i (?:was )?wonder(?:ing)?\b|können sie (?:mir )?(?:erklären|sagen)"
    r"|könntest du|pourriez-vous (?:préciser|expliquer)|pouvez-vous préciser"
    r"|podr[ií]as? (?:aclarar|explicar)", re.I)
_ACKNOWLEDGEMENT = _words("thanks", "thank you", "thx", "got it", "noted", "received", "ok",
                          "okay", "danke", "merci", "gracias", "fyi", "see below", "cheers")
_BY = re.compile(r"\b(by|until|till|before|bis|bis zum|avant|avant le|d'ici|para|antes del?)\s+"
                 r"(?:the\s+|le\s+|el\s+|zum\s+|am\s+)?$", re.I)
# Sentences end at a line break, or at . ! ? before a capital letter or the end ("11.12. liefern"
# stays one sentence).
_SENTENCE = re.compile(r".+?(?:[.!?]+(?=\s+[A-ZÀ-ÖØ-Þ¿¡\"']|\s*$)|(?=\n)|$)", re.M)


@dataclass(frozen=True)
class _Hit:
    intent: str
    start: int
    text: str


def _mask(text: str, pattern: re.Pattern[str]) -> tuple[str, list[re.Match[str]]]:
    matches = list(pattern.finditer(text))
    for m in matches:
        text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return text, matches


def _negated(text: str, start: int, end: int) -> bool:
    """A negation among the 3 words before the phrase, or "nicht" / "pas" right after it."""
    clause = re.split(r"[.,;:!?\n]", text[:start])[-1]
    after = re.split(r"[.,;:!?\n]", text[end:])[0].split()[:3]
    return bool(_NEGATION.search(" ".join(clause.split()[-3:]))) or bool(
        {"nicht", "pas", "nein"} & {word.lower() for word in after})


def _first_line(words: str) -> str | None:
    line = next((line for line in words.splitlines() if line.strip()), "")
    tokens = re.sub(r"[^\w\s]", " ", line).split()
    if not tokens:
        return None
    head = tokens[0]
    lowered = {token.lower() for token in tokens}
    if all(lowered & keywords for keywords in _FIRST_LINE.values()):
        return None  # "ACCEPT or DECLINE?"
    for intent, keywords in _FIRST_LINE.items():
        if head.lower() in keywords and (len(tokens) == 1 or head.isupper()):
            return intent
    return None


def _pick(text: str, dates: list[Found], after: int) -> Found:
    """The proposed one of ``dates``: the first after ``after`` not introduced by "instead of"
    / "not"; else the last date."""
    for found in dates:
        lead = text[max(after, found.start - 30):found.start]
        if found.start >= after and not _NOT_THIS.search(lead):
            return found
    return dates[-1]


def _counter(words: str, masked: str, base: datetime | None, refused: bool) -> Verdict | None:
    """A counter-proposal: a concrete other date, or a reduced scope."""
    if base is not None:
        for sentence in _SENTENCE.finditer(words):
            text, offset = sentence.group(), sentence.start()
            dates = find_dates(text, base)
            if not dates:
                continue
            marked = masked[offset:sentence.end()]
            marker = _COUNTER_DATE.search(marked)
            if marker:
                return Verdict("counter", 0.8, text.strip(), _pick(text, dates, marker.start()).day)
            but = list(_BUT.finditer(text))
            if but and any(d.start >= but[-1].end() for d in dates):
                before = marked[:but[-1].start()]
                contrast = _DECLINE.search(before) or _NEGATION.search(before)
                if contrast or dates[0].start < but[-1].start():
                    chosen = _pick(text, dates, but[-1].end())
                    return Verdict("counter", 0.8, text.strip(), chosen.day)
            if refused and _WORKS.search(marked):
                return Verdict("counter", 0.7, text.strip(), _pick(text, dates, 0).day)
    scope = _COUNTER_SCOPE.search(masked)
    if scope:
        return Verdict("counter", 0.7, scope.group().strip())
    return None


def classify(words: str, base: datetime | None = None,
             asked: Set[date] = frozenset()) -> Verdict:
    """The intent of ``words`` (a person's new words only, quotes already removed).

    ``base`` is the naive local moment the words were written, for reading dates ("Friday");
    ``asked`` are the dates the request asked for: a yes with a later date is a counter.
    """
    text = words.strip()
    if not text:
        return Verdict("unclear", 0.3, "no new words")
    first = _first_line(text)
    masked, accept_idioms = _mask(text, _ACCEPT_IDIOMS)
    masked, tentative_idioms = _mask(masked, _TENTATIVE_IDIOMS)
    if first:
        rest = text.split("\n", 1)[1] if "\n" in text else ""
        counter = _counter(rest, rest, base, False) if rest.strip() else None
        return counter or Verdict(first, 1.0, f"first line: {text.splitlines()[0].strip()}")

    keywords = {("accept" if m.group().startswith(("ACCEPT", "ZUSAGEN")) else "decline", m.group())
                for m in _KEYWORD.finditer(masked) if not _negated(masked, m.start(), m.end())}
    if len({intent for intent, _ in keywords}) == 1:
        intent, keyword = keywords.pop()
        counter = _counter(text, masked, base, intent == "decline")
        return counter or Verdict(intent, 0.95, keyword)
    masked, _ = _mask(masked, _KEYWORD)  # both, or negated: they decide nothing

    hits: list[_Hit] = [_Hit("accept", m.start(), m.group()) for m in accept_idioms]
    hits += [_Hit("tentative", m.start(), m.group()) for m in tentative_idioms]
    negated_accept = None
    for m in list(_ACCEPT.finditer(masked)) + list(_YES.finditer(masked)):
        start = m.start(m.lastindex or 0)
        if _negated(masked, start, m.end()):
            negated_accept = m.group().strip()
        else:
            hits.append(_Hit("accept", start, m.group().strip(" ,.;:!?\n(")))
    hits += [_Hit("decline", m.start(), m.group()) for m in _DECLINE.finditer(masked)]
    hits += [_Hit("decline", m.start(1), m.group(1)) for m in _NO.finditer(masked)]
    hits += [_Hit("tentative", m.start(), m.group()) for m in _TENTATIVE.finditer(masked)]
    hits.sort(key=lambda hit: hit.start)
    found = {hit.intent for hit in hits}
    first_of = {intent: next(h for h in hits if h.intent == intent) for intent in found}

    counter = _counter(text, masked, base, "decline" in found)
    if counter:
        return counter
    if "tentative" in found:
        return Verdict("tentative", 0.6 if "accept" in found else 0.7, first_of["tentative"].text)
    if "accept" in found and "decline" in found:
        yes, no = first_of["accept"], first_of["decline"]
        between = _BUT.search(text, min(yes.start, no.start), max(yes.start, no.start))
        if between and yes.start < no.start:
            return Verdict("decline", 0.65, no.text)
        if between:
            return Verdict("counter", 0.6, f"{no.text} ... {yes.text}")
        return Verdict("unclear", 0.4, f"both '{yes.text}' and '{no.text}'")
    if "decline" in found:
        return Verdict("decline", 0.85, first_of["decline"].text)
    if "accept" in found:
        return _accept([h for h in hits if h.intent == "accept"], text, base, asked)
    if negated_accept:
        return Verdict("unclear", 0.4, f"negated: {negated_accept}")
    asking = [s.group().strip() for s in _SENTENCE.finditer(text) if "?" in s.group()]
    lead = _QUESTION_LEAD.search(text)
    if asking or lead:
        return Verdict("question", 0.75 if asking else 0.65, asking[0] if asking else lead.group())
    weak = _WEAK_DECLINE.search(masked)
    if weak:
        return Verdict("decline", 0.6, weak.group())
    acknowledgement = _ACKNOWLEDGEMENT.search(text)
    if acknowledgement:
        return Verdict("unclear", 0.4, f"acknowledgement only: {acknowledgement.group()}")
    return Verdict("unclear", 0.3, "no decision found")


def _accept(hits: list[_Hit], text: str, base: datetime | None, asked: Set[date]) -> Verdict:
    """An accept, unless it names a date later than the one asked for (then a counter)."""
    strong = any(_STRONG_ACCEPT.search(hit.text) for hit in hits)
    confidence = min(0.95, (0.9 if strong else 0.8) + 0.05 * (len(hits) - 1))
    if "?" in text:
        confidence = max(0.7, confidence - 0.1)
    if base is not None and asked:
        later = [d for d in find_dates(text, base)
                 if d.day > max(asked) and _BY.search(text[max(0, d.start - 20):d.start])]
        if later:
            return Verdict("counter", 0.6, f"{hits[0].text} ... {later[0].text}", later[0].day)
    best = next((hit for hit in hits if _STRONG_ACCEPT.search(hit.text)), hits[0])
    return Verdict("accept", round(confidence, 2), best.text)
