"""The mail and calendar backends, and which one a config chooses.

Every backend is a module or package here, named in :data:`MAIL` or :data:`CALENDAR` with the
pip extra that brings its libraries. A backend is imported only when a workspace uses it, so a
workspace on the embedded default (Maildir) never loads exchangelib, googleapiclient, msal,
requests or imapclient. When a chosen backend's libraries are not installed, :func:`load` raises
a :class:`~followthru.config.ConfigError` with one line naming the pip command that adds them.

What the backends share: the interfaces, errors and sync state (:mod:`.base`), reading a meeting
message (:mod:`.meetings`), publishing a meeting change (:mod:`.publish`), the retry loop of the
HTTP services (:mod:`.http_retry`), the poller of services without push (:mod:`.poller`) and the
reading of repeat rules (:mod:`.recurrence`).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from followthru.backends.base import CalendarBackend, MailBackend, SyncState
    from followthru.config import Config


@dataclass(frozen=True)
class Backend:
    """Where a backend lives: ``module`` holds ``opener`` (called with the config and the sync
    state), ``extra`` is the pip extra that installs ``libraries`` (None: the base install has them)."""

    module: str
    opener: str
    extra: str | None = None
    libraries: tuple[str, ...] = ()


EXCHANGE = ("exchangelib",)
GOOGLE = ("googleapiclient", "google_auth_oauthlib", "google_auth_httplib2", "httplib2")
GRAPH = ("msal", "requests")

MAIL: dict[str, Backend] = {
    "maildir": Backend("followthru.backends.maildir", "open_maildir"),
    "smtp-imap": Backend("followthru.backends.smtp_imap", "open_servers", None, ("imapclient",)),
    "exchange": Backend("followthru.backends.exchange", "ExchangeMail", "exchange", EXCHANGE),
    "google": Backend("followthru.backends.google", "GmailMail", "google", GOOGLE),
    "graph": Backend("followthru.backends.graph", "GraphMail", "graph", GRAPH),
}
# calendar.backend = "imip" has no entry: invitations go by mail, through the mail backend.
CALENDAR: dict[str, Backend] = {
    "exchange": Backend("followthru.backends.exchange", "ExchangeCalendar", "exchange", EXCHANGE),
    "google": Backend("followthru.backends.google", "GoogleCalendar", "google", GOOGLE),
    "graph": Backend("followthru.backends.graph", "GraphCalendar", "graph", GRAPH),
}


def missing_library(backend: Backend) -> str | None:
    """The first of the backend's libraries that cannot be imported here, or None."""
    for library in backend.libraries:
        try:
            if importlib.util.find_spec(library) is None:
                return library
        except (ImportError, ValueError):  # a parent package missing, or a module blocked in sys.modules
            return library
    return None


def install_hint(key: str, name: str, backend: Backend, library: str) -> str:
    """The one line said when a backend's library is missing; ``key`` is what asked for it."""
    who = key if key.startswith("followthru ") else f'{key} "{name}"'
    if backend.extra is None:
        return f"{who} needs {library}: pip install followthru"
    return f"{who} needs {library}: pip install 'followthru[{backend.extra}]'"


def load(key: str, name: str) -> ModuleType:
    """The module of the backend ``name`` chosen by ``key`` (``mail.backend``, ``calendar.backend``, or
    the command that needs it), imported now. Raises ConfigError, in one line with the pip command,
    when its libraries are missing."""
    from followthru.config import ConfigError

    backend = (CALENDAR if key == "calendar.backend" else MAIL)[name]
    library = missing_library(backend)
    if library is None:
        try:
            return importlib.import_module(backend.module)
        except ImportError as error:  # a library the backend's own libraries need
            if (error.name or "").startswith("followthru"):
                raise
            library = error.name or backend.libraries[0]
    raise ConfigError([install_hint(key, name, backend, library)])


def requirement_problems(config: Config) -> list[str]:
    """One line for each chosen backend whose libraries are not installed (for ``doctor``)."""
    problems = []
    for key, name, table in (
        ("mail.backend", config.mail.backend, MAIL),
        ("calendar.backend", config.calendar.backend, CALENDAR),
    ):
        backend = table.get(name)
        library = missing_library(backend) if backend is not None else None
        if backend is not None and library:
            problems.append(install_hint(key, name, backend, library))
    return problems


def _open(key: str, name: str, table: dict[str, Backend], config: Config, state: SyncState) -> Any:
    opener = getattr(load(key, name), table[name].opener)
    return opener(config, state)


def open_mail(config: Config, state: SyncState) -> MailBackend:
    """The configured mail backend. Connects to nothing yet; raises ConfigError for a missing secret
    or a missing library."""
    backend: MailBackend = _open("mail.backend", config.mail.backend, MAIL, config, state)
    return backend


def open_calendar(config: Config, state: SyncState) -> CalendarBackend | None:
    """The configured calendar service, or None when invitations go by mail (iMIP)."""
    if config.calendar.backend not in CALENDAR:
        return None
    backend: CalendarBackend = _open("calendar.backend", config.calendar.backend, CALENDAR, config, state)
    return backend


def service_check(config: Config, name: str) -> str:
    """``doctor``'s login check of the service backend ``name`` (exchange, google, graph): one line of
    what was found. Raises ConfigError (with the pip command when the service's libraries are missing)
    or Unavailable."""
    key = "mail.backend" if config.mail.backend == name else "calendar.backend"
    found: str = load(key, name).check(config)
    return found


def authorizer(config: Config, service: str) -> Any:
    """``followthru auth SERVICE``'s one-time sign-in, a function of the config and a printer:
    Google's, or Microsoft's through Graph where the config uses Graph and through Exchange otherwise.
    Raises ConfigError when that backend's libraries are missing."""
    if service == "google":
        name = "google"
    else:
        name = "graph" if "graph" in (config.mail.backend, config.calendar.backend) else "exchange"
    return load(f"followthru auth {service}", name).authorize
