"""The journal as the daemon uses it: answers given to the engine queued for it, the file kept in step
with the store, messages told apart by meaning, and a store put back from a backup brought up to date.

The journal file itself, and the refusal of a store that is not this workspace's, are followthru.journal;
its module docstring says what is written when and how reconciling reads it.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from followthru.decisions import Decisions
from followthru.engine import Engine
from followthru.journal import HANDED_OVER, SENT_ELSEWHERE_KEEP, SUMMARY, AnyJournal
from followthru.plan import Plan
from followthru.states import Answer, PlanState
from followthru.store import Outgoing, Store, stamp

if TYPE_CHECKING:
    from followthru.applying import Applier
    from followthru.backends.base import Refusal
    from followthru.config import Config

log = logging.getLogger(__name__)

# sync_state key: when the last pass that caught up ended, and who made it (the pass writes it; a
# reconciled store moves it forward to the journal's last entry).
LAST_PASS = "pass.last"


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
        self._note(
            now,
            type="reply",
            plan_id=plan.id,
            resource_id=resource_id,
            answer={
                "intent": answer.intent,
                "words": answer.words,
                "reason": answer.reason,
                "proposed_date": _iso(answer.proposed_date),
                "return_date": _iso(answer.return_date),
            },
        )
        return decisions

    def rsvp(
        self,
        plan: Plan,
        state: PlanState,
        meeting_key: str,
        attendee: str,
        partstat: str,
        now: datetime,
        proposed: datetime | None = None,
    ) -> Decisions:
        decisions = super().rsvp(plan, state, meeting_key, attendee, partstat, now, proposed=proposed)
        self._note(
            now,
            type="rsvp",
            plan_id=plan.id,
            meeting_key=meeting_key,
            attendee=attendee,
            partstat=partstat,
            proposed=proposed.isoformat() if proposed else None,
        )
        return decisions

    def decide_meeting(
        self, plan: Plan, state: PlanState, meeting_key: str, approve: bool, now: datetime
    ) -> tuple[Plan, Decisions]:
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

    def __init__(self, applier: Applier, journal: AnyJournal | None):
        self.applier = applier
        self.store = applier.store
        self.journal = journal

    def flush(self, skip: AbstractSet[str] = frozenset()) -> None:
        """Inside a store transaction: the queued entries to the file, and the store's seq with them.
        ``skip``: entry ids the file holds already (appended before a crash kept the store from knowing)."""
        if self.journal is None:
            return
        store_seq = self.store.lock_journal()  # one daemon at a time numbers entries and appends them
        rows = self.store.journal_queue()
        if not rows:
            return
        seq = max(self.journal.last_seq, store_seq)
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
        self.store.journal_later(
            {
                "at": stamp(now),
                "type": "sent",
                "message_id": outgoing.message_id,
                "kind": outgoing.kind,
                "plan_id": outgoing.plan_id,
                "key": key,
                "recipients": sorted(r.lower() for r in recipients),
            }
        )
        self.flush()

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
        if outgoing.kind == "webhook":  # its id is the event's (followthru.webhooks)
            key.append(outgoing.message_id)
        elif b"text/calendar" in outgoing.raw:
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
        return self.applier.owner_zone(stored.plan) if stored else ZoneInfo(self.applier.config.schedule.timezone)

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
            self.store.audit(
                now,
                outgoing.plan_id,
                outgoing.resource_id,
                f"{outgoing.kind} not sent again: it went out before the store was restored",
            )
        log.info(
            "%s %s to %s not sent again: it went out before the store was restored",
            outgoing.kind,
            outgoing.message_id,
            ", ".join(outgoing.recipients),
        )
        return True

    # -- reconciling a store with its journal -----------------------------------------------------------
    def reconcile(self) -> None:
        """Give the store what the journal holds past the store's seq (see the module's docstring), in
        one transaction; one log line says what. Nothing to do (one look at the file's end) in normal
        operation. An entry that cannot be applied is skipped with a line; the others are applied."""
        if self.journal is None:
            return
        engine = self.applier.engine
        assert isinstance(engine, RecordingEngine), "the service's applier decides with the recording engine"
        done: Counter[str] = Counter()
        with self.store.transaction(), engine.quiet():
            # Daemons starting together: one reconciles, the others find it done.
            store_seq, last_seq = self.store.lock_journal(), self.journal.reach
            if last_seq <= store_seq:
                if last_seq < store_seq:
                    log.warning(
                        "the journal %s ends at entry %d but the store holds entries up to %d (the journal "
                        "was put back from an older copy or cut short); it continues from %d",
                        self.journal.path,
                        last_seq,
                        store_seq,
                        store_seq + 1,
                    )
                self.flush()
                return
            entries = self.journal.since(store_seq)
            # Queued entries the file holds already: appended just before a crash kept the store from knowing.
            in_file = {rid for rid, _ in self.store.journal_queue()} & {e.get("rid") for e in entries}
            mark = self.store.journal_queue_mark()
            for entry in entries:
                if entry.get("rid") in in_file:
                    continue  # the store made this change itself
                self.store.connection.execute("SAVEPOINT entry")
                try:
                    done[self._again(entry)] += 1
                except Exception as error:  # one entry that cannot be applied must not stop the others
                    self.store.connection.execute("ROLLBACK TO entry")
                    log.warning(
                        "journal entry %s (%s) could not be applied again: %s",
                        entry.get("seq"),
                        entry.get("type"),
                        error,
                    )
                    done["failed"] += 1
                self.store.connection.execute("RELEASE entry")
            self.store.journal_dequeue_after(mark)  # what applying made again is in the file already
            self._last_pass_at_least(max((e["at"] for e in entries if "at" in e), default=None))
            self.store.set_journal_seq(last_seq)
            self.flush(skip=in_file)
        said = [f"{done[what]} {SUMMARY[what][done[what] != 1]}" for what in SUMMARY if done[what]]
        log.warning(
            "the store was behind its journal (put back from a backup?): entries %d to %d reconciled: %s",
            store_seq + 1,
            last_seq,
            ", ".join(said) or "nothing to apply",
        )

    def _again(self, entry: dict[str, Any]) -> str:
        """Apply one journal entry to the store; returns what it was, for the summary ('' for nothing)."""
        kind, at = entry.get("type"), datetime.fromisoformat(entry["at"])
        store, applier = self.store, self.applier
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
            store.remember_inbound(
                entry["message_id"],
                at,
                entry.get("plan_id"),
                entry.get("resource_id"),
                entry.get("intent"),
                entry.get("outcome") or "",
            )
            return "read"
        if kind == "version":
            return self._version(entry, at)
        stored = store.load(entry["plan_id"])
        if stored is None:
            raise LookupError(f"the plan {entry['plan_id']!r} is not in the store")
        engine = applier.engine
        if kind == "reply":
            a = entry["answer"]
            answer = Answer(
                a["intent"],
                a.get("words", ""),
                _day(a.get("proposed_date")),
                _day(a.get("return_date")),
                a.get("reason", ""),
            )
            decisions = engine.reply(stored.plan, stored.state, entry["resource_id"], answer, at)
        elif kind == "rsvp":
            proposed = datetime.fromisoformat(entry["proposed"]) if entry.get("proposed") else None
            decisions = engine.rsvp(
                stored.plan,
                stored.state,
                entry["meeting_key"],
                entry["attendee"],
                entry["partstat"],
                at,
                proposed=proposed,
            )
        elif kind == "decide_meeting":  # approving moves the meeting: a new version of the plan, as decide stored it
            approve = bool(entry["approve"])
            plan, decisions = engine.decide_meeting(stored.plan, stored.state, entry["meeting_key"], approve, at)
            applier.apply(
                plan,
                decisions,
                at,
                file="(meeting moved)" if approve else None,
                new_version=approve,
                previous=stored.plan,
            )
            return "answered"
        elif kind == "decide":
            decisions = engine.decide(stored.plan, stored.state, entry["resource_id"], bool(entry["approve"]), at)
        else:
            raise ValueError(f"unknown entry type {kind!r}")
        applier.apply(stored.plan, decisions, at)
        return "answered"

    def _version(self, entry: dict[str, Any], at: datetime) -> str:
        applier = self.applier
        plan = Plan.model_validate_json(entry["document"])
        stored = self.store.load(plan.id)
        if stored is not None and stored.version >= entry["version"]:
            return ""
        if stored is None:
            applier.apply(plan, applier.engine.start(plan, at), at, file=entry.get("file"), new_version=True)
            self.store.set_next_digest(plan.owner.email, applier.next_digest(plan, at), only_if_missing=True)
        elif entry.get("file") == HANDED_OVER:  # a new owner, as Followthru.hand_over made it: no decision
            decisions = Decisions(stored.state)
            decisions.wake(at)
            applier.apply(plan, decisions, at, file=HANDED_OVER, new_version=True)
            self.store.set_next_digest(plan.owner.email, applier.next_digest(plan, at), only_if_missing=True)
        else:
            decisions = applier.engine.update(stored.plan, plan, stored.state, at)
            applier.apply(plan, decisions, at, file=entry.get("file"), new_version=True, previous=stored.plan)
        return "versions"

    def _last_pass_at_least(self, at: str | None) -> None:
        """The daemon worked until ``at`` at least (the journal says so): a store put back from an older
        copy must not take the time since the copy for an outage, and tell owners what 'lapsed'."""
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
        stored = self.store.load_known(plan_ids[0])
        self.store.set_next_digest(owner, self.applier.next_digest(stored.plan, at))


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
        payload = part.get_payload(decode=True)  # bytes for a single part; None when there is none
        content = payload if isinstance(payload, bytes) else b""
        text = re.sub(r"\r?\n[ \t]", "", content.decode("utf-8", "replace"))  # unfold
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
        return [
            found.get("METHOD", "REQUEST").upper(),
            found.get("UID", ""),
            int(sequence) if sequence.isdigit() else 0,
        ]
    return []
