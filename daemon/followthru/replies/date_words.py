"""The date words of every language, read from the vocabulary files and compiled into the
patterns :mod:`.proposals` reads dates with.

Only words live in the files; the shapes of dates (numbers, separators, ordinals, times) and
the rules stay in :mod:`.proposals`. Each language file (``vocabulary/<code>.toml``) has:

``[months]``          names and abbreviations by month (``january = ["january", "jan"]``)
``[weekdays]``        weekday names read alone ("Friday", "next Friday")
``[weekday_short]``   short forms read only when the text is in that language ("na sexta");
                      a form written capitalised is read only capitalised ("Wed", since "wed"
                      is a word), with the language's own ``next_before``,
                      ``short_weekday_leads`` and ``next_after`` around it
``[weekday_prefix]``  abbreviations read only before a date ("Fr., 11.12.")
``[dates]``           the words around dates:

``ambiguous_months``       month abbreviations that are also words ("may", "set", "out"):
                           read only when the text is in a language that lists them
``short_months_alone``     names of four letters or fewer that make a period alone ("in June";
                           longer names always do)
``next_before``            before a weekday: the one of the following week ("next", "nächsten")
``this_before``            before a weekday, without changing it ("this", "am", "ce")
``next_after``             after a weekday: the one of the following week ("prochain")
``short_weekday_leads``    words before a short weekday form ("na sexta", "on Wed")
``today``, ``tomorrow``, ``day_after_tomorrow``   relative days
``tomorrow_also_morning``  words for tomorrow that also mean morning ("morgen", "mañana")
``morning_lead``           words after which they mean morning ("guten", "por la")
``next_week``              "next week" (a period)
``week_of``                "the week of" before a date (a period around it)
``month_lead``             words before a month name that make it a period ("im Januar")
``next_period``            other vague periods ("next month", "after the holidays")
``day_lead``               words before a bare day number ("the 14", "am 14.", "l'11"); one
                           ending in an apostrophe joins the number directly
``units``                  nouns after a number that make it a count, not a day ("14 pages")
``time_lead``              words before a time written "14.30" ("kl.", "om", "alle", "às")
``numeric_date_lead``      words after which "14.12" (no closing dot) is a date ("am", "on")
``weekday_date_words``     words between a weekday and the date it names ("Friday the 11.12.",
                           "Freitag, den 11.12.", "venerdì entro il 11.12.")
``weekday_day_articles``   articles between a weekday and a bare day number ("Thursday the 10",
                           "fredag den 11")

Words are written as they are (a space matches any blanks; no regular expressions). Lists
that are alternations tried in order (``next_before``, ``this_before``, ``next_after``,
``next_week``, ``week_of``, ``month_lead``, ``next_period``, ``day_lead``) are joined in the
order of the languages, then as written; the others are tried longest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from followthru.replies.alternation import factored
from followthru.replies.intent_lexicon import Language, fold, vocabulary

MONTH_KEYS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def alternation(names: Iterable[str]) -> str:
    """``names`` as one regex alternation, longest first; a space matches any blanks. Factored
    by leading characters (:func:`..alternation.factored`): the same matches, found faster."""
    return ordered_alternation(sorted(names, key=len, reverse=True))


def ordered_alternation(names: Iterable[str]) -> str:
    """``names`` as one regex alternation in the order given (the first of two equal words
    kept); a space matches any blanks. Factored like :func:`alternation`."""
    parts = [re.escape(n).replace(r"\ ", r"\s+") for n in dict.fromkeys(names)]
    return factored(parts, ignorecase=True)


@dataclass(frozen=True)
class ShortWeekdays:
    """One language's short weekday forms: the pattern reading them and their numbers."""

    pattern: re.Pattern[str]
    numbers: dict[str, int]


@dataclass(frozen=True)
class DateWords:
    """Every language's date words, joined and compiled."""

    languages: tuple[str, ...]  # the codes of the languages with date words
    months: dict[str, int]  # name as written, lower case -> 1 (January) .. 12
    folded_months: dict[str, int]  # folded name -> month number
    ambiguous_months: dict[str, frozenset[str]]  # name -> the languages that read it
    weekdays: dict[str, int]  # lower case -> 0 (Monday) .. 6
    short_weekdays: dict[str, ShortWeekdays]  # language -> its short forms
    prefix_weekdays: dict[str, int]  # lower case -> 0 .. 6
    relative: dict[str, int]  # lower case, single spaces -> days from today
    tomorrow_also_morning: frozenset[str]
    month_alt: str
    weekday_alt: str
    next_before: str
    this_before: str
    next_after: str
    full_months: str  # folded names that make a period alone
    month_lead: str
    next_period: str
    next_week: str
    week_of: str
    day_lead: str
    units: str
    morning_lead: str
    time_lead: str
    numeric_date_lead: str
    weekday_date_words: str
    weekday_day_articles: str


def _by_number(languages: Iterable[Language], table: str, keys: tuple[str, ...], first: int = 0) -> dict[str, int]:
    found: dict[str, int] = {}
    for lang in languages:
        for number, key in enumerate(keys, start=first):
            for name in getattr(lang, table)[key]:
                found[name.lower()] = number
    return found


def _joined(languages: Iterable[Language], key: str) -> list[str]:
    return [word for lang in languages for word in lang.dates[key]]


def _day_lead(words: Iterable[str]) -> str:
    # "l'11": an elided article joins the number (either apostrophe), nothing else follows it
    return "|".join(
        re.escape(w[:-1]) + r"['’](?=\d)" if w.endswith("'") else re.escape(w).replace(r"\ ", r"\s+")
        for w in dict.fromkeys(words)
    )


def _short_weekdays(lang: Language, everyone: list[Language]) -> ShortWeekdays | None:
    forms = {name: number for number, key in enumerate(WEEKDAY_KEYS) for name in lang.weekday_short[key]}
    if not forms:
        return None
    leads = lang.dates["short_weekday_leads"]
    names = alternation(forms)
    if any(name[:1].isupper() for name in forms):
        # ordinary words in lower case ("wed", "sat"): only capitalised, with the language's
        # own words around them, and the dot of an abbreviation
        return ShortWeekdays(
            re.compile(
                rf"(?<![\w])(?:(?P<next>{ordered_alternation(lang.dates['next_before'])})\s+"
                rf"|(?P<this>{ordered_alternation(leads)})\s+)?"
                rf"(?P<name>{names})(?![\w-])\.?"
                rf"(?:\s+(?P<after>{ordered_alternation(lang.dates['next_after'])}))?"
            ),
            {name.lower(): number for name, number in forms.items()},
        )
    return ShortWeekdays(
        re.compile(
            rf"(?<![\w])(?:(?P<next>{ordered_alternation(_joined(everyone, 'next_before'))})\s+"
            rf"|(?P<this>{ordered_alternation(_joined(everyone, 'this_before'))}|"
            rf"{ordered_alternation(leads)})\s+)?"
            rf"(?P<name>{names})(?![\w-])"
            rf"(?:\s+(?P<after>{ordered_alternation(_joined(everyone, 'next_after'))}))?",
            re.I,
        ),
        forms,
    )


@cache
def date_words() -> DateWords:
    """The date words of the shipped languages, joined once per process."""
    return join_date_words(vocabulary().values())


def join_date_words(languages: Iterable[Language]) -> DateWords:
    """The date words of ``languages`` (in their order), joined."""
    languages = list(languages)
    months = _by_number(languages, "months", MONTH_KEYS, first=1)
    folded = {fold(name): number for name, number in months.items()}
    ambiguous: dict[str, set[str]] = {}
    for lang in languages:
        for name in lang.dates["ambiguous_months"]:
            ambiguous.setdefault(name.lower(), set()).add(lang.code)
    relative: dict[str, int] = {}
    for days, key in enumerate(("today", "tomorrow", "day_after_tomorrow")):
        for lang in languages:
            for word in lang.dates[key]:
                relative[" ".join(word.lower().split())] = days
    short_alone = {fold(w) for w in _joined(languages, "short_months_alone")}
    short = {lang.code: found for lang in languages if (found := _short_weekdays(lang, languages)) is not None}
    return DateWords(
        languages=tuple(lang.code for lang in languages),
        months=months,
        folded_months=folded,
        ambiguous_months={name: frozenset(codes) for name, codes in ambiguous.items()},
        weekdays=_by_number(languages, "weekdays", WEEKDAY_KEYS),
        short_weekdays=short,
        prefix_weekdays=_by_number(languages, "weekday_prefix", WEEKDAY_KEYS),
        relative=relative,
        tomorrow_also_morning=frozenset(w.lower() for w in _joined(languages, "tomorrow_also_morning")),
        month_alt=alternation(months),
        weekday_alt=alternation(_by_number(languages, "weekdays", WEEKDAY_KEYS)),
        next_before=ordered_alternation(_joined(languages, "next_before")),
        this_before=ordered_alternation(_joined(languages, "this_before")),
        next_after=ordered_alternation(_joined(languages, "next_after")),
        full_months=alternation(name for name in folded if len(name) > 4 or name in short_alone),
        month_lead=ordered_alternation(fold(w) for w in _joined(languages, "month_lead")),
        next_period=ordered_alternation(fold(w) for w in _joined(languages, "next_period")),
        next_week=ordered_alternation(_joined(languages, "next_week")),
        week_of=ordered_alternation(_joined(languages, "week_of")),
        day_lead=_day_lead(_joined(languages, "day_lead")),
        units=alternation(_joined(languages, "units")),
        morning_lead=alternation(_joined(languages, "morning_lead")),
        time_lead=alternation(_joined(languages, "time_lead")),
        numeric_date_lead=alternation(_joined(languages, "numeric_date_lead")),
        weekday_date_words=alternation(_joined(languages, "weekday_date_words")),
        weekday_day_articles=alternation(_joined(languages, "weekday_day_articles")),
    )
