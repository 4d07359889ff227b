"""The words mail clients write around quoted history and signatures, in many languages, as
regular expressions built from the ``[trimming]`` tables of the language files.

Only vocabulary lives in the files (no decisions, :mod:`.extract` decides with them). Each
``vocabulary/<code>.toml`` may have a ``[trimming]`` table; a language with nothing else (no
intent or date words) is a file with ``[language]`` and ``[trimming]`` only. Every file that has
the table has every key English has, each possibly empty. The words of all files are joined
once per process, on first use.

Words are written as they are: matched in any case, a space matches any run of blanks. Keys
ending in ``_patterns`` are regular-expression fragments instead.

``attribution_verbs``    verbs ending an attribution ("..., Riley <r@x> wrote:", "schrieb",
                         "написал", "写道"); words in a script written without spaces (Chinese,
                         Japanese, Korean) match inside a line, the others as whole words
``attribution_openers``  words opening an attribution ("On ...", "Am ...", "Il giorno ...")
``from_field``, ``date_field``, ``to_field``, ``cc_field``, ``subject_field``, ``reply_to_field``
                         field names of a quoted header block ("From:", "Von:", "差出人:")
``separator_titles``     titles of separator lines ("-----Original Message-----")
``forward_openers``      lines opening a forwarded message ("Begin forwarded message:")
``separator_from``       "from" after a separator title ("---- Original Message ---- From ...")
``forwarded_by``         a separator line naming who forwarded ("---- Forwarded by Sam ----")
``footer_sent``, ``footer_by``, ``footer_article``, ``footer_device``
                         mobile footers: "Sent" "from" "a"/"my" + a device or mail app
                         ("Sent from my iPhone", "Envoyé de mon iPad"); the device and app
                         names, the same in every language, are :data:`DEVICE_NAMES`
``footer_get``, ``footer_for``   "Get Outlook for iOS", "Obtenir Outlook pour Android"
``footer_from``, ``footer_my``   "From my iPhone", "De mon iPad"
``footer_patterns``      other footer lines, whole-line patterns ("Von meinem iPhone gesendet")
``scan_this``, ``scan_message``, ``scan_virus``, ``scan_checked``
                         virus-scanner footers ("This email has been scanned for viruses",
                         "questo messaggio ... non infetto", "Antivirus ... geprüft")
``disclaimer_patterns``  terms of legal disclaimers: a paragraph holding two or more of them
``disclaimer_opener_patterns``  openings of a disclaimer paragraph ("Confidentiality notice")
``answer_words``         a quoted request line about when to *answer* ("Please answer by Fri
                         4 Dec", "Bitte antworte bis ..."): its date is the reply deadline,
                         never the day the work is due
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from followthru.replies.alternation import factored
from followthru.replies.intent_lexicon import Language, language_files

FIELD_KEYS = {
    "from": "from_field",
    "date": "date_field",
    "to": "to_field",
    "cc": "cc_field",
    "subject": "subject_field",
    "reply-to": "reply_to_field",
}
# Devices and mail apps a mobile footer names: brand names, the same in every language.
DEVICE_NAMES = (
    r"iphone|ipad|ipod|android|blackberry|samsung|galaxy|huawei|xiaomi|pixel|nokia"
    r"|motorola|sony|htc|lg|oneplus|windows|mail|e-?mail|outlook|gmail|yahoo|aol"
    r"|airmail|spark|mailbox|newton|edison|proton|protonmail|tutanota|zoho|fastmail"
    r"|k-9|fairemail|bluemail|superhuman|hey|web|webmail"
)
_SHORT_DEVICES = r"iphone|ipad|android|mobile|phone|smartphone|blackberry|samsung|galaxy"


def _alternatives(words: Iterable[str]) -> str:
    """Words as a regex alternation, longest first, where a space matches any run of blanks;
    factored by leading characters (:func:`..alternation.factored`: the same matches, faster)."""
    return _patterns(
        re.escape(w.strip()).replace(r"\ ", r"\s+")
        for w in sorted(dict.fromkeys(words), key=len, reverse=True)
        if w.strip()
    )


def _patterns(fragments: Iterable[str]) -> str:
    """Regex fragments as one alternation, in the order of the languages; factored."""
    return factored(dict.fromkeys(fragments), ignorecase=True)


def _unspaced(word: str) -> bool:
    """Whether ``word`` is in a script written without spaces between words (Chinese,
    Japanese, Korean): such words cannot be matched as whole words."""
    return any(unicodedata.name(char, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) for char in word)


@dataclass(frozen=True)
class Trimming:
    """The trimming words of every language, as regex sources for :mod:`.extract`."""

    verbs: str
    verbs_cjk: str
    openers: str
    field: dict[str, str]
    separator_titles: str
    forward_openers: str
    separator_from: str
    forwarded_by: str
    mobile_footer: str
    scanned: str
    disclaimer_terms: str
    disclaimer_openers: str
    answer_line: str


@cache
def trimming() -> Trimming:
    """The words of the shipped language files, joined once per process."""
    return join_trimming(language_files().values())


def join_trimming(languages: Iterable[Language]) -> Trimming:
    """The trimming words of ``languages`` (in their order), joined."""
    tables = [lang.trimming for lang in languages if lang.trimming]

    def words(key: str) -> list[str]:
        return [word for table in tables for word in table[key]]

    def alt(key: str) -> str:
        return _alternatives(words(key))

    verbs = words("attribution_verbs")
    sent, by, article = alt("footer_sent"), alt("footer_by"), alt("footer_article")
    device = f"{alt('footer_device')}|{DEVICE_NAMES}"
    mobile_footer = "|".join(
        [
            rf"^\W*(?:{sent})\s+(?:{by})\s+(?=\W*(?:(?:{article})\s+)?(?:{device})\b)(?:\S+\s*){{1,12}}$",
            rf"^\W*(?:{alt('footer_get')}) outlook (?:{alt('footer_for')})\b",
            rf"^\W*(?:{alt('footer_from')}) (?:{alt('footer_my')}) (?:{_SHORT_DEVICES})\b(?:\s*\S+){{0,2}}\W*$",
            *dict.fromkeys(words("footer_patterns")),
        ]
    )
    scanned = (
        rf"^\W*(?:{alt('scan_this')})\b.{{0,60}}(?:{alt('scan_message')})\b.{{0,120}}"
        rf"(?:{alt('scan_virus')})"
        rf"|\b(?:anti-?virus|antivirus)\b.{{0,60}}\b(?:{alt('scan_checked')})"
    )
    return Trimming(
        verbs=_alternatives(w for w in verbs if not _unspaced(w)),
        verbs_cjk=_alternatives(w for w in verbs if _unspaced(w)),
        openers=alt("attribution_openers"),
        field={name: alt(key) for name, key in FIELD_KEYS.items()},
        separator_titles=alt("separator_titles"),
        forward_openers=alt("forward_openers"),
        separator_from=alt("separator_from"),
        forwarded_by=alt("forwarded_by"),
        mobile_footer=mobile_footer,
        scanned=scanned,
        disclaimer_terms=_patterns(words("disclaimer_patterns")),
        disclaimer_openers=rf"^\W*(?:{_patterns(words('disclaimer_opener_patterns'))})",
        answer_line=rf"\b(?:{alt('answer_words')})\b",
    )
