"""Reading plan files (TOML, YAML, JSON) into a :class:`~followthru.plan.Plan`, or a list of problems.

Every problem names the file, the line (TOML and YAML), the field path and what is wrong, so a rep
can fix a plan without reading logs::

    plans/acme.toml:14: resources[0].email: 'sam@' is not a valid email address: ...

Reading itself is :mod:`followthru.datafile`'s (sizes, encodings, nesting and the line of every
field); this module adds what is particular to plans: lists longer than the schema allows are
reported without checking their items, at most :data:`MAX_PROBLEMS` problems are listed, addresses
must lie in the allowed domains, and a new version may not change the owner or start already late.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from followthru.datafile import (
    MAX_VALUES,
    TOO_MANY_VALUES,
    FieldProblem,
    FileError,
    LineFinder,
    Problem,
    count_values,
    format_path,
    parse,
    printable,
    shown,
    single_line,
    validate,
)
from followthru.plan import LIST_LIMITS, Plan, check_rules, oversized, partial_plan, unchecked_gaps
from followthru.values import email_address

MAX_PROBLEMS = 100  # problems listed for one file; the rest are counted


@dataclass
class PlanResult:
    """What reading a plan file gave: the plan, or the problems (and the owner's email when readable)."""

    file: Path
    plan: Plan | None = None
    problems: list[Problem] = field(default_factory=list)
    owner_email: str | None = None
    lines: LineFinder | None = field(default=None, repr=False, compare=False)  # where each field is

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.problems


def past_deadlines(result: PlanResult, now: datetime, default_timezone: str) -> list[Problem]:
    """A new plan whose reply deadlines have passed at ``now`` would only expire: these say so,
    with the line of each deadline (the plan's, or the resource's own)."""
    plan = result.plan
    if plan is None:
        return []
    zone = ZoneInfo(plan.plan.timezone or default_timezone)
    file = printable(str(result.file))
    problems = []
    for index, resource in enumerate(plan.resources):
        deadline = plan.respond_by(resource)
        deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=zone)
        if not resource.standby and deadline <= now:
            loc: tuple[str | int, ...] = (
                ("resources", index, "respond_by") if resource.respond_by else ("plan", "respond_by")
            )
            problems.append(
                Problem(
                    file,
                    result.lines.line(loc) if result.lines else None,
                    format_path(loc),
                    f"the reply deadline {deadline:%Y-%m-%d %H:%M} for {resource.id} has already passed; move it later",
                )
            )
    return problems


def owner_change(result: PlanResult, owner_email: str) -> Problem | None:
    """The problem with a new version of a plan that names another owner than ``owner_email`` (the
    stored one), at the line of its owner's email; None when the owner is the same. A new version may
    not hand the plan over: that is how anyone able to drop a file would take a plan."""
    assert result.plan is not None, "a plan that was read"
    old, claimed = owner_email.lower(), result.plan.owner.email.lower()
    if old == claimed:
        return None
    loc: tuple[str | int, ...] = ("owner", "email")
    return Problem(
        printable(str(result.file)),
        result.lines.line(loc) if result.lines else None,
        format_path(loc),
        f"plan {result.plan.id!r} belongs to {old}; a new version cannot give it to {claimed} "
        "(see 'Handing a plan to another rep' in docs/how-it-works.md)",
    )


def load_plan(path: Path | str, default_timezone: str = "UTC", allowed_domains: Iterable[str] = ()) -> PlanResult:
    """Read and check one plan file. Never raises for bad content: problems are in the result.

    ``allowed_domains`` are ``mail.allowed_domains`` as the config gives them (ASCII, ``xn--`` for
    an internationalised name). When there are any, every address the plan names (the owner,
    resources and so backups, stakeholders, and emails among meeting attendees) must be in one of
    them or a subdomain, compared case-insensitively; and an owner address outside them is not
    the result's ``owner_email``, so no rejection notice is sent there.
    """
    path = Path(path)
    result = PlanResult(file=path)
    allowed = tuple(domain.lower().rstrip(".") for domain in allowed_domains)
    try:
        data, lines = parse(path, "plan file", LIST_LIMITS)
    except FileError as error:
        result.problems.append(Problem(printable(str(path)), error.line, error.path, single_line(str(error))))
        return result
    if not isinstance(data, dict):
        result.problems.append(
            Problem(printable(str(path)), 1, "(file)", "a plan file holds a table/mapping at the top")
        )
        return result
    result.lines = lines
    result.owner_email = _owner_email(data.get("owner"))
    if result.owner_email and allowed and not in_domains(result.owner_email, allowed):
        result.owner_email = None
    problems = oversized(data)  # too many resources, steps...: their items are not checked
    if not problems and count_values(data) > MAX_VALUES:
        problems = [((), TOO_MANY_VALUES)]
    if not problems:
        data, defaulted_id = _with_default_id(data, path)
        plan, problems = validate(Plan, data)
        if plan is not None:
            problems = check_rules(plan, default_timezone) + list(_outside_domains(plan, allowed))
            if not problems:
                result.plan = plan
        else:
            partial, claimed_ids = partial_plan(data)
            problems += check_rules(partial, default_timezone, claimed_ids) + unchecked_gaps(data)
            problems += _outside_domains(partial, allowed)
        if defaulted_id:
            # A default id that does not fit is reported against the file name, not a field the rep wrote.
            problems = [_stem_problem(p, path) for p in problems]
    file = printable(str(path))
    located = sorted(((lines.line(loc), loc, message) for loc, message in problems), key=lambda p: p[0] or 0)
    result.problems = [
        Problem(file, line, printable(format_path(loc)), single_line(message))
        for line, loc, message in located[:MAX_PROBLEMS]
    ]
    if len(located) > MAX_PROBLEMS:
        result.problems.append(
            Problem(
                file,
                None,
                "(file)",
                f"and {len(located) - MAX_PROBLEMS:,} more problems not listed here; fix these first",
            )
        )
    return result


def in_domains(address: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``address``'s domain is one of ``allowed`` (lowercase ASCII) or a subdomain of one:
    ``sam@eu.acme.example`` is inside ``acme.example``; ``sam@notacme.example`` is not."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    return any(domain == name or domain.endswith("." + name) for name in allowed)


def _outside_domains(plan: Plan, allowed: tuple[str, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """The addresses of a (possibly partial) plan outside ``allowed``, as ``(path, message)``; none
    when ``allowed`` is empty. Attendees that are no valid address are named by the plan's rules."""
    if not allowed:
        return
    names = ", ".join(allowed[:3]) + (f" and {len(allowed) - 3} more" if len(allowed) > 3 else "")
    message = f"is outside the domains plans may name (mail.allowed_domains: {names}); use the person's company address"
    named: list[tuple[tuple[str | int, ...], str]] = []
    if plan.owner is not None:
        named.append((("owner", "email"), plan.owner.email))
    for section in ("resources", "stakeholders"):
        named += [
            ((section, index, "email"), item.email)
            for index, item in enumerate(getattr(plan, section) or [])
            if item is not None
        ]
    for index, meeting in enumerate(plan.meetings or []):
        if meeting is not None and isinstance(meeting.attendees, list):
            for position, attendee in enumerate(meeting.attendees):
                if "@" not in attendee:
                    continue  # a resource id: its email is checked with the resource
                try:
                    named.append((("meetings", index, "attendees", position), email_address(attendee)))
                except ValueError:
                    continue  # the plan's rules name an invalid address
    for loc, address in named:
        if not in_domains(address, allowed):
            yield loc, f"{shown(address)} {message}"


def _owner_email(owner: Any) -> str | None:
    """The owner's address for the rejection notice, only when it is a valid address."""
    if not isinstance(owner, dict) or not isinstance(owner.get("email"), str) or len(owner["email"]) > 254:
        return None
    try:
        return email_address(owner["email"].strip())
    except ValueError:
        return None


def _stem_id(path: Path) -> str:
    return path.stem.lower()


def _with_default_id(data: dict[str, Any], path: Path) -> tuple[dict[str, Any], bool]:
    section = data.get("plan")
    if isinstance(section, dict) and section.get("id") in (None, ""):
        return {**data, "plan": {**section, "id": _stem_id(path)}}, True
    return data, False


def _stem_problem(problem: FieldProblem, path: Path) -> FieldProblem:
    loc, message = problem
    if loc == ("plan", "id"):
        return (), (
            f"the file name {path.stem!r} is not a valid plan id; rename the file or set plan.id "
            "(lowercase letters, digits and '-')"
        )
    return problem
