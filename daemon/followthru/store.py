"""The state store: SQLite in WAL mode, or PostgreSQL (followthru.postgres), behind a small interface.

The queries are written once, in the SQL both take. One transaction per decision. Outgoing mail
follows the outbox pattern: a message is recorded (with its Message-ID) in the same transaction as
the decision that made it, and marked sent after
the backend took it, so a crash never loses or doubles a message. Inbound Message-IDs are kept so
a reply is never processed twice. Times are stored as UTC ISO 8601 text, which sorts as time.
"""

from __future__ import annotations

import functools
import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followthru.postgres import PostgresConnection, is_url
from followthru.postgres import Row as PostgresRow
from followthru.states import Commitment, MeetingState, PlanState
from followthru.store_schema import (
    LOCK_NAMESPACES,
    MIGRATION_LOCK,
    MIGRATIONS,
    POSTGRES_JOURNAL_TRIGGERS,
    POSTGRES_VERSION_TABLE,
    schema_for_postgres,
)

if TYPE_CHECKING:
    from followthru.plan import Plan

Row = sqlite3.Row | PostgresRow  # what the store's row-returning methods give: read by name or position


def stamp(moment: datetime | None) -> str | None:
    """UTC ISO text for a datetime; sorts in time order."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        return _utc_text(moment)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")  # in the process's local time


@functools.lru_cache(maxsize=4096)
def _utc_text(moment: datetime) -> str:
    """stamp of an aware time, written once per process for the times a pass writes over and over."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def unstamp(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class StoredPlan:
    plan: Plan
    state: PlanState
    version: int


@dataclass(frozen=True)
class Outgoing:
    """A recorded outgoing message."""

    id: int
    message_id: str
    plan_id: str | None
    resource_id: str | None
    kind: str
    recipients: list[str]
    raw: bytes
    envelope_from: str
    created_at: datetime
    attempts: int


_COMMITMENT_FIELDS = tuple(f.name for f in fields(Commitment))


@functools.lru_cache(maxsize=8)
def _upsert_commitment(columns: tuple[str, ...]) -> str:
    """The statement that writes a commitment's row of these columns, made once per process."""
    updates = ", ".join(f"{k} = excluded.{k}" for k in columns if k not in ("plan_id", "resource_id"))
    return (
        f"INSERT INTO commitments ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT(plan_id, resource_id) DO UPDATE SET {updates}"
    )


class Store:
    """The store of one workspace: a SQLite file (``target`` a path) or a PostgreSQL database
    (``target`` a ``postgresql://`` URL, ``password`` when libpq's own sources do not give it;
    ``connection``, one already open to it, to go on with). Use :meth:`transaction` around every
    decision."""

    connection: Any  # sqlite3.Connection, or a PostgresConnection that takes the same calls

    def __init__(self, target: Path | str, password: str | None = None, connection: PostgresConnection | None = None):
        if is_url(str(target)):
            self.dialect = "postgresql"
            self.connection = connection or PostgresConnection(str(target), password)
        else:
            self.dialect = "sqlite"
            self.connection = sqlite3.connect(Path(target), isolation_level=None, timeout=30)
            self.connection.row_factory = sqlite3.Row
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")
            self.connection.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def close(self) -> None:
        self.connection.close()

    # sqlite3 types what a query returns as Any; these two say what the store's queries return.
    def _row(self, sql: str, parameters: tuple[object, ...] = ()) -> Row | None:
        """The first row a query returns, or None."""
        row: Row | None = self.connection.execute(sql, parameters).fetchone()
        return row

    def _count(self, sql: str) -> int:
        """The whole number a query of one value returns (COUNT, MAX, PRAGMA user_version)."""
        number: int = self.connection.execute(sql).fetchone()[0]
        return number

    def _migrate(self) -> None:
        """Bring the schema up to date, one migration a transaction. SQLite's write lock, or on
        PostgreSQL an advisory lock, makes a second process starting meanwhile wait, then find
        nothing left to do."""
        with self._schema_lock():
            if self.dialect == "postgresql":
                self.connection.execute(POSTGRES_VERSION_TABLE)
            if self.schema_version < len(MIGRATIONS):
                self._apply_migrations()

    @contextmanager
    def _schema_lock(self) -> Iterator[None]:
        """On PostgreSQL, no other daemon changes the schema meanwhile (SQLite's BEGIN IMMEDIATE is
        lock enough there). The server lets the lock go with a lost connection."""
        if self.dialect == "sqlite":
            yield
            return
        self.connection.execute("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
        try:
            yield
        finally:
            self.connection.execute("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))

    def _apply_migrations(self) -> None:
        with self.transaction():
            version = self.schema_version
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                if self.dialect == "postgresql":
                    script = schema_for_postgres(script)
                for statement in script.split(";"):
                    if statement.strip():
                        self.connection.execute(statement)
                self._set_schema_version(number)

    def _set_schema_version(self, number: int) -> None:
        if self.dialect == "sqlite":
            self.connection.execute(f"PRAGMA user_version={number}")
        else:
            self.connection.execute("DELETE FROM followthru_schema")
            self.connection.execute("INSERT INTO followthru_schema (version) VALUES (?)", (number,))

    @property
    def schema_version(self) -> int:
        if self.dialect == "sqlite":
            return self._count("PRAGMA user_version")
        return self._count("SELECT COALESCE(MAX(version), 0) FROM followthru_schema")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: BEGIN (IMMEDIATE, on SQLite) ... COMMIT, or ROLLBACK on any error."""
        self.connection.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: all or nothing of what the block writes, what the transaction wrote
        before it kept either way (a savepoint, rolled back to on any error)."""
        self.connection.execute("SAVEPOINT piece")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK TO SAVEPOINT piece")
            self.connection.execute("RELEASE SAVEPOINT piece")
            raise
        self.connection.execute("RELEASE SAVEPOINT piece")

    # -- plans -----------------------------------------------------------------------------------
    def load_known(self, plan_id: str) -> StoredPlan:
        """A plan whose id was read from the store's own tables (its messages, commitments, asks or
        meetings): plans are never deleted, so it is there."""
        stored = self.load(plan_id)
        if stored is None:
            raise LookupError(f"plan {plan_id!r} is named in the store but not held in it")
        return stored

    def load(self, plan_id: str) -> StoredPlan | None:
        """The plan and its state as stored. Inside a transaction on PostgreSQL, first waits for and
        then holds the plan's lock until the transaction ends: what is read is the latest, and no
        other daemon changes the plan before this transaction's decisions are stored."""
        if self.dialect == "postgresql" and self.connection.in_transaction:
            self.connection.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (LOCK_NAMESPACES["plan"], plan_id))
        row = self.connection.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
        if row is None:
            return None
        from followthru.plan import Plan  # the schema only for a command that loads a plan, not for status

        plan = Plan.model_validate_json(row["document"])
        state = PlanState(
            plan_id, row["state"], milestones=json.loads(row["milestones"]), attention=json.loads(row["attention"])
        )
        for c in self.connection.execute("SELECT * FROM commitments WHERE plan_id = ?", (plan_id,)):
            state.commitments[c["resource_id"]] = Commitment(
                resource_id=c["resource_id"],
                state=c["state"],
                intent=c["intent"],
                stands_in_for=c["stands_in_for"],
                requested_at=unstamp(c["requested_at"]),
                reminders_sent=c["reminders_sent"],
                last_calls_sent=c["last_calls_sent"],
                due_reminded=bool(c["due_reminded"]),
                away_until=_day(c["away_until"]),
                proposed=_day(c["proposed"]),
                agreed_due=_day(c["agreed_due"]),
                terms=c["terms"],
                updated_at=unstamp(c["updated_at"]),
                was_accepted=bool(c["was_accepted"]),
                deadline=unstamp(c["deadline"]),
                next_step=c["next_step"],
                next_at=unstamp(c["next_at"]),
            )
        for m in self.connection.execute("SELECT * FROM meetings WHERE plan_id = ?", (plan_id,)):
            state.meetings[m["meeting_key"]] = MeetingState(
                key=m["meeting_key"],
                sequence=m["sequence"],
                attendees=json.loads(m["attendees"]),
                fingerprint=m["fingerprint"],
                cancelled=bool(m["cancelled"]),
                rsvps=json.loads(m["rsvps"]),
            )
        return StoredPlan(plan, state, row["version"])

    def save(
        self,
        plan: Plan,
        state: PlanState,
        now: datetime,
        next_wake: datetime | None,
        token_keys: dict[str, str],
        file: str | None = None,
        new_version: bool = False,
    ) -> int:
        """Write a plan's document and state; ``new_version`` records the document in the history."""
        document = plan.model_dump_json()
        row = self.connection.execute("SELECT version FROM plans WHERE id = ?", (plan.id,)).fetchone()
        version = (row["version"] if row else 0) + (1 if new_version or row is None else 0)
        self.connection.execute(
            """INSERT INTO plans (id, version, state, title, owner_email, document, milestones, attention,
                                  next_wake, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET version = excluded.version, state = excluded.state,
                   title = excluded.title, owner_email = excluded.owner_email, document = excluded.document,
                   milestones = excluded.milestones, attention = excluded.attention,
                   next_wake = excluded.next_wake, updated_at = excluded.updated_at""",
            (
                plan.id,
                version,
                state.state,
                plan.plan.title,
                plan.owner.email.lower(),
                document,
                json.dumps(state.milestones),
                json.dumps(state.attention),
                stamp(next_wake),
                stamp(now),
                stamp(now),
            ),
        )
        if new_version or row is None:
            self.connection.execute(
                "INSERT INTO plan_versions (plan_id, version, document, file, received_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(plan_id, version) DO UPDATE SET document = excluded.document, file = excluded.file, "
                "received_at = excluded.received_at",
                (plan.id, version, document, file, stamp(now)),
            )
        emails = {r.id: r.email.lower() for r in plan.resources}
        for c in state.commitments.values():
            values = {name: getattr(c, name) for name in _COMMITMENT_FIELDS}
            values.update(
                requested_at=stamp(c.requested_at),
                updated_at=stamp(c.updated_at),
                away_until=_iso(c.away_until),
                proposed=_iso(c.proposed),
                agreed_due=_iso(c.agreed_due),
                due_reminded=int(c.due_reminded),
                was_accepted=int(c.was_accepted),
                deadline=stamp(c.deadline),
                next_at=stamp(c.next_at),
            )
            resource_id = values.pop("resource_id")
            if resource_id not in emails:  # removed from the plan: the row exists; keep its email
                assignments = ", ".join(f"{k} = ?" for k in values)
                self.connection.execute(
                    f"UPDATE commitments SET {assignments} WHERE plan_id = ? AND resource_id = ?",
                    [*values.values(), plan.id, resource_id],
                )
                continue
            values.update(
                plan_id=plan.id,
                resource_id=resource_id,
                email=emails[resource_id],
                token_key=token_keys.get(resource_id, ""),
            )
            self.connection.execute(_upsert_commitment(tuple(values)), list(values.values()))
        return version

    def save_meetings(self, plan_id: str, state: PlanState, uids: dict[str, str]) -> None:
        for m in state.meetings.values():
            if m.sequence < 0:
                continue
            self.connection.execute(
                """INSERT INTO meetings (plan_id, meeting_key, uid, sequence, attendees, fingerprint, cancelled, rsvps)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(plan_id, meeting_key) DO UPDATE SET
                   sequence = excluded.sequence, attendees = excluded.attendees,
                   fingerprint = excluded.fingerprint, cancelled = excluded.cancelled, rsvps = excluded.rsvps""",
                (
                    plan_id,
                    m.key,
                    uids[m.key],
                    m.sequence,
                    json.dumps(m.attendees),
                    m.fingerprint,
                    int(m.cancelled),
                    json.dumps(m.rsvps),
                ),
            )

    def due_plans(self, now: datetime, limit: int = 500) -> list[str]:
        """Plans whose next wake-up time has come: the only plans a tick looks at."""
        rows = self.connection.execute(
            "SELECT id FROM plans WHERE next_wake IS NOT NULL AND next_wake <= ? ORDER BY next_wake LIMIT ?",
            (stamp(now), limit),
        )
        return [r["id"] for r in rows]

    def is_due(self, plan_id: str, now: datetime) -> bool:
        """Whether the plan's wake-up time has come (another daemon may have just looked at it)."""
        row = self._row("SELECT next_wake FROM plans WHERE id = ?", (plan_id,))
        return row is not None and row["next_wake"] is not None and row["next_wake"] <= stamp(now)

    def plan_ids(self, owner_email: str | None = None) -> list[str]:
        if owner_email:
            rows = self.connection.execute(
                "SELECT id FROM plans WHERE owner_email = ? ORDER BY id", (owner_email.lower(),)
            )
        else:
            rows = self.connection.execute("SELECT id FROM plans ORDER BY id")
        return [r["id"] for r in rows]

    # -- where a mail backend got to -------------------------------------------------------------------
    def get_sync(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def put_sync(self, key: str, value: str) -> None:
        self.connection.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def pin_timezones(self, default_timezone: str) -> int:
        """Give every stored plan that names no timezone ``default_timezone``, once per store, so the
        times promised from it stay put when the config's timezone changes. Returns how many."""
        if self.get_sync("timezones.pinned"):
            return 0
        changed = 0
        with self.transaction():
            for table, key in (("plans", "id"), ("plan_versions", "plan_id || ' ' || version")):
                for row_key, document in self.connection.execute(f"SELECT {key}, document FROM {table}").fetchall():
                    if not document:
                        continue  # a version's document let go by followthru.pruning
                    data = json.loads(document)
                    if data["plan"].get("timezone") is None:
                        data["plan"]["timezone"] = default_timezone
                        pinned = json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # as pydantic writes
                        self.connection.execute(f"UPDATE {table} SET document = ? WHERE {key} = ?", (pinned, row_key))
                        changed += 1
            self.put_sync("timezones.pinned", default_timezone)
        return changed

    # -- matching replies --------------------------------------------------------------------------
    def outgoing_by_message_id(self, message_id: str) -> Row | None:
        return self._row(
            "SELECT id, plan_id, resource_id, kind, recipients, ask FROM outbox WHERE message_id = ?", (message_id,)
        )

    def remember_ask(
        self, key: str, plan_id: str, resource_id: str, ask: str, plan_version: int, now: datetime
    ) -> None:
        """The token ``key`` names this version (``ask``) of a person's request; the first record wins."""
        self.connection.execute(
            "INSERT INTO asks (token_key, plan_id, resource_id, ask, plan_version, asked_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (key, plan_id, resource_id, ask, plan_version, stamp(now)),
        )

    def ask_by_token(self, key: str) -> Row | None:
        """The plan, resource, ask and plan version a token key was made for; None when unknown."""
        return self._row(
            "SELECT plan_id, resource_id, ask, plan_version, asked_at FROM asks WHERE token_key = ?", (key,)
        )

    def commitments_by_token(self, key: str) -> list[tuple[str, str]]:
        """Commitments whose (older, version-free) token key is ``key``."""
        rows = self.connection.execute("SELECT plan_id, resource_id FROM commitments WHERE token_key = ?", (key,))
        return [(r["plan_id"], r["resource_id"]) for r in rows]

    def open_commitments_by_email(self, email: str) -> list[tuple[str, str]]:
        """(plan, resource) pairs this address holds in plans still open, most recently changed first."""
        rows = self.connection.execute(
            "SELECT c.plan_id, c.resource_id FROM commitments c JOIN plans p ON p.id = c.plan_id "
            "WHERE c.email = ? AND c.state NOT IN ('replaced', 'withdrawn') "
            "AND p.state NOT IN ('closed', 'cancelled') ORDER BY c.updated_at DESC",
            (email.lower(),),
        )
        return [(r["plan_id"], r["resource_id"]) for r in rows]

    def meeting_by_uid(self, uid: str) -> tuple[str, str] | None:
        row = self.connection.execute("SELECT plan_id, meeting_key FROM meetings WHERE uid = ?", (uid,)).fetchone()
        return (row["plan_id"], row["meeting_key"]) if row else None

    # -- outbox ------------------------------------------------------------------------------------
    def record_outgoing(
        self,
        message_id: str,
        plan_id: str | None,
        resource_id: str | None,
        kind: str,
        recipients: list[str],
        raw: bytes,
        not_before: datetime,
        now: datetime,
        envelope_from: str = "",
        ask: str | None = None,
    ) -> None:
        """Queue a message; ``ask`` is the version of the person's request it carries, if any."""
        self.connection.execute(
            "INSERT INTO outbox (message_id, plan_id, resource_id, kind, recipients, envelope_from, not_before, "
            "status, raw, created_at, ask) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            (
                message_id,
                plan_id,
                resource_id,
                kind,
                json.dumps(recipients),
                envelope_from,
                stamp(not_before),
                raw,
                stamp(now),
                ask,
            ),
        )

    def pending(self, now: datetime, limit: int = 200) -> list[Outgoing]:
        """Messages due at ``now``, oldest first. Several daemons on one PostgreSQL store take them
        with :meth:`followthru.claims.Claims.outgoing` instead."""
        rows = self.connection.execute(
            f"SELECT {OUTGOING_COLUMNS} FROM outbox WHERE status = 'pending' AND not_before <= ? "
            "ORDER BY not_before, id LIMIT ?",
            (stamp(now), limit),
        )
        return [outgoing(r) for r in rows]

    def mark_sent(self, outgoing_id: int, now: datetime) -> bool:
        """Marked sent now (True), unless it was marked sent already (False)."""
        cursor = self.connection.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ? AND status != 'sent'",
            (stamp(now), outgoing_id),
        )
        return bool(cursor.rowcount)

    def mark_went_out(self, outgoing_id: int, now: datetime) -> bool:
        """A message not marked sent that a reply proves went out: marked sent now (True), unless
        it was marked already (False)."""
        cursor = self.connection.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND status IN ('pending', 'withdrawn')",
            (stamp(now), outgoing_id),
        )
        return bool(cursor.rowcount)

    def mark_failed(self, outgoing_id: int, error: str) -> None:
        """Given up: the message will not be sent (again)."""
        self.connection.execute(
            "UPDATE outbox SET status = 'failed', error = ?, attempts = attempts + 1 WHERE id = ?", (error, outgoing_id)
        )

    def retry_later(self, outgoing_id: int, recipients: list[str], retry_at: datetime, error: str) -> None:
        """Send again at ``retry_at``, to ``recipients`` only (those the server has not taken yet)."""
        self.connection.execute(
            "UPDATE outbox SET not_before = ?, recipients = ?, error = ?, attempts = attempts + 1, "
            "claimed_by = NULL, claimed_until = NULL WHERE id = ?",
            (stamp(retry_at), json.dumps(recipients), error, outgoing_id),
        )

    def withdraw(self, plan_id: str, resource_id: str | None) -> int:
        """Drop pending (unsent) messages of a plan, or of one resource in it, that are no longer wanted.
        A webhook's event is kept: what happened stays true when the plan changes after it."""
        if resource_id is None:
            cursor = self.connection.execute(
                "UPDATE outbox SET status = 'withdrawn' WHERE status = 'pending' "
                "AND plan_id = ? AND kind NOT IN ('meeting', 'released', "
                "'stakeholder_update', 'webhook')",
                (plan_id,),
            )
        else:
            cursor = self.connection.execute(
                "UPDATE outbox SET status = 'withdrawn' WHERE status = 'pending' "
                "AND plan_id = ? AND resource_id = ? AND kind NOT IN ('released', 'webhook')",
                (plan_id, resource_id),
            )
        withdrawn: int = cursor.rowcount
        return withdrawn

    def withdraw_message(self, outgoing_id: int) -> None:
        """One pending message no longer wanted: it will not be sent."""
        self.connection.execute(
            "UPDATE outbox SET status = 'withdrawn' WHERE id = ? AND status = 'pending'", (outgoing_id,)
        )

    def commitment_state(self, plan_id: str, resource_id: str) -> str | None:
        row = self.connection.execute(
            "SELECT state FROM commitments WHERE plan_id = ? AND resource_id = ?", (plan_id, resource_id)
        ).fetchone()
        return row["state"] if row else None

    def next_message(self) -> datetime | None:
        """When the next queued message may go (one lookup in the index of pending messages)."""
        row = self.connection.execute("SELECT MIN(not_before) FROM outbox WHERE status = 'pending'").fetchone()
        return unstamp(row[0])

    def outbox_counts(self) -> dict[str, int]:
        """How many messages are in each state: pending, sent, failed, withdrawn."""
        rows = self.connection.execute("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    # -- inbound -----------------------------------------------------------------------------------
    def seen(self, message_id: str) -> bool:
        return (
            self.connection.execute("SELECT 1 FROM inbound WHERE message_id = ?", (message_id,)).fetchone() is not None
        )

    def remember_inbound(
        self,
        message_id: str,
        now: datetime,
        plan_id: str | None,
        resource_id: str | None,
        intent: str | None,
        outcome: str,
    ) -> None:
        self.connection.execute(
            "INSERT INTO inbound (message_id, received_at, plan_id, resource_id, intent, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (message_id, stamp(now), plan_id, resource_id, intent, outcome),
        )

    # -- audit and digests ---------------------------------------------------------------------------
    def audit(self, now: datetime, plan_id: str | None, resource_id: str | None, event: str) -> None:
        self.connection.execute(
            "INSERT INTO audit (at, plan_id, resource_id, event) VALUES (?, ?, ?, ?)",
            (stamp(now), plan_id, resource_id, event),
        )

    def log(self, plan_id: str | None = None) -> list[Row]:
        if plan_id:
            return list(self.connection.execute("SELECT * FROM audit WHERE plan_id = ? ORDER BY id", (plan_id,)))
        return list(self.connection.execute("SELECT * FROM audit ORDER BY id"))

    def next_due(self, outbox: bool = True) -> datetime | None:
        """The earliest time anything is due: a plan's wake-up, a digest, and (if ``outbox``) a message's
        not-before. Three index lookups, whatever the store holds."""
        outgoing = "UNION ALL SELECT MIN(not_before) FROM outbox WHERE status = 'pending' " if outbox else ""
        row = self.connection.execute(
            "SELECT MIN(t) FROM (SELECT MIN(next_wake) AS t FROM plans WHERE next_wake IS NOT NULL "
            f"{outgoing}UNION ALL SELECT MIN(next_digest) FROM owners) AS due"
        ).fetchone()
        return unstamp(row[0])

    def owners_due(self, now: datetime) -> list[str]:
        rows = self.connection.execute("SELECT email FROM owners WHERE next_digest <= ?", (stamp(now),))
        return [r["email"] for r in rows]

    def set_next_digest(self, email: str, moment: datetime | None, only_if_missing: bool = False) -> None:
        if moment is None:
            self.connection.execute("DELETE FROM owners WHERE email = ?", (email.lower(),))
        elif only_if_missing:
            self.connection.execute(
                "INSERT INTO owners (email, next_digest) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (email.lower(), stamp(moment)),
            )
        else:
            self.connection.execute(
                "INSERT INTO owners (email, next_digest) VALUES (?, ?) "
                "ON CONFLICT(email) DO UPDATE SET next_digest = excluded.next_digest",
                (email.lower(), stamp(moment)),
            )

    # -- the journal (see followthru.journal) ------------------------------------------------------------
    def prepare_journaling(self) -> None:
        """Make every stored plan version and inbound message queue a journal entry in the transaction
        that stores it, whichever code stores it. Triggers, since the migrations are split on ';'."""
        if self.dialect == "postgresql":
            with self._schema_lock():
                for statement in POSTGRES_JOURNAL_TRIGGERS:
                    self.connection.execute(statement)
            return
        self.connection.execute(
            "CREATE TRIGGER IF NOT EXISTS journal_version AFTER INSERT ON plan_versions BEGIN "
            "INSERT INTO journal_out (rid, entry) VALUES (lower(hex(randomblob(8))), json_object("
            "'type', 'version', 'at', NEW.received_at, 'plan_id', NEW.plan_id, 'version', NEW.version, "
            "'file', NEW.file, 'document', NEW.document)); END"
        )
        self.connection.execute(
            "CREATE TRIGGER IF NOT EXISTS journal_inbound AFTER INSERT ON inbound BEGIN "
            "INSERT INTO journal_out (rid, entry) VALUES (lower(hex(randomblob(8))), json_object("
            "'type', 'seen', 'at', NEW.received_at, 'message_id', NEW.message_id, 'plan_id', NEW.plan_id, "
            "'resource_id', NEW.resource_id, 'intent', NEW.intent, 'outcome', NEW.outcome)); END"
        )

    def journal_state(self) -> tuple[str | None, int]:
        """The workspace's id (None before it has one) and the last journal entry the store holds."""
        row = self.connection.execute("SELECT workspace, seq FROM journal_state WHERE id = 1").fetchone()
        return row["workspace"], row["seq"]

    def lock_journal(self) -> int:
        """Inside a transaction: the journal's numbering is this process's until the transaction
        ends (a row lock on PostgreSQL; SQLite's write lock is held already). Returns the last
        entry the store holds, as :meth:`journal_state` does."""
        lock = " FOR UPDATE" if self.dialect == "postgresql" else ""
        return self._count(f"SELECT seq FROM journal_state WHERE id = 1{lock}")

    def set_workspace(self, workspace: str) -> None:
        self.connection.execute("UPDATE journal_state SET workspace = ? WHERE id = 1", (workspace,))

    def set_journal_seq(self, seq: int) -> None:
        self.connection.execute("UPDATE journal_state SET seq = ? WHERE id = 1", (seq,))

    def journal_later(self, entry: dict[str, Any]) -> None:
        """Queue a journal entry in the current transaction (it stands or falls with the change it tells)."""
        self.connection.execute(
            "INSERT INTO journal_out (rid, entry) VALUES (?, ?)",
            (secrets.token_hex(8), json.dumps(entry, ensure_ascii=False)),
        )

    def journal_queued(self) -> bool:
        return self.connection.execute("SELECT 1 FROM journal_out LIMIT 1").fetchone() is not None

    def journal_queue(self) -> list[tuple[str, str]]:
        """The queued entries, oldest first, as (entry id, JSON text)."""
        rows = self.connection.execute("SELECT rid, entry FROM journal_out ORDER BY id")
        return [(r["rid"], r["entry"]) for r in rows]

    def journal_queue_mark(self) -> int:
        return self._count("SELECT COALESCE(MAX(id), 0) FROM journal_out")

    def journal_dequeue(self) -> None:
        self.connection.execute("DELETE FROM journal_out")

    def journal_dequeue_after(self, mark: int) -> None:
        self.connection.execute("DELETE FROM journal_out WHERE id > ?", (mark,))

    def outbox_row(self, message_id: str) -> Row | None:
        return self._row("SELECT id, status, recipients FROM outbox WHERE message_id = ?", (message_id,))

    def remember_sent_elsewhere(self, key: str, sent_at: datetime) -> None:
        """A message with this key went out, but this store does not hold it (it was put back from a backup)."""
        self.connection.execute("INSERT INTO sent_elsewhere (key, sent_at) VALUES (?, ?)", (key, stamp(sent_at)))

    def sent_elsewhere_count(self) -> int:
        return self._count("SELECT COUNT(*) FROM sent_elsewhere")

    def expire_sent_elsewhere(self, now: datetime, keep: timedelta) -> None:
        """Start the clock on keys delivery has not seen yet; forget those older than ``keep``."""
        self.connection.execute(
            "UPDATE sent_elsewhere SET remembered_at = ? WHERE remembered_at IS NULL", (stamp(now),)
        )
        self.connection.execute("DELETE FROM sent_elsewhere WHERE remembered_at < ?", (stamp(now - keep),))

    def take_sent_elsewhere(self, key: str) -> bool:
        """Use up one remembered sending of ``key``; False when there is none."""
        row = self.connection.execute(
            "SELECT id FROM sent_elsewhere WHERE key = ? ORDER BY id LIMIT 1", (key,)
        ).fetchone()
        if row is None:
            return False
        self.connection.execute("DELETE FROM sent_elsewhere WHERE id = ?", (row["id"],))
        return True

    def next_digest_of(self, email: str) -> datetime | None:
        row = self.connection.execute("SELECT next_digest FROM owners WHERE email = ?", (email.lower(),)).fetchone()
        return unstamp(row["next_digest"]) if row else None


OUTGOING_COLUMNS = "id, message_id, plan_id, resource_id, kind, recipients, raw, envelope_from, created_at, attempts"


def outgoing(row: Row) -> Outgoing:
    """An outbox row (:data:`OUTGOING_COLUMNS`) as the message it holds."""
    return Outgoing(
        row["id"],
        row["message_id"],
        row["plan_id"],
        row["resource_id"],
        row["kind"],
        json.loads(row["recipients"]),
        bytes(row["raw"]),
        row["envelope_from"],
        datetime.fromisoformat(row["created_at"]),  # NOT NULL: always a stamp
        row["attempts"],
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
