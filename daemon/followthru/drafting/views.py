"""What a message shows: a plan turned into template variables for one recipient.

Every date and time becomes text in the recipient's timezone and language, so templates only
place values (see ``templates/README.md`` for the variables).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.lists import format_list

from followthru.phrases import Phrase, reread, text_of, words
from followthru.plan import REPEATS, Meeting, Plan, Resource


def given_name(name: str) -> str:
    """How a greeting addresses someone by default: the first word of their name."""
    return name.split()[0] if name.split() else name


@dataclass(frozen=True)
class Person:
    """Someone Followthru writes to, with where and how to write to them."""

    name: str
    email: str
    timezone: ZoneInfo
    language: str = "en"
    greeting: str = ""

    @property
    def view(self) -> dict[str, str]:
        """``name``, ``email`` and ``greeting``: how a message greets them (their plan
        ``greeting``, else their given name)."""
        return {"name": self.name, "email": self.email, "greeting": self.greeting or given_name(self.name)}


class Formatter:
    """Dates and times as text for one reader: their timezone, their language."""

    def __init__(self, timezone: ZoneInfo, language: str, source_timezone: ZoneInfo):
        self.timezone = timezone
        self.source_timezone = source_timezone
        self.language = language
        self.locale = _locale(language)

    def aware(self, moment: datetime) -> datetime:
        """A plan's naive datetime is in the plan's timezone."""
        return aware(moment, self.source_timezone)

    def when(self, value: datetime | date | None) -> str:
        """``Wed 9 Dec 2026`` for a date; ``Wed 2 Dec 2026, 12:00 EST`` for a datetime (in English;
        each language has its patterns in ``words.toml``: ``Mi., 9. Dez. 2026``)."""
        if value is None:
            return ""
        # Times in one zone compare by wall clock, fold aside: the two 01:30s of a night when the
        # clocks go back are equal keys unless the fold is part of the key.
        return _written(value, getattr(value, "fold", 0), self.timezone, self.source_timezone, self.language)

    def say(self, value: Any) -> str:
        """A :class:`~followthru.phrases.Phrase` (or a value inside one) in this reader's language:
        dates as :meth:`when` writes them, lists as the language lists things."""
        if isinstance(value, Phrase):
            return text_of(value.key, self.language).format_map({k: self.say(v) for k, v in value.values})
        if isinstance(value, (date, datetime)):
            return self.when(value)
        if isinstance(value, (list, tuple)):
            return format_list([self.say(v) for v in value], locale=self.locale) if value else ""
        return str(value)


def aware(moment: datetime, timezone: ZoneInfo) -> datetime:
    """``moment``, in ``timezone`` when it is naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone)


@lru_cache(maxsize=4096)
def _written(value: datetime | date, fold: int, timezone: ZoneInfo, source_timezone: ZoneInfo, language: str) -> str:
    """:meth:`Formatter.when`'s text, for a reader in ``timezone`` reading ``language``, of a time
    naive in ``source_timezone``: written once per process, as the plans of a drop share most of
    their dates (``fold`` is in the key for the cache to tell the two 01:30s apart)."""
    locale, patterns = _locale(language), words(language)["dates"]
    if not isinstance(value, datetime):
        return format_date(value, patterns["date"], locale=locale)
    local = aware(value, source_timezone).astimezone(timezone)
    text = format_datetime(local, patterns["time"], tzinfo=timezone, locale=locale)
    if ambiguous(local):
        # The clocks go back over this hour: the abbreviation alone is easily misread.
        return f"{text} {local.strftime('%Z')} ({utc_offset(local)})"
    return f"{text} {local.strftime('%Z')}"


def ambiguous(moment: datetime) -> bool:
    """Whether ``moment``'s wall-clock time happens twice in its timezone (the clocks go back)."""
    return moment.tzinfo is not None and moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset()


def utc_offset(moment: datetime) -> str:
    """``UTC−04:00``: the offset of an aware ``moment``, with a true minus sign."""
    offset = moment.utcoffset()
    assert offset is not None, "an aware datetime"
    minutes = int(offset.total_seconds() // 60)
    sign = "\u2212" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


class PlanViews:
    """Builds template variables for the messages of one plan."""

    def __init__(
        self,
        plan: Plan,
        default_timezone: str = "UTC",
        default_language: str = "en",
        states: Mapping[str, str] | None = None,
    ):
        self.plan = plan
        self.plan_timezone = ZoneInfo(plan.plan.timezone or default_timezone)
        self.default_language = default_language
        self.states = dict(states or {})
        self._formatters: dict[tuple[str, str], Formatter] = {}
        self._shared: dict[tuple[str, str], dict[str, Any]] = {}

    # -- the people ------------------------------------------------------------------------
    def owner(self) -> Person:
        owner = self.plan.owner
        return Person(
            owner.name, owner.email, self._zone(owner.timezone), owner.language or self.default_language, owner.greeting
        )

    def resource_person(self, resource: Resource) -> Person:
        return Person(
            resource.name, resource.email, self._zone(resource.timezone), resource.language, resource.greeting
        )

    def stakeholders(self) -> list[Person]:
        return [Person(s.name, s.email, self._zone(s.timezone), s.language, s.greeting) for s in self.plan.stakeholders]

    def attention(self, lines: list[str], fmt: Formatter) -> list[str]:
        """What needs the owner, from the stored English lines (``who: what``), worded for the
        reader of ``fmt``: names for resource ids and meeting keys, and their language for every
        line Followthru wrote (any other passes through as it is)."""
        names = {r.id: r.name for r in self.plan.resources}
        by_email = {r.email.lower(): r.name for r in self.plan.resources}
        titles = {m.key: m.title for m in self.plan.meetings}
        shown = []
        for line in lines:
            if line.startswith("meeting "):
                key, _, rest = line.removeprefix("meeting ").partition(": ")
                email, _, text = rest.partition(" ")
                who = f"{titles.get(key, key)}: {by_email.get(email.lower(), email)}"
            else:
                about, _, text = line.partition(": ")
                who = names.get(about, about)
            said = reread(text)
            shown.append(f"{who}: {fmt.say(said) if said is not None else text}")
        return shown

    def formatter(self, reader: Person) -> Formatter:
        key = (reader.timezone.key, reader.language)
        if key not in self._formatters:
            self._formatters[key] = Formatter(reader.timezone, reader.language, self.plan_timezone)
        return self._formatters[key]

    # -- the variables ---------------------------------------------------------------------
    def context(self, reader: Person, **extra: Any) -> dict[str, Any]:
        """Variables shared by every message about this plan, plus ``extra``."""
        return {**self._plan_variables(reader), "owner": self._owner_view, "recipient": reader.view, **extra}

    @cached_property
    def _owner_view(self) -> dict[str, str]:
        """The owner as every message of the plan shows them, whoever reads it: one dict, so that
        the macros given it (their signature) are written once for the plan's messages."""
        return self.owner().view

    def _plan_variables(self, reader: Person) -> dict[str, Any]:
        """``plan`` and ``roster``, the same for every reader in one timezone and language."""
        key = (reader.timezone.key, reader.language)
        if key in self._shared:
            return self._shared[key]
        fmt = self.formatter(reader)
        plan = self.plan
        names = {r.id: r.name for r in plan.resources}
        self._shared[key] = {
            "plan": {
                "id": plan.id,
                "title": plan.plan.title,
                "customer": plan.plan.customer,
                "context": plan.plan.context.strip(),
                "priorities": list(plan.plan.priorities),
                "respond_by": fmt.when(plan.plan.respond_by),
                "steps": [
                    {
                        "what": s.what,
                        "how": s.how.strip(),
                        "due": fmt.when(s.due),
                        "owner": names.get(s.owner, "") if s.owner else plan.owner.name,
                    }
                    for s in plan.steps
                ],
                "contingencies": [{"risk": c.risk, "response": c.response.strip()} for c in plan.contingencies],
                "meetings": [self.meeting(m, fmt) for m in plan.meetings],
                "status": plan.plan.status,
            },
            "roster": self.roster(fmt),
        }
        return self._shared[key]

    def resource(self, resource: Resource, fmt: Formatter, stands_in_for: Resource | None = None) -> dict[str, Any]:
        """What is asked of a resource; a backup without asks of their own takes over those of
        the person they stand in for."""
        source = stands_in_for if stands_in_for and not resource.asks else resource
        due = resource.due or source.due
        return {
            "id": resource.id,
            "name": resource.name,
            "greeting": resource.greeting or given_name(resource.name),
            "email": resource.email,
            "role": resource.role,
            "asks": list(source.asks),
            "due": fmt.when(due),
            "respond_by": fmt.when(self.plan.respond_by(resource)),
        }

    def roster(self, fmt: Formatter) -> list[dict[str, Any]]:
        """Everyone asked (or to be asked): the non-standby resources and any standby now asked,
        each state in the reader's language."""
        state_text = words(str(fmt.locale))["state"]
        return [
            {
                **self.resource(r, fmt),
                "state_code": self.states.get(r.id, "requested"),
                "state": state_text.get(self.states.get(r.id, "requested"), ""),
            }
            for r in self.plan.resources
            if not r.standby or r.id in self.states
        ]

    def meeting(self, meeting: Meeting, fmt: Formatter) -> dict[str, Any]:
        minutes = int(meeting.duration.total_seconds() // 60)
        length = f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"
        return {
            "title": meeting.title,
            "kind": meeting.kind,
            "when": f"{fmt.when(meeting.start)} ({length})",
            "repeat": self.recurrence(meeting, fmt),
            "location": meeting.location,
            "description": meeting.description.strip(),
        }

    def recurrence(self, meeting: Meeting, fmt: Formatter) -> str:
        """How ``meeting`` repeats, in the reader's language and as their calendar shows it:
        the weekday and day of the month are those of the first meeting in the reader's
        timezone; "" for a single meeting. An RRULE other than the named repeats reads as
        "repeating" (plus its count or end date)."""
        if not meeting.repeat:
            return ""
        texts = words(str(fmt.locale))["repeat"]
        first = fmt.aware(meeting.start).astimezone(fmt.timezone)
        weekday = format_date(first, "EEEE", locale=fmt.locale)
        kind = meeting.repeat if meeting.repeat in REPEATS else "rule"
        text = texts[kind].format(weekday=weekday, day=first.day)
        if meeting.count:
            return texts["once" if meeting.count == 1 else "count"].format(repeat=text, count=meeting.count)
        if meeting.until:
            return texts["until"].format(repeat=text, until=fmt.when(meeting.until))
        return text

    def _zone(self, name: str | None) -> ZoneInfo:
        return ZoneInfo(name) if name else self.plan_timezone
