"""Dates and times written in a reply, in ten languages, for reading counter-proposals.

:func:`find_mentions` returns every date or time the words name, with the day it resolves to
relative to the message date (``base``, a naive local datetime):

- month names: "Dec 11", "11 December", "14. Dezember", "el 14 de diciembre", "9 grudnia",
  "fredag den 11 december", "Monday, December 14" (en, de, fr, es, it, pt, nl, sv, da, pl);
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
never become dates; the day is then computed here. :mod:`dateparser` is only asked about a
month-name span this module could not read itself, and its answer is taken only when it gives
a day and a month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from followthru.replies.intent_lexicon import fold

try:  # optional cross-check; the tables below read every form this module matches
    import dateparser
except ImportError:  # pragma: no cover
    dateparser = None


@dataclass(frozen=True)
class Mention:
    """One date or time in a text. ``day`` is None for a time of day; ``precise`` is False for
    a vague period ("next week") whose ``day`` is only its first day."""

    text: str
    start: int
    end: int
    day: date | None
    kind: str          # "date", "weekday", "relative", "period", "time"
    precise: bool = True


# --- vocabulary ---------------------------------------------------------------------------

MONTHS: dict[str, int] = {}


def _months(month: int, *names: str) -> None:
    for name in names:
        MONTHS[name] = month


_months(1, "january", "jan", "januar", "jänner", "janvier", "janv", "enero", "ene", "gennaio",
        "gen", "janeiro", "januari", "styczeń", "stycznia", "styczen")
_months(2, "february", "feb", "februar", "février", "fevrier", "févr", "fevr", "febrero",
        "febbraio", "fevereiro", "fev", "februari", "luty", "lutego")
_months(3, "march", "mar", "märz", "maerz", "mär", "mrz", "mars", "marzo", "março", "marco",
        "maart", "mrt", "marts", "marzec", "marca")
_months(4, "april", "apr", "avril", "avr", "abril", "abr", "aprile", "kwiecień", "kwietnia",
        "kwiecien")
_months(5, "may", "mai", "mayo", "maggio", "mag", "maio", "mei", "maj", "maja")
_months(6, "june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho", "czerwiec",
        "czerwca")
_months(7, "july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho",
        "lipiec", "lipca")
_months(8, "august", "aug", "août", "aout", "agosto", "ago", "augustus", "augusti", "sierpień",
        "sierpnia", "sierpien")
_months(9, "september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre",
        "set", "setembro", "wrzesień", "września", "wrzesien", "wrzesnia")
_months(10, "october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott",
        "outubro", "out", "październik", "października", "pazdziernik", "pazdziernika")
_months(11, "november", "nov", "novembre", "noviembre", "novembro", "listopad", "listopada")
_months(12, "december", "dec", "dezember", "dez", "décembre", "decembre", "déc", "diciembre",
        "dic", "dicembre", "dezembro", "grudzień", "grudnia", "grudzien")

# Month abbreviations that are also common words: only read in the languages that use them.
_RISKY_MONTHS = {"out": {"pt"}, "set": {"it", "pt"}, "ago": {"es", "it", "pt"},
                 "gen": {"it"}, "mag": {"it"}, "mar": {"es", "fr", "it", "pt", "en", "de"},
                 "may": {"en"}, "dez": {"de", "pt"}, "mei": {"nl"}, "maj": {"sv", "da", "pl"}}

WEEKDAYS: dict[str, int] = {}


def _weekdays(number: int, *names: str) -> None:
    for name in names:
        WEEKDAYS[name] = number


_weekdays(0, "monday", "montag", "lundi", "lunes", "lunedì", "lunedi", "segunda-feira",
          "maandag", "måndag", "mandag", "poniedziałek", "poniedzialek", "måndagen", "mandagen")
_weekdays(1, "tuesday", "dienstag", "mardi", "martes", "martedì", "martedi", "terça-feira",
          "terca-feira", "dinsdag", "tisdag", "tirsdag", "wtorek", "tisdagen", "tirsdagen")
_weekdays(2, "wednesday", "mittwoch", "mercredi", "miércoles", "miercoles", "mercoledì",
          "mercoledi", "quarta-feira", "woensdag", "onsdag", "środa", "środę", "sroda", "srode",
          "onsdagen")
_weekdays(3, "thursday", "donnerstag", "jeudi", "jueves", "giovedì", "giovedi", "quinta-feira",
          "donderdag", "torsdag", "czwartek", "torsdagen")
_weekdays(4, "friday", "freitag", "vendredi", "viernes", "venerdì", "venerdi", "sexta-feira",
          "vrijdag", "fredag", "piątek", "piatek", "fredagen")
_weekdays(5, "saturday", "samstag", "sonnabend", "samedi", "sábado", "sabado", "sabato",
          "zaterdag", "lördag", "lørdag", "sobota", "sobotę", "sobote")
_weekdays(6, "sunday", "sonntag", "dimanche", "domingo", "domenica", "zondag", "söndag",
          "søndag", "niedziela", "niedzielę", "niedziele")
# Portuguese short forms ("na sexta") and English abbreviations ("Fri", "Wed") are read only
# in those languages; German / French abbreviations only before a date ("Fr., 11.12.").
_SHORT_WEEKDAYS = {
    "pt": {"segunda": 0, "terça": 1, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4},
    "en": {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4},
}
_PREFIX_WEEKDAYS = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6, "lun": 0,
                    "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6, "mié": 2,
                    "jue": 3, "vie": 4, "sáb": 5, "dom": 6, "sat": 5, "sun": 6, "mon": 0,
                    "tue": 1, "wed": 2, "thu": 3, "fri": 4}

# "next" before a weekday (the weekday of the following week) and after it.
_NEXT_BEFORE = (r"next|nächsten|nächster|nächstem|nächste|kommenden|kommender|kommendem"
                r"|el\s+próximo|el\s+proximo|próximo|proximo|próxima|proxima|il\s+prossimo|prossimo|la\s+prossima"
                r"|prossima|volgende|aanstaande|nästa|kommande|næste|kommende|w\s+przyszły"
                r"|w\s+przyszłą|przyszły|przyszłą|następny|następną")
_NEXT_AFTER = (r"prochain|prochaine|que\s+viene|prossimo|que\s+vem|next\s+week"
               r"|nächster\s+woche|der\s+nächsten\s+woche|de\s+la\s+semaine\s+prochaine"
               r"|de\s+la\s+semana\s+que\s+viene|della\s+prossima\s+settimana"
               r"|da\s+próxima\s+semana|volgende\s+week|nästa\s+vecka|næste\s+uge"
               r"|w\s+przyszłym\s+tygodniu")
_THIS_BEFORE = (r"this|coming|diesen|dieser|am|ce|cette|este|esta|questo|questa|deze|denna|på"
                r"|denne|w|we")

_RELATIVE = {
    "today": 0, "heute": 0, "aujourd'hui": 0, "hoy": 0, "oggi": 0, "hoje": 0, "vandaag": 0,
    "idag": 0, "i dag": 0, "dzisiaj": 0, "dziś": 0,
    "tomorrow": 1, "übermorgen": 2, "demain": 1, "après-demain": 2, "mañana": 1,
    "pasado mañana": 2, "domani": 1, "dopodomani": 2, "amanhã": 1, "depois de amanhã": 2,
    "overmorgen": 2, "imorgon": 1, "i morgon": 1, "i övermorgon": 2, "i morgen": 1,
    "i overmorgen": 2, "jutro": 1, "pojutrze": 2, "morgen": 1, "day after tomorrow": 2,
}
# "morgen" is also "morning" (Guten Morgen, goede morgen), "mañana" also "morning" (por la
# mañana): not a day after these words.
_NOT_TOMORROW_BEFORE = re.compile(r"(guten|goede|good|la|esta|cada|jeden|jede|een|de|'s)\s*$",
                                  re.I)

_NEXT_WEEK = (r"next\s+week|nächste\s+woche|nächster\s+woche|kommende\s+woche"
              r"|la\s+semaine\s+prochaine|semaine\s+prochaine|la\s+semana\s+que\s+viene"
              r"|la\s+próxima\s+semana|la\s+proxima\s+semana|la\s+prossima\s+settimana"
              r"|prossima\s+settimana|a\s+próxima\s+semana|na\s+próxima\s+semana"
              r"|semana\s+que\s+vem|volgende\s+week|nästa\s+vecka|næste\s+uge"
              r"|przyszły\s+tydzień|w\s+przyszłym\s+tygodniu|przyszłym\s+tygodniu")
_WEEK_OF = (r"(?:the\s+)?week\s+of|die\s+woche\s+(?:vom|ab\s+dem)|la\s+semaine\s+du"
            r"|la\s+semana\s+del|la\s+settimana\s+del|a\s+semana\s+de|de\s+week\s+van"
            r"|veckan\s+(?:från\s+)?den|ugen\s+fra\s+den|tydzień\s+od")

_DAY = r"(?P<day>[0-3]?\d)"
_ORD = r"(?:st|nd|rd|th|er|e|de|ste|:e|\.|º|ª|ème|eme)?"
_YEAR = r"(?:,?\s*(?:de\s+|of\s+)?(?P<year>(?:19|20)\d\d))?"


def _alternation(names) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len,
                                                                          reverse=True))


_FOLDED_MONTHS = {fold(name): number for name, number in MONTHS.items()}
_FULL_MONTHS = _alternation([name for name in _FOLDED_MONTHS if len(name) > 4 or name in (
    "june", "july", "juni", "juli", "mars", "marzo", "mayo", "mei", "maj", "juin", "enero")])
_MONTH_ONLY = re.compile(
    rf"(?<![\w])(?:(?:in|until|till|by|from|after|before|early|mid|late|end\s+of|im|bis|ab|nach"
    rf"|vor|anfang|mitte|ende|en|jusqu'en|a\s+partir\s+de|apres|despues\s+de|hasta|a\s+partir"
    rf"|entro|dopo|fino\s+a|a|ate|depois\s+de|em|tot|na|voor|i|till|efter|innan|om|w|do|od|po"
    rf"|przed)\s+(?P<month>{_FULL_MONTHS})(?![\w])(?!\s+\d)"
    rf"|(?P<period>next\s+(?:year|month)|nachstes?\s+jahr|nachsten\s+monat|l'annee\s+prochaine"
    rf"|le\s+mois\s+prochain|el\s+ano\s+que\s+viene|el\s+proximo\s+(?:ano|mes)"
    rf"|l'anno\s+prossimo|il\s+mese\s+prossimo|o\s+ano\s+que\s+vem|o\s+proximo\s+(?:ano|mes)"
    rf"|volgend\s+jaar|volgende\s+maand|nasta\s+ar|nasta\s+manad|naeste\s+ar"
    rf"|naeste\s+maned|w\s+przyszlym\s+(?:roku|miesiacu)|after\s+the\s+holidays"
    rf"|nach\s+den\s+feiertagen|apres\s+les\s+fetes|despues\s+de\s+las\s+fiestas))", re.I)
_MONTH_ALT = _alternation(MONTHS)
_WEEKDAY_ALT = _alternation(WEEKDAYS)

_NAMED_DM = re.compile(
    rf"(?<![\w/.:-]){_DAY}{_ORD}\s*(?:de\s+|of\s+|the\s+)?(?P<month>{_MONTH_ALT})(?![\w]){_YEAR}",
    re.I)
_NAMED_MD = re.compile(
    rf"(?<![\w/.:-])(?P<month>{_MONTH_ALT})\.?\s+(?:the\s+)?{_DAY}(?:st|nd|rd|th)?(?![\w:])"
    rf"(?!\.\d){_YEAR}", re.I)
_ISO = re.compile(r"(?<![\w/.-])(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)")
_NUMERIC = re.compile(
    r"(?<![\w/.,:-])(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[01]?\d)(?:(?P=sep)(?P<year>(?:19|20)?\d\d)"
    r"(?![\d]))?(?P<dot>\.)?(?![\d/]|\.\d)")
_ORDINAL = re.compile(
    r"(?<![\w/.:-])(?:the\s+)?(?P<day>[0-3]?\d)(?P<suffix>st|nd|rd|th|:e|e|de|ste|er|ème|eme"
    r"|º|ª)(?![\w])", re.I)
_CONTEXT_DAY = re.compile(
    r"(?<![\w])(?P<ctx>l['’](?=\d)|the|le|el|il|dia|den|am|zum|vom|op|till|tot|entro\s+il"
    r"|bis\s+zum|ab\s+dem|après\s+le|avant\s+le|hasta\s+el|antes\s+del|até\s+(?:o\s+)?dia"
    r"|até\s+ao\s+dia)(?:(?<=['’])|\s+)(?:de\s+)?(?P<day>[0-3]?\d)(?P<dot>\.)?"
    r"(?![\d.,:/%\w])", re.I)
_WEEKDAY = re.compile(
    rf"(?<![\w])(?:(?P<next>{_NEXT_BEFORE})\s+|(?P<this>{_THIS_BEFORE})\s+)?"
    rf"(?P<name>{_WEEKDAY_ALT})(?![\w-])(?:\s+(?P<after>{_NEXT_AFTER}))?", re.I)
_SHORT = {lang: re.compile(
    rf"(?<![\w])(?:(?P<next>{_NEXT_BEFORE})\s+|(?P<this>{_THIS_BEFORE}|na|no|até|para)\s+)?"
    rf"(?P<name>{_alternation(names)})(?![\w-])(?:\s+(?P<after>{_NEXT_AFTER}))?",
    re.I if lang == "pt" else 0) for lang, names in _SHORT_WEEKDAYS.items()}
# English abbreviations are only read capitalised ("Can't make Wed."): "wed" and "sat" are words.
_SHORT["en"] = re.compile(
    r"(?<![\w])(?:(?P<next>next)\s+|(?P<this>this|on|by|until)\s+)?"
    r"(?P<name>Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri)(?![\w-])\.?(?:\s+(?P<after>next\s+week))?")
_PREFIX_WEEKDAY = re.compile(
    rf"(?<![\w])(?P<name>{_alternation(_PREFIX_WEEKDAYS)})\.?,?(?=\s+\d)", re.I)
_RELATIVE_RE = re.compile(rf"(?<![\w-])(?P<rel>{_alternation(_RELATIVE)})(?![\w-])", re.I)
_NEXT_WEEK_RE = re.compile(rf"(?<![\w])(?P<period>{_NEXT_WEEK})(?![\w])", re.I)
_WEEK_OF_RE = re.compile(rf"(?<![\w])(?P<weekof>{_WEEK_OF})\s*$", re.I)
_TIME = re.compile(
    r"(?<![\w/.:,])(?:(?P<h>[01]?\d|2[0-3])(?::|h)(?P<m>[0-5]\d)(?:\s*(?P<ampm>[ap]\.?m\.?))?"
    r"|(?P<h2>1[0-2]|0?[1-9])(?:[.:](?P<m2>[0-5]\d))?\s*(?P<ampm2>[ap]\.?m\.?)"
    r"|(?P<h3>[01]?\d|2[0-3])\s*(?:uhr|h)(?:\s*(?P<m3>[0-5]\d))?"
    r"|(?:kl\.?|klockan|klokken|om|alle|às|a\s+las|à|o\s+godz\.?|o)\s+(?P<h4>[01]?\d|2[0-3])"
    r"[.:](?P<m4>[0-5]\d))(?![\w])", re.I)

# A bare number after a context word is a day unless a unit or a counted noun follows it
# ("the 14 pages", "le 12 %", "die 30 Fragen").
_UNIT_AFTER = re.compile(
    r"\s*(?:%|€|\$|x\b|[:h]\d|uhr\b|h\b|(?:pages?|questions?|people|persons?|hours?|minutes?"
    r"|days?|weeks?|months?|years?|seats?|slides?|items?|points?|times|percent|euros?|dollars?"
    r"|seiten|fragen|stunden|tage[n]?|wochen|monate[n]?|jahre[n]?|personen|leute|mal|prozent"
    r"|heures?|jours?|semaines?|mois|ans|personnes|fois|pourcent|paginas?|preguntas|horas?"
    r"|dias?|días|semanas?|meses|años|anos|personas|pessoas|veces|vezes|pagine|domande|ore"
    r"|giorni|settimane|mesi|anni|persone|volte|perguntas|pagina's|vragen|uur|dagen|weken"
    r"|maanden|jaren|keer|sidor|fragor|frågor|timmar|dagar|veckor|manader|månader|personer"
    r"|ganger|gånger|sider|sporgsmal|spørgsmål|timer|dage|uger|maneder|måneder|gange|stron"
    r"|pytan|pytań|godzin|dni|tygodni|miesiecy|miesięcy|osob|osób|razy)\b)", re.I)


def _risky_month_ok(name: str, langs: set[str] | None) -> bool:
    allowed = _RISKY_MONTHS.get(name.lower().rstrip("."))
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
    if found is None:
        found = _safe(today.year + 1, month, day)
        return found
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


def _numeric_style(text: str) -> str | None:
    """'dmy' or 'mdy' when the text shows how it writes dates: an unambiguous numeric date
    (13/12 or 12/13), or a month name written before the day ("Dec 11": month first)."""
    votes = {"dmy": 0, "mdy": 0}
    for m in _NUMERIC.finditer(text):
        if m.group("sep") != "/":
            continue
        a, b = int(m.group("a")), int(m.group("b"))
        if a > 12 >= b:
            votes["dmy"] += 2
        elif b > 12 >= a:
            votes["mdy"] += 2
    votes["mdy"] += len(_NAMED_MD.findall(text))
    votes["dmy"] += len(_NAMED_DM.findall(text))
    if votes["dmy"] != votes["mdy"]:
        return "dmy" if votes["dmy"] > votes["mdy"] else "mdy"
    return None


def _read_numeric(m: re.Match[str], today: date, lang: str | None, style: str | None
                  ) -> date | None:
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


def find_mentions(text: str, base: datetime, langs: set[str] | None = None,
                  primary: str | None = None) -> list[Mention]:
    """Every date and time in ``text``, in order of appearance. ``langs`` (ISO 639-1 codes) are
    the languages of the text when known: they allow word forms that are dates only in those
    languages. ``primary`` is the main language: outside English "11/12" is always day first;
    in English (where both orders are written) the text's own style decides, then which
    reading falls in the coming weeks, then day first."""
    today = base.date()
    found: list[Mention] = []
    if primary is None and langs and len(langs - {"en"}) == 1 and "en" in langs:
        primary = next(iter(langs - {"en"}))
    elif primary is None and langs and len(langs) == 1:
        primary = next(iter(langs))
    style = _numeric_style(text)

    def add(mention: Mention) -> None:
        if mention.day is None and mention.kind != "time":
            return
        if not _overlaps(found, mention.start, mention.end):
            found.append(mention)

    for m in _ISO.finditer(text):
        add(Mention(m.group(), m.start(), m.end(),
                    _safe(int(m.group("year")), int(m.group("month")), int(m.group("day"))),
                    "date"))
    for pattern in (_NAMED_DM, _NAMED_MD):
        for m in pattern.finditer(text):
            name = m.group("month")
            if not _risky_month_ok(name, langs):
                continue
            month = MONTHS[name.lower()]
            day = int(m.group("day"))
            year = int(m.group("year")) if m.group("year") else None
            when = _safe(year, month, day) if year else (
                _yearless(month, day, today) if _safe(2024, month, day) else None)
            if when is None and dateparser is not None:
                parsed = dateparser.parse(m.group(), settings={
                    "PREFER_DATES_FROM": "future", "RELATIVE_BASE": base,
                    "REQUIRE_PARTS": ["day", "month"]})
                when = parsed.date() if parsed else None
            add(Mention(m.group(), m.start(), m.end(), when, "date"))
    for m in _NUMERIC.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        if m.group("sep") == "." and not (m.group("year") or m.group("dot")):
            # "14.12" without the closing dot: a date only after a date word ("am 14.12")
            lead = text[max(0, m.start() - 12):m.start()]
            if not re.search(r"(?:am|bis|zum|vom|ab|den|der|le|el|il|op|tot|till|do|on|by"
                             r"|until|per|entro|até|dia)\s*$", lead, re.I):
                continue
        if m.group("sep") == "-" and not m.group("year"):
            continue
        if m.group() in ("24/7",) or (a == 0 or b == 0):
            continue
        add(Mention(m.group().rstrip(".") if not m.group("dot") else m.group(), m.start(),
                    m.end(), _read_numeric(m, today, primary, style), "date"))
    for m in _ORDINAL.finditer(text):
        suffix = m.group("suffix").lower()
        if suffix in ("e", "de", "ste") and not (langs is None or langs & {"nl", "fr"}):
            continue
        if suffix in ("er", "ème", "eme") and not (langs is None or "fr" in langs):
            continue
        day = int(m.group("day"))
        if not 1 <= day <= 31:
            continue
        add(Mention(m.group(), m.start(), m.end(), _numbered_day(day, today), "date"))
    for m in _CONTEXT_DAY.finditer(text):
        day = int(m.group("day"))
        if not 1 <= day <= 31:
            continue
        after = text[m.end():m.end() + 20]
        if _UNIT_AFTER.match(after):
            continue   # "the 14 pages", "le 12 %", "il 9 volte"
        if m.group("ctx").lower() == "the" and not m.group("dot") and after.lstrip()[:1].isalpha():
            continue
        start = m.start("day")   # the number only: "pas avant le 14" keeps its "avant"
        add(Mention(text[start:m.end()], start, m.end(), _numbered_day(day, today), "date"))

    # Weekdays: alone, or naming the day of a number that follows ("Thursday the 10th").
    weekday_patterns = [(_WEEKDAY, WEEKDAYS)]
    for lang, pattern in _SHORT.items():
        if langs is None or lang in langs:
            weekday_patterns.append((pattern, _SHORT_WEEKDAYS[lang]))
    weekday_hits = []
    for pattern, table in weekday_patterns:
        for m in pattern.finditer(text):
            number = table.get(m.group("name").lower())
            if number is None:
                continue
            weekday_hits.append((m, number))
    for m in _PREFIX_WEEKDAY.finditer(text):
        # "Fr. 11.12.", "Mo, 14.12.", "Sat 12 Dec": capitalised, and closed by a dot or comma
        # unless it is an English abbreviation ("could we do 11.12." has no weekday)
        name = m.group("name")
        if not name[0].isupper() or not (m.group().endswith((".", ",")) or len(name) == 3):
            continue
        weekday_hits.append((m, _PREFIX_WEEKDAYS[name.lower()]))
    weekday_hits.sort(key=lambda hit: hit[0].start())
    for m, number in weekday_hits:
        gap_end = m.end()
        follower = next((f for f in sorted(found, key=lambda f: f.start)
                         if f.start >= gap_end and f.kind == "date"
                         and re.fullmatch(r"[\s,.]*(?:the|den|der|le|el|il|o|dia|de|am|zum|vom|op"
                                          r"|do|till|bis zum|entro il|até|ate)?[\s,]*",
                                          text[gap_end:f.start], re.I)), None)
        if follower is not None:
            # "Friday, 11.12." / "Thursday the 10th": the number decides; the weekday picks the
            # month when none is written.
            day = follower.day
            if follower.day is not None and not re.search(_MONTH_ALT + r"|\d[./]\d",
                                                          follower.text, re.I):
                day = _numbered_day(follower.day.day, today, number)
            found.remove(follower)
            add(Mention(text[m.start():follower.end], m.start(), follower.end, day, "date"))
            continue
        bare = re.match(r"[\s,]*(?:the\s+|den\s+|der\s+|le\s+|el\s+|il\s+|o\s+|dia\s+)?"
                        r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|:e|e|\.)?(?![\d:.,]\d|\w)",
                        text[gap_end:])
        if bare and 1 <= int(bare.group("day")) <= 31:
            end = gap_end + bare.end()
            add(Mention(text[m.start():end], m.start(), end,
                        _numbered_day(int(bare.group("day")), today, number), "date"))
            continue
        if pattern_is_prefix(m):
            continue
        next_week = bool(m.groupdict().get("next") or m.groupdict().get("after"))
        add(Mention(m.group(), m.start(), m.end(), _weekday_day(number, today, next_week),
                    "weekday"))

    for m in _RELATIVE_RE.finditer(text):
        word = re.sub(r"\s+", " ", m.group("rel").lower())
        if word in ("morgen", "mañana") and _NOT_TOMORROW_BEFORE.search(
                text[max(0, m.start() - 12):m.start()]):
            continue
        add(Mention(m.group(), m.start(), m.end(), today + timedelta(days=_RELATIVE[word]),
                    "relative"))
    for m in _MONTH_ONLY.finditer(fold(text)):
        # "im Januar", "until January", "after the holidays": a period, not a day
        if m.group("month"):
            month = _FOLDED_MONTHS[m.group("month")]
            year = today.year if month >= today.month else today.year + 1
            day = date(year, month, 1) if month != today.month else today
        else:
            day = today + timedelta(days=30)
        add(Mention(text[m.start():m.end()], m.start(), m.end(), day, "period", precise=False))
    for m in _NEXT_WEEK_RE.finditer(text):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        add(Mention(m.group(), m.start(), m.end(), monday, "period", precise=False))
    # "the week of the 14th": the day is the one written, but only the week is meant.
    for mention in list(found):
        lead = _WEEK_OF_RE.search(text[max(0, mention.start - 30):mention.start])
        if lead and mention.kind == "date":
            found[found.index(mention)] = Mention(
                text[mention.start - len(lead.group()):mention.end],
                mention.start - len(lead.group()), mention.end, mention.day, "period",
                precise=False)
    for m in _TIME.finditer(text):
        if _overlaps(found, m.start(), m.end()):
            continue
        found.append(Mention(m.group(), m.start(), m.end(), None, "time"))
    return sorted(found, key=lambda f: f.start)


def pattern_is_prefix(m: re.Match[str]) -> bool:
    """A German / French weekday abbreviation ("Fr.") that is not followed by a date."""
    return m.re is _PREFIX_WEEKDAY
