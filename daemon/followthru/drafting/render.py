"""Rendering messages from Jinja2 templates: a subject, a text part and an HTML part per kind.

Templates run in Jinja2's sandbox with HTML autoescaped, so plan content is always shown as text.
A user's templates folder overrides any shipped template by name; ``<lang>/`` sub-folders hold
language variants that fall back to the default language. See ``templates/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, FileSystemLoader, Template, TemplateNotFound, select_autoescape
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment

from followthru.shipped import shipped_path
from followthru.values import one_line

KINDS = (
    "request",
    "reminder",
    "last_call",
    "backup_request",
    "due_reminder",
    "counter_approved",
    "released",
    "all_committed",
    "stakeholder_update",
    "meeting",
    "digest",
    "owner_declined",
    "owner_counter",
    "owner_question",
    "owner_away",
    "owner_bounced",
    "owner_no_answer",
    "owner_unmatched",
    "owner_rejected",
    "owner_undelivered",
    "owner_lapsed",
    "owner_handed_over",
    "owner_meeting_answer",
    "owner_sign_in",
)


@dataclass(frozen=True)
class Rendered:
    """One message's words: a one-line subject, plain text, and HTML."""

    subject: str
    text: str
    html: str


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with the same answers found sooner for what the templates use most.

    A key of a plain dict (``plan.title``) is read at once, instead of after failing to read an
    attribute of that name: the sandbox reads the key when the attribute is missing, and a dict
    has no attributes besides its methods, whose names are left to the sandbox. A macro of an
    imported module (``blocks.header``) is read and called as the sandbox would: a module's
    attribute not starting with ``_`` is safe, and a macro is neither a ``format`` method nor
    marked unsafe. Everything else goes through the sandbox's own checks."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if kind is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        elif kind is TemplateModule and not attribute.startswith("_"):
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        return super().getattr(obj, attribute)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if type(obj) is Macro:
            return context.call(obj, *args, **kwargs)
        return super().call(context, obj, *args, **kwargs)


class Renderer:
    """Renders message kinds for a recipient's language.

    ``overrides`` is the user's templates folder (it need not exist); ``shipped`` defaults to the
    templates shipped with Followthru.
    """

    def __init__(self, overrides: Path | None = None, shipped: Path | None = None):
        search = [str(p) for p in (overrides, shipped or shipped_path("templates")) if p is not None]
        self.environment = Sandbox(
            loader=FileSystemLoader(search),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=ChainableUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # templates are read once per process; no stat() per message
        )
        self._templates: dict[tuple[str, str], Template] = {}  # (name, language): the template found

    def render(self, kind: str, context: dict[str, Any], language: str = "en") -> Rendered:
        """Render one message kind. Raises ``TemplateNotFound`` for an unknown kind."""
        if kind not in KINDS:
            raise TemplateNotFound(kind)
        subject, text, html = (self._render(f"{kind}.{part}", context, language) for part in ("subject", "txt", "html"))
        return Rendered(subject=one_line(subject)[:250], text=_tidy(text), html=html)

    def _render(self, name: str, context: dict[str, Any], language: str) -> str:
        """A template found once per process: the language's own, else the default language's."""
        template = self._templates.get((name, language))
        if template is None:
            names = [f"{variant}/{name}" for variant in _variants(language)] + [name]
            template = self._templates[(name, language)] = self.environment.select_template(names)
        return template.render(context)


def _variants(language: str) -> list[str]:
    """``pt-BR`` -> ``["pt-BR", "pt"]``; the default language has no folder."""
    variants = [language]
    if "-" in language:
        variants.append(language.split("-")[0])
    return [v for v in variants if v and v != "en"]


def _tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"
