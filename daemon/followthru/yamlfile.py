"""YAML files, read safely: nesting, size and alias expansion are measured before anything is built.

PyYAML is imported only when a YAML file is read (most plans and every config are TOML). libyaml's
composer recurses in C, so the nesting is measured on the event stream first; aliases are counted
before the document is constructed, so a "billion laughs" file is refused in milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

from followthru.datafile import (
    MAX_DEPTH,
    MAX_VALUES,
    MAX_YAML_NODES,
    TOO_MANY_VALUES,
    FileError,
    LineFinder,
    position,
    value_error,
)


def read_yaml(text: str, list_limits: Mapping[str, int]) -> tuple[Any, LineFinder]:
    """YAML through libyaml when present. Its composer recurses in C, so the nesting is measured
    on the event stream first (libyaml's parser slows down with depth: it stops at MAX_DEPTH).
    ``list_limits`` (top-level key -> most items) names a list that makes the file too big."""
    try:
        _measure_yaml(text, list_limits)
        loader = _YamlLoader(text)
        try:
            node = loader.get_single_node()
            _expanded_size(node)
            try:
                data = loader.construct_document(node) if node is not None else None
            except (yaml.YAMLError, RecursionError, MemoryError):
                raise
            except Exception as error:  # noqa: BLE001 - a tagged value its constructor cannot build
                raise value_error("YAML", error) from None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, with no mark
        line, column = position(text, error.position)
        code = ord(error.character) if isinstance(error.character, str) else error.character
        raise FileError(
            f"YAML syntax: the character U+{code:04X} at column {column} is not allowed in YAML ({error.reason})", line
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise FileError(f"YAML syntax: {problem}", mark.line + 1 if mark else None) from None
    return data, YamlLines(node)


_OPENS = {yaml.SequenceStartEvent, yaml.MappingStartEvent}
_CLOSES = {yaml.SequenceEndEvent, yaml.MappingEndEvent}


def _measure_yaml(text: str, list_limits: Mapping[str, int]) -> None:
    """Walk YAML's events (nothing is built) and refuse it when it nests deeper than MAX_DEPTH or
    holds more than MAX_VALUES keys and values; in that case, name a top-level list that is
    longer than a plan allows, like the check of JSON and TOML does."""
    depth = values = 0
    key: str | None = None  # the top-level key being read
    expect_key, items = True, 0
    starts: dict[str | None, int] = {}
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
                key, expect_key, items = (event.value if isinstance(event, yaml.ScalarEvent) else None), False, 0
                starts[key] = _line(event)
            elif kind not in _OPENS:
                expect_key = True
        elif depth == 2:  # an item of a top-level list (or a field of a top-level table)
            items += 1
        if kind in _OPENS:
            depth += 1
            if depth > MAX_DEPTH:
                raise FileError(f"YAML nesting is deeper than {MAX_DEPTH} levels", _line(event))
        if values > MAX_VALUES:
            if depth >= 2 and key is not None and (limit := list_limits.get(key)) is not None and items > limit:
                raise FileError(
                    f"a plan holds at most {limit} {key}; this one has more than {items:,}: "
                    "split it into several plans",
                    starts[key],
                    key,
                )
            raise FileError(TOO_MANY_VALUES, _line(event))


def _line(event: yaml.Event) -> int:
    """The line an event starts on, from 1 (the parser marks every event it makes)."""
    assert event.start_mark is not None, "events from yaml.parse carry their marks"
    return event.start_mark.line + 1


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
                raise FileError(
                    f'the YAML aliases expand to more than {MAX_YAML_NODES:,} values (a "billion laughs" file?)',
                    node.start_mark.line + 1,
                )
            continue
        if key in sizes or isinstance(node, yaml.ScalarNode):
            continue
        if key in open_nodes:
            raise FileError("a YAML alias refers to the value that holds it", node.start_mark.line + 1)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend(
            (child, False)
            for child in _children(node)
            if not isinstance(child, yaml.ScalarNode) and id(child) not in sizes
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        items: list[yaml.Node] = node.value
        return items
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


if TYPE_CHECKING:  # libyaml's loader, when present, has the plain loader's interface
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 20 times faster


class _YamlLoader(_SafeLoader):
    """Safe YAML that keeps timestamps as text, so an unreal date is a field problem with a line
    (the schema reads ISO dates) rather than a crash inside the YAML library."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# An explicit ``!!timestamp`` stays text as well (PyYAML's own constructor fails on what its regular
# expression does not match, with an AttributeError).
def _timestamp_as_text(loader: _YamlLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


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
