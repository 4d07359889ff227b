"""Dates written in a reply: "Dec 11", "Monday, December 14", "14.12.", "12/14/2026", "the 11th".

Spans are found with a regular expression first (so ordinary words such as "may" or "sat" never
become dates), then each span is read with :mod:`dateparser` or by hand. Dates without a year,
weekdays and ordinals are read as the next such day on or after the base date (the message date).
English, German, French and Spanish month and weekday names are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dateparser

_MONTHS = (
    "january|february|march|april|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|may|jun|jul|aug|sept|sep|oct|nov|dec"
    "|januar|jänner|februar|märz|maerz|mai|juni|juli|oktober|dezember|mrz|okt|dez"
    "|janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre"
    "|décembre|decembre|janv|févr|fevr|avr|juil|déc"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre"
    "|diciembre|ene|abr|ago|dic"
)
_WEEKDAYS = {  # full names, usable alone
    0: "monday|montag|lundi|lunes",
    1: "tuesday|dienstag|mardi|martes",
    2: "wednesday|mittwoch|mercredi|miércoles|miercoles",
    3: "thursday|donnerstag|jeudi|jueves",
    4: "friday|freitag|vendredi|viernes",
    5: "saturday|samstag|samedi|sábado|sabado",
    6: "sunday|sonntag|dimanche|domingo",
}
_WEEKDAY_ANY = "|".join(_WEEKDAYS.values())
# Abbreviations only ever as the prefix of a full date ("Mon, Dec 14", "Mo., 14. Dez.").
_WEEKDAY_PREFIX = rf"(?:(?:{_WEEKDAY_ANY}|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
_WEEKDAY_PREFIX += (r"|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim|mié|jue|vie|sáb|dom)"
                    r"\.?,?\s+)?")
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th|er|\.)?"
_MONTH = rf"(?:{_MONTHS})\.?"
_YEAR = r"(?:,?\s+(?:de\s+)?(?:19|20)\d\d)?"

_PATTERN = re.compile(
    rf"""(?<![\w/.-])(?:
      (?P<named>{_WEEKDAY_PREFIX}(?:the\s+)?{_DAY}\s+(?:of\s+|de\s+)?{_MONTH}{_YEAR}
              |{_WEEKDAY_PREFIX}{_MONTH}\s+{_DAY}(?!\d){_YEAR})
     |(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)
     |(?P<numeric>[0-3]?\d[./][01]?\d[./](?:19|20)?\d\d(?!\d)   # 14.12.2026, 12/14/26
                 |[0-3]?\d\.[01]?\d\.(?!\d)                       # 14.12.
                 |[0-3]?\d/[01]?\d(?![\d/]))                        # 12/14
     |(?P<ordinal>(?:the\s+)?[0-3]?\d(?:st|nd|rd|th))
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


def _named(text: str, base: datetime) -> date | None:
    """A date with a month name; a leading word that was taken for a weekday but is not one
    ("could we do Dec 11": "do" is also German for Thursday) is dropped on a second try."""
    cleaned = re.sub(r"^the\s+", "", text.strip(), flags=re.I)
    for candidate in (cleaned, re.sub(r"^[^\W\d]+\.?,?\s+", "", cleaned)):
        parsed = dateparser.parse(
            candidate, languages=["en", "de", "fr", "es"],
            settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base,
                      "REQUIRE_PARTS": ["day", "month"]},
        )
        if parsed:
            return parsed.date()
    return None


def _weekday(text: str, base: date) -> date | None:
    name = text.split()[-1].lower()
    for number, names in _WEEKDAYS.items():
        if name in names.split("|"):
            ahead = (number - base.weekday()) % 7 or 7
            return base + timedelta(days=ahead)
    return None


def _ordinal(text: str, base: date) -> date | None:
    day = int(re.search(r"\d+", text).group())
    for months_ahead in range(0, 3):
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
    for match in _PATTERN.finditer(text):
        kind, span = match.lastgroup, match.group()
        try:
            if kind == "named":
                day = _named(span, base)
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
