"""Who does which piece of work when several daemons share one PostgreSQL store.

Every unit of work is claimed in the database, so that none is done twice and none is left behind
when a daemon dies. On SQLite one process writes at a time (followthru.lock) and every claim is
granted at once.

- **A plan** (a due pass, a reply, an operator's decision): :meth:`followthru.store.Store.load`
  inside a transaction waits for the plan's transaction-level advisory lock, so what a decision
  reads is the latest state and nobody else changes the plan until it is stored. A due pass that
  finds the lock taken leaves the plan to whoever holds it (:meth:`Claims.plan`).
- **An incoming message** and **an owner's digest**: a transaction-level lock tried at the start
  of the transaction that applies it (:meth:`Claims.inbound`, :meth:`Claims.owner`), then a check
  that it is still to do. A daemon killed mid-way holds nothing: its transaction never commits.
- **A plan file's intake** and **the mailbox reader** (IMAP and its IDLE, Gmail, Graph, Maildir,
  and the calendar's answers): session-level locks (:meth:`Claims.hold`), held from before the
  work's transaction to after the file is moved or the batch is read. The server lets them go
  when the daemon's connection ends; TCP keepalives end a connection
  whose machine vanished within the lease
  (:data:`followthru.postgres.KEEPALIVE`).
- **An outgoing message**: a lease in its outbox row (``claimed_by``, ``claimed_until`` on the
  database's clock), taken for a batch with ``FOR UPDATE SKIP LOCKED`` (:meth:`Claims.outgoing`) and
  renewed just before each message is handed over (:meth:`Claims.keep`). A killed daemon's
  messages go to another daemon when the lease runs out. The backend gets a message twice only
  when a daemon dies between the backend taking it and the store marking it sent, as with one
  daemon; the Message-ID is the same, and the Maildir backend writes a Message-ID once.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from followthru.store import OUTGOING_COLUMNS, Outgoing, Store, outgoing, stamp
from followthru.store_schema import LOCK_NAMESPACES

LEASE_SECONDS = 30.0


def holder_name() -> str:
    """This process as claims name it: host, systemd instance (if any) and pid."""
    instance = os.environ.get("FOLLOWTHRU_INSTANCE")
    return f"{socket.gethostname()}{'@' + instance if instance else ''}:{os.getpid()}"


class Claims:
    """The claims of one daemon (``holder``) on ``store``; leases last ``lease`` seconds."""

    def __init__(self, store: Store, holder: str | None = None, lease: float = LEASE_SECONDS):
        self.store = store
        self.holder = holder or holder_name()
        self.lease = lease
        self.shared = store.dialect == "postgresql"
        self._held: set[str] = set()

    # -- advisory locks ----------------------------------------------------------------------------
    def _try(self, scope: str, kind: str, name: str) -> bool:
        if not self.shared:
            return True
        function = "pg_try_advisory_xact_lock" if scope == "xact" else "pg_try_advisory_lock"
        row = self.store.connection.execute(
            f"SELECT {function}(?, hashtext(?))", (LOCK_NAMESPACES[kind], name)
        ).fetchone()
        return bool(row[0])

    def plan(self, plan_id: str) -> bool:
        """Inside a transaction: the plan is this daemon's until the transaction ends; False when
        another daemon is working on it now."""
        return self._try("xact", "plan", plan_id)

    def inbound(self, message_id: str) -> bool:
        """Inside a transaction: the incoming message is this daemon's to apply; False when another
        daemon is applying it now."""
        return self._try("xact", "message", message_id)

    def owner(self, email: str) -> bool:
        """Inside a transaction: the owner's digest is this daemon's to make."""
        return self._try("xact", "owner", email.lower())

    def hold(self, kind: str, name: str) -> bool:
        """A session lock (``kind`` "file" or "reader"), until :meth:`let_go` or the connection ends;
        False when another daemon holds it."""
        key = f"{kind} {name}"
        if key in self._held:
            return True
        if not self._try("session", kind, name):
            return False
        self._held.add(key)
        return True

    def let_go(self, kind: str, name: str) -> None:
        key = f"{kind} {name}"
        if key in self._held:
            self._held.discard(key)
            if self.shared:
                self.store.connection.execute(
                    "SELECT pg_advisory_unlock(?, hashtext(?))", (LOCK_NAMESPACES[kind], name)
                )

    # -- outgoing messages --------------------------------------------------------------------------
    def outgoing(self, now: datetime, limit: int = 50) -> list[Outgoing]:
        """Messages due at ``now`` that no other daemon holds, leased to this one, oldest first."""
        if not self.shared:
            return self.store.pending(now, limit)
        rows = self.store.connection.execute(
            "UPDATE outbox SET claimed_by = ?, claimed_until = extract(epoch FROM clock_timestamp()) + ? "
            "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND not_before <= ? "
            "AND (claimed_until IS NULL OR claimed_until < extract(epoch FROM clock_timestamp())) "
            "ORDER BY not_before, id LIMIT ? FOR UPDATE SKIP LOCKED) "
            f"RETURNING not_before, {OUTGOING_COLUMNS}",
            (self.holder, self.lease, stamp(now), limit),
        ).fetchall()
        rows.sort(key=lambda r: (r["not_before"], r["id"]))
        return [outgoing(r) for r in rows]

    def keep(self, message: Outgoing) -> bool:
        """Just before handing ``message`` over: renew its lease; False when it is no longer this
        daemon's (the lease ran out and another daemon took it) or no longer pending (withdrawn)."""
        if not self.shared:
            return True
        row = self.store.connection.execute(
            "UPDATE outbox SET claimed_until = extract(epoch FROM clock_timestamp()) + ? "
            "WHERE id = ? AND claimed_by = ? AND status = 'pending' RETURNING id",
            (self.lease, message.id, self.holder),
        ).fetchone()
        return row is not None

    def give_back(self) -> None:
        """The messages this daemon holds and has not handed over go back to the others at once
        (delivery paused, the daemon stopping)."""
        if self.shared:
            self.store.connection.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND status = 'pending'",
                (self.holder,),
            )
