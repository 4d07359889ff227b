"""The vocabulary of the reply reader, read from one data file per language.

Only words live in the data; :mod:`.classify` decides with them. Each language is a file
``vocabulary/<code>.toml`` (``en.toml``, ``de.toml`` ...): the languages are the files present,
so adding a language is adding a file (docs/replies.md, "Adding a language"). English is the
reference: every table a file has must have the keys ``en.toml`` has in it, each non-empty where
English is non-empty (except :data:`MAY_BE_EMPTY`). The files are read, checked and compiled
once per process, on first use.

A file has these tables:

``[language]``  ``name``; ``order`` (the earlier language wins when two explain a reply equally
                well, and its phrases are tried first); ``letters`` only this language writes
``[phrases]``   cue phrases by category, as regular-expression fragments (below)
``[words]``     word lists: ``function_words`` and ``calendar`` tell the language apart; the
                others are words the classifier's rules look for (first-line keywords, words
                that are never a task, subjects of a weak hedge ...)
``[patterns]``  regular-expression fragments the classifier's rules join into one pattern per
                key, across all languages (an ``|`` between the fragments)
``[months]``, ``[weekdays]``, ``[weekday_short]``, ``[weekday_prefix]``, ``[dates]``
                the date words, joined by :mod:`.date_words` (described there)
``[trimming]``  the words around quoted history and signatures, joined by :mod:`.lexicon`

The intent and date tables come together (a language the intent reader reads has all of them);
``[trimming]`` may stand alone, for a language whose quoted history and signatures are cut but
whose words are not read. Every table a file has must have the keys English has in it.

Every phrase is matched on *folded* text (lower case, accents removed, curly quotes and dashes
made plain, see :func:`fold`), as whole words; a space in a phrase matches any run of blanks and
``'`` also matches ``’``. A phrase starting with ``^`` only counts at the start of a clause.

Phrase categories (what a phrase is evidence of):

``accept_idiom``   positive phrases that contain a negative word ("no problem", "kein Problem",
                   "no reason I can't", "can't say no"); read first and masked, so the "no" in
                   them never counts as a refusal
``accept_strong``  an explicit commitment ("count me in", "ich bin dabei", "je m'engage")
``accept``         willingness or approval ("happy to", "sounds good", "d'accord")
``commit``         a first-person promise to act ("I'll send", "mache ich", "je m'en occupe")
``yes``            a bare yes, only at the start of a clause ("yes", "ja", "oui", "tak")
``ok``             "ok" and its kin: too weak to be a yes on their own
``wish``           a wish that is not a promise ("I'd love to", "ich würde gern")
``decline``        a refusal ("can't", "have to pass", "leider nicht", "no puedo")
``decline_weak``   regret words that lean towards a refusal ("unfortunately", "leider")
``reject``         a date or slot does not work ("is tough", "too tight", "compliqué")
``hedge``          maybe, probably, will try, let me check, in principle, depends on
``hedge_weak``     "should", "normally": a hedge only when nothing firmer is said
``condition``      if / as long as / wenn / si / se (``^``: only at a clause start)
``polite_if``      conditions that are courtesy, not conditions ("if that helps")
``defer``          the decision comes later ("I'll confirm tomorrow", "te digo algo")
``ack``            acknowledgement without commitment ("got it", "noted", "bien reçu")
``precommit``      a question asked before deciding ("before I commit", "bevor ich zusage")
``info_need``      cannot decide without information ("can't assess it without")
``correction``     a self-correction ("actually", "on second thought", "en fait")
``alt``            an alternative date or time is offered ("instead", "how about", "statt")
``not_before``     the earliest possible date ("not before", "erst", "pas avant")
``works``          a date or slot works ("works", "passt", "kan wel", "é tranquilo")
``scope_except``   part of the ask is excluded ("but not", "except", "mais pas", "men ikke")
``scope_only``     only part of the ask ("only", "nur", "seulement", "solo", "tylko")
``scope_part``     part of the ask ("part of it", "teilweise", "une partie", "en parte")
``redirect``       someone else should do (part of) it ("ask Tom", "frag Lukas")
``future_ref``     another occasion ("next time", "on the next one", "la prochaine fois")
``absence``        the person is away ("out of the office", "im Urlaub", "de viaje")
``contrast``       but / however / aber / mais / pero / ma / mas / maar / men / ale
``negator``        negation words
``post_negator``   negation words that follow the verb they negate (nicht, pas, niet, inte)
``question_lead``  openers of a question without a question mark ("quick question")
``closing``        valedictions that start a signature ("Best regards", "Viele Grüße")
``regret``         "sorry" and its kin: a lean towards no, never a refusal on its own
``mixed``          "yes and no", "jein"
``postpone``       a move to a later, unnamed time ("postpone", "verschieben", "reporter")
``return``         after an absence ("when I'm back", "nach meinem Urlaub", "à mon retour")
``past_ref``       another, earlier occasion ("last time", "letztes Mal")
``substitute``     other terms instead of the asked ones ("instead", "statt", "au lieu")
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from followthru.replies.alternation import factored
from followthru.replies.heads import Gate

VOCABULARY_DIR = Path(__file__).with_name("vocabulary")
REFERENCE = "en"  # every other file must have the keys of this one
INTENT_TABLES = ("phrases", "words", "patterns")
DATE_TABLES = ("months", "weekdays", "weekday_short", "weekday_prefix", "dates")
# The tables of a language the intent reader reads: a file has all of them or none.
READING_TABLES = INTENT_TABLES + DATE_TABLES
# The words that cut quoted history and signatures (:mod:`.lexicon`): optional on their own.
TRIMMING_TABLES = ("trimming",)
TABLES = READING_TABLES + TRIMMING_TABLES
# Keys a language may leave empty although English fills them (``table.*``: every key of the
# table): words that follow the verb they negate (Spanish, Italian, Portuguese and Polish negate
# before it), the articles after "instead of" / "by" (Polish has none), short weekday forms and
# abbreviations (most languages write none that are safe to read), month abbreviations that are
# also words, short month names read alone, "next" before a weekday (French puts it after),
# words and articles before a bare day number, and every trimming key (mail clients do not write
# every marker in every language).
MAY_BE_EMPTY = frozenset(
    {
        "phrases.post_negator",
        "patterns.instead_of_article",
        "patterns.deadline_article",
        "weekday_short.*",
        "weekday_prefix.*",
        "dates.ambiguous_months",
        "dates.short_months_alone",
        "dates.next_before",
        "dates.short_weekday_leads",
        "dates.day_lead",
        "dates.weekday_day_articles",
        "trimming.*",
    }
)


def may_be_empty(table: str, key: str) -> bool:
    """Whether a language may leave ``table.key`` empty although English fills it."""
    return f"{table}.{key}" in MAY_BE_EMPTY or f"{table}.*" in MAY_BE_EMPTY


class VocabularyError(ValueError):
    """A language file that is missing, unreadable or lacks a category; the message names the
    file and the key."""


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    order: int
    letters: str
    phrases: dict[str, list[str]]
    words: dict[str, list[str]]
    patterns: dict[str, list[str]]
    months: dict[str, list[str]]
    weekdays: dict[str, list[str]]
    weekday_short: dict[str, list[str]]
    weekday_prefix: dict[str, list[str]]
    dates: dict[str, list[str]]
    trimming: dict[str, list[str]]

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables this file has (an absent table is empty)."""
        return tuple(table for table in TABLES if getattr(self, table))

    @property
    def reads_intent(self) -> bool:
        """Whether the intent and date readers read this language (it has their tables)."""
        return bool(self.phrases)


_PUNCT = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "’": "'",
        "‘": "'",
        "‛": "'",
        "´": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


class _Folded(dict[int, str]):
    """Each character's folded form, worked out the first time it is met (str.translate then
    runs at C speed over the characters already seen)."""

    def __missing__(self, code: int) -> str:
        folded = "".join(_fold_char(char) for char in chr(code).translate(_PUNCT))
        self[code] = folded
        return folded


def _fold_char(char: str) -> str:
    low = char.lower()
    if len(low) != 1:
        low = char
    base = unicodedata.normalize("NFKD", low)
    stripped = "".join(c for c in base if not unicodedata.combining(c))
    return stripped if len(stripped) == 1 else low


_FOLDED = _Folded()


def fold(text: str) -> str:
    """Lower case, plain quotes and dashes, accents removed; one character for one, so offsets
    into the folded text are offsets into ``text``."""
    return text.translate(_FOLDED)


# --- reading and checking the files --------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise VocabularyError(f"{path}: no such vocabulary file") from None
    except tomllib.TOMLDecodeError as error:
        raise VocabularyError(f"{path}: not valid TOML: {error}") from None


def _string_list(path: Path, key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise VocabularyError(f"{path}: {key} must be a list of strings")
    return value


def load_language(path: Path, reference: dict[str, Any] | None = None) -> Language:
    """The language file at ``path``, checked against ``reference`` (the raw English file; when
    None, only its form is checked). Raises :class:`VocabularyError` naming file and key."""
    data = _read_toml(path)
    head = data.get("language")
    if not isinstance(head, dict):
        raise VocabularyError(f"{path}: [language] is missing")
    name, order, letters = head.get("name"), head.get("order"), head.get("letters", "")
    if not isinstance(name, str) or not name:
        raise VocabularyError(f"{path}: language.name must be a non-empty string")
    if not isinstance(order, int) or isinstance(order, bool):
        raise VocabularyError(f"{path}: language.order must be a whole number")
    if not isinstance(letters, str):
        raise VocabularyError(f"{path}: language.letters must be a string")
    unknown_tables = [table for table in data if table not in TABLES and table != "language"]
    if unknown_tables:
        raise VocabularyError(f"{path}: [{unknown_tables[0]}] is not a table of a language file")
    reading = [table for table in READING_TABLES if table in data]
    if reading and len(reading) < len(READING_TABLES):
        absent = next(table for table in READING_TABLES if table not in data)
        raise VocabularyError(
            f"{path}: [{absent}] is missing (a language the intent reader reads "
            f"has {', '.join(f'[{t}]' for t in READING_TABLES)})"
        )
    tables: dict[str, dict[str, list[str]]] = {table: {} for table in TABLES}
    for table in TABLES:
        if table not in data:
            continue
        content = data[table]
        if not isinstance(content, dict):
            raise VocabularyError(f"{path}: [{table}] must be a table")
        tables[table] = {key: _string_list(path, f"{table}.{key}", value) for key, value in content.items()}
        if not content:
            raise VocabularyError(f"{path}: [{table}] is empty")
        if reference is None:
            continue
        expected = reference[table]
        missing = [key for key in expected if key not in content]
        if missing:
            raise VocabularyError(
                f"{path}: {table}.{missing[0]} is missing"
                + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            )
        unknown = [key for key in content if key not in expected]
        if unknown:
            raise VocabularyError(f"{path}: {table}.{unknown[0]} is not a key of {REFERENCE}.toml")
        for key, english in expected.items():
            if english and not content[key] and not may_be_empty(table, key):
                raise VocabularyError(f"{path}: {table}.{key} is empty")
    return Language(path.stem, name, order, letters, **tables)


def load_all(folder: Path = VOCABULARY_DIR) -> dict[str, Language]:
    """Every ``*.toml`` in ``folder``, checked against ``en.toml``, in their ``order``: each
    table a file has must have the keys English has in it."""
    english = folder / f"{REFERENCE}.toml"
    reference_language = load_language(english)
    missing = [table for table in TABLES if table not in reference_language.tables]
    if missing:
        raise VocabularyError(f"{english}: [{missing[0]}] is missing (English is the reference)")
    reference = {table: getattr(reference_language, table) for table in TABLES}
    found = [reference_language] + [
        load_language(path, reference) for path in sorted(folder.glob("*.toml")) if path != english
    ]
    return {lang.code: lang for lang in sorted(found, key=lambda lang: (lang.order, lang.code))}


@cache
def language_files() -> dict[str, Language]:
    """Every shipped language file, read and checked once per process."""
    return load_all()


@cache
def vocabulary() -> dict[str, Language]:
    """The shipped languages the intent and date readers read (files with ``[phrases]``)."""
    return {code: lang for code, lang in language_files().items() if lang.reads_intent}


def languages() -> tuple[str, ...]:
    """The codes of the languages the intent reader reads, in their order."""
    return tuple(vocabulary())


def __getattr__(name: str) -> tuple[str, ...]:
    # ``LANGUAGES`` is derived from the files present, so it is read on first use, not at import
    if name == "LANGUAGES":
        return languages()
    raise AttributeError(name)


# --- compiled forms -------------------------------------------------------------------------------


def _fragment(phrase: str) -> str:
    """A lexicon phrase as a regex on folded text: a space matches any blanks; "ae" and "ss"
    also match "æ" and "ß", which folding keeps (one character must stay one character)."""
    body = fold(phrase)
    body = body.replace(" ", r"\s+").replace("ae", "(?:ae|æ)").replace("ss", "(?:ss|ß)")
    body = re.sub(r"(?<=[a-z])'(?=[a-z])", "'?", body)
    return body


def _compile(phrases: list[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """(anywhere, clause-start-only) patterns of ``phrases``."""
    free = [_fragment(p) for p in phrases if not p.startswith("^")]
    start = [_fragment(p[1:]) for p in phrases if p.startswith("^")]

    def build(parts: list[str]) -> re.Pattern[str] | None:
        if not parts:
            return None
        parts.sort(key=len, reverse=True)
        return re.compile(rf"(?<![\w'])(?:{factored(parts)})(?![\w'])")

    return build(free), build(start)


@cache
def patterns(category: str, langs: frozenset[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The (anywhere, clause-start-only) patterns of phrase ``category`` in ``langs``."""
    phrases: list[str] = []
    for lang in vocabulary().values():
        if lang.code in langs:
            phrases.extend(lang.phrases[category])
    return _compile(list(dict.fromkeys(phrases)))


@cache
def gate(categories: tuple[str, ...], langs: frozenset[str], per_language: bool = False) -> Gate:
    """A :class:`.heads.Gate` telling which of ``categories`` in ``langs`` a text may hold
    (at a clause start or not); its labels are the categories, or ``(language, category)``
    pairs with ``per_language``."""
    table = vocabulary()
    groups: dict[object, list[str]] = {}
    for lang in (code for code in table if code in langs):
        for category in categories:
            label = (lang, category) if per_language else category
            written = (_fragment(p.removeprefix("^")) for p in table[lang].phrases[category])
            groups.setdefault(label, []).extend(written)
    return Gate(groups)


@cache
def word_set(category: str, langs: frozenset[str]) -> frozenset[str]:
    """The folded phrases of ``category`` in ``langs``, as a set of words."""
    table = vocabulary()
    return frozenset(fold(w) for lang in langs for w in table[lang].phrases[category])


@cache
def words(key: str) -> frozenset[str]:
    """The ``[words]`` list ``key`` of every language, as they are written."""
    return frozenset(w for lang in vocabulary().values() for w in lang.words[key])


@cache
def alternation(key: str) -> str:
    """The ``[patterns]`` fragments ``key`` of every language as one regex alternation (first
    language first, a fragment two languages share once)."""
    fragments = [f for lang in vocabulary().values() for f in lang.patterns[key]]
    return "|".join(dict.fromkeys(fragments))
