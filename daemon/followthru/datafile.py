"""Reading the files people write (plans and the config) into plain data, whatever they hold.

TOML, YAML and JSON are parsed with every problem placed: :class:`FileError` for a file that cannot be
read as data at all (syntax, encoding, size), with its line; :func:`validate` for data that does not fit
a pydantic model, one ``(path, message)`` per field; and a :class:`LineFinder` that gives the line of any
field path, so each message can say where to look.

Whatever a file holds, reading it takes time and memory proportional to at most :data:`MAX_BYTES`:
larger files and anything but regular files are refused before they are read, text that is not UTF-8
(UTF-16, Latin-1, NUL bytes) is named as such, and a file of more than :data:`MAX_VALUES` keys and
values is refused (YAML before it is built: see :mod:`followthru.yamlfile`).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_core import ErrorDetails

ModelT = TypeVar("ModelT", bound="BaseModel")
# A problem with one field: its path in the data (keys and list indexes) and what is wrong.
FieldProblem = tuple[tuple[str | int, ...], str]

FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
MAX_BYTES = 2_000_000  # a file's size; the example plan has 4 kB
MAX_DEPTH = 64  # levels of nesting in a YAML file (a plan needs 4)
MAX_VALUES = 50_000  # keys and values in a file (the example plan has 250; 50,000 parsed take 50-90 MB)
MAX_YAML_NODES = 1_000_000  # YAML nodes once aliases are expanded (2 MB of YAML has fewer)
_CHECKED = 5_000  # unknown fields that get a "did you mean" (difflib is slow on 50,000)


def shown(value: Any, width: int = 80) -> str:
    """``repr(value)`` for a message, cut to ``width`` characters: input can be megabytes."""
    text = repr(value)
    if len(text) <= width:
        return text
    return text[: width - 4] + "..." + (text[0] if text[0] in "'\"" else "")


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


def single_line(text: str) -> str:
    """A problem is one line of the errors file: messages of libraries can run over several."""
    return printable(re.sub(r"\s*[\r\n]+\s*", " ", str(text)).strip())


def printable(text: str) -> str:
    """Text that can be written anywhere as UTF-8: lone surrogates (escaped in JSON, or from a
    file name that is not UTF-8) become ``\\udcxx``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


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


def read_data(path: Path, noun: str = "file") -> tuple[Any, LineFinder]:
    """Parse a TOML, YAML or JSON file into plain data and a finder of line numbers by field path.

    Raises :class:`FileError` when the file cannot be parsed, or holds more than MAX_VALUES keys
    and values. ``noun`` names the file in messages ("a config file may have at most ...").
    """
    data, lines = parse(path, noun)
    if count_values(data) > MAX_VALUES:
        raise FileError(TOO_MANY_VALUES)
    return data, lines


def parse(path: Path, noun: str = "file", list_limits: Mapping[str, int] | None = None) -> tuple[Any, LineFinder]:
    """read_data without the count of values, which YAML makes while parsing (before the file's
    nodes take memory) and load_plan makes after looking for lists longer than allowed.
    ``list_limits`` (top-level key -> most items) lets a YAML file too big to build name the list
    that is too long."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise FileError(f"unknown file type {path.suffix!r}; use .toml, .yaml, .yml or .json")
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise FileError("not a regular file")
        if status.st_size > MAX_BYTES:
            raise FileError(f"the file is {status.st_size:,} bytes; a {noun} may have at most {MAX_BYTES:,}")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # the file may grow after the check
    except OSError as error:
        raise FileError(f"cannot read the file: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise FileError(f"the file is more than {MAX_BYTES:,} bytes; a {noun} may have at most {MAX_BYTES:,}")
    text = _decode(raw)
    name = {"toml": "TOML", "yaml": "YAML", "json": "JSON"}[kind]
    try:
        if kind == "toml":
            data, lines = _toml(text)
        elif kind == "yaml":
            from followthru.yamlfile import read_yaml  # PyYAML only for YAML files

            return read_yaml(text, list_limits or {})
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
        raise value_error(name, error) from None
    return data, lines


TOO_MANY_VALUES = f"the file holds more than {MAX_VALUES:,} keys and values; a plan or config needs a few hundred"


def value_error(name: str, error: Exception) -> FileError:
    if "digits" in str(error):
        return FileError(f"{name}: a number has more than 4,300 digits")
    return FileError(f"{name}: a value cannot be read ({shown(str(error), 120)[1:-1]})")


def count_values(data: Any) -> int:
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
    for boms, encoding in (
        ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "UTF-32"),
        ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "UTF-16"),
    ):
        if raw.startswith(boms):
            raise FileError(f"the file is {encoding} text; save it as UTF-8", 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = position(raw, error.start)
        raise FileError(
            f"the file is not UTF-8 text: byte 0x{raw[error.start]:02X} at column {column} is not "
            "UTF-8 (Latin-1 or Windows-1252?); save the file as UTF-8",
            line,
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        line, column = position(text, nul)
        hint = " (UTF-16 text without a byte order mark?)" if text.count("\0") * 4 >= len(text) else ""
        raise FileError(f"the file holds a NUL character at column {column}{hint}; save it as UTF-8 text", line)
    return text


def position(data: bytes | str, index: int) -> tuple[int, int]:
    """Line and column (in characters, from 1) of ``data[index]``."""
    if isinstance(data, bytes):
        start = data.rfind(b"\n", 0, index) + 1
        return data.count(b"\n", 0, index) + 1, len(data[start:index].decode("utf-8", "replace")) + 1
    start = data.rfind("\n", 0, index) + 1
    return data.count("\n", 0, index) + 1, len(data[start:index]) + 1


def _toml(text: str) -> tuple[Any, LineFinder]:
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


def validate(model: type[ModelT], data: Any) -> tuple[ModelT | None, list[FieldProblem]]:
    """Validate data against a pydantic model: ``(instance, [])`` or ``(None, [(path, message), ...])``."""
    from pydantic import ValidationError

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
_TYPE_ERRORS = {
    "literal_error",
    "list_type",
    "string_type",
    "datetime_type",
    "date_type",
    "int_type",
    "bool_type",
    "dict_type",
    "model_type",
    "model_attributes_type",
    "none_required",
    "is_instance_of",
    "float_type",
    "timedelta_type",
    "int_parsing",
    "bool_parsing",
    "datetime_parsing",
    "date_parsing",
    "datetime_from_date_parsing",
    "date_from_datetime_parsing",
}


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


def _message(model: type[BaseModel], error: ErrorDetails, hint: bool = True) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden" and not hint:  # past the first thousands: no "did you mean"
        return "unknown field"
    if kind == "extra_forbidden":
        import difflib  # only for a misspelt field

        known = _field_names(model, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        suggestion = (
            f"; did you mean {guess[0]!r}?" if guess else (f"; known fields: {', '.join(known)}" if known else "")
        )
        return f"unknown field{suggestion}"
    if kind == "string_pattern_mismatch":  # every patterned field is an id
        return (
            f"{shown(error['input'])} is not a valid id: use lowercase letters, digits and '-', "
            "starting with a letter or digit"
        )
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


class LineFinder:
    """Maps a field path to a line number; the base class knows none (JSON)."""

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        return None


class TomlLines(LineFinder):
    """Line numbers for TOML field paths, by reading table headers and keys line by line.

    tomllib keeps no positions, and no maintained TOML parser exposes them, so this scans the text:
    ``[table]`` and ``[[array]]`` headers (counting array entries), ``key =`` lines (dotted keys too)
    and multi-line strings and arrays, which it skips. A path it cannot place points at its closest
    known parent. The scan runs on the first question, so a valid file costs nothing.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(
        r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
        r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
    )

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
                rest = line[key.end() :]
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
