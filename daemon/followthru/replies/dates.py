"""Dates written in a reply: "Dec 11", "Monday, December 14", "14.12.", "12/14/2026", "the 11th",
"Freitag, 11.12.", "dia 11", "den 9:e".

Spans are found with a regular expression first (so ordinary words such as "may" or "sat" never
become dates), then each span is read by hand. Dates without a year,
weekdays and ordinals are read as the next such day on or after the base date (the message date);
"next Wednesday" is the Wednesday of the following week. A weekday written with a date ("Thursday
the 10th", "Freitag, 11.12.") is one date, the written one. English, German, French, Spanish,
Italian, Portuguese, Dutch, Swedish, Danish and Polish month and weekday names are known
(abbreviations only where they cannot be ordinary words); a month name is turned into its
number with the month names of the vocabulary files (:mod:`.date_words`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from followthru.replies import lowercase
from followthru.replies.alternation import factored
from followthru.replies.date_words import date_words
from followthru.replies.intent_lexicon import fold

_MONTHS = (
    "january|february|march|april|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|may|jun|jul|aug|sept|sep|oct|nov|dec"
    "|januar|jänner|februar|märz|maerz|mai|juni|juli|oktober|dezember|mrz|okt|dez"
    "|janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre"
    "|décembre|decembre|janv|févr|fevr|avr|juil|déc"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre"
    "|diciembre|ene|abr|dic"
    "|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    "|janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|dezembro"
    "|januari|februari|maart|mei|augustus|mrt"
    "|mars|maj|augusti|marts"
    "|stycznia|styczeń|lutego|luty|marca|marzec|kwietnia|kwiecień|maja|czerwca|czerwiec|lipca"
    "|lipiec|sierpnia|sierpień|września|wrzesień|października|październik|listopada|listopad"
    "|grudnia|grudzień"
)
_WEEKDAYS = {  # full names, usable alone
    0: "monday|montag|lundi|lunes|lunedì|lunedi|segunda-feira|maandag|måndag|mandag|poniedziałek|poniedzialek",
    1: "tuesday|dienstag|mardi|martes|martedì|martedi|terça-feira|terca-feira|dinsdag|tisdag|tirsdag|wtorek",
    2: "wednesday|mittwoch|mercredi|miércoles|miercoles|mercoledì|mercoledi|quarta-feira"
    "|woensdag|onsdag|środa|środę|sroda",
    3: "thursday|donnerstag|jeudi|jueves|giovedì|giovedi|quinta-feira|donderdag|torsdag|czwartek",
    4: "friday|freitag|vendredi|viernes|venerdì|venerdi|sexta-feira|vrijdag|fredag|piątek|piatek",
    5: "saturday|samstag|samedi|sábado|sabado|zaterdag|lördag|lørdag|sobota|sobotę",
    6: "sunday|sonntag|dimanche|domingo|domenica|zondag|söndag|søndag|niedziela|niedzielę",
}
_WEEKDAY_ANY = factored("|".join(_WEEKDAYS.values()).split("|"), ignorecase=True)
# Abbreviations only ever as the prefix of a full date ("Mon, Dec 14", "Mo., 14. Dez.").
_WEEKDAY_ABBREVIATIONS = (
    "mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim|mié|jue|vie|sáb|dom"
)
_WEEKDAY_NAMES = "|".join(_WEEKDAYS.values()) + "|" + _WEEKDAY_ABBREVIATIONS
_WEEKDAY_PREFIX = rf"(?:(?:{factored(_WEEKDAY_NAMES.split('|'), ignorecase=True)})\.?,?\s+)?"
# Words between a weekday and its date: "Thursday the 10th", "fredag den 11", "lundi le 14".
_ARTICLE = r"(?:(?:the|den|der|dem|le|el|il|lo|o|de|del|op|am)\s+)?"
_MONTH_NAMES = factored(_MONTHS.split("|"), ignorecase=True)
_MONTH = rf"(?:{_MONTH_NAMES})\.?"


def _day(group: str) -> str:
    return rf"(?P<{group}>[0-3]?\d)(?:st|nd|rd|th|er|\.)?"


def _month(group: str) -> str:
    return rf"(?P<{group}>{_MONTH_NAMES})\.?"


def _year(group: str) -> str:
    return rf"(?:,?\s+(?:de\s+)?(?P<{group}>(?:19|20)\d\d))?"


_PATTERN = re.compile(
    rf"""(?<![\w/.-])(?:
      (?P<named>{_WEEKDAY_PREFIX}{_ARTICLE}{_day("day")}\s+(?:of\s+|de\s+)?{_month("month")}{_year("year")}
              |{_WEEKDAY_PREFIX}{_month("month_first")}\s+{_day("day_after")}(?!\d){_year("year_after")})
     |(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)
     |(?P<numeric>{_WEEKDAY_PREFIX}{_ARTICLE}
                 (?:[0-3]?\d[./][01]?\d[./](?:19|20)?\d\d(?!\d)  # 14.12.2026, 12/14/26
                 |[0-3]?\d\.[01]?\d\.(?!\d)                       # 14.12.
                 |[0-3]?\d/[01]?\d(?![\d/])))                       # 12/14
     |(?P<ordinal>{_WEEKDAY_PREFIX}{_ARTICLE}[0-3]?\d(?:st|nd|rd|th|:e|e)(?!\w)
                 |(?:dia|día|el\s+día|giorno|il\s+giorno)\s+[0-3]?\d(?![\d.:/,]\d)
                  (?!\s+(?:de\s+)?{_MONTH}))
     |(?P<weekday>(?:(?:next|this|coming)\s+)?(?:{_WEEKDAY_ANY}))
     |(?P<tomorrow>tomorrow|demain)
    )(?![\w])""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Found:
    """One date in a text: the span as written, where it starts and ends, and the day."""

    text: str
    start: int
    end: int
    day: date


def _future(year_less: date, base: date) -> date:
    """A day-and-month without a year: this year, or next year if it has passed."""
    return year_less if year_less >= base else year_less.replace(year=year_less.year + 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric(text: str, base: date, month_first: bool) -> date | None:
    digits = re.search(r"\d[\d./]*", text)
    assert digits is not None, "a numeric date, as _PATTERN found it, holds digits"
    text = digits.group()  # without a weekday before it
    parts = [p for p in re.split(r"[./]", text) if p]
    first, second = int(parts[0]), int(parts[1])
    year = int(parts[2]) if len(parts) > 2 else None
    if year is not None and year < 100:
        year += 2000
    if "." in text:  # dotted dates are day first everywhere
        order = [(second, first)]
    elif month_first:
        order = [(first, second), (second, first)]
    else:
        order = [(second, first), (first, second)]
    for month, day in order:
        found = _safe_date(year or base.year, month, day)
        if found:
            return found if year else _future(found, base)
    return None


def _named(parts: re.Match[str], base: datetime) -> date | None:
    """A date with a month name, from the groups of its match: the day and month as written (a
    weekday before them is not read), the year as written or the next such day on or after
    ``base``."""
    day = int(parts["day"] or parts["day_after"])
    month = _month_number(parts["month"] or parts["month_first"])
    if month is None:
        return None
    if year := parts["year"] or parts["year_after"]:
        return _safe_date(int(year), month, day)
    for year_on in range(base.year, base.year + 9):  # the 29th of February waits for a leap year
        found = _safe_date(year_on, month, day)
        if found is not None:
            return _future(found, base.date()) if year_on == base.year else found
    return None


def _month_number(name: str) -> int | None:
    words = date_words()
    name = name.rstrip(".").lower()
    return words.months.get(name) or words.folded_months.get(fold(name))


def _weekday(text: str, base: date) -> date | None:
    """The next such weekday after ``base``; "next Wednesday": the one of the following week."""
    name = text.split()[-1].lower()
    for number, names in _WEEKDAYS.items():
        if name in names.split("|"):
            if text.lower().startswith("next"):
                return base + timedelta(days=7 - base.weekday() + number)
            ahead = (number - base.weekday()) % 7 or 7
            return base + timedelta(days=ahead)
    return None


def _ordinal(text: str, base: date) -> date | None:
    number = re.search(r"\d+", text)
    assert number is not None, "an ordinal date, as _PATTERN found it, holds its day's digits"
    day = int(number.group())
    for months_ahead in range(3):
        month = (base.month - 1 + months_ahead) % 12 + 1
        year = base.year + (base.month - 1 + months_ahead) // 12
        found = _safe_date(year, month, day)
        if found and found >= base:
            return found
    return None


def find_dates(text: str, base: datetime, month_first: bool = True) -> list[Found]:
    """Every date written in ``text``, in order. ``base`` is the naive local moment the text was
    written (relative dates count from it); ``month_first`` reads "12/11" as December 11."""
    found: list[Found] = []
    today = base.date()
    for match in lowercase.finditer(_PATTERN, text, lowercase.lowered(text)):
        kind, span = match.lastgroup, match.group()
        try:
            if kind == "named":
                day = _named(match, base)
            elif kind == "iso":
                day = date.fromisoformat(span)
            elif kind == "numeric":
                day = _numeric(span, today, month_first)
            elif kind == "ordinal":
                day = _ordinal(span, today)
            elif kind == "weekday":
                day = _weekday(span, today)
            else:
                day = today + timedelta(days=1)
        except (ValueError, OverflowError):
            day = None
        if day is not None:
            found.append(Found(span, match.start(), match.end(), day))
    return found
