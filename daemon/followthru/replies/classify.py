"""The intent of a person's own words: accept, decline, tentative, counter, question or unclear.

How the words are read:

1. **Clean up.** A sign-off ("Best regards", "Viele Grüße", "Pozdrawiam") and what follows it,
   trailing signature blocks and disclaimers, and stray quoted lines are dropped.
2. **Language.** The language(s) are guessed from function words, calendar words, letters and
   cue phrases (:func:`.intent_lexicon.detect_languages`); the cue phrases of those languages
   and of English are used, and negation words of a second language that are ordinary words
   of the first (Portuguese "no" = "in the") are not negations.
3. **Structure.** The text is split into paragraphs, sentences, *segments* (a sentence cut at
   "but / aber / mais / pero / ma / mas / maar / men / ale", a dash or a colon) and *clauses*
   (segments cut at commas). A sentence with a question mark is a question.
4. **Cues.** Phrases of every category in :mod:`.intent_lexicon` are found on folded text, in
   an order that lets compound phrases win over their parts: questions asked before deciding
   ("before I commit"), courtesy conditions ("if that helps"), positive idioms that contain a
   negative word ("no problem", "can't say no", "no reason I can't"), wishes ("I'd love to"),
   deferrals, hedges ("can't promise", "let me see what I can do"), acknowledgements ("got it",
   "take a look"), refusals and, last, the positive phrases. Each phrase found is masked, so
   its words count once.
5. **Negation scope.** A positive phrase is negated by a negation word inside it, among the
   three words before it in its clause, or trailing it within four words ("passt mir leider
   gar nicht"); a refusal after "never" / "nothing" ("never one to turn down") is no refusal.
6. **Evidence.** Positive phrases count only when they answer this request: not negated, not
   inside the asking part of a question, not about another occasion ("next time", "last
   time"). Refusals likewise. Hedges, conditions (courtesy ones such as "if that helps"
   excluded), deferrals, questions, acknowledgements and wishes are collected beside them.
7. **Decision**, in this order (the first rule that applies answers):

   - a yes taken back ("Yes. Actually, no.") or "yes and no" -> unclear;
   - another date or time (:mod:`.proposals`) -> counter with ``proposed_date``: a date next
     to "instead / how about / statt / plutôt / en su lugar / invece / not before / erst", a
     date that "works", a date offered after the asked one (or the request) was refused, a bare
     date asked as a question ("And Friday?"), a deadline later than the asked one; a date in
     the same clause as a refusal, after "instead of", or inside an absence ("I'm out until
     the 14th") is refused, not offered. A vague period ("next week", "erst im Januar") or a
     time of day is a counter without a date; so is "postpone" / "push it a week" or
     "instead" after a yes;
   - a reduced scope -> counter: "I can do X but not Y", "only X", "X yes, Y no", a commitment
     naming one task beside a refusal or hand-off naming another ("Den Fragebogen übernehme
     ich, beim Call kann ich nicht"), yes and no given as separate inline answers;
   - ACCEPT / DECLINE written on the first line or in capitals -> that answer;
   - a question asked before deciding ("before I commit", "I can't decide without") ->
     question;
   - a yes and a no with nothing to tell them apart -> unclear;
   - a hedge, a condition on the yes, "will confirm later", or a weak hedge ("should be
     fine") not outweighed by a firm commitment elsewhere -> tentative; a question whose
     answer decides ("Is it the full SIG? If it's lite, I'm happy to take it") stays a
     question;
   - a wish taken back ("I'd love to, but ...") -> decline;
   - a yes and a no: "yes ... but can't" -> decline, "can't X, but happy to do Y" -> counter;
   - a refusal -> decline; positive evidence -> accept (with the checks below); a warm wish
     alone ("I'd love to!") -> accept; a question -> question; several weak refusals
     ("unfortunately", "I'm away", "sorry") -> decline; otherwise unclear.

   An accept is withdrawn (unclear) when a "but" part after the yes carries a negation, a
   regret, an absence or a hand-off ("Yes, but not this week", "Sure, but I'm out"), and
   when the only yes is a bare "yes" next to "will look" / "received".

Every answer has a confidence from the strength of its evidence (an explicit commitment
counts more than a bare "yes", each further independent cue adds a little, a side question or
a regret takes a little away). :func:`classify` applies the thresholds in one place: an accept
below :data:`ACCEPT_MIN`, or any answer below :data:`DECIDE_MIN`, is returned as ``unclear``
with a confidence below :data:`DECIDE_MIN`. A false *accept* is the worst error Followthru can
make, so accept needs positive evidence that is not negated, not conditional, not limited in
scope and not taken back.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, datetime

from followthru.replies import intent_lexicon as lx
from followthru.replies.proposals import Mention, find_mentions

ACCEPT_MIN = 0.7     # below this an apparent accept is reported as unclear
DECIDE_MIN = 0.6     # below this any answer is reported as unclear


@dataclass(frozen=True)
class Verdict:
    """What the words say, how sure we are (0..1), the phrase that decided, a proposed date."""

    intent: str
    confidence: float
    evidence: str
    proposed_date: date | None = None


# --- keywords the request offers ----------------------------------------------------------------

_FIRST_LINE = {
    "accept": {"accept", "accepted", "zusagen", "zusage", "accepte", "accepté", "acepto",
               "acepta", "accetto", "aceito", "accepteren", "acceptera", "accepter",
               "akceptuję", "akceptuje"},
    "decline": {"decline", "declined", "absagen", "absage", "décline", "refuse",
                "rechazo", "declino", "recuso", "afwijzen", "avböj", "avboj", "afvis",
                "odrzucam"},
}
_KEYWORD = re.compile(r"(?<![\w'’])(ACCEPT(?:ED)?|ZUSAGEN|DECLINE(?:D)?|ABSAGEN)(?![\w'’])")

# --- structure ------------------------------------------------------------------------------------

_CLOSING_LINE_MAX = 6   # words on a sign-off line ("Viele Grüße aus Berlin")
_PHONE = re.compile(r"(?:\+?\d[\d ()./-]{6,}\d)|@|https?://|www\.", re.I)
_DISCLAIMER = re.compile(
    r"confidential|intended recipient|intended solely|intended only|intended for|addressee"
    r"|privileged|unauthori[sz]ed|disclos|disseminat|notify the sender|in error|by mistake"
    r"|error-free|liab(?:le|ility)|vertraulich|empfänger|adressat|irrtümlich|absender"
    r"|haftung|destinataire|confidentiel|par erreur|destinatario|por error|geadresseerde"
    r"|aansprakelijkheid|vertrouwelijk|mottagare|modtager|poufn|adresat|riservat|per errore"
    r"|destinatário|responsabilit", re.I)
# A company's legal footer line: "Example GmbH, Sitz: München, Amtsgericht München HRB 123"
_LEGAL = re.compile(r"\b(?:GmbH|AG|Ltd|LLC|Inc|PLC|S\.A\.|SAS|S\.r\.l\.|B\.V\.|N\.V\.|AB|ApS"
                    r"|Sp\. z o\.o\.|HRB|Amtsgericht|Registered (?:office|in)|Company (?:No|number)"
                    r"|VAT|USt-?IdNr|SIRET|CIF|NIF|KvK)(?!\w)")


@dataclass
class _Span:
    start: int
    end: int


@dataclass
class _Clause(_Span):
    segment: int
    sentence: int
    paragraph: int


@dataclass
class _Segment(_Span):
    sentence: int
    paragraph: int
    contrast: bool          # opened by but / aber / mais ...


@dataclass
class _Sentence(_Span):
    paragraph: int
    question: bool


@dataclass
class _Hit:
    cat: str
    start: int
    end: int
    text: str
    negated: bool = False
    weight: float = 0.0


@dataclass
class _Reading:
    text: str                      # cleaned words
    low: str                       # folded, same offsets
    langs: frozenset[str]
    primary: str | None
    sentences: list[_Sentence]
    segments: list[_Segment]
    clauses: list[_Clause]
    hits: dict[str, list[_Hit]] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    neg_text: str = ""
    _starts: list[int] | None = None

    def of(self, *cats: str) -> list[_Hit]:
        out = [hit for cat in cats for hit in self.hits.get(cat, [])]
        return sorted(out, key=lambda hit: hit.start)

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


def _plain(text: str) -> str:
    """Folded text with the letters folding keeps spelled out ("Grüße" -> "grusse")."""
    return lx.fold(text).replace("ß", "ss").replace("æ", "ae")


def _is_closing(line: str, closings: set[str]) -> bool:
    words = re.sub(r"[^\w\s']", " ", _plain(line)).split()
    if not words or len(words) > _CLOSING_LINE_MAX:
        return False
    original = re.sub(r"[^\w\s']", " ", line).split()
    for size in range(min(len(words), 4), 0, -1):
        if " ".join(words[:size]) in closings:
            rest = original[size:] if len(original) == len(words) else words[size:]
            # "Thanks, Sam" / "Cheers" / "Groet, Sanne": a closing; "Thanks for the note" and
            # "Thanks, will do" are not
            return len(rest) <= 2 and all(w[:1].isupper() or len(w) == 1 for w in rest)
    return False


def _signature_like(paragraph: str) -> bool:
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    if not lines:
        return True
    if any(_PHONE.search(line) for line in lines) and all(len(line.split()) <= 8
                                                         for line in lines):
        return True
    if len(_DISCLAIMER.findall(paragraph)) >= 2:
        return True
    if len(lines) <= 3 and len(_LEGAL.findall(paragraph)) >= 2:
        return True
    return all(len(line.split()) <= 5 and not re.search(r"[.!?]$", line)
               and all(word[:1].isupper() or not word[:1].isalpha() for word in line.split())
               for line in lines) and len(lines) <= 4


def _clean(words: str) -> str:
    """The words without quoted lines, sign-off and signature block."""
    lines = [line for line in words.replace("\r\n", "\n").replace("\r", "\n").split("\n")
             if not line.lstrip().startswith(">")]
    closings = {_plain(w) for w in lx.word_set("closing", frozenset(lx.LANGUAGES))}
    content_seen = False
    for i, line in enumerate(lines):
        if content_seen and _is_closing(line, closings):
            lines = lines[:i]
            break
        if line.strip():
            content_seen = True
    text = "\n".join(lines).strip()
    paragraphs = re.split(r"\n\s*\n", text)
    while len(paragraphs) > 1 and _signature_like(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs).strip()


_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s)|[.!?…]+[\"')\]]*$|;")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|evt|ca|approx|vs|dr|mr|mrs|ms|st|nr|no|bzw"
                           r"|ggf|usw|z\.b|u\.a|p\.ex|p\.e|resp|inkl|sr|sra|sig|ev)|\d)$", re.I)


def _structure(text: str, low: str, langs: frozenset[str]
               ) -> tuple[list[_Sentence], list[_Segment], list[_Clause]]:
    sentences: list[_Sentence] = []
    for p_index, para in enumerate(re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text)):
        for line in re.finditer(r"[^\n]+", para.group()):
            start = para.start() + line.start()
            end = para.start() + line.end()
            cursor = start
            for stop in _SENTENCE_END.finditer(text, start, end):
                before = text[cursor:stop.start()]
                after = text[stop.end():end].lstrip()
                if stop.group().startswith(".") and (
                        _ABBREVIATION.search(before) and (not after or not after[:1].isupper()
                                                          or re.search(r"\d$", before))):
                    continue
                if stop.group() == "." and after[:1].islower() and re.search(r"\d$", before):
                    continue
                sentences.append(_Sentence(cursor, stop.end(), p_index,
                                           "?" in stop.group()))
                cursor = stop.end()
            if text[cursor:end].strip():
                sentences.append(_Sentence(cursor, end, p_index, "?" in text[cursor:end]))
    for sentence in sentences:
        if text[sentence.start:sentence.end].lstrip().startswith("¿"):
            sentence.question = True

    contrast_free, _ = lx.patterns("contrast", langs)
    segments: list[_Segment] = []
    for s_index, sentence in enumerate(sentences):
        cuts = {sentence.start: False}
        for m in re.finditer(r"\s[-–—]\s|:\s|\(|\)", text[sentence.start:sentence.end]):
            cuts[sentence.start + m.end()] = False
        if contrast_free is not None:
            trailing = []
            for m in contrast_free.finditer(low, sentence.start, sentence.end):
                # "but" opens a new segment (a comma before it is usual but not required);
                # a sentence that opens with "But" / "Though" is itself a contrast, and so is
                # one that ends with it ("Yes for the call though.")
                lead = low[sentence.start:m.start()]
                if not low[m.end():sentence.end].strip(" \t.!?,;)"):
                    trailing.append(m.start())
                    continue
                cuts[sentence.start if not lead.strip(" \t-–(\"'") else m.start()] = True
            for position in trailing:
                cut = max(c for c in cuts if c <= position)
                cuts[cut] = True
        bounds = sorted(cuts.items())
        for i, (cut, contrast) in enumerate(bounds):
            end = bounds[i + 1][0] if i + 1 < len(bounds) else sentence.end
            if end > cut:
                segments.append(_Segment(cut, end, s_index, sentence.paragraph, contrast))
    clauses: list[_Clause] = []
    for g_index, segment in enumerate(segments):
        cursor = segment.start
        for m in re.finditer(r",\s|,$", text[segment.start:segment.end]):
            cut = segment.start + m.end()
            clauses.append(_Clause(cursor, cut, g_index, segment.sentence, segment.paragraph))
            cursor = cut
        if segment.end > cursor:
            clauses.append(_Clause(cursor, segment.end, g_index, segment.sentence,
                                   segment.paragraph))
    return sentences, segments, clauses


# --- cues --------------------------------------------------------------------------------------

# Found in this order; each category's phrases are masked before the next category is read.
_MASKING_ORDER = ("mixed", "precommit", "info_need", "polite_if", "return", "accept_idiom",
                  "wish", "defer", "hedge", "ack", "decline", "accept_strong", "commit", "accept")
# Found without masking (they only mark positions).
_MARKERS = ("future_ref", "past_ref", "substitute", "postpone", "hedge_weak", "condition",
            "correction", "alt", "not_before", "works", "scope_except", "scope_only", "scope_part",
            "redirect",
            "absence", "reject", "decline_weak", "regret", "question_lead", "yes", "ok")
# Markers read on the masked text: a longer phrase may contain them ("sauf imprévu" is a hedge,
# not a scope limit; "unless something comes up" is a hedge, not a condition).
_READ_MASKED = ("yes", "ok", "scope_except", "scope_only", "scope_part", "condition")
_NONCOMMITTAL = re.compile(
    r"look|read|glance|regard|revis|guard|olh|kijk|titt|kigg|zerk|schau|vistazo|occhiat|spojrz"
    r"|receiv|recib|ricev|receb|ontvang|mottag|modtag|otrzym|erhalten|recu|noted|note|gesehen"
    r"|seen|got it|visto|gezien|ack", re.I)
# "Yes, but no rush": a negation that takes nothing back
_HARMLESS_AFTER_NO = re.compile(r"rush|need|hurry|pressure|worries|worry|problem|issue|stress"
                                r"|eile|stress|presse|prisa|fretta|pressa|haast|brattom|hast")
_WARM_WISH = re.compile(r"love|happy|glad|delighted|adorer|encant|adorar|dolgraag|elske|gerne",
                        re.I)

_WEIGHTS = {"accept_strong": 0.9, "commit": 0.85, "accept_idiom": 0.85, "accept": 0.8,
            "yes": 0.75, "wish": 0.7, "ok": 0.5, "decline": 0.9, "no": 0.85,
            "decline_weak": 0.45, "reject": 0.5, "redirect": 0.45, "absence": 0.45,
            "regret": 0.3}
_POSITIVE = ("accept_strong", "commit", "accept_idiom", "accept", "yes")
_TOKEN = re.compile(r"[\w']+")
_BARE_NO = re.compile(r"(?P<no>(no|nope|nah|nein|non|nee|nej|nao|nie|niet)(?:\s+(?:\2|no))*)"
                      r"(?=\s*(?:[.,!;:)\-]|$|thanks|thank|sorry|danke|merci|gracias|grazie))")
_NO_TO = re.compile(r"(?P<no>no|nein|non|nao|nee|nej|nie)\s+(?:to|zu[mr]?|pour|a|al|ao|para"
                    r"|voor|till|til|dla|na)\b")
# "Demo yes, sizing no": a short noun phrase answered yes / no.
_OBJ_VERB = r"(?:is|are|ist|est|es|e|ar|er|jest)"
_OBJ_YES = re.compile(
    rf"^\W*(?P<obj>(?:[\w'-]+\s+){{0,3}}?[\w'-]+)\s+(?:{_OBJ_VERB}\s+(?:fine|ok|okay|good"
    r"|no problem|ok for me|fine by me|kein problem|in ordnung|bon|bien|va bene|prima|goed|bra"
    r"|fint|dobrze)|yes|ja|oui|si|sim|tak)\W*$")
_OBJ_NO = re.compile(
    rf"^\W*(?P<obj>(?:[\w'-]+\s+){{0,3}}?[\w'-]+)\s+(?:{_OBJ_VERB}\s+(?:a\s+)?(?:no|out"
    r"|not possible|nicht moglich|pas possible|no es posible|non e possibile|nao e possivel"
    r"|niet mogelijk|inte mojligt|ikke muligt|niemozliwe)|no|nein|non|nao|nee|nej|nie|nicht"
    r"|not|pas|niet|inte|ikke)\W*$")
# "It isn't a no" / "that's a no" are not "<task> no".
_NOT_AN_OBJECT = re.compile(r"^(?:it|that|this|i|i'm|we|he|she|they|es|das|ca|c'est|eso|esto"
                            r"|e|isso|het|dat|det|to)\b|n't\b|\b(?:not|nicht|pas|is|ist|est"
                            r"|es|e|a|an|un|una|um|uma|een)$")
_INSTEAD_OF = re.compile(
    r"(?:instead\s+of|rather\s+than|not|statt|anstatt|au\s+lieu\s+(?:du|de|d')|plutot\s+que"
    r"|en\s+lugar\s+de|en\s+vez\s+de|invece\s+(?:di|del)|anziche|em\s+vez\s+de"
    r"|ao\s+inves\s+de|in\s+plaats\s+van|i\s+stallet\s+for|i\s+stedet\s+for|zamiast)"
    r"\s+(?:the\s+|on\s+|by\s+|am\s+|le\s+|el\s+|del\s+|il\s+|o\s+|dia\s+|de\s+|den\s+)?$")
# Alternative cues that move or replace the asked date (as opposed to "how about", "can we").
_MOVING = re.compile(
    r"instead|move|push|shift|postpone|reschedul|slip|rather|prefer|better|not before|earliest"
    r"|until|statt|verschieb|lieber|erst|plutot|au lieu|decal|report|repouss|pas avant|en lugar"
    r"|en vez|aplaz|pospon|mejor|no antes|invece|anziche|spost|rimand|meglio|non prima|em vez"
    r"|adiar|remarcar|melhor|nao antes|in plaats|verschuiv|uitstel|liever|niet voor|istallet"
    r"|i stallet|flytt|skjut|hellre|tidigast|i stedet|ryk|udskyd|hellere|tidligst|zamiast"
    r"|przesun|przeloz|wolal|najwczesniej|dopiero"
    r"|works? (?:\w+ ){0,2}on|suits|free on|available on|passt mir am|dispo|disponible|libre"
    r"|me va|mi va|posso (?:il|l')|kan ik op|passar|passer|pasuje"
    r"|could|könnte|konnte|pourrai|podria|potrei|poderia|zou kunnen|skulle kunna|kunne|mogl", re.I)
_DEADLINE_BEFORE = re.compile(
    r"(?:by|until|till|before|bis|bis\s+zum|avant|d'ici|para|antes\s+del?|entro|ate|voor"
    r"|tot|innan|till|inden|do|przed)\s+(?:the\s+|le\s+|el\s+|zum\s+|am\s+|il\s+|o\s+|dia\s+"
    r"|den\s+|de\s+)?$")
_GENERIC = {
    "it", "this", "that", "these", "those", "one", "both", "all", "everything", "anything",
    "something", "time", "help", "you", "me", "them", "him", "her", "there", "here", "week",
    "day", "today", "tomorrow", "now", "thing", "things", "request", "ask", "asks", "either",
    "way", "sure", "thanks", "morgan", "riley", "dana", "team", "sorry", "really", "though",
    "too", "also", "still", "just", "for", "the", "a", "an", "to", "of", "on", "in", "at", "and",
    "or", "with", "my", "your", "our", "i", "i'm", "i'll", "is", "be", "am", "are", "from", "das",
    "es", "dies", "ca", "cela", "esto", "eso", "questo", "isso", "dat", "det", "tego", "tym",
    "so", "lo", "le", "la", "il", "el", "de", "het", "den", "die", "der", "dem", "des", "les",
    "los", "las", "un", "une", "una", "um", "uma", "een", "ett", "en",
}


def _mask(text: str, start: int, end: int, char: str = "\x00") -> str:
    """``text`` with ``start:end`` blanked out by a character that is neither a word character
    nor a blank, so phrases never match across the gap ("can't commit" must not become "I
    commit")."""
    return text[:start] + char * (end - start) + text[end:]


def _at_clause_start(reading: _Reading, pos: int) -> bool:
    clause = reading.clauses[reading.clause_at(pos)]
    lead = reading.low[clause.start:pos]
    lead = re.sub(r"^\s*(?:[-*•>]+|\(?\d{1,2}[.)]|\(?[a-z][)])\s*", "", lead)   # "2. No"
    return not re.search(r"[\w]", re.sub(r"^\W*(?:hi|hey|hello|hallo|hola|ciao|hej|hoi|ola"
                                         r"|bonjour|cześć|czesc|oi)\b[^,\-:]*[,\-:]?", "", lead))


def _read_cues(reading: _Reading) -> None:
    work = reading.low
    langs = reading.langs
    for cat in _MASKING_ORDER + _MARKERS:
        free, start_only = lx.patterns(cat, langs)
        found: list[_Hit] = []
        for pattern, anchored in ((free, False), (start_only, True)):
            if pattern is None:
                continue
            source = work if cat in _MASKING_ORDER + _READ_MASKED else reading.low
            for m in pattern.finditer(source):
                if m.end() == m.start():
                    continue
                if (anchored or cat in ("yes", "ok")) and not _at_clause_start(reading,
                                                                                m.start()):
                    continue
                found.append(_Hit(cat, m.start(), m.end(), reading.text[m.start():m.end()],
                                  weight=_WEIGHTS.get(cat, 0.0)))
        found.sort(key=lambda hit: (hit.start, -(hit.end - hit.start)))
        kept: list[_Hit] = []
        for hit in found:
            if kept and hit.start < kept[-1].end:
                continue
            kept.append(hit)
        if cat in _MASKING_ORDER:
            for hit in kept:
                work = _mask(work, hit.start, hit.end)
        reading.hits[cat] = kept
    # A bare "No." / "Nein," at the start of a clause, and "no to the call".
    bare = []
    for clause in reading.clauses:
        piece = work[clause.start:clause.end]
        lead = re.match(r"^[\s\-–(*•>]*(?:\d{1,2}[.)]\s*)?", piece).end()
        for pattern in (_BARE_NO, _NO_TO):
            m = pattern.match(piece, lead)
            if m:
                bare.append(_Hit("no", clause.start + m.start("no"), clause.start + m.end("no"),
                                 reading.text[clause.start + m.start("no"):
                                              clause.start + m.end("no")],
                                 weight=_WEIGHTS["no"]))
                break
    reading.hits["no"] = bare
    # "Demo yes, sizing estimate no"
    yes_obj, no_obj = [], []
    for clause in reading.clauses:
        piece = reading.low[clause.start:clause.end]
        for pattern, target in ((_OBJ_YES, yes_obj), (_OBJ_NO, no_obj)):
            m = pattern.match(piece)
            if m and _has_object(m.group("obj")) and not _NOT_AN_OBJECT.search(m.group("obj")):
                target.append(_Hit("obj", clause.start, clause.end,
                                   reading.text[clause.start:clause.end].strip()))
    reading.hits["yes_obj"], reading.hits["no_obj"] = yes_obj, no_obj
    _negations(reading, work)


def _tokens_before(reading: _Reading, pos: int, count: int) -> list[str]:
    clause = reading.clauses[reading.clause_at(pos)]
    return _TOKEN.findall(reading.neg_text[clause.start:pos])[-count:]


def _tokens_after(reading: _Reading, pos: int, count: int) -> list[str]:
    clause = reading.clauses[reading.clause_at(max(pos - 1, 0))]
    return _TOKEN.findall(reading.neg_text[pos:clause.end])[:count]


def _negations(reading: _Reading, work: str) -> None:
    """Mark negated positive phrases, availability phrases and refusals."""
    text = reading.low
    for hit in reading.hits.get("accept_idiom", []) + reading.hits.get("hedge", []):
        text = _mask(text, hit.start, hit.end, " ")
    reading.neg_text = text
    negators = lx.negators(reading.langs, reading.primary) | {"n't"}
    post = lx.word_set("post_negator", reading.langs)

    def negated(hit: _Hit, before: int = 3, after: int = 2) -> bool:
        words = _tokens_before(reading, hit.start, before)
        if any(w in negators or w.endswith("n't") for w in words):
            # "not only", "no doubt" are no negation of what follows
            return True
        tail = _tokens_after(reading, hit.end, after)
        return any(w in post for w in tail)

    for cat in ("accept_strong", "commit", "accept", "works", "yes", "ok", "wish"):
        for hit in reading.hits.get(cat, []):
            inner = _TOKEN.findall(lx.fold(hit.text))
            if any(w in negators or w.endswith("n't") for w in inner):
                hit.negated = True   # "ich kann das leider nicht machen"
                continue
            hit.negated = negated(hit, after=0 if cat == "yes" else 4)
    for cat in ("decline", "reject"):
        for hit in reading.hits.get(cat, []):
            words = _tokens_before(reading, hit.start, 3)
            # "never been one to turn down": "never" before a refusal (a bare "No I can't"
            # is no double negation)
            if any(w in _NEVER for w in words):
                hit.negated = True
    # refusal phrases swallow the availability words inside them ("doesn't work")
    blocked = reading.of("decline", "reject")
    for hit in reading.hits.get("works", []):
        if any(b.start <= hit.start < b.end or hit.start <= b.start < hit.end for b in blocked):
            hit.negated = True


_NEVER = {"never", "nie", "jamais", "nunca", "mai", "nooit", "aldrig", "nigdy", "niemals",
          "nothing", "nada", "nulla", "niets", "inget", "intet"}


def _has_object(phrase: str) -> bool:
    """Whether ``phrase`` names a task ("the CISO call", "den Fragebogen"), not just "it"."""
    if re.search(r"\d\s*%|[$€£]\s*\d|\d\s*(?:k|m|eur|usd|chf)\b", phrase, re.I):
        return True   # an amount: "I can't approve 15%"
    words = [w for w in _TOKEN.findall(lx.fold(phrase)) if not w.isdigit()]
    return any(len(w) > 2 and w not in _GENERIC and w not in _CUE_WORDS for w in words)


_CUE_WORDS = {
    "yes", "no", "not", "can", "can't", "cannot", "will", "won't", "happy", "glad", "sure", "do",
    "doing", "make", "problem", "issue", "worries", "kein", "nicht", "ich", "kann", "pas", "je",
    "peux", "puedo", "yo", "non", "posso", "nao", "ik", "niet", "jag", "kan", "inte", "jeg",
    "ikke", "nie", "moge", "sein", "dabei", "aber", "but", "though", "however", "mais", "pero",
    "ma", "mas", "maar", "men", "ale", "gern", "gerne", "beim", "mit", "von", "fur", "pour",
    "para", "per", "voor", "med", "dla", "sa", "zu", "zum", "zur", "al", "ao", "a", "que", "che",
    "dass", "also", "tiempo", "time", "able", "free", "going", "have", "has", "had", "would",
    "could", "should", "may", "might", "must", "need", "really", "actually", "only", "just",
    "being", "been", "was", "were", "then", "than", "ever", "again", "me", "se", "te", "da", "mi",
    "ti", "lui", "from", "let", "get", "got", "take", "send", "run", "own", "handle", "lo", "la",
    "op", "het", "door", "ook", "wel", "nog", "even", "mig", "dig", "der", "paa", "pa",
}


# --- helpers on the reading ------------------------------------------------------------------

_INTERROGATIVE = re.compile(
    r"^\W*(?:(?:but|and|so|aber|und|mais|et|pero|y|ma|e|mas|maar|en|men|och|og|ale|i)\s+)?"
    r"(?:is|are|do|does|did|can|could|would|will|should|shall|may|what|who|which|when|where"
    r"|how|why|ist|sind|kann|kannst|konnen|gibt|wer|was|wie|wann|wo|welche[rsnm]?|soll|est-ce"
    r"|peux|pouvez|qui|quand|comment|pourquoi|quel(?:le)?s?|es|hay|puedes|puede|quien|cuando"
    r"|como|cual|que|donde|e|puoi|chi|quando|come|quale|dove|perche|pode|quem|onde|qual|kun"
    r"|wie|wanneer|hoe|waar|welke|ar|vem|nar|hur|vilken|er|hvem|hvornar|hvordan|hvilken|czy"
    r"|kto|kiedy|jak|co|gdzie|ktory)\b")


def _in_question_clause(reading: _Reading, hit: _Hit) -> bool:
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
        if _INTERROGATIVE.match(reading.low[clause.start:clause.end]) or \
                reading.text[clause.start:clause.end].lstrip().startswith("¿"):
            asking_from = i
            break
    return reading.clause_at(hit.start) >= asking_from


def _clause_text(reading: _Reading, pos: int) -> str:
    clause = reading.clauses[reading.clause_at(pos)]
    return reading.text[clause.start:clause.end]


def _segment_text(reading: _Reading, pos: int, low: bool = False) -> str:
    segment = reading.segments[reading.segment_at(pos)]
    source = reading.low if low else reading.text
    return source[segment.start:segment.end]


def _object_near(reading: _Reading, hit: _Hit) -> bool:
    """The clause of ``hit`` names a task besides the cue itself ("den Fragebogen übernehme
    ich", "the CISO call is a no")."""
    clause = reading.clauses[reading.clause_at(hit.start)]
    text = reading.low[clause.start:clause.end]
    offset = clause.start
    for other in reading.of(*_POSITIVE, "decline", "reject", "redirect", "scope_except",
                            "scope_only", "hedge", "ack", "no", "accept_idiom", "absence",
                            "future_ref", "decline_weak"):
        if clause.start <= other.start < clause.end:
            a, b = other.start - offset, min(other.end, clause.end) - offset
            text = text[:a] + " " * (b - a) + text[b:]
    for mention in reading.mentions:
        if clause.start <= mention.start < clause.end:
            a, b = mention.start - offset, min(mention.end, clause.end) - offset
            text = text[:a] + " " * (b - a) + text[b:]
    return _has_object(text)


_SUBJECTS = {
    "i", "it", "that", "this", "we", "i'd", "it'd", "that'd", "ich", "es", "das", "wir", "je",
    "ca", "cela", "on", "nous", "yo", "eso", "esto", "io", "cio", "eu", "isso", "ik", "het",
    "dat", "jag", "det", "vi", "jeg", "ja", "to", "my", "so", "and", "but", "then", "aber", "und",
    "mais", "et", "pero", "y", "ma", "e", "mas", "maar", "en", "men", "och", "og", "ale", "also",
    "probably", "normally", "dann", "me", "mir", "moi", "mij", "mig", "mi", "lijkt", "klingt",
    "sounds", "seems", "looks",
}


def _own_subject(reading: _Reading, hit: _Hit) -> bool:
    """A weak hedge about the person or the task ("should be fine", "I might"), not about
    someone else ("Sam might be better placed")."""
    clause = reading.clauses[reading.clause_at(hit.start)]
    before = _TOKEN.findall(reading.low[clause.start:hit.start])
    return not before or before[-1] in _SUBJECTS


@dataclass
class _Evidence:
    positive: list[_Hit]
    negated_positive: list[_Hit]
    refusals: list[_Hit]
    weak_refusals: list[_Hit]
    hedges: list[_Hit]
    weak_hedges: list[_Hit]
    conditions: list[_Hit]
    deferrals: list[_Hit]
    questions: list[_Sentence]
    precommit: list[_Hit]
    wishes: list[_Hit]
    acks: list[_Hit]
    oks: list[_Hit]


def _evidence(reading: _Reading) -> _Evidence:
    # answers about another occasion ("happy to help on the next one", "last time we
    # couldn't") are not answers to this request
    other_time = reading.of("future_ref", "past_ref")
    future_clauses = {reading.clause_at(h.start) for h in other_time}
    future_segments = {reading.segment_at(h.start) for h in other_time}

    def answering(hit: _Hit) -> bool:
        return (not _in_question_clause(reading, hit)
                and reading.clause_at(hit.start) not in future_clauses
                and reading.segment_at(hit.start) not in future_segments)

    positive = [h for h in reading.of(*_POSITIVE) if not h.negated and answering(h)]
    negated_positive = [h for h in reading.of("accept_strong", "commit", "accept")
                        if h.negated and not _in_question_clause(reading, h)]
    refusals = [h for h in reading.of("decline", "no") if not h.negated and answering(h)]
    weak = [h for h in reading.of("decline_weak", "redirect", "absence", "regret")
            if answering(h)]
    weak += [h for h in reading.of("reject") if not h.negated and answering(h)
             and not any(r.start <= h.start < r.end for r in refusals)]
    hedges = [h for h in reading.of("hedge") if answering(h)]
    weak_hedges = [h for h in reading.of("hedge_weak")
                   if answering(h) and _own_subject(reading, h)]
    polite = reading.of("polite_if")
    conditions = [h for h in reading.of("condition")
                  if not any(p.start <= h.start < p.end for p in polite)
                  and not re.match(r"s[íì]\b", h.text, re.I)]   # "sí" is yes, "si" is if
    deferrals = reading.of("defer")
    questions = [s for s in reading.sentences if s.question]
    precommit = reading.of("precommit", "info_need")
    wishes = [h for h in reading.of("wish") if answering(h) and not h.negated]
    acks = reading.of("ack")
    oks = [h for h in reading.of("ok") if not h.negated and answering(h)]
    return _Evidence(positive, negated_positive, refusals, weak, hedges, weak_hedges,
                     conditions, deferrals, questions, precommit, wishes, acks, oks)


# --- counter-proposals ------------------------------------------------------------------------

@dataclass
class _Proposal:
    mention: Mention
    strength: float
    reason: str


def _proposals(reading: _Reading, ev: _Evidence, asked: Set[date]) -> tuple[
        list[_Proposal], list[Mention]]:
    """Dates and times offered instead of the asked ones, and those refused."""
    refused: list[Mention] = []
    refused_by_refusal: list[Mention] = []
    proposals: list[_Proposal] = []
    works = [h for h in reading.of("works") if not h.negated]
    alts = reading.of("alt")
    not_before = reading.of("not_before")
    other_time = {reading.segment_at(h.start) for h in reading.of("future_ref", "past_ref")}
    refusing = [h for h in reading.of("decline", "reject", "no")
                if not h.negated and reading.segment_at(h.start) not in other_time]
    absences = reading.of("absence")
    positive = ev.positive + [h for h in reading.of("commit", "accept_strong") if not h.negated]
    negators = lx.negators(reading.langs, reading.primary)

    def within(hits: list[_Hit], index: int, of_segment: bool) -> list[_Hit]:
        where = reading.segment_at if of_segment else reading.clause_at
        return [h for h in hits if where(h.start) == index]

    for mention in reading.mentions:
        seg = reading.segment_at(mention.start)
        clause = reading.clause_at(mention.start)
        sentence = reading.sentences[reading.sentence_at(mention.start)]

        def in_seg(hits: list[_Hit], seg: int = seg) -> list[_Hit]:
            return within(hits, seg, True)

        def in_clause(hits: list[_Hit], clause: int = clause) -> list[_Hit]:
            return within(hits, clause, False)

        lead = reading.low[max(0, mention.start - 30):mention.start]
        seg_alt = in_seg(alts) + in_seg(not_before)
        seg_works = in_seg(works)
        before_negated = any(w in negators or w.endswith("n't")
                             for w in _tokens_before(reading, mention.start, 3))
        nb_right_before = any(h.end <= mention.start and mention.start - h.end < 25
                              for h in in_seg(not_before))
        instead_of = bool(_INSTEAD_OF.search(lead))
        # a refusal elsewhere in the segment refuses this date only when its own clause names no
        # other date ("The 9th, unfortunately, doesn't work" but not "9 grudnia odpada, może
        # 11 grudnia?")
        seg_refusal = [r for r in in_seg(refusing)
                       if not any(m is not mention and reading.clause_at(m.start)
                                  == reading.clause_at(r.start) for m in reading.mentions)]
        clause_refusal = in_clause(refusing)
        clause_offer = in_clause(alts) + in_clause(not_before) + in_clause(works)
        absent = bool(in_clause(absences)) or (bool(in_seg(absences)) and not seg_alt)
        clause_positive = in_clause(positive)
        if instead_of or (before_negated and not nb_right_before) or (
                clause_refusal and not clause_offer) or (
                seg_refusal and not seg_alt and not seg_works and not clause_positive
                and not clause_offer) or absent:
            refused.append(mention)
            if not absent:
                refused_by_refusal.append(mention)
            continue
        prior = bool(refused) or any(h.start < reading.segments[seg].start
                                     for h in refusing + absences + alts + not_before)
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
        elif sentence.question and _bare_date_question(reading, sentence, mention):
            strength, reason = 0.8, "asks for another date"   # "And next Friday?"
        elif (mention.day is not None and asked and mention.day > max(asked) and ev.positive
              and (_DEADLINE_BEFORE.search(lead) or (
                  reading.segments[seg].contrast
                  and any(h.start < reading.segments[seg].start for h in ev.positive)))):
            # "Yes, I can have it by Dec 14" / "Confirmo, pero lo entrego el viernes 11"
            strength, reason = 0.7, "later than asked"
        if (strength and not prior and mention.day in asked
                and not any(_MOVING.search(h.text) for h in seg_alt)):
            strength = 0.0   # "Tuesday works" for the Tuesday asked: an answer, not a proposal
        start = reading.segments[seg].start
        away_only = any(h.start < start for h in absences) and not refused_by_refusal and not any(
            h.start < start for h in refusing + alts + not_before)
        if (strength and positive and not prior and asked and mention.day is not None
                and mention.day <= max(asked) and not any(_MOVING.search(h.text)
                                                         for h in seg_alt + seg_works)):
            # a yes with a day before the deadline is the deadline met, not other terms: "Ja,
            # ich kann es am Montag schicken", "Ja, mache ich. Können wir am Montag kurz
            # telefonieren?" (but "works for me on Friday", "I could do Friday" choose a day)
            strength = 0.0
        if (strength and strength <= 0.9 and not seg_alt and asked and mention.day is not None
                and mention.day <= max(asked) and away_only):
            # "I'm on vacation next week but can do it before I leave on Friday": the asked
            # deadline is met, nothing was refused
            strength = 0.0
        if strength:
            proposals.append(_Proposal(mention, strength, reason))
    return proposals, refused


_FILLER = re.compile(
    r"\b(?:and|or|what|about|then|maybe|perhaps|und|oder|dann|vielleicht|et|ou|alors|sinon|y|o"
    r"|entonces|quizas|e|oppure|allora|forse|ou|entao|talvez|en|of|dan|misschien|och|eller"
    r"|kanske|og|ellers|maske|i|albo|lub|moze|a|the|on|am|le|el|il|o|na|no|op|pa|w|de|del"
    r"|da|di|instead)\b")


def _bare_date_question(reading: _Reading, sentence: _Sentence, mention: Mention) -> bool:
    """A question that is little more than a date ("Monday?", "Und Freitag?", "Et vendredi
    prochain ?"): an offer of that date."""
    rest = reading.low[sentence.start:mention.start] + " " + reading.low[mention.end:sentence.end]
    rest = _FILLER.sub(" ", rest)
    return len(_TOKEN.findall(rest)) == 0


def _date_counter(reading: _Reading, ev: _Evidence, asked: Set[date]) -> Verdict | None:
    proposals, refused = _proposals(reading, ev, asked)
    days = [p for p in proposals if p.mention.kind != "time"]
    if days:
        best = sorted(days, key=lambda p: (not p.mention.precise, p.mention.day in asked,
                                           -p.strength, p.mention.start))[0]
        confidence = {1.0: 0.85, 0.9: 0.8, 0.85: 0.75, 0.8: 0.75}.get(best.strength, 0.65)
        day = best.mention.day if best.mention.precise else None
        return Verdict("counter", confidence,
                       f"{best.reason}: {best.mention.text}".strip(": "), day)
    times = [p for p in proposals if p.mention.kind == "time"]
    if times and any(m.kind == "time" for m in refused):
        return Verdict("counter", 0.7, f"another time: {times[0].mention.text}")
    if ev.positive:
        first = ev.positive[0].start
        for mention in reading.mentions:
            segment = reading.segments[reading.segment_at(mention.start)]
            if (mention.kind == "time" and mention not in refused and segment.contrast
                    and segment.start > first):
                # "Yes to both, but the call would have to be after 3pm"
                return Verdict("counter", 0.6, f"another time: {mention.text}")
    absences = reading.of("absence")
    later = [h for h in reading.of("return") if absences and ev.positive]
    if later or (absences and ev.positive and re.search(
            r"\b(?:after that|afterwards|thereafter|danach|apres|despues|dopo|depois|daarna"
            r"|efterat|bagefter|potem)\b", reading.low)):
        # "I'm out until the 14th. Happy to pick it up after that." / "... when I'm back"
        return Verdict("counter", 0.6, f"after the absence: {absences[0].text}")
    for hit in reading.of("postpone"):
        asking_about = reading.sentences[reading.sentence_at(hit.start)].question
        words = _tokens_before(reading, hit.start, 3)
        negators = lx.negators(reading.langs, reading.primary)
        if any(w in negators or w.endswith("n't") for w in words):
            continue
        if ev.positive or asking_about or ev.conditions:
            # "Push it a week and I'm in" / "Could we postpone?"
            return Verdict("counter", 0.6, f"later: {_segment_text(reading, hit.start).strip()}")
    if ev.positive:
        first = ev.positive[0].start
        for hit in reading.of("substitute"):
            about_a_date = any(0 <= m.start - hit.end <= 12 or 0 <= hit.start - m.end <= 3
                               for m in reading.mentions)
            if hit.start > first and not about_a_date:
                # "Yes, but can we make it a call instead of a meeting?"
                terms = _segment_text(reading, hit.start).strip()
                return Verdict("counter", 0.6, f"other terms: {terms}")
    return None


# --- reduced scope -------------------------------------------------------------------------------

def _scope_counter(reading: _Reading, ev: _Evidence) -> Verdict | None:
    """A commitment to part of the ask: "I can do X but not Y", "X yes, Y no", "only X"."""
    statements = [h for h in ev.positive]
    question_only = all(s.question for s in reading.sentences)
    if reading.of("yes_obj") and reading.of("no_obj"):
        return Verdict("counter", 0.75, f"{reading.of('yes_obj')[0].text} / "
                                        f"{reading.of('no_obj')[0].text}")
    excepts = [h for h in reading.of("scope_except")
               if not reading.sentences[reading.sentence_at(h.start)].question]
    if statements and excepts and not question_only:
        for hit in excepts:
            if _object_after(reading, hit):
                return Verdict("counter", 0.75, _segment_text(reading, hit.start).strip())
    for hit in reading.of("scope_only"):
        if reading.sentences[reading.sentence_at(hit.start)].question:
            continue
        clause = _clause_text(reading, hit.start)
        low = lx.fold(clause)
        able = re.search(r"\b(?:i|ich|je|yo|io|eu|ik|jag|jeg|ja)?\s*(?:can|could|kann|peux"
                         r"|puedo|posso|kan|moge|will|'ll)\b|\b(?:able to)\b", low)
        clause_start = _at_clause_start(reading, hit.start) or bool(re.search(
            r"(?:^|\W)(?:but|aber|mais|pero|ma|mas|maar|men|ale|and|und|et|y|e|en|och|og|i)\s+$",
            reading.low[reading.clauses[reading.clause_at(hit.start)].start:hit.start]))
        limits_a_yes = (able and any(
            reading.clause_at(h.start) == reading.clause_at(hit.start)
            or reading.segment_at(h.start) == reading.segment_at(hit.start)
            for h in statements + reading.of("works", "alt"))) or (
                clause_start and (excepts or ev.refusals or reading.of("no") or statements))
        if limits_a_yes and _object_after(reading, hit):
            return Verdict("counter", 0.7, clause.strip())
    for hit in reading.of("scope_part"):
        # "I can do part of it" / "Teilweise" / "Je peux en faire une partie"
        if not reading.sentences[reading.sentence_at(hit.start)].question:
            return Verdict("counter", 0.7, _clause_text(reading, hit.start).strip())
    # "Unfortunately I'm travelling. Yes for the call though.": a yes to one task after a no
    reluctance = [h for h in ev.refusals + ev.weak_refusals if h.cat != "regret"]
    for hit in statements:
        segment = reading.segments[reading.segment_at(hit.start)]
        if (segment.contrast and _object_near(reading, hit)
                and any(r.start < hit.start and reading.sentence_at(r.start)
                        != reading.sentence_at(hit.start) for r in reluctance)):
            return Verdict("counter", 0.65, f"only: {_clause_text(reading, hit.start).strip()}")
    # a commitment with a task and a refusal or hand-off with another task
    commits = [h for h in statements if h.cat in ("commit", "accept_strong", "accept",
                                                  "accept_idiom", "yes")
               and _object_near(reading, h)]
    partial = [h for h in ev.refusals + [w for w in ev.weak_refusals if w.cat == "redirect"]
               if _object_near(reading, h)]
    if commits and partial:
        first = min(commits + partial, key=lambda h: h.start)
        other = [h for h in commits + partial if (h in commits) != (first in commits)]
        if other and reading.clause_at(first.start) != reading.clause_at(other[0].start):
            return Verdict("counter", 0.7, f"{first.text} ... {other[0].text}")
    return None


def _object_after(reading: _Reading, hit: _Hit) -> bool:
    """A task named right after a scope word ("but not the call", "only the questionnaire")."""
    clause = reading.clauses[reading.clause_at(hit.start)]
    segment = reading.segments[reading.segment_at(hit.start)]
    tail = reading.low[hit.end:max(clause.end, segment.end)]
    tail = re.split(r"[.;!?]", tail)[0]
    words = _TOKEN.findall(tail)[:5]
    return _has_object(" ".join(words))


# --- keywords ---------------------------------------------------------------------------------

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


def _keyword(text: str, reading: _Reading) -> tuple[str, float, str] | None:
    first = _first_line(text)
    if first:
        return first, 1.0, f"first line: {text.splitlines()[0].strip()}"
    found = set()
    for m in _KEYWORD.finditer(text):
        words = _tokens_before(reading, m.start(), 3)
        negators = lx.negators(reading.langs, reading.primary)
        if any(w in negators or w.endswith("n't") for w in words):
            continue
        found.add(("accept" if m.group().startswith(("ACCEPT", "ZUSAGEN")) else "decline",
                   m.group()))
    if len({intent for intent, _ in found}) == 1:
        intent, word = found.pop()
        return intent, 0.95, word
    return None


# --- the decision ---------------------------------------------------------------------------------

def _read(words: str, base: datetime | None) -> _Reading:
    text = _clean(words)
    low = lx.fold(text)
    ranked = lx.rank_languages(text)
    langs = lx.languages_from_ranking(ranked)
    primary = ranked[0][0] if ranked[0][1] > 0 else None
    sentences, segments, clauses = _structure(text, low, langs)
    if not clauses:
        clauses = [_Clause(0, len(text), 0, 0, 0)]
        segments = [_Segment(0, len(text), 0, 0, False)]
        sentences = [_Sentence(0, len(text), 0, "?" in text)]
    reading = _Reading(text, low, langs, primary, sentences, segments, clauses)
    _read_cues(reading)
    if base is not None:
        reading.mentions = find_mentions(text, base, set(langs), primary)
    return reading


def _contradiction(reading: _Reading, ev: _Evidence) -> Verdict | None:
    """A yes taken back ("Yes. Actually, no."): nothing is decided."""
    if not ev.positive:
        return None
    first_yes = ev.positive[0]
    for fix in reading.of("correction"):
        if fix.start <= first_yes.start:
            continue
        after = [h for h in ev.refusals + ev.negated_positive if h.start >= fix.start]
        negators = lx.negators(reading.langs, reading.primary)
        following = _TOKEN.findall(reading.low[fix.end:])[:3]
        negation = [w for w in following if w in negators or w.endswith("n't")
                    or _BARE_NO.fullmatch(w)]
        if negation and not after:
            after = [_Hit("no", fix.end, fix.end, negation[0])]
        if after:
            return Verdict("unclear", 0.4,
                           f"contradicts itself: {first_yes.text} ... {fix.text} {after[0].text}")
    return None


def _sentence_object(reading: _Reading, hit: _Hit) -> bool:
    """The sentence of ``hit`` names a task besides its cues ("Questionnaire - yes.")."""
    sentence = reading.sentences[reading.sentence_at(hit.start)]
    return any(_object_near(reading, _Hit(hit.cat, c.start, c.start, ""))
               for c in reading.clauses if sentence.start <= c.start < sentence.end)


def _line_of(reading: _Reading, pos: int) -> int:
    return reading.text.count("\n", 0, pos)


def _both(reading: _Reading, ev: _Evidence) -> Verdict:
    """A yes and a no in the same reply, neither a reduced scope nor a date."""
    yes, no = ev.positive[0], ev.refusals[0]
    separate = reading.paragraph_at(yes.start) != reading.paragraph_at(no.start) or (
        _line_of(reading, yes.start) != _line_of(reading, no.start)
        and _at_clause_start(reading, yes.start) and _at_clause_start(reading, no.start))
    if separate and not any(reading.of("correction")):
        # inline answers, one per ask: yes to one, no to the other
        return Verdict("counter", 0.65, f"{yes.text} ... {no.text}")
    if (reading.sentence_at(yes.start) != reading.sentence_at(no.start)
            and _sentence_object(reading, yes) and _sentence_object(reading, no)
            and not any(reading.of("correction"))):
        # "Re the questionnaire: happy to. Re the call: can't."
        return Verdict("counter", 0.65, f"{yes.text} ... {no.text}")
    later, earlier = (no, yes) if yes.start < no.start else (yes, no)
    contrast = any(seg.contrast and earlier.start < seg.start <= later.start
                   for seg in reading.segments)
    if yes.start < no.start and contrast:
        return Verdict("decline", 0.7, f"{yes.text} ... but {no.text}")
    if no.start < yes.start and contrast:
        if yes.cat in ("commit", "accept", "accept_strong") and _object_near(reading, yes):
            # "I won't make the call, but happy to do the questionnaire": other terms
            return Verdict("counter", 0.65, f"{no.text} ... but {yes.text}")
        return Verdict("decline", 0.6, f"{no.text} ... {yes.text}")
    return Verdict("unclear", 0.4, f"both '{yes.text}' and '{no.text}'")


def _qualified(reading: _Reading, ev: _Evidence, hits: list[_Hit]) -> bool:
    """Regret or an absence in the sentence of the yes or in a "but" part after it."""
    yes_sentences = {reading.sentence_at(h.start) for h in hits}
    first = min(h.start for h in hits)
    for weak in ev.weak_refusals:
        if weak.cat not in ("decline_weak", "absence") or weak.start < first:
            continue   # "I'm away next week, but I can do it on Friday": the yes comes after
        segment = reading.segments[reading.segment_at(weak.start)]
        if reading.sentence_at(weak.start) in yes_sentences or (
                segment.contrast and segment.start > first):
            return True
    return False


def _wish_then_but(reading: _Reading, ev: _Evidence) -> Verdict | None:
    """"I'd love to, but I'm travelling": a wish taken back by what follows."""
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
            return Verdict("decline", 0.65,
                           f"{wish.text} ... {reading.text[segment.start:segment.end].strip()}")
    return None


def _accept(reading: _Reading, ev: _Evidence) -> Verdict:
    hits = ev.positive
    first = hits[0]
    for weak in ev.weak_refusals:
        segment = reading.segments[reading.segment_at(weak.start)]
        if segment.contrast and weak.start > first.start:
            # "Of course, but the timing is bad" / "Yes, but I'm out on the 18th"
            return Verdict("unclear", 0.45, f"yes, but: {weak.text}")
    negators = lx.negators(reading.langs, reading.primary)
    for segment in reading.segments:
        if not segment.contrast or segment.start <= first.start:
            continue
        words = _TOKEN.findall(reading.neg_text[segment.start:segment.end])
        for i, word in enumerate(words):
            if (word in negators or word.endswith("n't")) and not (
                    i + 1 < len(words) and _HARMLESS_AFTER_NO.match(words[i + 1])):
                # "Yes, but not this week": the yes is qualified
                qualified = reading.text[segment.start:segment.end].strip()
                return Verdict("unclear", 0.45, f"yes, but: {qualified}")
    if all(h.cat == "yes" for h in hits) and any(_NONCOMMITTAL.search(a.text) for a in ev.acks):
        # "Sure, I can look at it" / "Yes, received": seen, not promised
        return Verdict("unclear", 0.5, f"{first.text}, {ev.acks[0].text}")
    best = max(hits, key=lambda h: (h.weight, -h.start))
    distinct = {h.text.lower() for h in hits}
    confidence = min(0.97, best.weight + 0.05 * (len(distinct) - 1))
    if ev.questions:
        confidence -= 0.05
    if _qualified(reading, ev, hits):
        confidence -= 0.15
    if ev.negated_positive:
        confidence -= 0.2
    confidence = round(confidence, 2)
    if confidence < ACCEPT_MIN:
        return Verdict("unclear", min(0.55, confidence), f"weak yes: {best.text}")
    return Verdict("accept", confidence, best.text)


def classify(words: str, base: datetime | None = None,
             asked: Set[date] = frozenset()) -> Verdict:
    """The intent of ``words`` (a person's new words only, quotes already removed).

    ``base`` is the naive local moment the words were written, for reading dates ("Friday");
    ``asked`` are the dates the request asked for: a yes with a later deadline is a counter.
    """
    verdict = _decide(words, base, asked)
    # the thresholds, in one place: an answer below them is no answer
    floor = ACCEPT_MIN if verdict.intent == "accept" else DECIDE_MIN
    if verdict.intent != "unclear" and verdict.confidence < floor:
        return Verdict("unclear", min(verdict.confidence, DECIDE_MIN - 0.05),
                       f"not sure ({verdict.intent}): {verdict.evidence}")
    if verdict.intent == "unclear" and verdict.confidence >= DECIDE_MIN:
        return Verdict("unclear", DECIDE_MIN - 0.05, verdict.evidence)
    return verdict


def _decide(words: str, base: datetime | None, asked: Set[date]) -> Verdict:
    if not words or not words.strip():
        return Verdict("unclear", 0.3, "no new words")
    reading = _read(words, base)
    if not reading.text.strip():
        return Verdict("unclear", 0.3, "no new words")
    ev = _evidence(reading)
    keyword = _keyword(reading.text, reading)

    contradiction = _contradiction(reading, ev)
    if contradiction:
        return contradiction
    if reading.of("mixed"):
        return Verdict("unclear", 0.45, f"mixed: {reading.of('mixed')[0].text}")
    counter = _date_counter(reading, ev, asked) or _scope_counter(reading, ev)
    if counter:
        return counter
    if keyword:
        return Verdict(*keyword)

    asks = [s for s in ev.questions]
    question_text = (reading.text[asks[0].start:asks[0].end].strip() if asks else "")
    if ev.precommit and (asks or reading.of("question_lead") or not ev.hedges):
        return Verdict("question", 0.8, question_text or ev.precommit[0].text)

    strong_commit = [h for h in ev.positive if h.cat in ("accept_strong", "commit",
                                                         "accept_idiom")]
    if ev.positive and ev.refusals:
        mixed = _both(reading, ev)
        if mixed.intent == "unclear":
            return mixed
    hedged = _hedged(reading, ev, strong_commit)
    if hedged:
        if asks and not ev.hedges and not ev.refusals and (not ev.positive or (
                not ev.deferrals and ev.conditions and all(
                    any(reading.sentence_at(k.start) == reading.sentence_at(h.start)
                        for k in ev.conditions) for h in ev.positive))):
            # "Is it the full SIG? If it's lite, I'm happy to take it": the answer decides
            return Verdict("question", 0.7, question_text)
        if ev.refusals and not ev.positive and not ev.hedges:
            return Verdict("decline", 0.7, ev.refusals[0].text)
        return Verdict("tentative", 0.75 if ev.hedges else 0.65, hedged)

    wish_but = _wish_then_but(reading, ev)
    if wish_but:
        return wish_but
    if ev.positive and ev.refusals:
        return _both(reading, ev)
    if ev.refusals:
        strongest = max(ev.refusals, key=lambda h: h.weight)
        confidence = min(0.95, strongest.weight + 0.03 * (len(ev.refusals) - 1))
        if ev.positive or ev.oks:
            confidence -= 0.1
        return Verdict("decline", round(confidence, 2), ev.refusals[0].text)
    if ev.positive:
        return _accept(reading, ev)
    if ev.wishes and not asks and not ev.weak_refusals and not ev.negated_positive:
        if _WARM_WISH.search(ev.wishes[0].text):   # "I'd love to!"
            return Verdict("accept", 0.7, ev.wishes[0].text)
        return Verdict("unclear", 0.5, f"only a wish: {ev.wishes[0].text}")
    if asks or reading.of("question_lead"):
        lead = reading.of("question_lead")
        return Verdict("question", 0.75 if asks else 0.65,
                       question_text or lead[0].text)
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


def _hedged(reading: _Reading, ev: _Evidence, strong_commit: list[_Hit]) -> str | None:
    """What makes the answer tentative, if anything: a hedge, a condition on the yes, a
    deferral, or a weak hedge ("should be fine") that no firm commitment elsewhere outweighs."""
    if ev.hedges:
        return ev.hedges[0].text
    if ev.deferrals:
        return ev.deferrals[0].text
    if ev.conditions and (ev.positive or ev.weak_hedges
                          or (not ev.refusals and not ev.questions)):
        return f"{ev.conditions[0].text} ..."
    if ev.weak_hedges:
        hedge_sentences = {reading.sentence_at(h.start) for h in ev.weak_hedges}
        firm_elsewhere = [h for h in strong_commit
                          if reading.sentence_at(h.start) not in hedge_sentences]
        if not firm_elsewhere:
            return ev.weak_hedges[0].text
    return None
