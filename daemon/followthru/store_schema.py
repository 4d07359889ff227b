"""The store's tables: the migrations that make and upgrade them (written once, for SQLite, and turned
into PostgreSQL's dialect by :func:`schema_for_postgres`), and what PostgreSQL needs besides: the
table that holds its schema version, the lock under which daemons starting together upgrade it,
and the journal's triggers in PL/pgSQL."""

from __future__ import annotations

import re

MIGRATIONS = [
    """
    CREATE TABLE plans (
        id TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL, title TEXT NOT NULL,
        owner_email TEXT NOT NULL, document TEXT NOT NULL, milestones TEXT NOT NULL, attention TEXT NOT NULL,
        next_wake TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE INDEX plans_wake ON plans(next_wake) WHERE next_wake IS NOT NULL;
    CREATE INDEX plans_owner ON plans(owner_email);
    CREATE TABLE plan_versions (
        plan_id TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL, file TEXT,
        received_at TEXT NOT NULL, PRIMARY KEY (plan_id, version));
    CREATE TABLE commitments (
        plan_id TEXT NOT NULL, resource_id TEXT NOT NULL, email TEXT NOT NULL, token_key TEXT NOT NULL,
        state TEXT NOT NULL, intent TEXT, stands_in_for TEXT, requested_at TEXT, reminders_sent INTEGER NOT NULL,
        last_calls_sent INTEGER NOT NULL, due_reminded INTEGER NOT NULL, away_until TEXT, proposed TEXT,
        agreed_due TEXT, terms TEXT NOT NULL, updated_at TEXT, was_accepted INTEGER NOT NULL DEFAULT 0, deadline TEXT,
        PRIMARY KEY (plan_id, resource_id));
    CREATE INDEX commitments_email ON commitments(email);
    CREATE INDEX commitments_token ON commitments(token_key);
    CREATE TABLE meetings (
        plan_id TEXT NOT NULL, meeting_key TEXT NOT NULL, uid TEXT NOT NULL UNIQUE, sequence INTEGER NOT NULL,
        attendees TEXT NOT NULL, fingerprint TEXT NOT NULL, cancelled INTEGER NOT NULL, rsvps TEXT NOT NULL,
        PRIMARY KEY (plan_id, meeting_key));
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, plan_id TEXT, resource_id TEXT,
        kind TEXT NOT NULL, recipients TEXT NOT NULL, envelope_from TEXT NOT NULL, not_before TEXT NOT NULL,
        status TEXT NOT NULL,
        raw BLOB NOT NULL, created_at TEXT NOT NULL, sent_at TEXT, attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT);
    CREATE INDEX outbox_due ON outbox(not_before) WHERE status = 'pending';
    CREATE INDEX outbox_plan ON outbox(plan_id, resource_id) WHERE status = 'pending';
    CREATE TABLE inbound (
        message_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, plan_id TEXT, resource_id TEXT,
        intent TEXT, outcome TEXT NOT NULL);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, plan_id TEXT, resource_id TEXT, event TEXT NOT NULL);
    CREATE INDEX audit_plan ON audit(plan_id, id);
    CREATE TABLE owners (email TEXT PRIMARY KEY, next_digest TEXT NOT NULL);
    CREATE INDEX owners_digest ON owners(next_digest);
    """,
    """
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # Which version of a person's ask each message carried, so an answer to an earlier one is known.
    """
    ALTER TABLE outbox ADD COLUMN ask TEXT;
    CREATE TABLE asks (
        token_key TEXT PRIMARY KEY, plan_id TEXT NOT NULL, resource_id TEXT NOT NULL, ask TEXT NOT NULL,
        plan_version INTEGER NOT NULL, asked_at TEXT NOT NULL);
    CREATE INDEX asks_plan ON asks(plan_id, resource_id);
    """,
    # The workspace's identity and where the store is in its journal (see followthru.journal): entries
    # queued for the journal file, and messages known to have been sent before a backup was put back.
    """
    CREATE TABLE journal_state (id INTEGER PRIMARY KEY CHECK (id = 1), workspace TEXT, seq INTEGER NOT NULL);
    INSERT INTO journal_state (id, workspace, seq) VALUES (1, NULL, 0);
    CREATE TABLE journal_out (id INTEGER PRIMARY KEY, rid TEXT NOT NULL, entry TEXT NOT NULL);
    CREATE TABLE sent_elsewhere (id INTEGER PRIMARY KEY, key TEXT NOT NULL, sent_at TEXT NOT NULL, remembered_at TEXT);
    CREATE INDEX sent_elsewhere_key ON sent_elsewhere(key);
    """,
    # What happens next for each person and when, as the last decision saw it (for status).
    """
    ALTER TABLE commitments ADD COLUMN next_step TEXT;
    ALTER TABLE commitments ADD COLUMN next_at TEXT;
    """,
    # Which daemon is delivering a message, and until when (seconds since the epoch, the database's
    # clock): several daemons on one PostgreSQL store (see followthru.claims).
    # The index of due messages in the order they are claimed, so a claim reads only what it takes.
    """
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until DOUBLE PRECISION;
    DROP INDEX outbox_due;
    CREATE INDEX outbox_due ON outbox(not_before, id) WHERE status = 'pending';
    """,
    # What people do on the web pages (followthru.web_actions), queued for the daemon: an answer to
    # an ask, an owner's decision, a sign-in link to mail. ``key`` makes a form sent twice one action.
    # Sign-in links: the nonce each carries, whose it is, when it was asked for and when used.
    # Indexes for the board: the links asked for one address lately, and what one plan's page reads
    # (its web answers, the answers that came in, the messages of each kind sent about it).
    """
    CREATE TABLE web_actions (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, plan_id TEXT, resource_id TEXT,
        ask_key TEXT, by_email TEXT NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL, done_at TEXT,
        outcome TEXT);
    CREATE INDEX web_actions_waiting ON web_actions(id) WHERE done_at IS NULL;
    CREATE INDEX web_actions_ask ON web_actions(ask_key, id);
    CREATE INDEX web_actions_by ON web_actions(by_email, kind, received_at);
    CREATE TABLE web_sign_ins (
        nonce TEXT PRIMARY KEY, email TEXT NOT NULL, asked_at TEXT NOT NULL, used_at TEXT);
    CREATE INDEX web_sign_ins_email ON web_sign_ins(email, asked_at);
    CREATE INDEX web_actions_plan ON web_actions(plan_id, kind);
    CREATE INDEX inbound_plan ON inbound(plan_id, received_at);
    CREATE INDEX outbox_plan_kind ON outbox(plan_id, kind, id);
    """,
    # What followthru.pruning lets go of store.keep_sent after it was made, oldest first: the bytes of
    # messages done with (sent, failed, withdrawn), and the documents of plan versions (the current
    # one is in plans.document); an emptied one drops out of its index. Old sign-in links and applied
    # web actions, deleted.
    """
    CREATE INDEX outbox_prunable ON outbox(created_at) WHERE status != 'pending' AND length(raw) > 0;
    CREATE INDEX plan_versions_prunable ON plan_versions(received_at) WHERE length(document) > 0;
    CREATE INDEX web_sign_ins_asked ON web_sign_ins(asked_at);
    CREATE INDEX web_actions_done ON web_actions(done_at) WHERE done_at IS NOT NULL;
    """,
]


# A PostgreSQL store's schema version, and the advisory lock (an arbitrary number of Followthru's
# own) that daemons starting together take so that one of them upgrades the schema.
POSTGRES_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS followthru_schema (version INTEGER NOT NULL)"
MIGRATION_LOCK = 7_466_524_863_091
# The advisory locks of followthru.claims: (namespace, hashtext(name)), one namespace per kind.
LOCK_NAMESPACES = {
    "plan": 746_652_401,
    "file": 746_652_402,
    "reader": 746_652_403,
    "owner": 746_652_404,
    "message": 746_652_405,
}
# The journal's triggers (see Store.prepare_journaling) in PL/pgSQL.
_JOURNAL_ENTRY = """
    CREATE OR REPLACE FUNCTION followthru_journal_{name}() RETURNS trigger LANGUAGE plpgsql AS $body$
    BEGIN
        INSERT INTO journal_out (rid, entry)
        VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 16), json_build_object({fields})::text);
        RETURN NEW;
    END $body$"""
POSTGRES_JOURNAL_TRIGGERS = [
    _JOURNAL_ENTRY.format(
        name="version",
        fields="'type', 'version', 'at', NEW.received_at, 'plan_id', NEW.plan_id, 'version', NEW.version, "
        "'file', NEW.file, 'document', NEW.document",
    ),
    "CREATE OR REPLACE TRIGGER journal_version AFTER INSERT ON plan_versions "
    "FOR EACH ROW EXECUTE FUNCTION followthru_journal_version()",
    _JOURNAL_ENTRY.format(
        name="seen",
        fields="'type', 'seen', 'at', NEW.received_at, 'message_id', NEW.message_id, 'plan_id', NEW.plan_id, "
        "'resource_id', NEW.resource_id, 'intent', NEW.intent, 'outcome', NEW.outcome",
    ),
    "CREATE OR REPLACE TRIGGER journal_inbound AFTER INSERT ON inbound "
    "FOR EACH ROW EXECUTE FUNCTION followthru_journal_seen()",
]


def schema_for_postgres(script: str) -> str:
    """One of the store's migrations (written for SQLite) as PostgreSQL takes it: row ids made by an
    identity column, bytes as ``bytea``, and text compared byte by byte (collation "C") as SQLite
    compares it, so that every ORDER BY gives the same order on both."""
    script = script.replace("id INTEGER PRIMARY KEY,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,")
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', script.replace(" BLOB ", " BYTEA "))
