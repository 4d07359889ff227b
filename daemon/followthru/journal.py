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
  same transaction that marks it. It names the message by meaning (:meth:`Memory.key`), since a
  decision made again makes the message again with a new Message-ID;
- ``version`` (a plan version taken in, with its document), ``seen`` (an inbound message and what
  became of it), ``reply``/``rsvp``/``decide`` (an answer given to the engine, with what it needs to
  be given again): the store queues these in ``journal_out``, in the transaction that makes the
  change (``version`` and ``seen`` by triggers, the answers by :class:`RecordingEngine`), and
  :meth:`Memory.flush` moves them to the file. A crash in between leaves them queued: nothing is lost.

The store remembers the last ``seq`` it holds (``journal_state``), moved in the same transaction as a
``sent`` entry's mark, or as the flush of queued entries. At start (daemon, ``tick``, ``decide``),
:meth:`Memory.reconcile` reads the entries past that ``seq``, from the end of the file backwards, so
it costs what it finds, which is nothing in normal operation. What it finds is what the store lost:

- ``sent`` whose message the store holds pending: marked sent (a crash after the backend took it);
- ``sent`` whose message the store does not have: its key is remembered in ``sent_elsewhere``;
  when the engine makes that message again, delivery marks it sent without sending it. The keys
  are a multiset (a reminder can go to one person twice), and are forgotten a week after delivery
  first saw them, by when every decision the restored store makes again has been made;
- a sent digest also moves the owner's next digest past it, so the next one goes at its time;
- ``version``, ``reply``, ``rsvp``, ``decide`` and ``seen`` the store lacks: given to the engine
  again, at the time they first happened, in the order they happened.

Rotation: when the file passes :data:`ROTATE_BYTES` it becomes ``<store>.journal.1`` (replacing the
one before) and a new file starts, so between one and two rotations' worth of history is kept. A
backup older than that is reconciled as far as the journal reaches, with a warning.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import re
import secrets
import sqlite3
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator
from zoneinfo import ZoneInfo

from followthru.decisions import Decisions
from followthru.engine import Engine
from followthru.states import Answer, PlanState
from followthru.plan import Plan
from followthru.store import Outgoing, Store, stamp
from followthru.watch import is_plan_file

if TYPE_CHECKING:
    from followthru.config import Config
    from followthru.daemon import Followthru
    from followthru.backends.base import Refusal

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


def _previous(path: Path) -> Path:
    return path.with_name(path.name + ".1")


# -- is this the workspace's store? ----------------------------------------------------------------------
def store_problem(config: Config) -> str | None:
    """Why the workspace's store must not be worked on (one line), or None. Reads only: for doctor."""
    try:
        return _examine(config)[0]
    except StoreRefused as refused:
        return str(refused)


def open_store(config: Config, read_only: bool = False) -> tuple[Store, Journal | None]:
    """The workspace's store and its journal, or :class:`StoreRefused` before anything is written.

    A new workspace (no store, nothing in plans/active, no journal) gets a new store with a new
    identity and a new journal. A store from before journals existed gets an identity and a journal.
    With ``read_only`` (status, log) a missing store is never created: a new workspace reads as an
    empty one held in memory, and no journal is opened (None).
    """
    problem, header = _examine(config)
    if problem:
        raise StoreRefused(problem)
    path = config.path(config.workspace.store)
    if read_only and not path.exists():
        return Store(":memory:"), None
    store = Store(path)
    try:
        if read_only:
            return store, None
        store.prepare_journaling()
        workspace, seq = store.journal_state()
        if workspace is None:  # new, or from before journals: take the journal's identity when there is one
            workspace = header["workspace"] if header else secrets.token_hex(16)
            with store.transaction():
                store.set_workspace(workspace)
        return store, Journal.open(journal_path(path), workspace, seq)
    except BaseException:
        store.close()
        raise


def _examine(config: Config) -> tuple[str | None, dict | None]:
    """Why the store must not be worked on (or None), and the journal's header; reads only."""
    store = config.path(config.workspace.store)
    header = _journal_header(store)
    active = _active_counter(config)
    if not store.exists():
        return _judge(store, False, None, False, header, active), header
    try:
        connection = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
        try:
            workspace, has_plans = _identity(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError:  # damaged or unreadable: opening it says so, in words of its own
        return None, header
    return _judge(store, True, workspace, has_plans, header, active), header


def _identity(connection: sqlite3.Connection) -> tuple[str | None, bool]:
    """The store's workspace id (None when it has none yet) and whether it holds any plan."""
    try:
        row = connection.execute("SELECT workspace FROM journal_state WHERE id = 1").fetchone()
        workspace = row[0] if row else None
    except sqlite3.OperationalError:  # a store from before journals, or no store at all
        workspace = None
    try:
        has_plans = connection.execute("SELECT 1 FROM plans LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:
        has_plans = False
    return workspace, has_plans


def _active_counter(config: Config) -> Callable[[], int]:
    folder = config.plans_dir / "active"
    counted: list[int] = []

    def count() -> int:  # only looked at when the store cannot say: costs one listing at most
        if not counted:
            try:
                counted.append(sum(1 for p in folder.iterdir() if is_plan_file(p)))
            except OSError:
                counted.append(0)
        return counted[0]

    return count


def _journal_header(store: Path) -> dict | None:
    """The journal's header (of the segment before, when a rotation was cut short); None when there
    is no journal. A file there that is no journal is refused."""
    for segment in (journal_path(store), _previous(journal_path(store))):
        try:
            return read_header(segment)
        except FileNotFoundError:
            continue
        except ValueError:
            raise StoreRefused(f"{segment} is not a Followthru journal (its first line is not one): put the "
                               f"workspace's journal back, or move this file away ({BACKUPS})") from None
    return None


def read_header(path: Path) -> dict:
    """The header line of a journal file. FileNotFoundError when there is none; ValueError when the
    file is not a journal."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 16)
    header = json.loads(first)
    if not isinstance(header, dict) or header.get("journal") != "followthru" or not header.get("workspace"):
        raise ValueError(f"{path}: not a journal header")
    return header


def _judge(store: Path, exists: bool, workspace: str | None, has_plans: bool, header: dict | None,
           active: Callable[[], int]) -> str | None:
    journal = journal_path(store)
    again = (f"to start over instead, mailing every plan afresh, first move {journal} and the files in "
             "plans/active away")
    if not exists or (workspace is None and not has_plans):
        if header is None and not active():
            return None  # a new workspace
        evidence = [f"plans/active holds {_plans(active())}"] if active() else []
        evidence += [f"{journal.name} records its work"] if header else []
        return (f"the store {store} is {'missing' if not exists else 'empty'}, but this workspace has been at work "
                f"({'; '.join(evidence)}): put its store back or restore it from a backup ({BACKUPS}); {again}")
    if header is not None and workspace is not None and header["workspace"] != workspace:
        return (f"the store {store} is another workspace's (its id {workspace[:8]} is not {header['workspace'][:8]}, "
                f"the id in {journal.name}): put this workspace's store back or restore it from a backup "
                f"({BACKUPS})")
    if header is None and not has_plans and active():
        return (f"the store {store} holds no plans, but plans/active holds {_plans(active())} and there is no "
                f"journal to bring them back: put this workspace's store back or restore it from a backup "
                f"({BACKUPS}); {again}")
    return None


def _plans(count: int) -> str:
    return f"{count} plan{'s' if count != 1 else ''}"


# -- the journal file ---------------------------------------------------------------------------------------
class Journal:
    """The append-only journal file of one workspace (and the segment before it, after a rotation).

    Appends are made only inside a store transaction that holds SQLite's write lock, so entries from
    two processes never interleave; the size is checked before each append so that entries another
    process appended meanwhile are counted.
    """

    def __init__(self, path: Path, workspace: str, last_seq: int, size: int):
        self.path = path
        self.workspace = workspace
        self._last = last_seq
        self._size = size

    @classmethod
    def open(cls, path: Path, workspace: str, store_seq: int) -> Journal:
        """The journal at ``path``, made (with a header) when missing; a line cut short by a crash
        is cut off (its entry was never acted on: the append comes before what depends on it)."""
        previous = _previous(path)
        if not path.exists():
            if previous.exists():  # a rotation was cut short between the rename and the new header
                first = _last_seq(previous) + 1
            else:
                first = store_seq + 1
                if store_seq:
                    log.warning("the journal %s was missing; a new one starts at entry %d: a backup of the store "
                                "made before now can be put back, but what happened between it and now is not "
                                "known", path, first)
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

    def since(self, seq: int) -> list[dict[str, Any]]:
        """The entries after ``seq``, oldest first. Read from the end backwards: costs what it returns."""
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
        if not reached and found and found[0]["seq"] > seq + 1:
            log.warning("the store is older than the journal reaches back (entries %d to %d are gone): what was "
                        "sent or answered then is not known, and may be sent again", seq + 1, found[0]["seq"] - 1)
        return found

    def _rotate(self, first_seq: int) -> None:
        os.replace(self.path, _previous(self.path))
        _write_header(self.path, self.workspace, first_seq)
        self._size = self.path.stat().st_size
        log.info("journal rotated: the entries before %d are in %s", first_seq, _previous(self.path))


def _write_header(path: Path, workspace: str, first_seq: int) -> None:
    """A new journal file holding only its header, put in place whole (write, fsync, rename)."""
    header = {"journal": "followthru", "format": FORMAT, "workspace": workspace, "first_seq": first_seq,
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
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


# -- answers given to the engine -----------------------------------------------------------------------------
class RecordingEngine(Engine):
    """The engine, queueing in the store's journal each answer it is given (a reply, an RSVP, an owner's
    decision) with what is needed to give it again, in the caller's transaction: the entry exists
    exactly when the decision it led to was stored. Calls outside a transaction are not noted (their
    decisions are not stored either); nor are they while :meth:`quiet` (answers given again)."""

    def __init__(self, config: Config, store: Store):
        super().__init__(config)
        self.store = store
        self.recording = True

    @contextmanager
    def quiet(self) -> Iterator[None]:
        self.recording, was = False, self.recording
        try:
            yield
        finally:
            self.recording = was

    def reply(self, plan: Plan, state: PlanState, resource_id: str, answer: Answer, now: datetime) -> Decisions:
        decisions = super().reply(plan, state, resource_id, answer, now)
        self._note(now, type="reply", plan_id=plan.id, resource_id=resource_id,
                   answer={"intent": answer.intent, "words": answer.words, "reason": answer.reason,
                           "proposed_date": _iso(answer.proposed_date), "return_date": _iso(answer.return_date)})
        return decisions

    def rsvp(self, plan: Plan, state: PlanState, meeting_key: str, attendee: str, partstat: str,
             now: datetime, proposed: datetime | None = None) -> Decisions:
        decisions = super().rsvp(plan, state, meeting_key, attendee, partstat, now, proposed=proposed)
        self._note(now, type="rsvp", plan_id=plan.id, meeting_key=meeting_key, attendee=attendee, partstat=partstat,
                   proposed=proposed.isoformat() if proposed else None)
        return decisions

    def decide_meeting(self, plan: Plan, state: PlanState, meeting_key: str, approve: bool,
                       now: datetime) -> tuple[Plan, Decisions]:
        moved, decisions = super().decide_meeting(plan, state, meeting_key, approve, now)
        self._note(now, type="decide_meeting", plan_id=plan.id, meeting_key=meeting_key, approve=approve)
        return moved, decisions

    def decide(self, plan: Plan, state: PlanState, resource_id: str, approve: bool, now: datetime) -> Decisions:
        decisions = super().decide(plan, state, resource_id, approve, now)
        self._note(now, type="decide", plan_id=plan.id, resource_id=resource_id, approve=approve)
        return decisions

    def _note(self, now: datetime, **entry: Any) -> None:
        if self.recording and self.store.connection.in_transaction:
            self.store.journal_later({"at": stamp(now), **entry})


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# -- the daemon's side -------------------------------------------------------------------------------------
class Memory:
    """The journal as the daemon uses it. With no journal (read-only commands) every method does nothing."""

    def __init__(self, service: Followthru, journal: Journal | None):
        self.service = service
        self.store = service.store
        self.journal = journal

    def flush(self, skip: set[str] = frozenset()) -> None:
        """Inside a store transaction: the queued entries to the file, and the store's seq with them.
        ``skip``: entry ids the file holds already (appended before a crash kept the store from knowing)."""
        if self.journal is None:
            return
        rows = self.store.journal_queue()
        if not rows:
            return
        seq = max(self.journal.last_seq, self.store.journal_state()[1])
        entries = []
        for rid, text in rows:
            if rid in skip:
                continue
            seq += 1
            entries.append({"seq": seq, "rid": rid, **json.loads(text)})
        self.journal.append(entries)
        self.store.journal_dequeue()
        self.store.set_journal_seq(seq)

    def flush_now(self) -> None:
        """Outside a transaction: flush when anything is queued (one indexed look when nothing is)."""
        if self.journal is not None and self.store.journal_queued():
            with self.store.transaction():
                self.flush()

    def sent(self, outgoing: Outgoing, recipients: list[str], key: str, now: datetime) -> None:
        """Inside the transaction that marks ``outgoing`` sent, as its last step: the ``sent`` entry,
        durable before the mark is committed."""
        if self.journal is None:
            return
        self.flush()
        seq = max(self.journal.last_seq, self.store.journal_state()[1]) + 1
        self.journal.append([{"seq": seq, "at": stamp(now), "type": "sent", "message_id": outgoing.message_id,
                              "kind": outgoing.kind, "plan_id": outgoing.plan_id, "key": key,
                              "recipients": sorted(r.lower() for r in recipients)}])
        self.store.set_journal_seq(seq)

    def partly_sent(self, outgoing: Outgoing, refusals: list[Refusal], now: datetime) -> None:
        """The backend took ``outgoing`` for some recipients and refused the others: the ones who got it."""
        refused = {r.recipient.lower() for r in refusals}
        took = [r for r in outgoing.recipients if r.lower() not in refused]
        if took and self.journal is not None:
            with self.store.transaction():
                self.sent(outgoing, took, self.key(outgoing, took), now)

    def key(self, outgoing: Outgoing, recipients: list[str] | None = None) -> str:
        """What makes a message the same message when a decision is made again (its Message-ID is new):
        plan, kind, resource and recipients; for an invitation its METHOD, UID and SEQUENCE; for a
        digest the owner's local date it was made on; for anything else its subject too (so two
        stakeholder updates about different milestones are never taken for each other)."""
        people = sorted(r.lower() for r in (outgoing.recipients if recipients is None else recipients))
        key: list[Any] = [outgoing.plan_id, outgoing.kind, outgoing.resource_id, people]
        if b"text/calendar" in outgoing.raw:
            key += _invitation(outgoing.raw)
        elif outgoing.kind == "digest" and people:
            zone = self._owner_zone(people[0])
            key.append(outgoing.created_at.astimezone(zone).date().isoformat())
        else:
            key.append(_subject(outgoing.raw))
        return json.dumps(key, separators=(",", ":"))

    def _owner_zone(self, owner: str) -> ZoneInfo:
        plan_ids = self.store.plan_ids(owner)
        stored = self.store.load(plan_ids[0]) if plan_ids else None
        return self.service._owner_zone(stored.plan) if stored else ZoneInfo(self.service.config.schedule.timezone)

    def sent_elsewhere_waiting(self, now: datetime) -> bool:
        """Whether any message is known to have gone out already (after a restore); forgets those
        remembered for longer than :data:`SENT_ELSEWHERE_KEEP`. Two indexed looks."""
        if self.journal is None or not self.store.sent_elsewhere_count():
            return False
        with self.store.transaction():
            self.store.expire_sent_elsewhere(now, SENT_ELSEWHERE_KEEP)
        return bool(self.store.sent_elsewhere_count())

    def sent_before(self, outgoing: Outgoing, key: str, now: datetime) -> bool:
        """When ``outgoing`` went out before the store was put back: mark it sent, unsent, and say so."""
        with self.store.transaction():
            if not self.store.take_sent_elsewhere(key):
                return False
            self.store.mark_sent(outgoing.id, now)
            self.store.audit(now, outgoing.plan_id, outgoing.resource_id,
                             f"{outgoing.kind} not sent again: it went out before the store was restored")
        log.info("%s %s to %s not sent again: it went out before the store was restored", outgoing.kind,
                 outgoing.message_id, ", ".join(outgoing.recipients))
        return True

    # -- reconciling a store with its journal -----------------------------------------------------------
    def reconcile(self) -> None:
        """Give the store what the journal holds past the store's seq (see the module's docstring), in
        one transaction; one log line says what. Nothing to do (one look at the file's end) in normal
        operation. An entry that cannot be applied is skipped with a line; the others are applied."""
        if self.journal is None:
            return
        store_seq = self.store.journal_state()[1]
        if self.journal.last_seq <= store_seq:
            if self.journal.last_seq < store_seq:
                log.warning("the journal %s ends at entry %d but the store holds entries up to %d (the journal "
                            "was put back from an older copy or cut short); it continues from %d",
                            self.journal.path, self.journal.last_seq, store_seq, store_seq + 1)
            self.flush_now()
            return
        entries = self.journal.since(store_seq)
        # Queued entries the file holds already: appended just before a crash kept the store from knowing.
        in_file = {rid for rid, _ in self.store.journal_queue()} & {e.get("rid") for e in entries}
        done: Counter[str] = Counter()
        with self.store.transaction(), self.service.engine.quiet():
            mark = self.store.journal_queue_mark()
            for entry in entries:
                if entry.get("rid") in in_file:
                    continue  # the store made this change itself
                self.store.connection.execute("SAVEPOINT entry")
                try:
                    done[self._again(entry)] += 1
                except Exception as error:  # one entry that cannot be applied must not stop the others
                    self.store.connection.execute("ROLLBACK TO entry")
                    log.warning("journal entry %s (%s) could not be applied again: %s", entry.get("seq"),
                                entry.get("type"), error)
                    done["failed"] += 1
                self.store.connection.execute("RELEASE entry")
            self.store.journal_dequeue_after(mark)  # what applying made again is in the file already
            self._last_pass_at_least(max((e["at"] for e in entries if "at" in e), default=None))
            self.store.set_journal_seq(self.journal.last_seq)
            self.flush(skip=in_file)
        said = [f"{done[what]} {SUMMARY[what][done[what] != 1]}" for what in SUMMARY if done[what]]
        log.warning("the store was behind its journal (put back from a backup?): entries %d to %d reconciled: %s",
                    store_seq + 1, self.journal.last_seq, ", ".join(said) or "nothing to apply")

    def _again(self, entry: dict[str, Any]) -> str:
        """Apply one journal entry to the store; returns what it was, for the summary ('' for nothing)."""
        kind, at = entry.get("type"), datetime.fromisoformat(entry["at"])
        store, service = self.store, self.service
        if kind == "sent":
            row = store.outbox_row(entry["message_id"])
            if row is not None:
                waiting_for = {r.lower() for r in json.loads(row["recipients"])}
                if row["status"] == "pending" and waiting_for <= set(entry["recipients"]):
                    store.mark_sent(row["id"], at)
                    return "marked sent"
                return ""
            store.remember_sent_elsewhere(entry["key"], at)
            if entry.get("kind") == "digest" and entry["recipients"]:
                self._digest_sent(entry["recipients"][0], at)
            return "known sent"
        if kind == "seen":
            if store.seen(entry["message_id"]):
                return ""
            store.remember_inbound(entry["message_id"], at, entry.get("plan_id"), entry.get("resource_id"),
                                   entry.get("intent"), entry.get("outcome") or "")
            return "read"
        if kind == "version":
            return self._version(entry, at)
        stored = store.load(entry["plan_id"])
        if stored is None:
            raise LookupError(f"the plan {entry['plan_id']!r} is not in the store")
        engine = service.engine
        if kind == "reply":
            a = entry["answer"]
            answer = Answer(a["intent"], a.get("words", ""), _day(a.get("proposed_date")), _day(a.get("return_date")),
                            a.get("reason", ""))
            decisions = engine.reply(stored.plan, stored.state, entry["resource_id"], answer, at)
        elif kind == "rsvp":
            proposed = datetime.fromisoformat(entry["proposed"]) if entry.get("proposed") else None
            decisions = engine.rsvp(stored.plan, stored.state, entry["meeting_key"], entry["attendee"],
                                    entry["partstat"], at, proposed=proposed)
        elif kind == "decide_meeting":  # approving moves the meeting: a new version of the plan, as decide stored it
            approve = bool(entry["approve"])
            plan, decisions = engine.decide_meeting(stored.plan, stored.state, entry["meeting_key"], approve, at)
            service._apply(plan, decisions, at, file="(meeting moved)" if approve else None, new_version=approve,
                           previous=stored.plan)
            return "answered"
        elif kind == "decide":
            decisions = engine.decide(stored.plan, stored.state, entry["resource_id"], bool(entry["approve"]), at)
        else:
            raise ValueError(f"unknown entry type {kind!r}")
        service._apply(stored.plan, decisions, at)
        return "answered"

    def _version(self, entry: dict[str, Any], at: datetime) -> str:
        service = self.service
        plan = Plan.model_validate_json(entry["document"])
        stored = self.store.load(plan.id)
        if stored is not None and stored.version >= entry["version"]:
            return ""
        if stored is None:
            service._apply(plan, service.engine.start(plan, at), at, file=entry.get("file"), new_version=True)
            self.store.set_next_digest(plan.owner.email, service._next_digest(plan, at), only_if_missing=True)
        elif entry.get("file") == HANDED_OVER:  # a new owner, as Followthru.hand_over made it: no decision
            decisions = Decisions(stored.state)
            decisions.wake(at)
            service._apply(plan, decisions, at, file=HANDED_OVER, new_version=True)
            self.store.set_next_digest(plan.owner.email, service._next_digest(plan, at), only_if_missing=True)
        else:
            decisions = service.engine.update(stored.plan, plan, stored.state, at)
            service._apply(plan, decisions, at, file=entry.get("file"), new_version=True, previous=stored.plan)
        return "versions"

    def _last_pass_at_least(self, at: str | None) -> None:
        """The daemon worked until ``at`` at least (the journal says so): a store put back from an older
        copy must not take the time since the copy for an outage, and tell owners what 'lapsed'."""
        from followthru.daemon import LAST_PASS

        text = self.store.get_sync(LAST_PASS)
        last = json.loads(text) if text else None
        if at is None or not last or datetime.fromisoformat(last["at"]) >= datetime.fromisoformat(at):
            return
        self.store.put_sync(LAST_PASS, json.dumps({**last, "at": datetime.fromisoformat(at).isoformat()}))

    def _digest_sent(self, owner: str, at: datetime) -> None:
        """A digest went out at ``at``: the next one is the one after it, not one made again now."""
        due = self.store.next_digest_of(owner)
        plan_ids = self.store.plan_ids(owner)
        if due is None or due > at or not plan_ids:
            return
        stored = self.store.load(plan_ids[0])
        self.store.set_next_digest(owner, self.service._next_digest(stored.plan, at))


def _subject(raw: bytes) -> str:
    """The message's subject, decoded; only the header block is read."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return str(email.message_from_bytes(head + b"\n\n", policy=email.policy.default)["Subject"] or "")


def _invitation(raw: bytes) -> list[Any]:
    """METHOD, UID and SEQUENCE of the calendar part of a message ([] when it has none). Read by hand
    from the part's lines, with the plain (compat32) parser: it runs for every invitation sent."""
    for part in email.message_from_bytes(raw).walk():
        if part.get_content_type() != "text/calendar":
            continue
        payload = part.get_payload(decode=True) or b""
        text = re.sub(r"\r?\n[ \t]", "", payload.decode("utf-8", "replace"))  # unfold
        found: dict[str, str] = {}
        in_event = False
        for line in text.splitlines():
            name, _, value = line.partition(":")
            name = name.split(";", 1)[0].strip().upper()
            if name == "BEGIN" and value.strip().upper() == "VEVENT":
                in_event = True
            elif name == "METHOD" or (in_event and name in ("UID", "SEQUENCE")):
                found.setdefault(name, value.strip())
        sequence = found.get("SEQUENCE", "0")
        return [found.get("METHOD", "REQUEST").upper(), found.get("UID", ""),
                int(sequence) if sequence.isdigit() else 0]
    return []
