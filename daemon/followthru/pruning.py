"""A store that stops growing: what is done with is let go ``store.keep_sent`` after it was made.

- The bytes of a message done with (sent, failed or withdrawn) are emptied; its row stays: the
  Message-ID, by which a reply, a bounce or a resend after a crash is matched, the plan, the person,
  the kind, the recipients, the version of the ask and the times.
- The document of a plan version is emptied; its row (number, file, time) stays, and the plan as it
  is now stays whole in ``plans`` (the journal has every version, for a store put back from a backup).
- The audit trail, the plans, the commitments, the asks and the Message-IDs of incoming mail are
  kept, for closed plans too.
- Sign-in links asked for before then, and the web's actions applied before then, are deleted (the
  audit trail says what each action did).

The pass prunes a batch at a time (:func:`prune`), so a store that grew for years is brought down
over a few passes without holding up any. ``followthru store vacuum`` prunes what is due and gives
the space back to the file system (:func:`vacuum`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followthru.store import Store, stamp

if TYPE_CHECKING:
    from followthru.config import Config

PRUNE_BATCH = 500  # messages a pass empties at most: a few milliseconds


# What may be let go before a time (?), each written once: the indexed look that says whether any
# is due and the statements that let it go use the same condition (the indexes are made for it).
_MESSAGES = "status != 'pending' AND length(raw) > 0 AND created_at < ?"
_VERSIONS = "length(document) > 0 AND received_at < ?"
_SIGN_INS = "asked_at < ?"
_ACTIONS = "done_at IS NOT NULL AND done_at < ?"
_DUE = {
    "messages": f"SELECT 1 FROM outbox WHERE {_MESSAGES} LIMIT 1",
    "versions": f"SELECT 1 FROM plan_versions WHERE {_VERSIONS} LIMIT 1",
    "sign_ins": f"SELECT 1 FROM web_sign_ins WHERE {_SIGN_INS} LIMIT 1",
    "actions": f"SELECT 1 FROM web_actions WHERE {_ACTIONS} LIMIT 1",
}


def prune(store: Store, now: datetime, keep: timedelta, limit: int = PRUNE_BATCH) -> int:
    """Let go of what was made before ``now - keep``, at most ``limit`` messages and as many plan
    versions; how many messages were emptied. Four indexed looks when nothing is due, and nothing
    written then."""
    cutoff = stamp(now - keep)
    due = {name: store.connection.execute(look, (cutoff,)).fetchone() is not None for name, look in _DUE.items()}
    if not any(due.values()):
        return 0
    emptied = 0
    with store.transaction():
        if due["messages"]:
            # The envelope sender and a claim are of no use once a message is done with.
            emptied = store.connection.execute(
                "UPDATE outbox SET raw = ?, envelope_from = '', claimed_by = NULL, claimed_until = NULL WHERE id IN "
                f"(SELECT id FROM outbox WHERE {_MESSAGES} ORDER BY created_at LIMIT ?)",
                (b"", cutoff, limit),
            ).rowcount
        if due["versions"]:
            store.connection.execute(
                "UPDATE plan_versions SET document = '' WHERE (plan_id, version) IN (SELECT plan_id, version "
                f"FROM plan_versions WHERE {_VERSIONS} ORDER BY received_at LIMIT ?)",
                (cutoff, limit),
            )
        if due["sign_ins"]:
            store.connection.execute(f"DELETE FROM web_sign_ins WHERE {_SIGN_INS}", (cutoff,))
        if due["actions"]:
            store.connection.execute(f"DELETE FROM web_actions WHERE {_ACTIONS}", (cutoff,))
    return int(emptied)


def prune_all(store: Store, now: datetime, keep: timedelta) -> int:
    """Everything due at ``now``, batch after batch."""
    total = 0
    while emptied := prune(store, now, keep):
        total += emptied
    return total


def size(store: Store, config: Config) -> int:
    """The store's bytes: the SQLite file with its write-ahead log, or the PostgreSQL database."""
    if store.dialect == "postgresql":
        return int(store.connection.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    path = config.store_file
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def vacuum(store: Store) -> None:
    """Give the space of what was pruned back: SQLite rewrites its file (VACUUM, then the log
    checkpointed and truncated); PostgreSQL marks it free for new rows and updates its statistics
    (VACUUM (ANALYZE): no table is locked against the daemons)."""
    if store.dialect == "postgresql":
        store.connection.execute("VACUUM (ANALYZE)")
    else:
        store.connection.execute("VACUUM")
        store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
