"""Step 3, structure: paragraphs, sentences (a question mark makes a question), segments (cut at
"but", a dash or a colon) and clauses (cut at commas)."""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

from followthru.replies import intent_lexicon as lx
from followthru.replies.classify.reading import Clause, Segment, Sentence
from followthru.replies.classify.words import reader_words

# The standard library's parser, for the widest match of a pattern (as in ..heads).
_parser: Any = importlib.import_module("re._parser")
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s)|[.!?…]+[\"')\]]*$|;")
_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?!\s*\n))+")
_LINE = re.compile(r"[^\n]+")
_SEGMENT_CUT = re.compile(r"\s[-–—]\s|:\s|\(|\)")
_CLAUSE_CUT = re.compile(r",\s|,$")
_DIGIT_END = re.compile(r"\d$")


def _at_end(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern``, which ends in ``$``, matches at the end of ``text``: looked for only
    where a match can start, its widest before the end (a line break may follow it)."""
    return pattern.search(text, max(0, len(text) - _widest(pattern.pattern, pattern.flags) - 1)) is not None


@cache
def _widest(pattern: str, flags: int) -> int:
    widest: int = _parser.parse(pattern, flags).getwidth()[1]
    return min(widest, 1 << 30)


def structure(text: str, low: str, langs: frozenset[str]) -> tuple[list[Sentence], list[Segment], list[Clause]]:
    abbreviation = reader_words().abbreviation
    sentences: list[Sentence] = []
    for p_index, para in enumerate(_PARAGRAPH.finditer(text)):
        for line in _LINE.finditer(para.group()):
            start = para.start() + line.start()
            end = para.start() + line.end()
            cursor = start
            for stop in _SENTENCE_END.finditer(text, start, end):
                before = text[cursor : stop.start()]
                after = text[stop.end() : end].lstrip()
                if stop.group().startswith(".") and (
                    _at_end(abbreviation, before)
                    and (not after or not after[:1].isupper() or _at_end(_DIGIT_END, before))
                ):
                    continue
                if stop.group() == "." and after[:1].islower() and _at_end(_DIGIT_END, before):
                    continue
                sentences.append(Sentence(cursor, stop.end(), p_index, "?" in stop.group()))
                cursor = stop.end()
            if text[cursor:end].strip():
                sentences.append(Sentence(cursor, end, p_index, "?" in text[cursor:end]))
    for sentence in sentences:
        if text[sentence.start : sentence.end].lstrip().startswith("¿"):
            sentence.question = True

    contrast_free, _ = lx.patterns("contrast", langs)
    segments: list[Segment] = []
    for s_index, sentence in enumerate(sentences):
        cuts = {sentence.start: False}
        for m in _SEGMENT_CUT.finditer(text[sentence.start : sentence.end]):
            cuts[sentence.start + m.end()] = False
        if contrast_free is not None:
            trailing = []
            for m in contrast_free.finditer(low, sentence.start, sentence.end):
                # "but" opens a new segment (a comma before it is usual but not required);
                # a sentence that opens with "But" / "Though" is itself a contrast, and so is
                # one that ends with it ("Yes for the call though.")
                lead = low[sentence.start : m.start()]
                if not low[m.end() : sentence.end].strip(" \t.!?,;)"):
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
                segments.append(Segment(cut, end, s_index, sentence.paragraph, contrast))
    clauses: list[Clause] = []
    for g_index, segment in enumerate(segments):
        cursor = segment.start
        for m in _CLAUSE_CUT.finditer(text[segment.start : segment.end]):
            cut = segment.start + m.end()
            clauses.append(Clause(cursor, cut, g_index, segment.sentence, segment.paragraph))
            cursor = cut
        if segment.end > cursor:
            clauses.append(Clause(cursor, segment.end, g_index, segment.sentence, segment.paragraph))
    return sentences, segments, clauses
