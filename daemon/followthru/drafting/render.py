"""Rendering messages from Jinja2 templates: a subject, a text part and an HTML part per kind.

Templates run in Jinja2's sandbox with HTML autoescaped, so plan content is always shown as text.
A user's templates folder overrides any shipped template by name; ``<lang>/`` sub-folders hold
language variants that fall back to the default language. See ``templates/README.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2 import BytecodeCache, ChainableUndefined, FileSystemLoader, Template, TemplateNotFound, select_autoescape
from jinja2.bccache import Bucket
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

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


_PLAIN = frozenset({str, Markup, int, float, bool, type(None)})  # values no template can change
_JINJA_ARGUMENTS = ("_block_vars", "_loop_vars")  # what Jinja2 hands every call; a macro takes neither


class Sharing:
    """What the messages of one plan share while they are drafted (:meth:`Renderer.sharing`): the
    plan's variables, and the text of each macro of an imported module already called with them.

    A module imported without context (``{% import "_blocks.html" as blocks %}``) is made once and
    its macros see nothing but their arguments: called again with the very same arguments, a macro
    writes the same text. So within one plan, ``blocks.steps(plan.steps)`` is written once for all
    the people asked. Arguments count as the same only when each is text, a number, a boolean or
    None, or a dict or list of the shared variables (:meth:`share`), which nothing changes while the
    plan is drafted: the sandbox lets no template change a dict or a list."""

    def __init__(self) -> None:
        self.shared: dict[int, Any] = {}  # id -> every dict, list and tuple of the shared variables
        self.modules: dict[int, tuple[bool, TemplateModule]] = {}  # id -> whether it is a template's one module
        self.macros: dict[int, Macro] = {}  # id -> the macros read from those modules
        self.texts: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # call -> (its text, what it was called with)

    def share(self, *values: Any) -> None:
        """Variables every message of the plan is given, unchanged while it is drafted."""
        waiting = list(values)
        while waiting:
            value = waiting.pop()
            kind = type(value)
            if kind in (dict, list, tuple) and id(value) not in self.shared:
                self.shared[id(value)] = value
                waiting.extend(value.values() if kind is dict else value)

    def key(self, macro: Macro, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
        """What identifies a call of ``macro``, or None when its text may not be shared."""
        if id(macro) not in self.macros or "caller" in kwargs:
            return None
        shared = self.shared
        key: list[Any] = [id(macro)]
        for value in args:
            if type(value) not in _PLAIN and id(value) not in shared:
                return None
            key.append(id(value))
        for name, value in kwargs.items():
            if name not in _JINJA_ARGUMENTS:
                if type(value) not in _PLAIN and id(value) not in shared:
                    return None
                key.append((name, id(value)))
        return tuple(key)


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with the same answers found sooner for what the templates use most.

    A key of a plain dict (``plan.title``) is read at once, instead of after failing to read an
    attribute of that name: the sandbox reads the key when the attribute is missing, and a dict
    has no attributes besides its methods, whose names are left to the sandbox. A macro of an
    imported module (``blocks.header``) is read and called as the sandbox would: a module's
    attribute not starting with ``_`` is safe, and a macro is neither a ``format`` method nor
    marked unsafe. Everything else goes through the sandbox's own checks. While a plan's messages
    are drafted, macros' texts are shared between them (:class:`Sharing`)."""

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._local = threading.local()  # .sharing: the Sharing of the plan this thread drafts

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, its own over the environment's. Jinja2 chains them
        (a ChainMap, read in Python) so that later changes to the environment's show through; they
        never change here, and every render and import reads them: a dict is read in C."""
        return {**self.globals, **(d or {})}

    @contextmanager
    def sharing(self) -> Iterator[Sharing]:
        self._local.sharing = sharing = Sharing()
        try:
            yield sharing
        finally:
            self._local.sharing = None

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if kind is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        elif kind is TemplateModule and not attribute.startswith("_"):
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                pass
            else:
                sharing: Sharing | None = getattr(self._local, "sharing", None)
                if sharing is not None and type(value) is Macro and self._imported_alone(sharing, obj):
                    sharing.macros[id(value)] = value
                return value
        return super().getattr(obj, attribute)

    def _imported_alone(self, sharing: Sharing, module: TemplateModule) -> bool:
        """Whether ``module`` is the one module of a template that templates import without
        context (Jinja2 makes it once and keeps it on the template), not one made for one render."""
        known = sharing.modules.get(id(module))
        if known is None:
            try:
                template = self.get_template(module.__name__) if module.__name__ is not None else None
            except Exception:  # noqa: BLE001 - a module without a template of its name is not one
                template = None
            alone = template is not None and getattr(template, "_module", None) is module
            known = sharing.modules[id(module)] = (alone, module)  # the module kept while its id names it
        return known[0]

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if type(obj) is Macro:
            sharing: Sharing | None = getattr(self._local, "sharing", None)
            key = sharing.key(obj, args, kwargs) if sharing is not None else None
            if key is None:
                return context.call(obj, *args, **kwargs)
            assert sharing is not None
            known = sharing.texts.get(key)
            if known is None:
                known = sharing.texts[key] = (context.call(obj, *args, **kwargs), args, kwargs)
            return known[0]
        return super().call(context, obj, *args, **kwargs)


class Compiled(BytecodeCache):
    """Templates compiled in this process, or in the process it was forked from, for every Renderer
    of it: Jinja2 takes a template's code from here when its file still holds the source compiled,
    instead of compiling it again. The plan workers are forked from a process that compiled the
    templates of new plans (followthru.worker_preload), so none of them compiles those again.

    Every Renderer makes its environment with the same options, which the code depends on."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str | None, CodeType]] = {}  # bucket key -> (source checksum, code)

    def load_bytecode(self, bucket: Bucket) -> None:
        known = self._code.get(bucket.key)
        if known is not None and known[0] == bucket.checksum:
            bucket.code = known[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)


COMPILED = Compiled()


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
            bytecode_cache=COMPILED,
        )
        self._templates: dict[tuple[str, str], Template] = {}  # (name, language): the template found

    def sharing(self) -> AbstractContextManager[Sharing]:
        """For the messages of one plan, drafted in this thread: what they share is written once
        (:class:`Sharing`); give the plan's variables to its :meth:`~Sharing.share`."""
        return self.environment.sharing()

    def share(self, *values: Any) -> None:
        """Variables shared by the messages drafted in this thread's :meth:`sharing`, if any."""
        sharing: Sharing | None = getattr(self.environment._local, "sharing", None)
        if sharing is not None:
            sharing.share(*values)

    def render(self, kind: str, context: dict[str, Any], language: str = "en") -> Rendered:
        """Render one message kind. Raises ``TemplateNotFound`` for an unknown kind."""
        if kind not in KINDS:
            raise TemplateNotFound(kind)
        subject, text, html = (self._render(f"{kind}.{part}", context, language) for part in ("subject", "txt", "html"))
        return Rendered(subject=one_line(subject)[:250], text=_tidy(text), html=html)

    def load(self, names: Iterable[str], language: str = "en") -> None:
        """Templates (``request.html``, ``_blocks.html``) read and compiled now, not at their first
        message. A name no template has is left out."""
        for name in names:
            try:
                self._template(name, language)
            except TemplateNotFound:
                continue

    def _render(self, name: str, context: dict[str, Any], language: str) -> str:
        return self._template(name, language).render(context)

    def _template(self, name: str, language: str) -> Template:
        """A template found once per process: the language's own, else the default language's."""
        template = self._templates.get((name, language))
        if template is None:
            names = [f"{variant}/{name}" for variant in _variants(language)] + [name]
            template = self._templates[(name, language)] = self.environment.select_template(names)
        return template


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
