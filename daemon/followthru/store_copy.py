"""A workspace's store copied into a new store: SQLite to PostgreSQL, PostgreSQL to SQLite (and SQLite
to SQLite, PostgreSQL to PostgreSQL), for ``followthru store copy FROM TO``.

The contract of :func:`copy_store`:

- **FROM** is a SQLite file or a ``postgresql://`` URL (never with a password in it). It is read in one
  snapshot on a read-only connection (SQLite ``mode=ro``; PostgreSQL ``REPEATABLE READ READ ONLY``) and
  never changed. Its schema version must be this Followthru's: an older store is upgraded by starting
  this Followthru on it once (``followthru tick``), a newer one is copied by the Followthru that wrote it.
- **Nobody writes FROM meanwhile.** A SQLite FROM's run lock is held for the whole copy (refused at
  once, exit 1, while a daemon runs) and its pass lock too (waiting for a ``tick`` or ``decide`` in
  a pass, as they wait for each other); a lock file that cannot be made beside FROM is a note. A
  PostgreSQL FROM is refused while another Followthru connection is open on its database.
- **TO holds nothing**: a SQLite file that does not exist yet, or a database whose Followthru tables
  (if any) hold only what a new store holds. Anything else is refused before TO is touched. TO is
  made at the current schema version by :class:`~followthru.store.Store` itself (its migrations);
  then, in **one transaction on TO**, every table of the schema is emptied of a new store's rows and
  filled with FROM's, every row counted on both sides, and committed only when every count matches.
  A copy that fails leaves TO as a new store would be: the transaction rolled back, and a SQLite
  file the copy made removed.
- **The tables** are those a new store has (made by the migrations in an in-memory SQLite store):
  none is named here, so a table a later migration adds is copied too. Columns are read from both
  live databases and must be the same; a FROM table outside the schema is reported, not copied.
- **Values** go as the drivers read them: text as text, bytes as bytes (``BLOB`` and ``BYTEA``),
  whole numbers, reals and NULLs as they are, and ids (``INTEGER PRIMARY KEY`` and identity
  columns) with the values they had; on PostgreSQL each identity's sequence is moved past them.
  The workspace's identity in ``journal_state`` comes along, so the workspace's journal still
  matches the copy.

Every refusal and failure is a :class:`CopyError`: one line, and the exit code (2 for what the
operator gave: a store that cannot be opened or reached, a password refused, a TO not empty, another
schema version; 1 for a copy that could not be made or checked: a daemon at work, a value the other
database refused, counts that differ). Passwords are never in a message: URLs are shown by
:func:`followthru.postgres.shown`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from followthru.postgres import DatabaseUnavailable, PostgresConnection, is_url, shown, url_fault
from followthru.store import Store
from followthru.store_schema import POSTGRES_VERSION_TABLE

BATCH_ROWS = 500  # rows read and inserted at a time
MOST_VALUES = 30_000  # values in one INSERT: under SQLite's 32,766 and PostgreSQL's 65,535
SETTLE_SECONDS = 3.0  # a Followthru command that just ended may show on the server this long
LOCK_COMMAND = "store copy"  # how a daemon started meanwhile names this copy
_VERSION = re.search(r"EXISTS (\w+)", POSTGRES_VERSION_TABLE)
VERSION_TABLE = _VERSION.group(1) if _VERSION else "followthru_schema"  # PostgreSQL's, not a table to copy

Target = Path | str  # a SQLite file, or a PostgreSQL URL


class CopyError(Exception):
    """The copy was refused or failed; ``str()`` is one line saying what and where, ``code`` the exit code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Counted:
    """One table's rows: in FROM and in TO."""

    table: str
    source: int
    target: int


@dataclass(frozen=True)
class Copied:
    """What :func:`copy_store` did: each table's counts in the schema's order, the seconds it took,
    and FROM's tables outside the schema (not copied)."""

    tables: list[Counted]
    seconds: float
    not_copied: list[str]

    @property
    def rows(self) -> int:
        return sum(counted.target for counted in self.tables)


def where(text: str, role: str = "FROM") -> Target:
    """A store as given on the command line: a URL (checked: a port, no password) or a file path.
    ``role`` (FROM or TO) starts each error."""
    text = text.strip()
    if is_url(text):
        fault = url_fault(text)
        if fault == "port":
            raise CopyError(f"{role} {shown(text)}: the port is not a number from 1 to 65535")
        if fault == "password":
            raise CopyError(
                f"{role} {shown(text)}: the URL holds a password: take it out and give it with "
                f"--{role.lower()}-password-env NAME, or PGPASSWORD, or ~/.pgpass"
            )
        return text
    if "://" in text:
        raise CopyError(f"{role} {shown(text)} is neither a SQLite file nor a postgresql:// URL")
    if not text:
        raise CopyError(f"{role}: no store given")
    return Path(text)


def named(store: Target) -> str:
    """The store as messages name it: its path, or its URL without a password."""
    return shown(store) if isinstance(store, str) else str(store)


def copy_store(
    source: Target,
    target: Target,
    source_password: str | None = None,
    target_password: str | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> Copied:
    """Copy the store ``source`` into the new store ``target``; see the module's docstring. ``say``
    is told notes and waits (one line each)."""
    started = time.monotonic()
    if _same(source, target):
        raise CopyError(f"FROM and TO are the same store, {named(source)}")
    tables, seeds, version = _schema()
    with ExitStack() as stack:
        if isinstance(source, Path):
            stack.enter_context(_no_writer(source, say))
        reader = stack.enter_context(_opened(source, source_password))
        _check_version(reader, source, version)
        if isinstance(source, str):
            _alone(reader, source)
        _check_empty(target, target_password, seeds, version)
        reader.begin_snapshot()
        missing, not_copied = _compare_tables(reader, source, tables)
        if missing:
            raise CopyError(
                f"FROM {named(source)} has no table {missing[0]} though it is at schema version {version}: "
                "it is not a store this Followthru made; nothing copied"
            )
        counts = _fill(reader, source, target, target_password, tables)
    return Copied(counts, time.monotonic() - started, not_copied)


# -- the schema ------------------------------------------------------------------------------------------
def _schema() -> tuple[list[str], dict[str, list[tuple[Any, ...]]], int]:
    """The tables of a new store in the order the migrations make them, the rows a new store holds
    in each (journal_state's first row), and the current schema version: Store's migrations applied
    to an in-memory SQLite store."""
    new = Store(":memory:")
    try:
        tables = [
            name
            for (name,) in new.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            )
        ]
        seeds = {
            table: [tuple(row) for row in new.connection.execute(f"SELECT * FROM {_q(table)}")] for table in tables
        }
        return tables, seeds, new.schema_version
    finally:
        new.close()


def _q(name: str) -> str:
    """A table or column name quoted for SQL (both dialects)."""
    return '"' + name.replace('"', '""') + '"'


class _Database:
    """A connection to one store (sqlite3, or a PostgresConnection) with the catalogue queries the
    copy needs, written for its dialect."""

    def __init__(self, connection: Any, dialect: str):
        self.connection = connection
        self.dialect = dialect

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        return self.connection.execute(sql, parameters)

    def value(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        return self.execute(sql, parameters).fetchone()[0]

    def tables(self) -> list[str]:
        if self.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        return [str(row[0]) for row in self.execute(sql)]

    def columns(self, table: str) -> list[str]:
        if self.dialect == "sqlite":
            return [str(row[1]) for row in self.execute(f"PRAGMA table_info({_q(table)})")]
        return [
            str(row[0])
            for row in self.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum",
                (_q(table),),
            )
        ]

    def primary_key(self, table: str) -> list[str]:
        if self.dialect == "sqlite":
            info = [(int(row[5]), str(row[1])) for row in self.execute(f"PRAGMA table_info({_q(table)})")]
            return [name for position, name in sorted(info) if position]
        return [
            str(row[0])
            for row in self.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(?) AND i.indisprimary "
                "ORDER BY array_position(i.indkey::int2[], a.attnum)",
                (_q(table),),
            )
        ]

    def identities(self, table: str) -> list[str]:
        """PostgreSQL's identity columns of ``table``, whose sequences hand out ids."""
        return [
            str(row[0])
            for row in self.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attidentity <> '' "
                "AND NOT attisdropped",
                (_q(table),),
            )
        ]

    def count(self, table: str) -> int:
        return int(self.value(f"SELECT COUNT(*) FROM {_q(table)}"))

    def schema_version(self) -> int:
        if self.dialect == "sqlite":
            return int(self.value("PRAGMA user_version"))
        if not self.value("SELECT to_regclass(?) IS NOT NULL", (VERSION_TABLE,)):
            return 0
        return int(self.value(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}"))

    def begin_snapshot(self) -> None:
        """Every read from here on sees one moment, whatever is committed meanwhile; nothing can be written."""
        self.execute("BEGIN" if self.dialect == "sqlite" else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def batches(self, table: str, columns: list[str], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of ``table`` (in the order of its primary key, when it has one), ``size`` at a time,
        streamed: a PostgreSQL table is read through a server-side cursor."""
        key = self.primary_key(table)
        select = f"SELECT {', '.join(map(_q, columns))} FROM {_q(table)}"
        if key:
            select += f" ORDER BY {', '.join(map(_q, key))}"
        if self.dialect == "sqlite":
            cursor = self.execute(select)
            while rows := cursor.fetchmany(size):
                yield [_values(row) for row in rows]
            return
        self.execute(f"DECLARE followthru_copy NO SCROLL CURSOR FOR {select}")
        try:
            while rows := self.execute(f"FETCH FORWARD {int(size)} FROM followthru_copy").fetchall():
                yield [_values(row) for row in rows]
        finally:
            self.execute("CLOSE followthru_copy")

    def close(self) -> None:
        self.connection.close()


def _values(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)


# -- FROM ----------------------------------------------------------------------------------------------
@contextmanager
def _opened(source: Target, password: str | None) -> Iterator[_Database]:
    """FROM on a read-only connection."""
    if isinstance(source, str):
        database = _Database(_connect(source, password, "FROM"), "postgresql")
    else:
        if not source.exists():
            raise CopyError(f"FROM {source}: no such file")
        if not source.is_file():
            raise CopyError(f"FROM {source} is not a file: name the store's file")
        try:
            connection = sqlite3.connect(
                f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None
            )
        except sqlite3.Error as error:
            raise CopyError(f"FROM {source} cannot be opened: {error}") from None
        database = _Database(connection, "sqlite")
    try:
        if database.dialect == "postgresql":  # every statement read-only, inside a transaction or not
            database.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        yield database
    finally:
        database.close()


def _connect(url: str, password: str | None, role: str) -> PostgresConnection:
    """A connection to the database at ``url``; CopyError (exit 2) when it cannot be had."""
    try:
        return PostgresConnection(url, password)
    except ImportError:
        raise CopyError(f"{role} {shown(url)}: PostgreSQL needs psycopg: pip install 'followthru[postgres]'") from None
    except DatabaseUnavailable as error:
        raise CopyError(f"{role}: {error}: is the database server running, and are its host and port right?") from None
    except sqlite3.DatabaseError as error:  # PostgresError: a login or database refused
        raise CopyError(f"{role}: {error}") from None


def _check_version(reader: _Database, source: Target, version: int) -> None:
    try:
        found = reader.schema_version()
    except sqlite3.DatabaseError as error:
        raise CopyError(f"FROM {named(source)} cannot be read: {error}") from None
    if found == 0:
        raise CopyError(f"FROM {named(source)} holds no Followthru store (it has no schema version)")
    if found < version:
        raise CopyError(
            f"FROM {named(source)} is at schema version {found}, older than this Followthru's {version}: "
            "upgrade it first by starting this Followthru on it once (followthru -c CONFIG tick), then stop "
            "it and copy again"
        )
    if found > version:
        raise CopyError(
            f"FROM {named(source)} is at schema version {found}, newer than this Followthru's {version}: "
            "copy it with the Followthru that wrote it"
        )


@contextmanager
def _no_writer(source: Path, say: Callable[[str], None]) -> Iterator[None]:
    """A SQLite FROM's run lock and pass lock held (see followthru.lock): no daemon starts on it and
    no tick or decide changes it while it is copied."""
    from followthru.lock import LockError, lock_paths, wait_for_pass
    from followthru.lock import WorkspaceLock as Lock

    if not source.is_file():
        yield  # opening it says what is wrong
        return
    with ExitStack() as held:
        run = held.enter_context(Lock(lock_paths(source)[0], LOCK_COMMAND))
        try:
            free = run.try_acquire()
        except LockError as error:
            say(f"note: {error}; make sure no followthru process works on {source} while it is copied")
            yield
            return
        if not free:
            holder = run.holder()
            raise CopyError(
                f"FROM {source}: {holder or 'a followthru run'} is working on it; stop it (and every "
                "daemon on this workspace) first",
                1,
            )
        try:
            held.enter_context(wait_for_pass(source, LOCK_COMMAND, source.parent, say))
        except LockError as error:
            raise CopyError(f"FROM {source}: {error}", 1) from None
        yield


def _alone(reader: _Database, url: str) -> None:
    """Refuse while another Followthru process is connected to FROM's database (a daemon may be at
    work). A command that has just ended may show for a moment: wait that out first."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        others = [
            int(row[0])
            for row in reader.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'followthru' AND pid <> pg_backend_pid() ORDER BY pid"
            )
        ]
        if not others or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if others:
        pids = ", ".join(map(str, others[:5])) + (", ..." if len(others) > 5 else "")
        raise CopyError(
            f"FROM {shown(url)}: {len(others)} other followthru connection{'s are' if len(others) > 1 else ' is'} "
            f"open on it (server pid {pids}): stop every daemon on this workspace first",
            1,
        )


def _compare_tables(reader: _Database, source: Target, tables: list[str]) -> tuple[list[str], list[str]]:
    """The schema's tables FROM lacks, and FROM's tables the schema does not have."""
    present = set(reader.tables())
    missing = [table for table in tables if table not in present]
    extra = sorted(present - set(tables) - {VERSION_TABLE})
    return missing, extra


# -- TO ------------------------------------------------------------------------------------------------
def _check_empty(target: Target, password: str | None, seeds: dict[str, list[tuple[Any, ...]]], version: int) -> None:
    """Refuse a TO that holds anything (before anything is made in it)."""
    if isinstance(target, Path):
        for path in (target, _beside(target, "-wal")):
            if path.exists() or path.is_symlink():
                raise CopyError(f"TO {path} already exists: name a file that does not exist yet (the copy makes it)")
        if not target.parent.is_dir():
            raise CopyError(f"TO {target}: the folder {target.parent} does not exist")
        return
    database = _Database(_connect(target, password, "TO"), "postgresql")
    try:
        present = set(database.tables())
        for table, seed in seeds.items():
            if table in present and [tuple(row) for row in database.execute(f"SELECT * FROM {_q(table)}")] != seed:
                rows = database.count(table)
                raise CopyError(
                    f"TO {shown(target)} is not empty: its table {table} holds {rows} row{'s' if rows != 1 else ''}; "
                    "copy into a new database (createdb), or one without Followthru's tables"
                )
        found = database.schema_version()
        if found > version:
            raise CopyError(
                f"TO {shown(target)} holds the tables of a newer Followthru (schema version {found}, this "
                f"one's is {version}): copy into a new database"
            )
    finally:
        database.close()


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _fill(reader: _Database, source: Target, target: Target, password: str | None, tables: list[str]) -> list[Counted]:
    """Make TO (Store's migrations), then copy every table into it in one transaction, checked by counts."""
    made = isinstance(target, Path)
    try:
        try:
            store = Store(target, password)
        except ImportError:
            raise CopyError(
                f"TO {named(target)}: PostgreSQL needs psycopg: pip install 'followthru[postgres]'"
            ) from None
        except DatabaseUnavailable as error:
            raise CopyError(f"TO: {error}: is the database server running?") from None
        except (sqlite3.DatabaseError, OSError) as error:
            raise CopyError(f"TO {named(target)} cannot be made: {error}") from None
        try:
            return _copy_rows(reader, _Database(store.connection, store.dialect), store, source, target, tables)
        finally:
            store.close()
    except BaseException:
        if made:  # a file this copy made: nothing of it is left
            for suffix in ("", "-wal", "-shm", "-journal"):
                try:
                    os.unlink(_beside(Path(target), suffix))
                except FileNotFoundError:
                    pass
        raise


def _copy_rows(
    reader: _Database, writer: _Database, store: Store, source: Target, target: Target, tables: list[str]
) -> list[Counted]:
    counts: list[Counted] = []
    doing = "emptying the new store"
    try:
        with store.transaction():
            for table in tables:
                writer.execute(f"DELETE FROM {_q(table)}")  # a new store's own rows (journal_state's first)
            for table in tables:
                doing = f"copying {table}"
                columns, theirs = writer.columns(table), reader.columns(table)
                if sorted(columns) != sorted(theirs):
                    raise CopyError(
                        f"FROM {named(source)}: the columns of {table} ({', '.join(theirs)}) are not this "
                        f"Followthru's ({', '.join(columns)}); nothing was written to TO {named(target)}"
                    )
                copied = _copy_table(reader, writer, table, columns)
                counted = Counted(table, reader.count(table), writer.count(table))
                if not counted.source == counted.target == copied:
                    raise CopyError(
                        f"{table}: FROM holds {counted.source} rows, {copied} were copied and TO holds "
                        f"{counted.target}; nothing was written to TO {named(target)}",
                        1,
                    )
                counts.append(counted)
            doing = "moving the sequences past the copied ids"
            if writer.dialect == "postgresql":
                for table in tables:
                    for column in writer.identities(table):
                        writer.execute(
                            "SELECT setval(pg_get_serial_sequence(?, ?), "
                            f"COALESCE((SELECT MAX({_q(column)}) FROM {_q(table)}), 0) + 1, false)",
                            (_q(table), column),
                        )
            doing = "committing"
    except (sqlite3.DatabaseError, DatabaseUnavailable) as error:  # PostgresError too: a value or statement refused
        raise CopyError(f"{doing}: {error}; nothing was written to TO {named(target)}", 1) from None
    return counts


def _copy_table(reader: _Database, writer: _Database, table: str, columns: list[str]) -> int:
    """Every row of ``table`` from FROM into TO; how many."""
    per = max(1, min(BATCH_ROWS, MOST_VALUES // max(1, len(columns))))
    row = "(" + ", ".join("?" * len(columns)) + ")"
    insert = f"INSERT INTO {_q(table)} ({', '.join(map(_q, columns))}) VALUES "
    copied = 0
    for batch in reader.batches(table, columns, per):
        writer.execute(insert + ", ".join([row] * len(batch)), [value for values in batch for value in values])
        copied += len(batch)
    return copied


def _same(source: Target, target: Target) -> bool:
    if isinstance(source, Path) and isinstance(target, Path):
        return source.resolve() == target.resolve()
    if isinstance(source, str) and isinstance(target, str):
        first, second = urlsplit(source), urlsplit(target)
        return (first.hostname, first.port, first.path) == (second.hostname, second.port, second.path)
    return False
