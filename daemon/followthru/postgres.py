"""The store on PostgreSQL: a connection that speaks the store's SQL, and the store's address.

The store's queries are written once, in the SQL that SQLite and PostgreSQL share, with ``?`` for
values as sqlite3 takes them. :class:`PostgresConnection` has the part of ``sqlite3.Connection``
the store uses (``execute``, ``in_transaction``, ``close``): it turns ``?`` into psycopg's ``%s`` and
gives rows read by name or by position, as ``sqlite3.Row`` are. psycopg is imported here only, and
only for a workspace whose ``workspace.store`` is a ``postgresql://`` URL
(``pip install 'followthru[postgres]'``).

Errors keep the shapes the daemon already handles: a server out of reach (stopped, restarted,
the network gone) is :class:`DatabaseUnavailable`, an ``OSError`` the daemon's loop waits out as it
does a mail server away, and the next statement outside a transaction connects again; any other
database error is :class:`PostgresError`, a ``sqlite3.DatabaseError`` as the store's callers catch.
The password never appears in an error, a log line or ``status``: URLs are shown by :func:`shown`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")
# What libpq says when a server refuses a login for good, as opposed to being out of reach.
REFUSALS = ("password authentication failed", "no pg_hba.conf entry", "does not exist", "permission denied")


def is_url(store: str) -> bool:
    """Whether ``workspace.store`` names a PostgreSQL database rather than a SQLite file."""
    return urlsplit(store).scheme.lower() in SCHEMES if "://" in store else False


def url_fault(url: str) -> str | None:
    """What keeps ``url`` from naming a store: "port" (not a number from 1 to 65535) or
    "password" (written into it, where it would be shown and logged); None when nothing does."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        return "port"
    return "password" if parts.password is not None else None


def shown(url: str) -> str:
    """The URL as it may be shown: without a password, even one written into it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def database_name(url: str) -> str:
    """The database a URL names (libpq's default, the user's name, when it names none)."""
    parts = urlsplit(url)
    return parts.path.lstrip("/") or parts.username or "postgres"


class DatabaseUnavailable(ConnectionError):
    """The PostgreSQL server cannot be reached now; trying again later may work."""


class PostgresError(sqlite3.DatabaseError):
    """An error PostgreSQL reported (a missing privilege, a constraint, a statement it refused)."""


class Row:
    """One row, read by column name or position, like ``sqlite3.Row``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]):
        self._index = index
        self._values = tuple(values)

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, (Row, tuple)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=True))!r})"


# The server ends a connection whose machine vanished (no FIN, no RST) within about 25 s, so the
# session locks it held (followthru.claims) go to the other daemons within the 30 s lease.
KEEP_ALIVE = (
    "SELECT set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false), "
    "set_config('tcp_keepalives_count', '3', false), set_config('tcp_user_timeout', '20000', false)"
)


class _Done:
    """What a statement given to a connection already lost returns: nothing."""

    rowcount = 0

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Row]:
        return []

    def __iter__(self) -> Iterator[Row]:
        return iter(())


class PostgresConnection:
    """A connection to the store's database that takes the store's SQL (see the module's docstring).

    Runs in autocommit mode: ``BEGIN`` ... ``COMMIT`` are the store's, as with sqlite3 when its
    isolation level is None.
    """

    dialect = "postgresql"

    def __init__(self, url: str, password: str | None = None, timeout: float = 10.0):
        self.url = url
        self._password = password
        self._timeout = timeout
        self._translated: dict[str, str] = {}
        self._connection: Any = None
        self._broken = False
        self._connect()

    def _connect(self) -> None:
        import psycopg

        options: dict[str, Any] = {"autocommit": True, "connect_timeout": max(1, int(self._timeout))}
        if self._password is not None:
            options["password"] = self._password
        try:
            self._connection = psycopg.connect(self.url, application_name="followthru", **options)
            self._connection.execute(KEEP_ALIVE)
        except psycopg.OperationalError as error:
            reason = _first_line(error).removeprefix("connection failed: ")
            if any(words in reason for words in REFUSALS):  # waiting would not help: say what to fix
                raise PostgresError(f"the store {shown(self.url)}: {reason}") from None
            raise DatabaseUnavailable(f"the store {shown(self.url)}: {reason}") from None
        except psycopg.Error as error:
            raise PostgresError(f"the store {shown(self.url)}: {_first_line(error)}") from None
        self._broken = False

    @property
    def in_transaction(self) -> bool:
        if self._broken or self._connection is None:
            return False
        from psycopg.pq import TransactionStatus

        return bool(self._connection.info.transaction_status != TransactionStatus.IDLE)

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` for each value) and return its cursor, whose rows are :class:`Row`."""
        import psycopg

        if self._broken:
            if sql.strip().upper() == "ROLLBACK":  # the server dropped the transaction with the connection
                return _Done()
            self._connect()
        query = self._translated.get(sql)
        if query is None:
            query = self._translated[sql] = sql.replace("%", "%%").replace("?", "%s")
        try:
            cursor = self._connection.cursor(row_factory=_rows)
            return cursor.execute(query, tuple(parameters))
        except psycopg.OperationalError as error:
            if self._connection.closed or self._connection.broken:
                self._broken = True
                raise DatabaseUnavailable(f"the store {shown(self.url)}: {_first_line(error)}") from None
            raise PostgresError(_first_line(error)) from error
        except psycopg.IntegrityError as error:
            raise sqlite3.IntegrityError(_first_line(error)) from error
        except psycopg.Error as error:
            raise PostgresError(_first_line(error)) from error

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def _rows(cursor: Any) -> Any:
    """psycopg's row factory for :class:`Row`."""
    index = {column.name: position for position, column in enumerate(cursor.description or ())}
    return lambda values: Row(index, values)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
