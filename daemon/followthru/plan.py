"""The handoff plan: the schema of plan files and the rules that tie its parts together.

:class:`Plan` checks each field on its own (types, formats, lengths). :func:`check_rules` checks
what spans fields: unique ids, references that resolve, deadlines before due dates. Use
:func:`followthru.planfile.load_plan` to get both, with file line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from followthru.datafile import shown
from followthru.durations import parse_duration
from followthru.uids import meeting_key
from followthru.values import Email, Language, Line, OptionalLine, TimeZoneName, email_address, one_line

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Milestone = Literal["started", "dropped_out", "at_risk", "all_committed", "cancelled", "closed"]
MILESTONES: tuple[Milestone, ...] = get_args(Milestone)
REPEATS = {
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
}
# Dates and times in a plan lie in these years: far enough from the ends of Python's calendar
# (years 1 and 9999) that reminders, repeats and time zones never step over them.
FIRST_YEAR, LAST_YEAR = 1970, 2199
MAX_MEETING = timedelta(days=7)  # the longest meeting (a week's workshop)
GREETING = "How messages greet them, e.g. 'Dr. Schmidt'; default: the first word of the name."


def _date_or_moment(value: Any) -> Any:
    """JSON has no dates: read ISO text so that ``"2026-12-04"`` stays a date, as in TOML and YAML."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{shown(value)} is not a real date or date and time; write 2026-12-04 or 2026-12-04T17:00:00"
            ) from None
    if isinstance(value, date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(
            f"{value.isoformat()} is out of range: dates in a plan lie between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return value


def _moment(value: Any) -> Any:
    value = _date_or_moment(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ValueError(f"{value} has no time of day; write it like {value}T17:00:00")
    return value


def _duration(value: Any) -> timedelta:
    if not isinstance(value, (timedelta, str, int)) or isinstance(value, bool):
        raise ValueError(f"{shown(value)} is not a duration; write it like '30m', '1h30m' or '2d'")
    try:
        duration = value if isinstance(value, timedelta) else parse_duration(value)
    except OverflowError:
        duration = timedelta.max
    except ValueError as error:
        raise ValueError(str(error).replace(repr(value), shown(value))) from None
    if duration > MAX_MEETING:
        raise ValueError(f"{shown(value)} is longer than a meeting may be ({MAX_MEETING.days} days)")
    return duration


def _repeat(value: str) -> str:
    if value in REPEATS:
        return value
    from icalendar.prop import vRecur

    rule = value.removeprefix("RRULE:")
    try:
        parsed = vRecur.from_ical(rule) if len(rule) <= 500 else None
    except Exception:  # noqa: BLE001 - whatever the RRULE reader trips on is no RRULE
        parsed = None
    if not parsed or "FREQ" not in parsed:
        raise ValueError(
            f"{shown(value)} is neither daily, weekly, biweekly, monthly nor an RRULE like 'FREQ=WEEKLY;BYDAY=MO'"
        )
    return rule


DateOrMoment = Annotated[datetime | date, BeforeValidator(_date_or_moment)]
Moment = Annotated[datetime, BeforeValidator(_moment)]
_DURATION_SCHEMA = {
    "anyOf": [{"type": "string", "pattern": r"^\s*(\d+\s*[wdhms]\s*)+$|^P"}, {"type": "integer", "minimum": 1}],
    "description": "'30m', '1h30m', '2d', an ISO 8601 duration like 'PT45M', or whole minutes",
    "default": "30m",
}
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=40)]
Text = Annotated[str, StringConstraints(max_length=5000)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, defer_build=True)


class PlanInfo(_Section):
    """The ``[plan]`` table."""

    id: Id | None = Field(None, description="Plan id; default: the file name without extension.")
    title: Line
    customer: OptionalLine = ""
    timezone: TimeZoneName | None = Field(None, description="IANA timezone; default from config.")
    respond_by: Moment = Field(description="Reply deadline for every request (plan timezone).")
    priorities: list[Line] = Field(default=[], max_length=20)
    context: Text = ""
    status: Literal["active", "cancelled"] = "active"


class Owner(_Section):
    """The rep who owns the plan."""

    name: Line
    email: Email
    timezone: TimeZoneName | None = None
    language: Language = "en"
    greeting: OptionalLine = Field("", description=GREETING)


class Resource(_Section):
    """A teammate asked to commit, or a standby asked only when someone they back up drops out."""

    id: Id
    name: Line
    email: Email
    role: OptionalLine = ""
    asks: list[Line] = Field(default=[], max_length=50)
    due: DateOrMoment | None = None
    respond_by: Moment | None = None
    backups: list[Id] = Field(default=[], max_length=20)
    standby: bool = False
    language: Language = "en"
    timezone: TimeZoneName | None = None
    greeting: OptionalLine = Field("", description=GREETING)


class Step(_Section):
    """One next step: what, how, who, by when."""

    what: Line
    how: Text = ""
    owner: Id | None = Field(None, description="A resource id; default: the plan owner.")
    due: DateOrMoment | None = None


class Contingency(_Section):
    risk: Line
    response: Text


class Stakeholder(_Section):
    """Someone kept informed at milestones, never asked to act."""

    name: Line
    email: Email
    why: OptionalLine = ""
    updates: list[Milestone] = Field(default_factory=lambda: list(MILESTONES))
    language: Language = "en"
    timezone: TimeZoneName | None = None
    greeting: OptionalLine = Field("", description=GREETING)


class Meeting(_Section):
    """A follow-up or review meeting, sent as a calendar invitation."""

    id: Id | None = Field(None, description="Stable id; default: made from the title.")
    kind: Literal["follow-up", "review"] = "follow-up"
    title: Line
    start: Moment
    duration: Annotated[timedelta, BeforeValidator(_duration), WithJsonSchema(_DURATION_SCHEMA)] = timedelta(minutes=30)
    repeat: Annotated[str, AfterValidator(_repeat)] | None = None
    count: int | None = Field(None, ge=1, le=500)
    until: DateOrMoment | None = None
    location: OptionalLine = ""
    description: Text = ""
    attendees: (
        Literal["committed", "all"]
        | Annotated[
            list[Annotated[str, BeforeValidator(one_line), StringConstraints(max_length=254)]], Field(max_length=1000)
        ]
        | None
    ) = Field(None, description="committed | all | a list of resource ids and emails; default from config.")

    @property
    def key(self) -> str:
        """The id that keeps the meeting's calendar UID stable across plan updates."""
        return meeting_key(self.id, self.title)


class Plan(_Section):
    """A whole plan file."""

    plan: PlanInfo
    owner: Owner
    resources: list[Resource] = Field(min_length=1, max_length=500)
    steps: list[Step] = Field(default=[], max_length=200)
    contingencies: list[Contingency] = Field(default=[], max_length=100)
    stakeholders: list[Stakeholder] = Field(default=[], max_length=200)
    meetings: list[Meeting] = Field(default=[], max_length=50)

    @property
    def id(self) -> str:
        assert self.plan.id, "load_plan sets the id"
        return self.plan.id

    def resource(self, resource_id: str) -> Resource:
        return next(r for r in self.resources if r.id == resource_id)

    def respond_by(self, resource: Resource) -> datetime:
        return resource.respond_by or self.plan.respond_by

    def timezone(self, default: str = "UTC") -> ZoneInfo:
        return ZoneInfo(self.plan.timezone or default)

    def pinned(self, default_timezone: str) -> Plan:
        """A copy whose ``plan.timezone`` is ``default_timezone`` when the file named none;
        nothing else changes.

        Times written without an offset are in the plan's timezone. Pinning it when the plan is
        taken in keeps every promised deadline, due date and meeting at the same instant when
        the config's ``schedule.timezone`` changes later.
        """
        if self.plan.timezone:
            return self.model_copy()
        return self.model_copy(update={"plan": self.plan.model_copy(update={"timezone": default_timezone})})


Problem = tuple[tuple[str | int, ...], str]
# The most entries each list of a plan may have: resources 500, steps 200...
LIST_LIMITS = {
    name: next(m.max_length for m in info.metadata if getattr(m, "max_length", None))
    for name, info in Plan.model_fields.items()
    if any(getattr(m, "max_length", None) for m in info.metadata)
}


def due_moment(due: datetime | date) -> datetime:
    """A due date means "by the end of that day"; a due datetime is itself."""
    if isinstance(due, datetime):
        return due
    return datetime.combine(due, time(23, 59, 59))


def _comparable(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def missing_time(moment: Any, tz: ZoneInfo) -> str | None:
    """Why a plan-local time cannot be used, or None: a wall-clock time skipped when the clocks
    go forward does not exist, and read anyway it would go out under the wrong offset.

    A time written with an offset, a date, or a time that exists (an ambiguous one included,
    which is taken as its first occurrence) gives None.
    """
    if not isinstance(moment, datetime) or moment.tzinfo is not None:
        return None
    try:
        there = moment.replace(tzinfo=tz)
        back = there.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return None  # the plan's year bounds keep this away; nothing to say about it here
    if back == moment.replace(fold=0):
        return None
    return (
        f"{moment:%H:%M} on {moment:%a} {moment.day} {moment:%b %Y} does not exist in {tz.key} "
        "(clocks go forward); pick another time"
    )


def check_rules(plan: Plan, default_timezone: str = "UTC", other_ids: AbstractSet[str] = frozenset()) -> list[Problem]:
    """Every rule that spans fields, as ``(path, message)`` pairs; empty when the plan is sound.

    ``plan`` may be a partial plan from :func:`partial_plan`, where sections and items that failed
    their own checks are None; rules about them are skipped, and ``other_ids`` (the ids those
    items name) still count as known and backed up, so one bad resource does not make every
    reference to it fail.
    """
    return list(_rule_problems(plan, default_timezone, other_ids))


def partial_plan(data: dict[str, Any]) -> tuple[Plan, set[str]]:
    """The valid parts of plan data as a Plan whose invalid sections and list items are None,
    and the ids named by invalid resources (their own and their backups)."""
    sections: dict[str, Any] = {}
    for name, model in _SECTIONS.items():
        value = data.get(name)
        if isinstance(model, list):
            items = value if isinstance(value, list) else []
            sections[name] = [_valid_or_none(model[0], item) for item in items]
        else:
            sections[name] = _valid_or_none(model, value)
    claimed: set[str] = set()
    listed_resources = data.get("resources")
    raw_resources = listed_resources if isinstance(listed_resources, list) else []
    for raw, valid in zip(raw_resources, sections["resources"], strict=False):
        if valid is None and isinstance(raw, dict):
            claimed.update(v for v in [raw.get("id"), *_strings(raw.get("backups"))] if isinstance(v, str))
    return Plan.model_construct(**sections), claimed


def unchecked_gaps(data: dict[str, Any]) -> list[Problem]:
    """What resources that failed their own checks also lack (asks, a due date), read from the raw
    data: the rules of :func:`check_rules` skip such items, and a rep should learn of every
    problem of a file in one run."""
    problems: list[Problem] = []
    listed_resources = data.get("resources")
    raw_resources = listed_resources if isinstance(listed_resources, list) else []
    for index, raw in enumerate(raw_resources):
        if not isinstance(raw, dict) or raw.get("standby") is True or _valid_or_none(Resource, raw) is not None:
            continue
        if not raw.get("asks"):
            problems.append((("resources", index, "asks"), "say what is asked of this person (at least one ask)"))
        if raw.get("due") is None:
            problems.append((("resources", index, "due"), "say when the asks are due"))
    return problems


def oversized(data: dict[str, Any]) -> list[Problem]:
    """The lists of a plan that hold more entries than allowed (more resources than 500...): a
    plan that large is split, not checked item by item."""
    problems: list[Problem] = []
    for name, limit in LIST_LIMITS.items():
        value = data.get(name)
        if isinstance(value, list) and len(value) > limit:
            problems.append(
                (
                    (name,),
                    f"a plan holds at most {limit} {name}; this one has {len(value):,}: split it into several plans",
                )
            )
    return problems


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


_SECTIONS: dict[str, Any] = {
    "plan": PlanInfo,
    "owner": Owner,
    "resources": [Resource],
    "steps": [Step],
    "contingencies": [Contingency],
    "stakeholders": [Stakeholder],
    "meetings": [Meeting],
}


def _valid_or_none(model: type[BaseModel], value: Any) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def _rule_problems(plan: Plan, default_timezone: str, other_ids: AbstractSet[str]) -> Iterator[Problem]:
    resources = [(i, r) for i, r in enumerate(plan.resources) if r is not None]
    known = {r.id for _, r in resources} | set(other_ids)
    info = plan.plan
    tz = ZoneInfo((info.timezone if info else None) or default_timezone)  # every plan-file time is plan-local
    seen_ids: set[str] = set()
    seen_emails: dict[str, str] = {}
    backed_up: set[str] = set()
    yield from _missing_times(plan, tz)
    for index, resource in resources:
        where = ("resources", index)
        if resource.id in seen_ids:
            yield (*where, "id"), f"duplicate resource id {resource.id!r}"
        seen_ids.add(resource.id)
        email = resource.email.lower()
        if email in seen_emails:
            yield (*where, "email"), f"{resource.email} is already the email of resource {seen_emails[email]!r}"
        seen_emails.setdefault(email, resource.id)
        for position, backup in enumerate(resource.backups):
            if backup not in known:
                yield (*where, "backups", position), f"no resource has the id {backup!r}"
            elif backup == resource.id:
                yield (*where, "backups", position), "a resource cannot be its own backup"
            elif resource.backups.index(backup) != position:
                yield (*where, "backups", position), f"{backup!r} is listed twice"
            backed_up.add(backup)
        if not resource.standby:
            if not resource.asks:
                yield (*where, "asks"), "say what is asked of this person (at least one ask)"
            if resource.due is None:
                yield (*where, "due"), "say when the asks are due"
        deadline = resource.respond_by or (info.respond_by if info else None)
        if resource.due is not None and deadline is not None:
            if _comparable(deadline, tz) >= _comparable(due_moment(resource.due), tz):
                field = "respond_by" if resource.respond_by else "due"
                yield (
                    (*where, field),
                    (f"the reply deadline {deadline:%Y-%m-%d %H:%M} must be before the due date {resource.due}"),
                )
    for index, resource in resources:
        if resource.standby and resource.id not in backed_up | set(other_ids):
            yield (
                ("resources", index, "standby"),
                (f"standby resource {resource.id!r} is nobody's backup, so it would never be asked"),
            )
    for index, step in enumerate(plan.steps):
        if step is not None and step.owner is not None and step.owner not in known:
            yield ("steps", index, "owner"), f"no resource has the id {step.owner!r}"
    meeting_keys: dict[str, int] = {}
    for index, meeting in enumerate(plan.meetings):
        if meeting is None:
            continue
        where = ("meetings", index)
        if meeting.key in meeting_keys:
            yield (
                (*where, "id" if meeting.id else "title"),
                (f"another meeting already has the id {meeting.key!r}; give each meeting its own id"),
            )
        meeting_keys.setdefault(meeting.key, index)
        if (meeting.count or meeting.until) and not meeting.repeat:
            yield (*where, "count" if meeting.count else "until"), "only a repeating meeting takes count or until"
        if meeting.count and meeting.until:
            yield (*where, "until"), "give count or until, not both"
        if meeting.repeat and meeting.repeat not in REPEATS and re.search(r"(COUNT|UNTIL)=", meeting.repeat):
            if meeting.count or meeting.until:
                yield (*where, "repeat"), "the RRULE already has COUNT or UNTIL; drop count/until"
        if _skips_short_months(meeting):
            yield (
                (*where, "start"),
                (
                    f"a monthly meeting on the {meeting.start.day}{'st' if meeting.start.day == 31 else 'th'} "
                    "skips the months without one "
                    "(calendars follow RFC 5545); pick a day from 1 to 28, or an RRULE such as "
                    "'FREQ=MONTHLY;BYMONTHDAY=-1' for the last day of each month"
                ),
            )
        if isinstance(meeting.attendees, list):
            for position, attendee in enumerate(meeting.attendees):
                if "@" in attendee:
                    try:
                        email_address(attendee)
                    except ValueError as error:
                        yield (*where, "attendees", position), str(error)
                elif attendee not in known:
                    yield (*where, "attendees", position), f"{shown(attendee)} is neither a resource id nor an email"
    for index, stakeholder in enumerate(plan.stakeholders):
        if stakeholder is not None and len(set(stakeholder.updates)) != len(stakeholder.updates):
            yield ("stakeholders", index, "updates"), "a milestone is listed twice"


def _skips_short_months(meeting: Meeting) -> bool:
    """Whether ``meeting`` repeats monthly on its start day and that day (29-31) is missing from
    some months, which every calendar then skips (RFC 5545) while "monthly" promises each month."""
    if not meeting.repeat or meeting.start.day <= 28:
        return False
    rule = REPEATS.get(meeting.repeat, meeting.repeat)
    parts = dict(part.split("=", 1) for part in rule.upper().split(";") if "=" in part)
    return parts.get("FREQ") == "MONTHLY" and not {"BYMONTHDAY", "BYDAY", "BYSETPOS", "BYYEARDAY"} & parts.keys()


def _missing_times(plan: Plan, tz: ZoneInfo) -> Iterator[Problem]:
    """Every plan-local time that falls in a gap of the plan's timezone (spring forward)."""
    fields: list[tuple[tuple[str | int, ...], Any]] = []
    if plan.plan is not None:
        fields.append((("plan", "respond_by"), plan.plan.respond_by))
    for index, resource in enumerate(plan.resources):
        if resource is not None:
            fields += [
                (("resources", index, "respond_by"), resource.respond_by),
                (("resources", index, "due"), resource.due),
            ]
    for index, step in enumerate(plan.steps):
        if step is not None:
            fields.append((("steps", index, "due"), step.due))
    for index, meeting in enumerate(plan.meetings):
        if meeting is not None:
            fields += [(("meetings", index, "start"), meeting.start), (("meetings", index, "until"), meeting.until)]
    for where, moment in fields:
        problem = missing_time(moment, tz)
        if problem:
            yield where, problem
