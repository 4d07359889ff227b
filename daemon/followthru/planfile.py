"""Reading plan files (TOML, YAML, JSON) into a :class:`~followthru.plan.Plan`, or a list of problems.

Every problem names the file, the line (TOML and YAML), the field path and what is wrong, so a rep
can fix a plan without reading logs::

    plans/acme.toml:14: resources[0].email: 'sam@' is not a valid email address: ...

Whatever a file holds, :func:`load_plan` returns in time and memory proportional to at most
:data:`MAX_BYTES`: larger files and anything but regular files are refused before they are read,
text that is not UTF-8 (UTF-16, Latin-1, NUL bytes) is named as such, a file of more than
:data:`MAX_VALUES` keys and values is refused (YAML before it is built, as is YAML deeper than
:data:`MAX_DEPTH` levels or whose aliases expand to more than :data:`MAX_YAML_NODES` nodes: a
"billion laughs"), lists longer than the schema allows are reported without checking their
items, and at most :data:`MAX_PROBLEMS` problems are listed.
"""

from __future__ import annotations

import codecs
import difflib
import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError

from followthru.plan import LIST_LIMITS, Plan, _email, check_rules, oversized, partial_plan, shown, unchecked_gaps

FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
MAX_BYTES = 2_000_000  # a plan file's size; the example plan has 4 kB
MAX_DEPTH = 64  # levels of nesting in a YAML file (a plan needs 4)
MAX_VALUES = 50_000  # keys and values in a file (the example plan has 250; 50,000 parsed take 50-90 MB)
MAX_YAML_NODES = 1_000_000  # YAML nodes once aliases are expanded (2 MB of YAML has fewer)
MAX_PROBLEMS = 100  # problems listed for one file; the rest are counted
_CHECKED = 5_000  # unknown fields that get a "did you mean" (difflib is slow on 50,000)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is and what to do about it."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


def _one_line(text: str) -> str:
    """A problem is one line of the errors file: messages of libraries can run over several."""
    return _printable(re.sub(r"\s*[\r\n]+\s*", " ", str(text)).strip())


def _printable(text: str) -> str:
    """Text that can be written anywhere as UTF-8: lone surrogates (escaped in JSON, or from a
    file name that is not UTF-8) become ``\\udcxx``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


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


class FileError(Exception):
    """The file cannot be read as data at all (syntax, encoding, size)."""

    def __init__(self, message: str, line: int | None = None, path: str = "(file)"):
        super().__init__(message)
        self.line = line
        self.path = path


def format_path(loc: tuple[str | int, ...]) -> str:
    """``("resources", 0, "email")`` -> ``resources[0].email``."""
    text = ""
    for part in loc:
        if not isinstance(part, int):
            part = str(part)
            part = part if part.isprintable() and 0 < len(part) <= 60 else shown(part, 60)
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(file)"


def read_data(path: Path) -> tuple[Any, "LineFinder"]:
    """Parse a TOML, YAML or JSON file into plain data and a finder of line numbers by field path.

    Raises :class:`FileError` when the file cannot be parsed, or holds more than MAX_VALUES keys
    and values.
    """
    data, lines = _parse(path)
    if _count_values(data) > MAX_VALUES:
        raise FileError(_TOO_MANY_VALUES)
    return data, lines


def _parse(path: Path) -> tuple[Any, "LineFinder"]:
    """read_data without the count of values, which YAML makes while parsing (before the file's
    nodes take memory) and load_plan makes after looking for lists longer than allowed."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise FileError(f"unknown file type {path.suffix!r}; use .toml, .yaml, .yml or .json")
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise FileError("not a regular file")
        if status.st_size > MAX_BYTES:
            raise FileError(f"the file is {status.st_size:,} bytes; a plan file may have at most {MAX_BYTES:,}")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # the file may grow after the check
    except OSError as error:
        raise FileError(f"cannot read the file: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise FileError(f"the file is more than {MAX_BYTES:,} bytes; a plan file may have at most {MAX_BYTES:,}")
    text = _decode(raw)
    name = {"toml": "TOML", "yaml": "YAML", "json": "JSON"}[kind]
    try:
        if kind == "toml":
            data, lines = _toml(text)
        elif kind == "yaml":
            return _yaml(text)
        else:
            try:
                data, lines = json.loads(text), LineFinder()
            except json.JSONDecodeError as error:
                raise FileError(f"JSON syntax: {error.msg} (column {error.colno})", error.lineno) from None
    except RecursionError:
        raise FileError(f"{name} nesting is too deep") from None
    except MemoryError:
        raise FileError(f"the {name} is too large to read") from None
    except ValueError as error:  # a number with more than 4300 digits, and the like
        raise _value_error(name, error) from None
    return data, lines


_TOO_MANY_VALUES = f"the file holds more than {MAX_VALUES:,} keys and values; a plan needs a few hundred"


def _value_error(name: str, error: Exception) -> FileError:
    if "digits" in str(error):
        return FileError(f"{name}: a number has more than 4,300 digits")
    return FileError(f"{name}: a value cannot be read ({shown(str(error), 120)[1:-1]})")


def _count_values(data: Any) -> int:
    """Keys and values in parsed data, without recursion; stops counting past MAX_VALUES."""
    count, stack = 0, [data]
    while stack and count <= MAX_VALUES:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            count += len(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def _decode(raw: bytes) -> str:
    """The file's text; a FileError naming the line and column of what is not UTF-8 text."""
    for boms, encoding in (((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "UTF-32"),
                           ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "UTF-16")):
        if raw.startswith(boms):
            raise FileError(f"the file is {encoding} text; save it as UTF-8", 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise FileError(f"the file is not UTF-8 text: byte 0x{raw[error.start]:02X} at column {column} is not "
                        "UTF-8 (Latin-1 or Windows-1252?); save the file as UTF-8", line) from None
    nul = text.find("\0")
    if nul >= 0:
        line, column = _position(text, nul)
        hint = " (UTF-16 text without a byte order mark?)" if text.count("\0") * 4 >= len(text) else ""
        raise FileError(f"the file holds a NUL character at column {column}{hint}; save it as UTF-8 text", line)
    return text


def _position(data: bytes | str, index: int) -> tuple[int, int]:
    """Line and column (in characters, from 1) of ``data[index]``."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    start = data.rfind(newline, 0, index) + 1
    before = data[start:index]
    column = len(before.decode("utf-8", "replace") if isinstance(before, bytes) else before) + 1
    return data.count(newline, 0, index) + 1, column


def _toml(text: str) -> tuple[Any, "LineFinder"]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(found.group(1)) if found else None
        if line is not None and (wrong := _not_a_date(text.splitlines()[:line])):
            raise FileError(wrong[1], line, wrong[0]) from None
        message = re.sub(r"\s*\(at line \d+, column (\d+)\)", r" (column \1)", message)
        raise FileError(f"TOML syntax: {message}", line) from None
    return data, TomlLines(text)


# A TOML key set to what looks like a date or time: `due = 2026-13-45`, `start = 2026-12-03T25:00`.
_DATE_LIKE = re.compile(r"^\s*([A-Za-z0-9_.\"-]+)\s*=\s*(\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{1,2}(?::\d{1,2})?)?)")


_TABLE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]")


def _not_a_date(lines: list[str]) -> tuple[str, str] | None:
    """(field path, message) when the last of ``lines`` (the one TOML could not parse) sets a key
    to a date that does not exist; TOML itself only says "Expected newline or end of document"."""
    found = _DATE_LIKE.match(lines[-1]) if lines else None
    if found is None:
        return None
    key, value = found.group(1).strip('"'), found.group(2)
    arrays: dict[str, int] = {}
    table = ""
    for row in lines[:-1]:
        if header := _TABLE.match(row):
            table = header.group(2)
            if header.group(1) == "[[":
                arrays[table] = arrays.get(table, -1) + 1
                table = f"{table}[{arrays[table]}]"
    key = f"{table}.{key}" if table else key
    try:
        datetime.fromisoformat(value.replace(" ", "T")) if ":" in value else date.fromisoformat(value)
    except ValueError as error:
        return key, f"{value} is not a date: {error} (write YYYY-MM-DD, or YYYY-MM-DDTHH:MM)"
    return None


def past_deadlines(result: PlanResult, now: datetime, default_timezone: str) -> list[Problem]:
    """A new plan whose reply deadlines have passed at ``now`` would only expire: these say so,
    with the line of each deadline (the plan's, or the resource's own)."""
    plan = result.plan
    if plan is None:
        return []
    zone = ZoneInfo(plan.plan.timezone or default_timezone)
    file = _printable(str(result.file))
    problems = []
    for index, resource in enumerate(plan.resources):
        deadline = plan.respond_by(resource)
        deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=zone)
        if not resource.standby and deadline <= now:
            loc: tuple[str | int, ...] = ("resources", index, "respond_by") if resource.respond_by else \
                ("plan", "respond_by")
            problems.append(Problem(file, result.lines.line(loc) if result.lines else None, format_path(loc),
                                    f"the reply deadline {deadline:%Y-%m-%d %H:%M} for {resource.id} has already "
                                    "passed; move it later"))
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
    return Problem(_printable(str(result.file)), result.lines.line(loc) if result.lines else None, format_path(loc),
                   f"plan {result.plan.id!r} belongs to {old}; a new version cannot give it to {claimed} "
                   "(see 'Handing a plan to another rep' in docs/how-it-works.md)")


def _yaml(text: str) -> tuple[Any, "LineFinder"]:
    """YAML through libyaml when present. Its composer recurses in C, so the nesting is measured
    on the event stream first (libyaml's parser slows down with depth: it stops at MAX_DEPTH)."""
    try:
        _measure_yaml(text)
        loader = _YamlLoader(text)
        try:
            node = loader.get_single_node()
            _expanded_size(node)
            try:
                data = loader.construct_document(node) if node is not None else None
            except (yaml.YAMLError, RecursionError, MemoryError):
                raise
            except Exception as error:  # noqa: BLE001 - a tagged value its constructor cannot build
                raise _value_error("YAML", error) from None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, with no mark
        line, column = _position(text, error.position)
        code = ord(error.character) if isinstance(error.character, str) else error.character
        raise FileError(f"YAML syntax: the character U+{code:04X} at column {column} is not allowed in YAML "
                        f"({error.reason})", line) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise FileError(f"YAML syntax: {problem}", mark.line + 1 if mark else None) from None
    return data, YamlLines(node)


_OPENS = {yaml.SequenceStartEvent, yaml.MappingStartEvent}
_CLOSES = {yaml.SequenceEndEvent, yaml.MappingEndEvent}


def _measure_yaml(text: str) -> None:
    """Walk YAML's events (nothing is built) and refuse it when it nests deeper than MAX_DEPTH or
    holds more than MAX_VALUES keys and values; in that case, name a top-level list that is
    longer than a plan allows, like the check of JSON and TOML does."""
    depth = values = 0
    key, expect_key, items, starts = None, True, 0, {}
    for event in yaml.parse(text, Loader=_YamlLoader):
        kind = type(event)
        if kind in _CLOSES:
            depth -= 1
            if depth == 1:  # a top-level value ended: a key comes next
                expect_key = True
            continue
        values += 1
        if depth == 1:  # the top-level mapping: keys and their values alternate
            if expect_key:
                key, expect_key, items = (event.value if kind is yaml.ScalarEvent else None), False, 0
                starts[key] = event.start_mark.line + 1
            elif kind not in _OPENS:
                expect_key = True
        elif depth == 2:  # an item of a top-level list (or a field of a top-level table)
            items += 1
        if kind in _OPENS:
            depth += 1
            if depth > MAX_DEPTH:
                raise FileError(f"YAML nesting is deeper than {MAX_DEPTH} levels", event.start_mark.line + 1)
        if values > MAX_VALUES:
            limit = LIST_LIMITS.get(key) if depth >= 2 else None
            if limit is not None and items > limit:
                raise FileError(f"a plan holds at most {limit} {key}; this one has more than {items:,}: "
                                "split it into several plans", starts[key], key)
            raise FileError(_TOO_MANY_VALUES, event.start_mark.line + 1)


def _expanded_size(root: yaml.Node | None) -> None:
    """Refuse YAML whose aliases expand to more than MAX_YAML_NODES nodes, or refer to themselves;
    each distinct collection is counted once, without recursion."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            size = 1 + sum(sizes.get(id(child), 1) for child in _children(node))
            sizes[key] = size
            if size > MAX_YAML_NODES:
                raise FileError(f"the YAML aliases expand to more than {MAX_YAML_NODES:,} values "
                                "(a \"billion laughs\" file?)", node.start_mark.line + 1)
            continue
        if key in sizes or isinstance(node, yaml.ScalarNode):
            continue
        if key in open_nodes:
            raise FileError("a YAML alias refers to the value that holds it", node.start_mark.line + 1)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node)
                     if not isinstance(child, yaml.ScalarNode) and id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


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
        data, lines = _parse(path)
    except FileError as error:
        result.problems.append(Problem(_printable(str(path)), error.line, error.path, _one_line(str(error))))
        return result
    if not isinstance(data, dict):
        result.problems.append(Problem(_printable(str(path)), 1, "(file)",
                                       "a plan file holds a table/mapping at the top"))
        return result
    result.lines = lines
    result.owner_email = _owner_email(data.get("owner"))
    if result.owner_email and allowed and not in_domains(result.owner_email, allowed):
        result.owner_email = None
    problems = oversized(data)  # too many resources, steps...: their items are not checked
    if not problems and _count_values(data) > MAX_VALUES:
        problems = [((), _TOO_MANY_VALUES)]
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
    file = _printable(str(path))
    located = sorted(((lines.line(loc), loc, message) for loc, message in problems), key=lambda p: p[0] or 0)
    result.problems = [Problem(file, line, _printable(format_path(loc)), _one_line(message))
                       for line, loc, message in located[:MAX_PROBLEMS]]
    if len(located) > MAX_PROBLEMS:
        result.problems.append(Problem(file, None, "(file)", f"and {len(located) - MAX_PROBLEMS:,} more problems "
                                                             "not listed here; fix these first"))
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
    message = (f"is outside the domains plans may name (mail.allowed_domains: {names}); use the "
               "person's company address")
    named: list[tuple[tuple[str | int, ...], str]] = []
    if plan.owner is not None:
        named.append((("owner", "email"), plan.owner.email))
    for section in ("resources", "stakeholders"):
        named += [((section, index, "email"), item.email)
                  for index, item in enumerate(getattr(plan, section) or []) if item is not None]
    for index, meeting in enumerate(plan.meetings or []):
        if meeting is not None and isinstance(meeting.attendees, list):
            for position, attendee in enumerate(meeting.attendees):
                if "@" not in attendee:
                    continue  # a resource id: its email is checked with the resource
                try:
                    named.append((("meetings", index, "attendees", position), _email(attendee)))
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
        return _email(owner["email"].strip())
    except ValueError:
        return None


def validate(model: type[BaseModel], data: Any) -> tuple[Any, list[tuple[tuple[str | int, ...], str]]]:
    """Validate data against a pydantic model: ``(instance, [])`` or ``(None, [(path, message), ...])``."""
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        errors = error.errors(include_url=False)
        found: dict[tuple[str | int, ...], list[tuple[bool, str]]] = {}
        for number, e in enumerate(errors):
            loc = _field_loc(data, tuple(e["loc"]), e["type"])
            message = _message(model, e, hint=number < _CHECKED)
            found.setdefault(loc, []).append((e["type"] in _TYPE_ERRORS, message))
        return None, [(loc, _one_message(messages)) for loc, messages in found.items()]


# Error types that only say the value has another type: for a field that takes one of several types,
# the error of the type that fits the value says more ("too many items" rather than "not a string").
_TYPE_ERRORS = {"literal_error", "list_type", "string_type", "datetime_type", "date_type", "int_type", "bool_type",
                "dict_type", "model_type", "model_attributes_type", "none_required", "is_instance_of",
                "float_type", "timedelta_type", "int_parsing", "bool_parsing", "datetime_parsing", "date_parsing",
                "datetime_from_date_parsing", "date_from_datetime_parsing"}


def _field_loc(data: Any, loc: tuple[str | int, ...], kind: str) -> tuple[str | int, ...]:
    """The error's path in the file: without the names pydantic gives the members of a union
    (``attendees.literal['committed','all']``), which are no keys of the data."""
    path: list[str | int] = []
    node = data
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and not (last and kind in ("missing", "extra_forbidden")):
            continue  # a union member's name
        else:
            node = None
        path.append(part)
    return tuple(path)


def _one_message(messages: list[tuple[bool, str]]) -> str:
    """One message for a field with several errors (one per member of a union)."""
    telling = [message for is_type, message in messages if not is_type]
    if telling:
        return telling[0]
    return "; or ".join(dict.fromkeys(message for _, message in messages))


def _message(model: type[BaseModel], error: dict, hint: bool = True) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden" and not hint:  # past the first thousands: no "did you mean"
        return "unknown field"
    if kind == "extra_forbidden":
        known = _field_names(model, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else (f"; known fields: {', '.join(known)}" if known else "")
        return f"unknown field{hint}"
    if kind == "string_pattern_mismatch":  # every patterned field is an id
        return f"{shown(error['input'])} is not a valid id: use lowercase letters, digits and '-', starting with a letter or digit"
    if kind == "string_unicode":
        return "the text holds a lone surrogate (an escape like \\ud800 that is half a character); remove it"
    if kind in ("too_long", "string_too_long"):
        limit, given = error.get("ctx", {}).get("max_length"), error["input"]
        if isinstance(given, str):
            return f"too long: {len(given)} characters, at most {limit}"
        return f"too many: {len(given) if hasattr(given, '__len__') else 'more'} items, at most {limit}"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if kind in ("datetime_from_date_parsing", "datetime_parsing", "date_from_datetime_parsing", "date_parsing"):
        message += f" (got {shown(error['input'])}; write dates as 2026-12-04 and times as 2026-12-04T17:00:00)"
    return message[:1].lower() + message[1:]


def _field_names(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The field names allowed at a path, for "did you mean" hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return []
        annotation = fields[part].annotation
        inner = getattr(annotation, "__args__", None)
        current = next((a for a in (inner or (annotation,)) if hasattr(a, "model_fields")), None)
    return sorted(getattr(current, "model_fields", {}))


def _stem_id(path: Path) -> str:
    return path.stem.lower()


def _with_default_id(data: dict, path: Path) -> tuple[dict, bool]:
    section = data.get("plan")
    if isinstance(section, dict) and section.get("id") in (None, ""):
        return {**data, "plan": {**section, "id": _stem_id(path)}}, True
    return data, False


def _stem_problem(problem: tuple[tuple[str | int, ...], str], path: Path):
    loc, message = problem
    if loc == ("plan", "id"):
        return (), (f"the file name {path.stem!r} is not a valid plan id; rename the file or set plan.id "
                    "(lowercase letters, digits and '-')")
    return problem


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: 20 times faster
    """Safe YAML that keeps timestamps as text, so an unreal date is a field problem with a line
    (the schema reads ISO dates) rather than a crash inside the YAML library."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# An explicit ``!!timestamp`` stays text as well (PyYAML's own constructor fails on what its regular
# expression does not match, with an AttributeError).
_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class LineFinder:
    """Maps a field path to a line number; the base class knows none (JSON)."""

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        return None


class YamlLines(LineFinder):
    """Line numbers from PyYAML's node tree; a missing field points at its parent."""

    def __init__(self, root: yaml.Node | None):
        self.root = root
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def _pairs(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """A mapping's pairs by key text (the first of equal keys), made once per mapping."""
        pairs = self._keys.get(id(node))
        if pairs is None:
            pairs = {}
            for key, value in node.value:
                if isinstance(key.value, str):
                    pairs.setdefault(key.value, (key, value))
            self._keys[id(node)] = pairs
        return pairs

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        node = self.root
        if node is None:
            return None
        best = node.start_mark.line + 1
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                found = self._pairs(node).get(str(part))
                if found:
                    best, child = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                best = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return best


class TomlLines(LineFinder):
    """Line numbers for TOML field paths, by reading table headers and keys line by line.

    tomllib keeps no positions, and no maintained TOML parser exposes them, so this scans the text:
    ``[table]`` and ``[[array]]`` headers (counting array entries), ``key =`` lines (dotted keys too)
    and multi-line strings and arrays, which it skips. A path it cannot place points at its closest
    known parent. The scan runs on the first question, so a valid file costs nothing.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")

    def __init__(self, text: str):
        self.text = text
        self._lines: dict[tuple[str | int, ...], int] | None = None
        self._counts: dict[tuple[str | int, ...], int] = {}

    @property
    def lines(self) -> dict[tuple[str | int, ...], int]:
        if self._lines is None:
            self._lines = {}
            self._scan(self.text)
        return self._lines

    def _scan(self, text: str) -> None:
        self._lines = {}
        counts = self._counts = {}
        table: tuple[str | int, ...] = ()
        open_quote: str | None = None
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if open_quote:
                if line.count(open_quote) % 2 == 1:
                    open_quote = None
                continue
            if depth > 0:
                depth += _bracket_balance(line)
                continue
            header = self._HEADER.match(line)
            if header and not self._KEY.match(line):
                names = tuple(_key_parts(header.group(2)))
                if header.group(1) == "[[":
                    parent = self._resolve(names)
                    index = counts.get(parent, 0)
                    counts[parent] = index + 1
                    table = (*parent, index)
                    self.lines.setdefault(parent, number)
                else:
                    table = self._resolve(names)
                self.lines.setdefault(table, number)
                continue
            key = self._KEY.match(line)
            if key:
                self.lines.setdefault((*table, *_key_parts(key.group(1))), number)
                rest = line[key.end():]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        open_quote = quote
                depth = max(0, _bracket_balance(rest))

    def _resolve(self, names: tuple[str, ...]) -> tuple[str | int, ...]:
        """A header like ``[resources.extra]`` inside the last ``[[resources]]`` entry (counted
        while scanning, so 100,000 headers cost 100,000 steps, not their square)."""
        resolved: tuple[str | int, ...] = ()
        for name in names:
            resolved = (*resolved, name)
            count = self._counts.get(resolved)
            if count and name != names[-1]:
                resolved = (*resolved, count - 1)
        return resolved

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


def _key_parts(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"""\s*(?:"[^"]*"|'[^']*'|[^.]+)\s*""", text)]


def _bracket_balance(text: str) -> int:
    """Open minus closed brackets outside strings and comments, to follow multi-line arrays."""
    balance, quote = 0, None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            balance += 1
        elif char in "]}":
            balance -= 1
    return balance
