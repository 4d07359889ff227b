"""Step 1, clean up: the words without quoted lines, sign-off and signature block; and where the
greeting that opens a reply ends ("Hi Morgan,", "Dear Dr. Schmidt"), found by its shape."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import cache

from followthru.replies import intent_lexicon as lx
from followthru.replies import lowercase
from followthru.replies.classify.words import reader_words

_CLOSING_LINE_MAX = 6  # words on a sign-off line ("Viele Grüße aus Berlin")
_PHONE = re.compile(r"(?:\+?\d[\d ()./-]{6,}\d)|@|https?://|www\.", re.I)
_MARKS = re.compile(r"[^\w\s']")  # what is no word: a blank in the words of a sign-off line
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@cache
def _closings() -> frozenset[str]:
    return frozenset(plain(w) for w in lx.word_set("closing", frozenset(lx.languages())))


def plain(text: str) -> str:
    """Folded text with the letters folding keeps spelled out ("Grüße" -> "grusse")."""
    return lx.fold(text).replace("ß", "ss").replace("æ", "ae")


def is_closing(line: str, closings: AbstractSet[str]) -> bool:
    words = _MARKS.sub(" ", plain(line)).split()
    if not words or len(words) > _CLOSING_LINE_MAX:
        return False
    original = _MARKS.sub(" ", line).split()
    for size in range(min(len(words), 4), 0, -1):
        if " ".join(words[:size]) in closings:
            rest = original[size:] if len(original) == len(words) else words[size:]
            # "Thanks, Sam" / "Cheers" / "Groet, Sanne": a closing; "Thanks for the note" and
            # "Thanks, will do" are not
            return len(rest) <= 2 and all(w[:1].isupper() or len(w) == 1 for w in rest)
    return False


def signature_like(paragraph: str) -> bool:
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    if not lines:
        return True
    if any(_PHONE.search(line) for line in lines) and all(len(line.split()) <= 8 for line in lines):
        return True
    disclaimers = lowercase.finditer(reader_words().disclaimer, paragraph, lowercase.lowered(paragraph))
    if next(disclaimers, None) and next(disclaimers, None):  # two of them
        return True
    if len(lines) <= 3 and len(reader_words().legal_footer.findall(paragraph)) >= 2:
        return True
    return (
        all(
            len(line.split()) <= 5
            and not line.endswith((".", "!", "?"))  # stripped: no line break after it
            and all(word[:1].isupper() or not word[:1].isalpha() for word in line.split())
            for line in lines
        )
        and len(lines) <= 4
    )


def clean(words: str) -> str:
    """The words without quoted lines, sign-off and signature block."""
    lines = [
        line
        for line in words.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if not line.lstrip().startswith(">")
    ]
    closings = _closings()
    content_seen = False
    for i, line in enumerate(lines):
        if content_seen and is_closing(line, closings):
            lines = lines[:i]
            break
        if line.strip():
            content_seen = True
    text = "\n".join(lines).strip()
    paragraphs = _PARAGRAPH_BREAK.split(text)
    while len(paragraphs) > 1 and signature_like(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs).strip()


_NAME = re.compile(r"[^\W\d_][\w'’.-]*")
_GREETING_MAX = 200  # characters; a greeting is short
_GREETING_STOP = re.compile(r"[,:;!?\n]|\s[-–—]|$")


def greeting_end(text: str) -> int:
    """Where the greeting that opens ``text`` ends, or 0: a greeting word ("Hi", "Dear",
    "Hallo", "Bonjour") followed by a title and one or two capitalised words, up to a comma,
    a dash or the end of the line ("Hi Morgan,", "Dear Dr. Schmidt", "Hallo Frau Weber -").
    Found by its shape, so no list of names is needed; a greeting without a name ("Hi all,")
    ends after its word."""
    vocabulary = reader_words()
    opening = vocabulary.greeting_opening.match(lx.fold(text[:_GREETING_MAX]))
    if not opening:
        return 0
    stop = _GREETING_STOP.search(text, opening.end())
    assert stop is not None, "_GREETING_STOP matches at the end of the text too"
    words = text[opening.end() : stop.start()].split()
    while words and vocabulary.title.fullmatch(words[0]):
        words = words[1:]
    if 1 <= len(words) <= 2 and all(_NAME.fullmatch(w) and w[0].isupper() for w in words):
        return stop.start()
    return opening.end()
