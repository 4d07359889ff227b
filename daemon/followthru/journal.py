"""What the store cannot tell about itself: whose it is, and what happened after a copy of it was made.

Two things can go wrong with a store that a daemon cannot see from the store alone:

- it is **missing, empty or another workspace's** (deleted, replaced by a new file, copied from
  elsewhere) while the workspace shows it has been at work (plan files in ``plans/active``, a
  journal). Working on it would forget every plan, file later replies as unmatched and mail the
  start of a re-dropped plan again. Such a store is refused: :class:`StoreRefused`, one line
  saying what to do, before anything is written (:func:`open_store`, :func:`store_problem`);
- it is **an older copy** (a backup put back). It does not know what was sent, answered or taken
  in after the copy was made: it would send those messages again and lose those answers.

The *delivery journal*, ``<store>.journal``, is the memory for both. It is an append-only file of
JSON lines (mode 0600), each written with flush and fsync. Its first line is a header naming the
workspace (a random id the store holds too); every other line is an entry with a ``seq`` one more
than the line before:

- ``sent``: written after the backend took a message and *before* the store marks it sent, in the
  same transaction that marks it. It names the message by meaning
  (:meth:`followthru.memory.Memory.key`), since a decision made again makes the message again with
  a new Message-ID;
- ``version`` (a plan version taken in, with its document), ``seen`` (an inbound message and what
  became of it), ``reply``/``rsvp``/``decide`` (an answer given to the engine, with what it needs to
  be given again): the store queues these in ``journal_out``, in the transaction that makes the
  change (``version`` and ``seen`` by triggers, the answers by
  :class:`followthru.memory.RecordingEngine`), and :meth:`~followthru.memory.Memory.flush` moves
  them to the file. A crash in between leaves them queued: nothing is lost.

The store remembers the last ``seq`` it holds (``journal_state``), moved in the same transaction as a
``sent`` entry's mark, or as the flush of queued entries. At start (daemon, ``tick``, ``decide``),
:meth:`followthru.memory.Memory.reconcile` reads the entries past that ``seq``, from the end of the
file backwards, so it costs what it finds, which is nothing in normal operation. What it finds is
what the store lost:

- ``sent`` whose message the store holds pending: marked sent (a crash after the backend took it);
- ``sent`` whose message the store does not have: its key is remembered in ``sent_elsewhere``;
  when the engine makes that message again, delivery marks it sent without sending it. The keys
  are a multiset (a reminder can go to one person twice), and are forgotten a week after delivery
  first saw them, by when every decision the restored store makes again has been made;
- a sent digest also moves the owner's next digest past it, so the next one goes at its time;
- ``version``, ``reply``, ``rsvp``, ``decide`` and ``seen`` the store lacks: given to the engine
  again, at the time they first happened, in the order they happened.

A workspace on PostgreSQL, where several daemons on several machines may work, has one journal
file per machine in ``plans/journal/`` (the folder they all share), numbered together by the store
and read together (:class:`Journals`).

Rotation: when the file passes :data:`ROTATE_BYTES` it becomes ``<store>.journal.1`` (replacing the
one before) and a new file starts, so between one and two rotations' worth of history is kept. A
backup older than that is reconciled as far as the journal reaches, with a warning.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followthru.postgres import PostgresConnection, PostgresError, shown
from followthru.store import Store
from followthru.watch import is_plan_file

if TYPE_CHECKING:
    from followthru.place import WorkspacePaths

log = logging.getLogger(__name__)

STORE_REFUSED_EXIT = 3  # run, tick, decide, status and log exit with this; systemd does not restart on it
ROTATE_BYTES = 64 * 1024 * 1024
SENT_ELSEWHERE_KEEP = timedelta(days=7)  # longer than any send window or retry keeps a remade message back
FORMAT = 1
HANDED_OVER = "(handed over)"  # the file name a version made by Followthru.hand_over is stored with
BACKUPS = "docs/operations.md: Backups"
SUMMARY = {  # what reconciling did, for its log line, in this order: (one, many)
    "versions": ("plan version taken in again", "plan versions taken in again"),
    "answered": ("answer applied again", "answers applied again"),
    "read": ("inbound message known as read", "inbound messages known as read"),
    "known sent": ("message known as sent, not to be sent again", "messages known as sent, not to be sent again"),
    "marked sent": ("message marked sent", "messages marked sent"),
    "failed": ("entry that could not be applied", "entries that could not be applied"),
}


class StoreRefused(Exception):
    """The store is missing, empty or another workspace's while this workspace has been at work.
    The message is one line: what is wrong and what to do."""


def journal_path(store: Path) -> Path:
    """The journal beside the store ``store``."""
    return store.with_name(store.name + ".journal")


def own_journal(where: WorkspacePaths) -> Path:
    """This process's journal file: beside a SQLite store; for a PostgreSQL store, this host's file
    in ``plans/journal/``, the folder every daemon of the workspace shares (:class:`Journals`)."""
    if where.store_url is None:
        return journal_path(where.store_file)
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "host"
    return where.plans_dir / "journal" / f"{host}.journal"


def _previous(path: Path) -> Path:
    return path.with_name(path.name + ".1")


# -- is this the workspace's store? ----------------------------------------------------------------------
def store_problem(where: WorkspacePaths) -> str | None:
    """Why the workspace's store must not be worked on (one line), or None. Reads only: for doctor."""
    try:
        return _examine(where)[0]
    except StoreRefused as refused:
        return str(refused)


def examine_store(where: WorkspacePaths) -> tuple[str | None, PostgresConnection | None]:
    """:func:`store_problem`, and for a PostgreSQL store the connection that looked, left open for
    the caller to read with (and close), so a command logs in once."""
    try:
        problem, _header, connection = _examine(where, keep=True)
    except StoreRefused as refused:
        return str(refused), None
    return problem, connection


def open_store(where: WorkspacePaths, read_only: bool = False) -> tuple[Store, AnyJournal | None]:
    """The workspace's store and its journal, or :class:`StoreRefused` before anything is written.

    A new workspace (no store, nothing in plans/active, no journal) gets a new store with a new
    identity and a new journal. A store from before journals existed gets an identity and a journal.
    With ``read_only`` (status, log) a missing store is never created: a new workspace reads as an
    empty one held in memory, and no journal is opened (None).
    """
    problem, header, examined = _examine(where, keep=True)
    if problem:
        if examined is not None:
            examined.close()
        raise StoreRefused(problem)
    path = where.store_file
    if read_only and where.store_url is None and not path.exists():
        return Store(":memory:"), None
    store = Store(where.store_url or path, where.store_password(), connection=examined)
    try:
        if read_only:
            return store, None
        store.prepare_journaling()
        workspace, seq = store.journal_state()
        if workspace is None:  # new, or from before journals: take the journal's identity when there is one
            workspace = header["workspace"] if header else secrets.token_hex(16)
            with store.transaction():
                store.set_workspace(workspace)
        if where.store_url is None:
            return store, Journal.open(journal_path(path), workspace, seq)
        own = own_journal(where)
        own.parent.mkdir(mode=0o700, exist_ok=True)
        return store, Journals.open(own, workspace, seq)
    except BaseException:
        store.close()
        raise


def _examine(
    where: WorkspacePaths, keep: bool = False
) -> tuple[str | None, dict[str, Any] | None, PostgresConnection | None]:
    """Why the store must not be worked on (or None), and the journal's header; reads only. With
    ``keep``, a PostgreSQL store's connection is given back open, for the store to go on with."""
    store = where.store_file
    header = _journal_header(where)
    journal = own_journal(where)
    active = _active_counter(where.plans_dir / "active")
    name = store_name(where)
    if where.store_url is not None:
        try:
            database = PostgresConnection(where.store_url, where.store_password())
        except PostgresError:  # refused (a wrong database, no privilege): opening it says so, in its own words
            return None, header, None
        try:
            exists = database.execute("SELECT to_regclass('plans') IS NOT NULL").fetchone()[0]
            workspace, has_plans = _identity(database) if exists else (None, False)
        except BaseException:
            database.close()
            raise
        if not keep:
            database.close()
        judged = _judge(name, journal, exists, workspace, has_plans, header, active)
        return judged, header, database if keep else None
    if not store.exists():
        return _judge(name, journal, False, None, False, header, active), header, None
    try:
        connection = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
        try:
            workspace, has_plans = _identity(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError:  # damaged or unreadable: opening it says so, in words of its own
        return None, header, None
    return _judge(name, journal, True, workspace, has_plans, header, active), header, None


def store_name(where: WorkspacePaths) -> str:
    """The store as messages name it: its file, or its URL without a password."""
    return shown(where.store_url) if where.store_url is not None else str(where.store_file)


def _identity(connection: sqlite3.Connection | PostgresConnection) -> tuple[str | None, bool]:
    """The store's workspace id (None when it has none yet) and whether it holds any plan."""
    try:
        row = connection.execute("SELECT workspace FROM journal_state WHERE id = 1").fetchone()
        workspace = row[0] if row else None
    except (sqlite3.OperationalError, PostgresError):  # a store from before journals, or no store at all
        workspace = None
    try:
        has_plans = connection.execute("SELECT 1 FROM plans LIMIT 1").fetchone() is not None
    except (sqlite3.OperationalError, PostgresError):
        has_plans = False
    return workspace, has_plans


def _active_counter(folder: Path) -> Callable[[], int]:
    counted: list[int] = []

    def count() -> int:  # only looked at when the store cannot say: costs one listing at most
        if not counted:
            try:
                counted.append(sum(1 for p in folder.iterdir() if is_plan_file(p)))
            except OSError:
                counted.append(0)
        return counted[0]

    return count


def _journal_header(where: WorkspacePaths) -> dict[str, Any] | None:
    """The journal's header (of the segment before, when a rotation was cut short; on PostgreSQL,
    of another host's journal when this host has none yet); None when there is no journal. A file
    there that is no journal is refused."""
    own = own_journal(where)
    others = sorted(set(own.parent.glob("*.journal")) - {own}) if where.store_url is not None else []
    for segment in (own, _previous(own), *others):
        try:
            return read_header(segment)
        except FileNotFoundError:
            continue
        except ValueError:
            raise StoreRefused(
                f"{segment} is not a Followthru journal (its first line is not one): put the "
                f"workspace's journal back, or move this file away ({BACKUPS})"
            ) from None
    return None


def read_header(path: Path) -> dict[str, Any]:
    """The header line of a journal file. FileNotFoundError when there is none; ValueError when the
    file is not a journal."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 16)
    header = json.loads(first)
    if not isinstance(header, dict) or header.get("journal") != "followthru" or not header.get("workspace"):
        raise ValueError(f"{path}: not a journal header")
    return header


def _judge(
    store: str,
    journal: Path,
    exists: bool,
    workspace: str | None,
    has_plans: bool,
    header: dict[str, Any] | None,
    active: Callable[[], int],
) -> str | None:
    again = f"to start over instead, mailing every plan afresh, first move {journal} and the files in plans/active away"
    if not exists or (workspace is None and not has_plans):
        if header is None and not active():
            return None  # a new workspace
        evidence = [f"plans/active holds {_plans(active())}"] if active() else []
        evidence += [f"{journal.name} records its work"] if header else []
        return (
            f"the store {store} is {'missing' if not exists else 'empty'}, but this workspace has been at work "
            f"({'; '.join(evidence)}): put its store back or restore it from a backup ({BACKUPS}); {again}"
        )
    if header is not None and workspace is not None and header["workspace"] != workspace:
        return (
            f"the store {store} is another workspace's (its id {workspace[:8]} is not {header['workspace'][:8]}, "
            f"the id in {journal.name}): put this workspace's store back or restore it from a backup "
            f"({BACKUPS})"
        )
    if header is None and not has_plans and active():
        return (
            f"the store {store} holds no plans, but plans/active holds {_plans(active())} and there is no "
            f"journal to bring them back: put this workspace's store back or restore it from a backup "
            f"({BACKUPS}); {again}"
        )
    return None


def _plans(count: int) -> str:
    return f"{count} plan{'s' if count != 1 else ''}"


# -- the journal file ---------------------------------------------------------------------------------------
class Journal:
    """The append-only journal file of one workspace (and the segment before it, after a rotation).

    Appends are made only inside a store transaction that holds SQLite's write lock (on PostgreSQL,
    the row lock of :meth:`followthru.store.Store.lock_journal`), so entries from two processes never
    interleave; the size is checked before each append so that entries another
    process appended meanwhile are counted.
    """

    def __init__(self, path: Path, workspace: str, last_seq: int, size: int):
        self.path = path
        self.workspace = workspace
        self._last = last_seq
        self._size = size

    @classmethod
    def open(cls, path: Path, workspace: str, store_seq: int, joining: bool = False) -> Journal:
        """The journal at ``path``, made (with a header) when missing; a line cut short by a crash
        is cut off (its entry was never acted on: the append comes before what depends on it).
        ``joining``: other journals of the workspace hold what happened so far (:class:`Journals`)."""
        previous = _previous(path)
        if not path.exists():
            if previous.exists():  # a rotation was cut short between the rename and the new header
                first = _last_seq(previous) + 1
            else:
                first = store_seq + 1
                if store_seq and not joining:
                    log.warning(
                        "the journal %s was missing; a new one starts at entry %d: a backup of the store "
                        "made before now can be put back, but what happened between it and now is not "
                        "known",
                        path,
                        first,
                    )
            _write_header(path, workspace, max(first, store_seq + 1))
        _cut_torn_tail(path)
        return cls(path, workspace, _last_seq(path), path.stat().st_size)

    @property
    def last_seq(self) -> int:
        """The seq of the last entry, as the file says now."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return self._last
        if size != self._size:  # another process appended or rotated
            self._last, self._size = max(self._last, _last_seq(self.path)), size
        return self._last

    @property
    def reach(self) -> int:
        """The last entry the workspace's journal holds: :attr:`last_seq` (see :attr:`Journals.reach`)."""
        return self.last_seq

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Write ``entries`` (each with its ``seq``) at the end, durably (flush + fsync) before returning."""
        if not entries:
            return
        if self._size > ROTATE_BYTES:
            self._rotate(entries[0]["seq"])
        if not self.path.exists():  # deleted under a running daemon: start again, identity first
            log.warning("the journal %s disappeared; a new one starts at entry %d", self.path, entries[0]["seq"])
            _write_header(self.path, self.workspace, entries[0]["seq"])
        data = b"".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for e in entries)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            os.write(descriptor, data)
            os.fsync(descriptor)
            self._size = os.fstat(descriptor).st_size
        finally:
            os.close(descriptor)
        self._last = entries[-1]["seq"]

    def since(self, seq: int, warn: bool = True) -> list[dict[str, Any]]:
        """The entries after ``seq``, oldest first. Read from the end backwards: costs what it returns.
        ``warn``: say so when the file does not reach back to ``seq``."""
        found: list[dict[str, Any]] = []
        reached = False
        for segment in (self.path, _previous(self.path)):
            header = None
            for entry in _backwards(segment):
                if "seq" not in entry:
                    header = entry
                    break
                if entry["seq"] <= seq:
                    reached = True
                    break
                found.append(entry)
            if reached or (header is not None and header.get("first_seq", 1) <= seq + 1):
                reached = True
                break
        found.reverse()
        if warn and not reached and found and found[0]["seq"] > seq + 1:
            log.warning(
                "the store is older than the journal reaches back (entries %d to %d are gone): what was "
                "sent or answered then is not known, and may be sent again",
                seq + 1,
                found[0]["seq"] - 1,
            )
        return found

    def _rotate(self, first_seq: int) -> None:
        os.replace(self.path, _previous(self.path))
        _write_header(self.path, self.workspace, first_seq)
        self._size = self.path.stat().st_size
        log.info("journal rotated: the entries before %d are in %s", first_seq, _previous(self.path))


class Journals:
    """The journals of a workspace on PostgreSQL: one file per host, side by side in
    ``plans/journal/``, which every daemon of the workspace shares. The store numbers the entries of
    all of them (under its journal lock, :meth:`followthru.store.Store.lock_journal`), so read
    together by ``seq`` they tell what happened in order. This host appends to its own file only;
    an entry two files hold (appended by a daemon killed before its commit, then again by another
    daemon) is read once."""

    def __init__(self, own: Journal):
        self.own = own
        self.path = own.path.parent
        self.workspace = own.workspace
        self._others: dict[Path, Journal] = {}  # each keeps its last seq until its size changes

    @classmethod
    def open(cls, path: Path, workspace: str, store_seq: int) -> Journals:
        others = any(p != path for p in path.parent.glob("*.journal"))
        return cls(Journal.open(path, workspace, store_seq, joining=others))

    def _files(self) -> list[Journal]:
        for path in sorted(p for p in self.path.glob("*.journal") if p != self.own.path):
            if path not in self._others:
                self._others[path] = Journal(path, self.workspace, _last_seq(path), path.stat().st_size)
        return [self.own, *self._others.values()]

    @property
    def last_seq(self) -> int:
        """The seq of this host's last entry: what appending goes on from, with no folder listed."""
        return self.own.last_seq

    @property
    def reach(self) -> int:
        """The last entry of any host's journal: what a store is reconciled up to."""
        return max(journal.last_seq for journal in self._files())

    def append(self, entries: list[dict[str, Any]]) -> None:
        self.own.append(entries)

    def since(self, seq: int) -> list[dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for journal in self._files():
            for entry in journal.since(seq, warn=False):
                merged.setdefault(entry.get("rid") or f"{journal.path.name} {entry['seq']}", entry)
        found = sorted(merged.values(), key=lambda entry: entry["seq"])
        if found and found[0]["seq"] > seq + 1:
            log.warning(
                "the store is older than the journals in %s reach back (entries %d to %d are gone): what "
                "was sent or answered then is not known, and may be sent again",
                self.path,
                seq + 1,
                found[0]["seq"] - 1,
            )
        return found


AnyJournal = Journal | Journals


def _write_header(path: Path, workspace: str, first_seq: int) -> None:
    """A new journal file holding only its header, put in place whole (write, fsync, rename)."""
    header = {
        "journal": "followthru",
        "format": FORMAT,
        "workspace": workspace,
        "first_seq": first_seq,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, json.dumps(header).encode() + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _cut_torn_tail(path: Path) -> None:
    with path.open("rb") as handle:  # read first: a journal on a read-only disk still opens
        size = handle.seek(0, os.SEEK_END)
        if size == 0 or (handle.seek(size - 1) and handle.read(1) == b"\n"):
            return
    with path.open("rb+") as handle:
        keep, position = 0, size
        while position > 0 and not keep:
            step = min(65536, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = position + newline + 1
        handle.truncate(keep)
        log.warning("%s ended in a line cut short by a crash; cut it off", path)


def _last_seq(path: Path) -> int:
    """The seq of the last entry of a segment (its header's first_seq - 1 when it has none)."""
    for entry in _backwards(path):
        return entry["seq"] if "seq" in entry else int(entry.get("first_seq", 1)) - 1
    return 0


def _backwards(path: Path) -> Iterator[dict[str, Any]]:
    """The lines of a segment as JSON objects, last first; a line that cannot be read is skipped."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        position = handle.seek(0, os.SEEK_END)
        rest = b""
        while position > 0:
            step = min(65536, position)
            position -= step
            handle.seek(position)
            lines = (handle.read(step) + rest).split(b"\n")
            rest = lines.pop(0)
            for line in reversed(lines):
                if (entry := _entry(line)) is not None:
                    yield entry
        if (entry := _entry(rest)) is not None:
            yield entry


def _entry(line: bytes) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        log.warning("a journal line could not be read and is skipped: %r", line[:80])
        return None
    return entry if isinstance(entry, dict) else None
