"""The person's own new words in a plain-text reply: quoted history, attribution lines, forwarded
and original-message blocks, signatures, mobile footers and disclaimers removed.

The reply ends at the first line that starts any of these (the *cut*):

* a quoted line (``>`` or ``|`` prefix);
* an attribution, possibly wrapped over several lines: "On <date>, <name> wrote:" in many
  languages, a date and an address ending in ":" ("26.06.2014, 14:41, "Ann" <a@x>:"), Gmail's
  "2016-03-03 17:21 GMT+01:00 Ann", or any line with an address or a date right above a quote;
* a separator ("-----Original Message-----", "---------- Forwarded message ---------",
  "Begin forwarded message:", ...), or a long rule followed by "Label: value" lines;
* a quoted header block without ``>`` markers (Outlook desktop, web and mobile, Yahoo, AOL:
  "From: / Sent: / To: / Subject:" in any of the languages of :mod:`.lexicon`);
* a signature: the "-- " delimiter, a mobile footer ("Sent from my iPhone", "Von meinem iPhone
  gesendet", "Get Outlook for iOS" ...), a legal disclaimer or a virus-scanner footer (unless
  ``keep_signature``).

A signature block without delimiter at the end of the words (name, title, company and a phone
number, address or web site on lines of their own) is removed too, unless ``keep_signature``.

When nothing but quotes and attributions come before the cut (bottom-posting, inline answers),
the unquoted lines written between and after the quotes are the words; when the person wrote
both above and between quotes, the answers between them are added.

HTML bodies are first rendered by :func:`followthru.replies.htmltext.html_to_text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from followthru.replies import lowercase
from followthru.replies.htmltext import html_to_text
from followthru.replies.lexicon import trimming

__all__ = ["html_to_text", "new_words", "split_reply"]

_I = re.IGNORECASE
_QUOTE = re.compile(r"^[ \t]*(>|\|(?!.*\|\s*$))")
_DECORATION = "-_*=~ \t"
_EMAIL = re.compile(r"[\w.+'=-]+@[\w-]+(?:\.[\w-]+)+|<[^<>\s]*@|mailto:", _I)
_TIME = re.compile(r"(?<!\d)\d{1,2}[:.h]\d{2}(?!\d)|\d{1,2}時|\d{1,2}시|\d{1,2}点")
_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<!\d)\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)"
    r"|\d{1,4}\s*[年月日년월일]"
)
_GMAIL_STAMP = re.compile(
    r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}\s+(?:GMT|UTC)"
    r"[+-]\d{1,2}:?\d{2}\s+\S"
)
_SENTENCE_END = re.compile(r"(\b[^\W\d]{4,}[.!?]+|[!?]|\.\.\.)$")
_ENDS_A_SENTENCE = re.compile(r"\b[^\W\d]{4,}[.!?]$|[!?]$")  # a contact block's line that is a sentence
_BLANK_LINES = re.compile(r"\n{3,}")
_A_DIGIT = re.compile(r"\d")
_RULE = re.compile(r"^\s*(?:_{10,}|-{10,}|={10,}|\*{10,})\s*$")
_LABEL = re.compile(r"^[\s*_]*[^\W\d_][\w .'/-]{0,25}[\s*_]*[:：]\s*\S")
_BLOCK_START = ("from", "date", "subject", "reply-to")
# Contact details on a signature line: phone numbers (perhaps labelled "M:", "Tel.", "Mobile"),
# addresses, web sites, separated by "|", "·", "/" or ",".
_CONTACT_ITEM = re.compile(
    r"(?:\b[^\W\d]{1,12}\.?\s*[:.]\s*)?(?:\+?\(?\d[\d ()./-]{6,}\d(?:\s*\(\w+\))?"
    r"|<?[\w.+'-]+@[\w-]+(?:\.[\w-]+)+>?|(?:https?://|www\.)\S+)"
)
_CONTACT_REST = re.compile(r"^[\s*_|·•/,;–-]*$")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u1427]")
# A line of punctuation or rules only ("--", "***", "____", "───"); not an emoji.
_JUNK_LINE = re.compile(r"^[\s\-_=*~#+.,:;!?'\"`^|/\\<>()\[\]{}·•—–‐\u2500-\u257f]*$")
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|de|van|von|der|den|da|di|du|le|la|y)"
_NAME_LINE = re.compile(rf"^{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}}$")
_ENDS = (".", "!", "?", ":", "。", "？", "！", "：")


@dataclass(frozen=True)
class _Markers:
    """The patterns built from the trimming words of the language files (:mod:`.lexicon`),
    compiled once per process on first use."""

    verb: re.Pattern[str]
    verb_end: re.Pattern[str]
    opener: re.Pattern[str]
    quoted_verb: re.Pattern[str]
    separator: re.Pattern[str]
    fields: dict[str, re.Pattern[str]]
    signature: re.Pattern[str]
    disclaimer_terms: re.Pattern[str]
    disclaimer_opener: re.Pattern[str]


@cache
def _markers() -> _Markers:
    lx = trimming()
    verbs = rf"(?<!\w)(?:{lx.verbs})(?!\w)|(?:{lx.verbs_cjk})"
    return _Markers(
        verb=re.compile(verbs, _I),
        verb_end=re.compile(rf"(?:{verbs}).{{0,160}}[:：]$", _I),
        opener=re.compile(rf"^\W*(?:{lx.openers})\s", _I),
        # "> wrote:": the end of an attribution whose client took the "<address>" break for a
        # quote
        quoted_verb=re.compile(rf"^[\s>]*(?:{lx.verbs}|{lx.verbs_cjk})\s*[:：]\s*$", _I),
        separator=re.compile(
            rf"^[\s>*_=~-]*(?:{lx.separator_titles})(?:[\s*_=~:-]*$|\s+(?:{lx.separator_from})\b.*-{{2,}}"
            rf"[\s*]*$)"
            rf"|^[\s>*]*(?:{lx.forward_openers})\s*[:：]?\s*$"
            rf"|^[\s>*]*-{{2,}}\s*(?:{lx.forwarded_by})\b.*-{{2,}}",
            _I,
        ),
        fields={name: re.compile(rf"^[\s*_]*(?:{words})[\s*_]*[:：]", _I) for name, words in lx.field.items()},
        signature=re.compile(rf"^(?:--|—|–)\s*$|{lx.mobile_footer}|{lx.scanned}", _I),
        disclaimer_terms=re.compile(lx.disclaimer_terms, _I),
        disclaimer_opener=re.compile(lx.disclaimer_openers, _I),
    )


def _quoted(line: str) -> bool:
    return bool(_QUOTE.match(line))


def _next_text(lines: list[str], index: int) -> int | None:
    """Index of the first non-blank line at or after ``index``."""
    return next((i for i in range(index, len(lines)) if lines[i].strip()), None)


# -- attribution lines -----------------------------------------------------------------------


def _is_attribution(text: str, before_quote: bool, decorated: bool) -> bool:
    """Whether ``text`` (one or more lines joined) introduces quoted history."""
    ends = text.endswith((":", "：")) or decorated
    if len(text) > 320 or not (ends or before_quote or text[:1].isdigit()):
        return False
    if _GMAIL_STAMP.match(text):
        return True
    low = lowercase.lowered(text)
    has_address, has_time = lowercase.search(_EMAIL, text, low) is not None, bool(_TIME.search(text))
    has_date = has_time or bool(_DATE.search(text))
    # with a verb at the end, it is one when it opens like one or names an address or a date, or
    # a quote follows; without any of those it is none whether the verb is there or not (the
    # rules below ask for an address or a quote), so the verb, slow to look for, is not
    opens = has_address or has_date or before_quote or lowercase.match(_markers().opener, text, low) is not None
    if ends and opens and _markers().verb_end.search(text + (":" if decorated else "")):
        return True
    if ends and has_address and has_date:
        return True
    if before_quote and (has_address or has_date) and not _SENTENCE_END.search(text):
        return bool(has_address or _markers().verb.search(text) or has_time)
    return False


def _attribution_end(lines: list[str], start: int) -> int | None:
    """Last line of an attribution beginning at ``start``, or None. An attribution that opens
    with "On"/"Am"/"Le"... and a digit may span blank lines (some clients break the address
    onto lines of its own)."""
    first = lines[start].strip()
    if not first or _quoted(lines[start]) or len(first) > 320:
        return None
    spanning = bool(_markers().opener.match(first) and _A_DIGIT.search(first))
    parts: list[str] = []
    index = start
    while index < len(lines) and len(parts) < 5 and index - start < 9:
        raw = lines[index]
        line = raw.strip()
        if not line:
            if not spanning or (parts and parts[-1].endswith((".", "!", "?"))):
                return None
            index += 1
            continue
        # _SENTENCE_END ends in a full stop, "!" or "?": asked only of a part ending in one
        ended = parts and parts[-1][-1:] in (".", "!", "?") and _SENTENCE_END.search(parts[-1])
        if parts and (ended or (_quoted(raw) and not _markers().quoted_verb.match(raw))):
            return None
        inner = line.strip(_DECORATION)
        decorated = line.startswith("--") and line.endswith("--")
        parts.append(inner if decorated else line)
        following = index + 1
        after = following if following < len(lines) and lines[following].strip() else _next_text(lines, following)
        before_quote = after is not None and _quoted(lines[after]) and not _markers().quoted_verb.match(lines[after])
        # what _is_attribution asks before anything else, asked here before the parts are joined
        possible = decorated or before_quote or parts[-1].endswith((":", "：")) or parts[0][:1].isdigit()
        if possible and _is_attribution(" ".join(parts), before_quote, decorated):
            return index
        index += 1
    return None


def _attribution_at(lines: list[str], index: int) -> int | None:
    """End of an attribution that starts exactly at ``index``: not when the same attribution
    also starts on the next line and this line holds none of its parts (no opener, date,
    address or verb), being a line of the person's own text."""
    end = _attribution_end(lines, index)
    if end is None or end == index or _attribution_end(lines, index + 1) != end:
        return end
    line = lines[index]
    evidence = (
        _markers().opener.match(line)
        or _EMAIL.search(line)
        or _DATE.search(line)
        or _TIME.search(line)
        or _markers().verb.search(line)
    )
    return end if evidence else None


# -- header blocks, separators, signatures ---------------------------------------------------


def _field(line: str) -> str | None:
    if ":" not in line and "：" not in line:  # every field pattern ends with a colon
        return None
    low = lowercase.lowered(line)
    return next((name for name, pattern in _markers().fields.items() if lowercase.match(pattern, line, low)), None)


def _is_header_block(lines: list[str], index: int) -> bool:
    """A "From: / Sent: / To: / Subject:" block (any language) starts at ``index``."""
    kind = _field(lines[index])
    if kind not in _BLOCK_START:
        return False
    kinds, seen = {kind}, 0
    for line in lines[index + 1 : index + 12]:
        if not line.strip():
            continue
        seen += 1
        kinds.add(_field(line) or "")
        if seen >= 6:
            break
    kinds.discard("")
    sender = _EMAIL.search(lines[index]) or "[" in lines[index]
    return len(kinds) >= 3 or (
        "from" in kinds and (bool(kinds & {"date", "subject"}) or bool(sender) and len(kinds) >= 2)
    )


def _is_ruled_header(lines: list[str], index: int) -> bool:
    """A long rule followed by three "Label: value" lines (a header block in any language)."""
    if not _RULE.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 8] if line.strip()][:3]
    return len(following) == 3 and all(_LABEL.match(line) for line in following)


def _is_disclaimer(lines: list[str], index: int) -> bool:
    """A legal disclaimer opens at ``index``: a paragraph after the first one that opens like a
    notice ("CONFIDENTIALITY NOTICE", "This e-mail is confidential", "If you are not the
    intended recipient" ...) and holds one of its terms, or holds three of them."""
    if index and lines[index - 1].strip():
        return False  # only a paragraph can open a disclaimer
    if not any(line.strip() for line in lines[:index]):
        return False  # the first paragraph is the person's
    paragraph = []
    for line in lines[index : index + 30]:
        if not line.strip():
            break
        paragraph.append(line.strip())
    text = " ".join(paragraph)[:3000]
    low = lowercase.lowered(text)
    terms = {found.group().lower() for found in lowercase.finditer(_markers().disclaimer_terms, text, low)}
    if not terms:
        return False
    return bool(lowercase.match(_markers().disclaimer_opener, text, low)) or (len(text) >= 120 and len(terms) >= 3)


def _is_generic_header(lines: list[str], index: int) -> bool:
    """Three "Label: value" lines in a row, one with an address and one with a time: a quoted
    header block in a language :mod:`.lexicon` does not know. (Cutting a person's own list of
    that shape costs less than letting a quoted request through.)"""
    block = lines[index : index + 3]
    if len(block) < 3 or not all(_LABEL.match(line) and len(line) < 200 for line in block):
        return False
    return any(_EMAIL.search(line) for line in block) and any(_TIME.search(line) for line in block)


def _signature(line: str) -> bool:
    return lowercase.match(_markers().signature, line, lowercase.lowered(line)) is not None


def _cut_at(lines: list[str], index: int, keep_signature: bool) -> tuple[str, int] | None:
    """``(why, last line)`` when the reply ends at ``index``, else None."""
    line = lines[index]
    if not line.strip():
        return None
    if _quoted(line):
        return "quote", index
    if len(line) > 400:  # no attribution, separator, header or footer line is that long
        return ("signature", index) if not keep_signature and _is_disclaimer(lines, index) else None
    if (
        lowercase.match(_markers().separator, line, lowercase.lowered(line))
        or _is_header_block(lines, index)
        or _is_ruled_header(lines, index)
        or _is_generic_header(lines, index)
    ):
        return "header", index
    end = _attribution_at(lines, index)
    if end is not None:
        return "attribution", end
    if not keep_signature and (_signature(line.strip()) or _is_disclaimer(lines, index)):
        return "signature", index
    return None


# -- the words -------------------------------------------------------------------------------


def _is_contact(line: str) -> bool:
    """A line of nothing but contact details ("M: +1 555 0100", "sam@x.test | www.x.test")."""
    rest, found = _CONTACT_ITEM.subn("", line)
    return bool(found) and bool(_CONTACT_REST.match(rest))


def _drop_contact_block(lines: list[str]) -> list[str]:
    """Without a signature block that has no "-- " delimiter: a last paragraph of two to eight
    short lines, none a sentence, with a phone number, address or web site on a line of its
    own ("Sam Patel / Security Engineer / M: +1 555 0100"); a valediction and name opening it
    ("Best regards, / Sam Patel") stay. It is the first paragraph only when it starts with a
    name and has three lines or more (a reply of nothing but a signature)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    block = [line.strip() for line in lines[start:end]]
    first = not any(line.strip() for line in lines[:start])
    if not (2 <= len(block) <= 8) or (first and not (len(block) >= 3 and _NAME_LINE.match(block[0]))):
        return lines
    sentences = any(len(line) > 70 or _ENDS_A_SENTENCE.search(line) for line in block)
    if sentences or not any(_is_contact(line) for line in block):
        return lines
    if block[0].endswith(",") and _NAME_LINE.match(block[1]):
        return lines[: start + 2]  # "Best regards," and the name stay
    return lines[:start]


def _tidy(lines: list[str]) -> str:
    lines = list(lines)
    while lines and _JUNK_LINE.match(lines[-1]):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    text = "\n".join(line.rstrip() for line in lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _answers(lines: list[str], index: int, keep_signature: bool) -> tuple[str, bool]:
    """Unquoted text written after quotes from ``index`` on (bottom-posted or inline answers),
    and whether it is interleaved (some of it is followed by more quotes). Stops at any cut
    that is not a quote or an attribution of a further quote. A line that directly continues
    a long quoted line that breaks off mid-sentence (a quote wrapped by a client without its
    ``>``) is not an answer."""
    blocks: list[list[str]] = []
    current: list[str] = []
    after_quote = interleaved = False
    previous = ""
    i = index
    while i < len(lines):
        line = lines[i]
        if _QUOTE.match(line):  # most of what follows a quote's start is more of it
            if current and any(part.strip() for part in current):
                blocks.append(current)
                interleaved = True
            current, after_quote, previous = [], True, line
            i += 1
            continue
        cut = _cut_at(lines, i, keep_signature)
        if cut and cut[0] == "attribution":
            following = _next_text(lines, cut[1] + 1)
            if following is None or not _quoted(lines[following]):
                break
            i = cut[1] + 1
            continue
        if cut:
            break
        wrapped = (
            previous
            and line.strip()
            and len(previous.strip()) >= 60
            and (line.lstrip()[:1].islower() or not previous.rstrip().endswith(_ENDS))
        )
        if after_quote and not wrapped:
            current.append(line)
        previous = ""
        i += 1
    if any(part.strip() for part in current):
        blocks.append(current)
    if blocks and not keep_signature:
        blocks[-1] = _drop_contact_block(blocks[-1])
    return "\n\n".join(_tidy(block) for block in blocks if _tidy(block)), interleaved


def _normalise(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():  # no invisible character and no no-break space
        return text.split("\n")
    return _INVISIBLE.sub("", text).replace("\xa0", " ").split("\n")


def split_reply(text: str, keep_signature: bool = False) -> tuple[str, str]:
    """``(new words, the rest)`` of a plain-text reply; the rest is what was cut away (quotes,
    history and, unless ``keep_signature``, the signature). See the module docstring."""
    lines = _normalise(text)
    cut = next(((i, found) for i in range(len(lines)) if (found := _cut_at(lines, i, keep_signature))), None)
    index, why = (cut[0], cut[1][0]) if cut else (len(lines), "")
    mine = lines[:index] if keep_signature else _drop_contact_block(lines[:index])
    words = _tidy(mine)
    if why in ("quote", "attribution"):
        answers, interleaved = _answers(lines, index, keep_signature)
        if not words:
            words = answers
        elif interleaved and answers:
            words = f"{words}\n\n{answers}"
    return words, "\n".join(lines[len(mine) :])


def new_words(text: str, keep_signature: bool = False) -> str:
    """The new words of a plain-text reply (see :func:`split_reply`)."""
    return split_reply(text, keep_signature)[0]
