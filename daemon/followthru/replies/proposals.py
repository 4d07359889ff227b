"""Dates and times written in a reply, in the languages of the vocabulary files (their words are
in :mod:`.date_words`), for reading counter-proposals.

:func:`find_mentions` returns every date or time the words name, with the day it resolves to
relative to the message date (``base``, a naive local datetime):

- month names: "Dec 11", "11 December", "14. Dezember", "el 14 de diciembre", "9 grudnia",
  "fredag den 11 december", "Monday, December 14";
  a date without a year is this year's, or next year's once it is more than two weeks past;
- numeric dates: "11.12." and "11.12.2026" are always day first; "11/12" is day first in every
  language but English, where the text's own style decides (a "12/14" or a "Dec 11"
  elsewhere means month first), then which reading falls in the coming weeks, then day first;
  a reading that is no real date is never taken; ISO "2026-12-11";
- ordinals and numbered days: "the 11th", "11th", "9e", "9:e", "le 9", "l'11", "el 9",
  "dia 9", "am 9.", "den 9." - a bare number only after such a word and not before a unit
  ("the 14 pages", "le 12 %");
- weekdays: "Friday" is the next Friday after the message date; "next Friday" / "nächsten
  Freitag" / "vendredi prochain" / "el próximo viernes" is the Friday of the following week; a
  weekday written with a day number ("Thursday the 10th", "viernes 11", "Freitag, 11.12.") is
  that numbered day;
- relative days ("tomorrow", "morgen", "demain", "mañana", ...);
- vague periods, marked ``precise=False``: "next week", "the week of the 14th", "im Januar",
  "until January", "after the holidays", "next month";
- times of day ("14:00", "2pm", "14 Uhr", "14h30") as ``kind == "time"`` without a day.

Spans are found with regular expressions first, so ordinary words ("may", "sat", "do", "out")
never become dates; the day is then computed here. The patterns are built from the words of
the language files once per process, on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from followthru.replies import lowercase
from followthru.replies.date_words import DateWords, alternation, date_words
from followthru.replies.intent_lexicon import fold


@dataclass(frozen=True)
class Mention:
    """One date or time in a text. ``day`` is None for a time of day; ``precise`` is False for
    a vague period ("next week") whose ``day`` is only its first day."""

    text: str
    start: int
    end: int
    day: date | None
    kind: str  # "date", "weekday", "relative", "period", "time"
    precise: bool = True


# --- patterns -------------------------------------------------------------------------------
# The words come from the vocabulary files (:mod:`.date_words`); the shapes are here.

_DAY = r"(?P<day>[0-3]?\d)"
_ORD = r"(?:st|nd|rd|th|er|e|de|ste|:e|\.|º|ª|ème|eme)?"
_YEAR = r"(?:,?\s*(?:de\s+|of\s+)?(?P<year>(?:19|20)\d\d))?"
_ISO = re.compile(r"(?<![\w/.-])(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)")
_NUMERIC = re.compile(
    r"(?<![\w/.,:-])(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[01]?\d)(?:(?P=sep)(?P<year>(?:19|20)?\d\d)"
    r"(?![\d]))?(?P<dot>\.)?(?![\d/]|\.\d)"
)
_DIGIT = re.compile(r"\d")
_ORDINAL = re.compile(
    r"(?<![\w/.:-])(?:the\s+)?(?P<day>[0-3]?\d)(?P<suffix>st|nd|rd|th|:e|e|de|ste|er|ème|eme"
    r"|º|ª)(?![\w])",
    re.I,
)


@dataclass(frozen=True)
class _Patterns:
    """The patterns built from the date words, compiled once per process on first use."""

    words: DateWords
    month_only: re.Pattern[str]
    named_dm: re.Pattern[str]
    named_md: re.Pattern[str]
    context_day: re.Pattern[str]
    weekday: re.Pattern[str]
    prefix_weekday: re.Pattern[str]
    relative: re.Pattern[str]
    not_tomorrow_before: re.Pattern[str]
    next_week: re.Pattern[str]
    week_of: re.Pattern[str]
    unit_after: re.Pattern[str]
    numeric_lead: re.Pattern[str]
    weekday_date_gap: re.Pattern[str]
    weekday_day: re.Pattern[str]
    time: re.Pattern[str]
    # The words a pattern cannot match without, to be found on lower-cased text (None: not
    # looked for): where none of them is, the pattern is not run.
    weekday_words: re.Pattern[str] | None
    relative_words: re.Pattern[str] | None
    month_only_words: re.Pattern[str] | None
    next_week_words: re.Pattern[str] | None


@cache
def _patterns() -> _Patterns:
    w = date_words()
    return _Patterns(
        words=w,
        # "im Januar", "until January", "next month": matched on folded text
        month_only=re.compile(
            rf"(?<![\w])(?:(?:{w.month_lead})\s+(?P<month>{w.full_months})(?![\w])(?!\s+\d)"
            rf"|(?P<period>{w.next_period}))",
            re.I,
        ),
        named_dm=re.compile(
            rf"(?<![\w/.:-]){_DAY}{_ORD}\s*(?:de\s+|of\s+|the\s+)?(?P<month>{w.month_alt})(?![\w]){_YEAR}", re.I
        ),
        named_md=re.compile(
            rf"(?<![\w/.:-])(?P<month>{w.month_alt})\.?\s+(?:the\s+)?{_DAY}(?:st|nd|rd|th)?(?![\w:])"
            rf"(?!\.\d){_YEAR}",
            re.I,
        ),
        context_day=re.compile(
            rf"(?<![\w])(?P<ctx>{w.day_lead})(?:(?<=['’])|\s+)(?:de\s+)?(?P<day>[0-3]?\d)(?P<dot>\.)?"
            r"(?![\d.,:/%\w])",
            re.I,
        ),
        weekday=re.compile(
            rf"(?<![\w])(?:(?P<next>{w.next_before})\s+|(?P<this>{w.this_before})\s+)?"
            rf"(?P<name>{w.weekday_alt})(?![\w-])(?:\s+(?P<after>{w.next_after}))?",
            re.I,
        ),
        prefix_weekday=re.compile(rf"(?<![\w])(?P<name>{alternation(w.prefix_weekdays)})\.?,?(?=\s+\d)", re.I),
        relative=re.compile(rf"(?<![\w-])(?P<rel>{alternation(w.relative)})(?![\w-])", re.I),
        # "morgen" is also "morning" (Guten Morgen, goede morgen), "mañana" also "morning" (por
        # la mañana): not a day after these words
        not_tomorrow_before=re.compile(rf"({w.morning_lead})\s*$", re.I),
        next_week=re.compile(rf"(?<![\w])(?P<period>{w.next_week})(?![\w])", re.I),
        week_of=re.compile(rf"(?<![\w])(?P<weekof>{w.week_of})\s*$", re.I),
        # a bare number after a context word is a day unless a unit or a counted noun follows it
        # ("the 14 pages", "le 12 %", "die 30 Fragen")
        unit_after=re.compile(rf"\s*(?:%|€|\$|x\b|[:h]\d|uhr\b|h\b|(?:{w.units})\b)", re.I),
        # "14.12" without the closing dot is a date only after one of these ("am 14.12")
        numeric_lead=re.compile(rf"(?:{w.numeric_date_lead})\s*$", re.I),
        # between a weekday and the date it names: "Friday, 11.12.", "Thursday the 10th"
        weekday_date_gap=re.compile(rf"[\s,.]*(?:{w.weekday_date_words})?[\s,]*", re.I),
        weekday_day=re.compile(
            rf"[\s,]*(?:(?:{w.weekday_day_articles})\s+)?"
            r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|:e|e|\.)?(?![\d:.,]\d|\w)",
            re.I,
        ),
        time=re.compile(
            r"(?<![\w/.:,])(?:(?P<h>[01]?\d|2[0-3])(?::|h)(?P<m>[0-5]\d)(?:\s*(?P<ampm>[ap]\.?m\.?))?"
            r"|(?P<h2>1[0-2]|0?[1-9])(?:[.:](?P<m2>[0-5]\d))?\s*(?P<ampm2>[ap]\.?m\.?)"
            r"|(?P<h3>[01]?\d|2[0-3])\s*(?:uhr|h)(?:\s*(?P<m3>[0-5]\d))?"
            rf"|(?:{w.time_lead})\s+(?P<h4>[01]?\d|2[0-3])"
            r"[.:](?P<m4>[0-5]\d))(?![\w])",
            re.I,
        ),
        weekday_words=lowercase.twin(re.compile(w.weekday_alt, re.I)),
        relative_words=lowercase.twin(re.compile(alternation(w.relative), re.I)),
        month_only_words=lowercase.twin(re.compile(rf"{w.full_months}|{w.next_period}", re.I)),
        next_week_words=lowercase.twin(re.compile(w.next_week, re.I)),
    )


def _risky_month_ok(name: str, langs: set[str] | None) -> bool:
    allowed = date_words().ambiguous_months.get(name.lower().rstrip("."))
    return allowed is None or (langs is not None and bool(allowed & langs))


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _yearless(month: int, day: int, today: date) -> date | None:
    """A day and month without a year: this year, or next year once it is more than two weeks
    past."""
    found = _safe(today.year, month, day)
    if found is None:  # the 29th of February: the next leap year's
        return next(filter(None, (_safe(year, month, day) for year in range(today.year + 1, today.year + 9))), None)
    if found < today - timedelta(days=14):
        return _safe(today.year + 1, month, day)
    return found


def _numbered_day(day: int, today: date, weekday: int | None = None) -> date | None:
    """The next day numbered ``day`` on or after today; with a weekday, the first such day in
    the next months that falls on it."""
    candidates = []
    for ahead in range(0, 13):
        month = (today.month - 1 + ahead) % 12 + 1
        year = today.year + (today.month - 1 + ahead) // 12
        found = _safe(year, month, day)
        if found and found >= today:
            candidates.append(found)
    if not candidates:
        return None
    if weekday is not None:
        for found in candidates[:4]:
            if found.weekday() == weekday:
                return found
    return candidates[0]


def _weekday_day(number: int, today: date, next_week: bool) -> date:
    if next_week:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=number)
    ahead = (number - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def _numeric_style(
    numeric: list[re.Match[str]], month_first: list[re.Match[str]], day_first: list[re.Match[str]]
) -> str | None:
    """'dmy' or 'mdy' when the text shows how it writes dates: an unambiguous numeric date
    (13/12 or 12/13), or a month name written before the day ("Dec 11": month first). Given
    the text's matches of _NUMERIC, named_md and named_dm."""
    votes = {"dmy": 0, "mdy": 0}
    for m in numeric:
        if m.group("sep") != "/":
            continue
        a, b = int(m.group("a")), int(m.group("b"))
        if a > 12 >= b:
            votes["dmy"] += 2
        elif b > 12 >= a:
            votes["mdy"] += 2
    votes["mdy"] += len(month_first)
    votes["dmy"] += len(day_first)
    if votes["dmy"] != votes["mdy"]:
        return "dmy" if votes["dmy"] > votes["mdy"] else "mdy"
    return None


def _read_numeric(m: re.Match[str], today: date, lang: str | None, style: str | None) -> date | None:
    a, b, sep = int(m.group("a")), m.group("b"), m.group("sep")
    b = int(b)
    year_text = m.group("year")
    year = None
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)

    def make(month: int, day: int) -> date | None:
        if year:
            return _safe(year, month, day)
        return _yearless(month, day, today) if _safe(2024, month, day) else None

    day_first = make(b, a)
    if sep in ".-" or (lang not in (None, "en") and day_first):
        return day_first
    month_first = make(a, b)
    if not day_first or not month_first:
        return day_first or month_first
    if style == "mdy":
        return month_first
    if style == "dmy":
        return day_first

    def near(day: date) -> bool:
        return -14 <= (day - today).days <= 75

    if near(month_first) and not near(day_first):
        return month_first
    if near(day_first) and not near(month_first):
        return day_first
    return day_first


def _overlaps(spans: list[Mention], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def find_mentions(
    text: str, base: datetime, langs: set[str] | None = None, primary: str | None = None
) -> list[Mention]:
    """Every date and time in ``text``, in order of appearance. ``langs`` (ISO 639-1 codes) are
    the languages of the text when known: they allow word forms that are dates only in those
    languages. ``primary`` is the main language: outside English "11/12" is always day first;
    in English (where both orders are written) the text's own style decides, then which
    reading falls in the coming weeks, then day first."""
    today = base.date()
    patterns = _patterns()
    words = patterns.words
    found: list[Mention] = []
    if primary is None and langs and len(langs - {"en"}) == 1 and "en" in langs:
        primary = next(iter(langs - {"en"}))
    elif primary is None and langs and len(langs) == 1:
        primary = next(iter(langs))
    low = lowercase.lowered(text)
    numbered = _DIGIT.search(text) is not None  # no date or time but a named day is without one
    # each pattern is run once: the style is read from the same matches as the dates
    day_first = list(lowercase.finditer(patterns.named_dm, text, low)) if numbered else []
    month_first = list(lowercase.finditer(patterns.named_md, text, low)) if numbered else []
    numeric = list(_NUMERIC.finditer(text)) if numbered else []
    style = _numeric_style(numeric, month_first, day_first) if numbered else None

    def add(mention: Mention) -> None:
        if mention.day is None and mention.kind != "time":
            return
        if not _overlaps(found, mention.start, mention.end):
            found.append(mention)

    for m in _ISO.finditer(text) if numbered else ():
        add(
            Mention(
                m.group(),
                m.start(),
                m.end(),
                _safe(int(m.group("year")), int(m.group("month")), int(m.group("day"))),
                "date",
            )
        )
    for named in (day_first, month_first):
        for m in named:
            name = m.group("month")
            if not _risky_month_ok(name, langs):
                continue
            month = words.months[name.lower()]
            day = int(m.group("day"))
            year = int(m.group("year")) if m.group("year") else None
            when = (
                _safe(year, month, day) if year else (_yearless(month, day, today) if _safe(2024, month, day) else None)
            )
            add(Mention(m.group(), m.start(), m.end(), when, "date"))
    for m in numeric:
        a, b = int(m.group("a")), int(m.group("b"))
        if m.group("sep") == "." and not (m.group("year") or m.group("dot")):
            # "14.12" without the closing dot: a date only after a date word ("am 14.12")
            lead = text[max(0, m.start() - 12) : m.start()]
            if not patterns.numeric_lead.search(lead):
                continue
        if m.group("sep") == "-" and not m.group("year"):
            continue
        if m.group() in ("24/7",) or (a == 0 or b == 0):
            continue
        add(
            Mention(
                m.group().rstrip(".") if not m.group("dot") else m.group(),
                m.start(),
                m.end(),
                _read_numeric(m, today, primary, style),
                "date",
            )
        )
    for m in lowercase.finditer(_ORDINAL, text, low) if numbered else ():
        suffix = m.group("suffix").lower()
        if suffix in ("e", "de", "ste") and not (langs is None or langs & {"nl", "fr"}):
            continue
        if suffix in ("er", "ème", "eme") and not (langs is None or "fr" in langs):
            continue
        day = int(m.group("day"))
        if not 1 <= day <= 31:
            continue
        add(Mention(m.group(), m.start(), m.end(), _numbered_day(day, today), "date"))
    for m in lowercase.finditer(patterns.context_day, text, low) if numbered else ():
        day = int(m.group("day"))
        if not 1 <= day <= 31:
            continue
        after = text[m.end() : m.end() + 20]
        if patterns.unit_after.match(after):
            continue  # "the 14 pages", "le 12 %", "il 9 volte"
        if m.group("ctx").lower() == "the" and not m.group("dot") and after.lstrip()[:1].isalpha():
            continue
        start = m.start("day")  # the number only: "pas avant le 14" keeps its "avant"
        add(Mention(text[start : m.end()], start, m.end(), _numbered_day(day, today), "date"))

    # Weekdays: alone, or naming the day of a number that follows ("Thursday the 10th").
    weekday_patterns = [(patterns.weekday, words.weekdays)] if _may_hold(patterns.weekday_words, low) else []
    for lang, short in words.short_weekdays.items():
        if langs is None or lang in langs:
            weekday_patterns.append((short.pattern, short.numbers))
    weekday_hits = []
    for pattern, table in weekday_patterns:
        for m in lowercase.finditer(pattern, text, low):
            number = table.get(m.group("name").lower())
            if number is None:
                continue
            weekday_hits.append((m, number))
    for m in lowercase.finditer(patterns.prefix_weekday, text, low) if numbered else ():
        # "Fr. 11.12.", "Mo, 14.12.", "Sat 12 Dec": capitalised, and closed by a dot or comma
        # unless it is an English abbreviation ("could we do 11.12." has no weekday)
        name = m.group("name")
        if not name[0].isupper() or not (m.group().endswith((".", ",")) or len(name) == 3):
            continue
        weekday_hits.append((m, words.prefix_weekdays[name.lower()]))
    weekday_hits.sort(key=lambda hit: hit[0].start())
    for m, number in weekday_hits:
        gap_end = m.end()
        follower = next(
            (
                f
                for f in sorted(found, key=lambda f: f.start)
                if f.start >= gap_end
                and f.kind == "date"
                and patterns.weekday_date_gap.fullmatch(text[gap_end : f.start])
            ),
            None,
        )
        if follower is not None:
            # "Friday, 11.12." / "Thursday the 10th": the number decides; the weekday picks the
            # month when none is written.
            meant = follower.day
            if follower.day is not None and not re.search(words.month_alt + r"|\d[./]\d", follower.text, re.I):
                meant = _numbered_day(follower.day.day, today, number)
            found.remove(follower)
            add(Mention(text[m.start() : follower.end], m.start(), follower.end, meant, "date"))
            continue
        bare = patterns.weekday_day.match(text[gap_end:])
        if bare and 1 <= int(bare.group("day")) <= 31:
            end = gap_end + bare.end()
            add(
                Mention(
                    text[m.start() : end], m.start(), end, _numbered_day(int(bare.group("day")), today, number), "date"
                )
            )
            continue
        if pattern_is_prefix(m):
            continue
        next_week = bool(m.groupdict().get("next") or m.groupdict().get("after"))
        add(Mention(m.group(), m.start(), m.end(), _weekday_day(number, today, next_week), "weekday"))

    for m in lowercase.finditer(patterns.relative, text, low) if _may_hold(patterns.relative_words, low) else ():
        word = re.sub(r"\s+", " ", m.group("rel").lower())
        if word in words.tomorrow_also_morning and patterns.not_tomorrow_before.search(
            text[max(0, m.start() - 12) : m.start()]
        ):
            continue
        add(Mention(m.group(), m.start(), m.end(), today + timedelta(days=words.relative[word]), "relative"))
    folded = fold(text)
    folded_low = lowercase.lowered(folded)
    month_only = _may_hold(patterns.month_only_words, folded_low)
    for m in lowercase.finditer(patterns.month_only, folded, folded_low) if month_only else ():
        # "im Januar", "until January", "after the holidays": a period, not a day
        if m.group("month"):
            month = words.folded_months[m.group("month")]
            year = today.year if month >= today.month else today.year + 1
            period_start = date(year, month, 1) if month != today.month else today
        else:
            period_start = today + timedelta(days=30)
        add(Mention(text[m.start() : m.end()], m.start(), m.end(), period_start, "period", precise=False))
    for m in lowercase.finditer(patterns.next_week, text, low) if _may_hold(patterns.next_week_words, low) else ():
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        add(Mention(m.group(), m.start(), m.end(), monday, "period", precise=False))
    # "the week of the 14th": the day is the one written, but only the week is meant.
    for mention in list(found):
        week_of = patterns.week_of.search(text[max(0, mention.start - 30) : mention.start])
        if week_of and mention.kind == "date":
            found[found.index(mention)] = Mention(
                text[mention.start - len(week_of.group()) : mention.end],
                mention.start - len(week_of.group()),
                mention.end,
                mention.day,
                "period",
                precise=False,
            )
    for m in lowercase.finditer(patterns.time, text, low) if numbered else ():
        if _overlaps(found, m.start(), m.end()):
            continue
        found.append(Mention(m.group(), m.start(), m.end(), None, "time"))
    return sorted(found, key=lambda f: f.start)


def _may_hold(words: re.Pattern[str] | None, low: str | None) -> bool:
    """Whether the lower-cased text ``low`` may hold one of ``words`` (a pattern's words, see
    _Patterns): a pattern is run only then (its words are looked for much faster than it)."""
    return words is None or low is None or words.search(low) is not None


def pattern_is_prefix(m: re.Match[str]) -> bool:
    """A German / French weekday abbreviation ("Fr.") that is not followed by a date."""
    return m.re is _patterns().prefix_weekday
