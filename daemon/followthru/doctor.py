"""``followthru doctor``: check a workspace and log in to every configured server, sending nothing.

Each check is one line: what was looked at, whether it is fine, and when it is not, what to change.
Checks read and connect; they write nothing (the store is opened read-only, no folder is made).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError

from followthru.backends.base import Unavailable
from followthru.config import Config, ConfigError, load_config
from followthru.drafting.render import Renderer
from followthru.journal import store_problem
from followthru.store_schema import MIGRATIONS
from followthru.watch import PLAN_FOLDERS


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name:<10} {self.detail}"


def run_checks(config_path: Path) -> list[Check]:
    """Every check for the config at ``config_path``; a broken config stops after its own check."""
    try:
        config = load_config(config_path)
    except ConfigError as error:
        return [Check("config", False, line) for line in error.problems]
    checks = [Check("config", True, str(config_path))]
    for name, check in (("secret", _secret), ("folders", _folders), ("store", _store), ("templates", _templates)):
        checks.append(_attempt(name, check, config))
    services = {config.mail.backend, config.calendar.backend}
    if config.mail.backend == "smtp-imap":
        checks.append(_attempt("smtp", _smtp, config))
        checks.append(_attempt("imap", _imap, config))
    elif config.mail.backend == "maildir":
        checks.append(_attempt("maildir", _maildir, config))
    if "exchange" in services:
        checks.append(_attempt("exchange", _exchange, config))
    if "google" in services:
        checks.append(_attempt("google", _google, config))
    if "graph" in services:
        checks.append(_attempt("graph", _graph, config))
    if config.calendar.backend == "imip":
        checks.append(Check("calendar", True, "invitations go as iMIP attachments through the mail backend"))
    return checks


def _attempt(name: str, check: Callable[[Config], str], config: Config) -> Check:
    try:
        return Check(name, True, check(config))
    except (ConfigError, Unavailable, Problem) as error:
        return Check(name, False, str(error))


class Problem(Exception):
    """A check failed; the message says what to change."""


def _secret(config: Config) -> str:
    config.token_secret()
    secret_file = config.secrets.token_secret_file
    if os.environ.get(config.secrets.token_secret_env):
        where: str | Path = config.secrets.token_secret_env
    else:
        assert secret_file is not None, "with the variable unset, token_secret() read the key from the file"
        where = config.path(secret_file)
    return f"reply tokens are signed with the key from {where}"


def _writable(folder: Path, fix: str) -> None:
    if not folder.is_dir():
        raise Problem(f"{folder} does not exist; {fix}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Problem(f"{folder} is not writable by this user; fix its owner or mode")


def _folders(config: Config) -> str:
    for name in PLAN_FOLDERS:
        _writable(config.plans_dir / name, "run 'followthru init' on the workspace or make the folder")
    return f"{config.plans_dir}: {', '.join(PLAN_FOLDERS)} writable"


def _store(config: Config) -> str:
    path = config.store_file
    found = _database(config.store_url, config) if config.store_url is not None else None  # reachable first
    problem = store_problem(config)  # the same line run, tick and status refuse to start with
    if problem:
        raise Problem(problem)
    if found is not None:
        return found
    if not path.exists():
        _writable(path.parent, "make the folder")
        return f"{path} does not exist yet; it is made on the first run"
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise Problem(f"{path} cannot be read as a store ({error}); restore it from a backup") from None
    if version > len(MIGRATIONS):
        raise Problem(f"{path} was written by a newer Followthru (schema {version}); upgrade Followthru")
    _writable(path.parent, "make the folder")
    return f"{path} (schema {version}{', upgraded on the next run' if version < len(MIGRATIONS) else ''})"


STORE_TABLES = (
    "plans, plan_versions, commitments, meetings, outbox, inbound, audit, owners, sync_state, asks, "
    "journal_state, journal_out, sent_elsewhere"
).split(", ")


def _database(url: str, config: Config) -> str:
    """A PostgreSQL store: reachable with the configured login, its schema version, and the
    privileges the daemon needs (to make and upgrade the schema, and to read and write every table)."""
    from followthru.postgres import DatabaseUnavailable, PostgresConnection, PostgresError, shown

    try:
        connection = PostgresConnection(url, config.store_password())
    except ConfigError as error:
        raise Problem(str(error)) from None
    except DatabaseUnavailable as error:
        raise Problem(f"{error}; is the server running, and are the host, port and database right?") from None
    except PostgresError as error:
        raise Problem(f"{error}; check the user, its password and pg_hba.conf") from None
    try:
        server = connection.execute("SHOW server_version").fetchone()[0]
        made = connection.execute("SELECT to_regclass('followthru_schema') IS NOT NULL").fetchone()[0]
        version = (
            connection.execute("SELECT COALESCE(MAX(version), 0) FROM followthru_schema").fetchone()[0] if made else 0
        )
        lacking = []
        if (
            version < len(MIGRATIONS)
            and not connection.execute(
                "SELECT has_schema_privilege(current_user, current_schema(), 'CREATE')"
            ).fetchone()[0]
        ):
            lacking.append("CREATE on the schema, to make and upgrade the store's tables")
        for table in STORE_TABLES if version else ():
            if (
                connection.execute("SELECT to_regclass(?) IS NOT NULL", (table,)).fetchone()[0]
                and not connection.execute(
                    "SELECT has_table_privilege(current_user, ?, 'SELECT, INSERT, UPDATE, DELETE')", (table,)
                ).fetchone()[0]
            ):
                lacking.append(f"SELECT, INSERT, UPDATE and DELETE on {table}")
    except PostgresError as error:
        raise Problem(f"{shown(url)}: {error}") from None
    finally:
        connection.close()
    if version > len(MIGRATIONS):
        raise Problem(f"{shown(url)} was written by a newer Followthru (schema {version}); upgrade Followthru")
    if lacking:
        raise Problem(f"{shown(url)}: the user lacks {'; '.join(lacking)}")
    state = "no tables yet, made on the first run" if not version else f"schema {version}"
    upgrade = ", upgraded on the next run" if 0 < version < len(MIGRATIONS) else ""
    return f"{shown(url)} (PostgreSQL {server}; {state}{upgrade})"


def _templates(config: Config) -> str:
    folder = config.templates_dir
    if not folder.is_dir():
        return "the shipped templates (no overrides folder)"
    environment = Renderer(folder).environment
    names = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".subject", ".txt", ".html")
    )
    for name in names:
        try:
            environment.get_template(name)
        except TemplateError as error:
            line = getattr(error, "lineno", None)
            raise Problem(f"{folder / name}{':' + str(line) if line else ''}: {error.message}") from None
    return (
        f"{len(names)} override{'s' if len(names) != 1 else ''} in {folder} compile"
        if names
        else "the shipped templates (no overrides)"
    )


def _maildir(config: Config) -> str:
    for folder in (config.mail.maildir.outbox, config.mail.maildir.inbox):
        for sub in ("tmp", "new", "cur"):
            _writable(config.path(folder) / sub, "run 'followthru init' on the workspace")
    return (
        f"outgoing mail to {config.path(config.mail.maildir.outbox)}, replies from "
        f"{config.path(config.mail.maildir.inbox)}"
    )


def _smtp(config: Config) -> str:
    from followthru.backends.smtp_imap.smtp import SmtpSender

    server = config.mail.smtp
    sender = SmtpSender(server, config.password("mail.smtp", server), config.sender.email.rpartition("@")[2])
    try:
        return sender.connect()
    finally:
        sender.end_batch()


def _exchange(config: Config) -> str:
    from followthru.backends import service_check

    return service_check(config, "exchange")


def _google(config: Config) -> str:
    from followthru.backends import service_check

    return service_check(config, "google")


def _graph(config: Config) -> str:
    from followthru.backends import service_check

    return service_check(config, "graph")


def _imap(config: Config) -> str:
    from followthru.backends.base import NoSyncState
    from followthru.backends.smtp_imap.imap import ImapReader

    server = config.mail.imap
    reader = ImapReader(server, config.password("mail.imap", server), NoSyncState())
    try:
        return reader.connect()
    finally:
        reader.close()
