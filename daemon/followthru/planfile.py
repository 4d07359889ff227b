"""Reading plan files (TOML, YAML, JSON) into a :class:`~followthru.plan.Plan`, or a list of problems.

Every problem names the file, the line (TOML and YAML), the field path and what is wrong, so a rep
can fix a plan without reading logs::

    plans/acme.toml:14: resources[0].email: 'sam@' is not a valid email address: ...
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from followthru.plan import Plan, check_rules, partial_plan

FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
MAX_BYTES = 2_000_000


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


@dataclass
class PlanResult:
    """What reading a plan file gave: the plan, or the problems (and the owner's email when readable)."""

    file: Path
    plan: Plan | None = None
    problems: list[Problem] = field(default_factory=list)
    owner_email: str | None = None

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.problems


class FileError(Exception):
    """The file cannot be read as data at all (syntax, encoding, size)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def format_path(loc: tuple[str | int, ...]) -> str:
    """``("resources", 0, "email")`` -> ``resources[0].email``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def read_data(path: Path) -> tuple[Any, "LineFinder"]:
    """Parse a TOML, YAML or JSON file into plain data and a finder of line numbers by field path.

    Raises :class:`FileError` when the file cannot be parsed.
    """
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise FileError(f"unknown file type {path.suffix!r}; use .toml, .yaml, .yml or .json")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FileError(f"cannot read the file: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise FileError(f"the file is {len(raw):,} bytes; a plan file may have at most {MAX_BYTES:,}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FileError("the file is not UTF-8 text", line) from None
    if kind == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            message = str(error)
            found = re.search(r"\(at line (\d+), column (\d+)\)", message)
            line = int(found.group(1)) if found else None
            message = re.sub(r"\s*\(at line \d+, column (\d+)\)", r" (column \1)", message)
            raise FileError(f"TOML syntax: {message}", line) from None
        return data, TomlLines(text)
    if kind == "yaml":
        try:
            node = yaml.compose(text, Loader=_YamlLoader)
            data = yaml.load(text, Loader=_YamlLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            problem = getattr(error, "problem", None) or str(error)
            raise FileError(f"YAML syntax: {problem}", mark.line + 1 if mark else None) from None
        except RecursionError:
            raise FileError("YAML nesting is too deep") from None
        return data, YamlLines(node)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileError(f"JSON syntax: {error.msg} (column {error.colno})", error.lineno) from None
    except RecursionError:
        raise FileError("JSON nesting is too deep") from None
    return data, LineFinder()


def load_plan(path: Path | str, default_timezone: str = "UTC") -> PlanResult:
    """Read and check one plan file. Never raises for bad content: problems are in the result."""
    path = Path(path)
    result = PlanResult(file=path)
    try:
        data, lines = read_data(path)
    except FileError as error:
        result.problems.append(Problem(str(path), error.line, "(file)", str(error)))
        return result
    if not isinstance(data, dict):
        result.problems.append(Problem(str(path), 1, "(file)", "a plan file holds a table/mapping at the top"))
        return result
    owner = data.get("owner")
    if isinstance(owner, dict) and isinstance(owner.get("email"), str) and "@" in owner["email"]:
        result.owner_email = owner["email"].strip()
    data, defaulted_id = _with_default_id(data, path)
    plan, problems = validate(Plan, data)
    if plan is not None:
        problems = check_rules(plan, default_timezone)
        if not problems:
            result.plan = plan
    else:
        partial, claimed_ids = partial_plan(data)
        problems += check_rules(partial, default_timezone, claimed_ids)
    if defaulted_id:
        # A default id that does not fit is reported against the file name, not a field the rep wrote.
        problems = [_stem_problem(p, path) for p in problems]
    located = [Problem(str(path), lines.line(loc), format_path(loc), message) for loc, message in problems]
    result.problems = sorted(located, key=lambda problem: problem.line or 0)
    return result


def validate(model: type[BaseModel], data: Any) -> tuple[Any, list[tuple[tuple[str | int, ...], str]]]:
    """Validate data against a pydantic model: ``(instance, [])`` or ``(None, [(path, message), ...])``."""
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        return None, [(tuple(e["loc"]), _message(model, e)) for e in error.errors()]


def _message(model: type[BaseModel], error: dict) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        known = _field_names(model, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else (f"; known fields: {', '.join(known)}" if known else "")
        return f"unknown field{hint}"
    if kind == "string_pattern_mismatch":  # every patterned field is an id
        return f"{error['input']!r} is not a valid id: use lowercase letters, digits and '-', starting with a letter or digit"
    if kind in ("too_long", "string_too_long"):
        limit, given = error.get("ctx", {}).get("max_length"), error["input"]
        if isinstance(given, str):
            return f"too long: {len(given)} characters, at most {limit}"
        return f"too many: {len(given) if hasattr(given, '__len__') else 'more'} items, at most {limit}"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if kind in ("datetime_from_date_parsing", "datetime_parsing", "date_from_datetime_parsing", "date_parsing"):
        message += f" (got {error['input']!r}; write dates as 2026-12-04 and times as 2026-12-04T17:00:00)"
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


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML that keeps timestamps as text, so an unreal date is a field problem with a line
    (the schema reads ISO dates) rather than a crash inside the YAML library."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class LineFinder:
    """Maps a field path to a line number; the base class knows none (JSON)."""

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        return None


class YamlLines(LineFinder):
    """Line numbers from PyYAML's node tree; a missing field points at its parent."""

    def __init__(self, root: yaml.Node | None):
        self.root = root

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        node = self.root
        if node is None:
            return None
        best = node.start_mark.line + 1
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        best, child = key.start_mark.line + 1, value
                        break
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

    @property
    def lines(self) -> dict[tuple[str | int, ...], int]:
        if self._lines is None:
            self._lines = {}
            self._scan(self.text)
        return self._lines

    def _scan(self, text: str) -> None:
        self._lines = {}
        counts: dict[tuple[str | int, ...], int] = {}
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
        """A header like ``[resources.extra]`` inside the last ``[[resources]]`` entry."""
        resolved: tuple[str | int, ...] = ()
        for name in names:
            resolved = (*resolved, name)
            last = max((k[-1] for k in self.lines if len(k) == len(resolved) + 1 and k[:-1] == resolved
                        and isinstance(k[-1], int)), default=None)
            if last is not None and name != names[-1]:
                resolved = (*resolved, last)
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
