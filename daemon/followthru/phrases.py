"""Sentences Followthru writes about a plan for people to read, kept as a key and values until the
reader is known: stakeholder news, what lapsed during an outage, what needs the owner.

Their wording in every language is data, in the ``news``, ``lapsed``, ``reason`` and ``attention``
tables of ``words.toml``, beside the state and recurrence words. The engine makes :class:`Phrase`
values and stays free of languages; :meth:`followthru.drafting.views.Formatter.say` words one for a reader,
dates in their timezone. What needs the owner is kept in the store as English lines (``status``
shows them, and ``decide`` reads proposals back from them); :func:`reread` turns such a line back
into its phrase, so that the owner's digest can word it in the owner's language.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

WORDS_FILE = Path(__file__).with_name("words.toml")


@dataclass(frozen=True)
class Phrase:
    """A sentence (or clause) to word later: ``key`` is ``table.entry`` in ``words.toml``; values
    are text, numbers, dates (worded for the reader), lists of them, or phrases."""

    key: str
    values: tuple[tuple[str, Any], ...] = ()


def phrase(key: str, **values: Any) -> Phrase:
    """``phrase("news.backup_asked", name="Sol", reason=phrase("reason.declined"), backup="Kim")``."""
    return Phrase(key, tuple(sorted(values.items())))


@lru_cache(maxsize=16)
def words(language: str) -> dict[str, dict[str, str]]:
    """The words of ``words.toml`` for ``language`` (``de``, ``de-CH``, ``de_AT`` all read German);
    English for a language the file does not have, and for an entry the language lacks."""
    table = _table()
    english = table["en"]
    chosen = table.get(language.replace("_", "-").split("-")[0].lower(), english)
    return {section: {**entries, **chosen.get(section, {})} for section, entries in english.items()}


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    return tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))


def text_of(key: str, language: str) -> str:
    """The wording of ``key`` (``table.entry``) in ``language``. Raises KeyError for an unknown key."""
    section, _, entry = key.partition(".")
    return words(language)[section][entry]


def english(value: Any) -> str:
    """A phrase in English with its values as they are (dates in ISO 8601): the form kept in the
    store and shown by ``status``."""
    if isinstance(value, Phrase):
        return text_of(value.key, "en").format_map({name: english(v) for name, v in value.values})
    if isinstance(value, (list, tuple)):
        return ", ".join(english(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """A regular expression per English ``attention`` entry, longest first (the most specific)."""
    found = []
    for entry, text in words("en")["attention"].items():
        parts = re.split(r"\{(\w+)\}", text)
        pattern = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
        found.append((f"attention.{entry}", re.compile(pattern + r"\Z")))
    return sorted(found, key=lambda item: -len(item[1].pattern))


@lru_cache(maxsize=1)
def _reasons() -> dict[str, str]:
    """English wording -> entry of the ``reason`` table."""
    return {wording: entry for entry, wording in words("en")["reason"].items()}


def reread(text: str) -> Phrase | None:
    """The ``attention`` phrase an English line (after its ``who: `` part) was made from, with a
    ``reason`` made a phrase again and a ``when`` a datetime again; None for any other text."""
    reasons = _reasons()
    for key, pattern in _patterns():
        match = pattern.match(text)
        if match is None:
            continue
        values: dict[str, Any] = dict(match.groupdict())
        if "reason" in values:
            if values["reason"] not in reasons:
                continue
            values["reason"] = phrase(f"reason.{reasons[values['reason']]}")
        if "when" in values:
            try:
                values["when"] = datetime.fromisoformat(values["when"])
            except ValueError:
                continue
        return phrase(key, **values)
    return None
