"""One pass of Followthru, and the loop that repeats it.

A pass (:meth:`Followthru.tick`) does, in order: take in dropped plan files, read new replies,
let the engine look at the plans whose time has come, send owners' digests, and deliver what the
outbox holds. Every decision is stored in one transaction together with the messages it makes;
delivery happens after, so a crash at any point loses nothing and doubles nothing.
"""

from __future__ import annotations

import copy
import email.policy
import errno
import hashlib
import json
from collections import deque
from itertools import islice
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
import logging
import os
import signal
import socket
import sqlite3
import threading
import time as clock
from dataclasses import dataclass, field, replace
from email.parser import BytesHeaderParser
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from followthru.backends import open_calendar, open_mail
from followthru.backends.base import CalendarBackend
from followthru.backends.meetings import read_meeting
from followthru.config import Config
from followthru.decisions import OWNER, Decisions, Send
from followthru.engine import Engine
from followthru.engine_meetings import pending_proposals
from followthru.states import Answer
from followthru.backends.base import Incoming, MailBackend, Refusal, SendError, Unavailable
from followthru.mail.compose import Built, with_date
from followthru.drafting import Drafted, Drafter
from followthru.journal import STORE_REFUSED_EXIT, Memory, RecordingEngine, StoreRefused, open_store
from followthru.matching import ASK_FREE_INTENTS, Ambiguous, Match, Matcher, is_attendee, own_due_date
from followthru.messages import Composer
from followthru.phrases import Phrase
from followthru.plan import Plan
from followthru.uids import event_uid
from followthru.planfile import PlanResult, load_plan, owner_change, past_deadlines
from followthru.render import Renderer
from followthru.replies import Reply, read_reply, settle_for
from followthru.replies.authentication import forged_sender
from followthru.schedule import BusinessClock
from followthru.store import Outgoing, StoredPlan
from followthru.tokens import token_key
from followthru.lock import Busy, Holder, LockError, WorkspaceLock, pass_lock, run_lock
from followthru.watch import Wakeup, claim, is_plan_file, plan_folders, ready_files, reject

log = logging.getLogger(__name__)


@dataclass
class PassReport:
    """What one pass did, for logs and tests."""

    plans_started: int = 0
    plans_updated: int = 0
    plans_rejected: int = 0
    replies: int = 0
    plans_ticked: int = 0
    sent: int = 0
    failed: int = 0
    waiting_files: float | None = None
    plans_left: int = 0  # plan files ready in plans/incoming that this pass left for the next
    replies_left: int = 0  # messages waiting in the inbox that this pass left for the next (0: none known)
    next_send: datetime | None = None  # when the next queued message may go, if one waits
    errors: list[str] = field(default_factory=list)

    @property
    def more_waiting(self) -> bool:
        """Files were left for the next pass: it should start at once."""
        return bool(self.plans_left or self.replies_left)

    def __str__(self) -> str:
        left = f"; left for the next pass: {self.plans_left} plan files, {self.replies_left} replies" \
            if self.more_waiting else ""
        # A quiet "sent 0" says when the queued mail goes (a send window that is closed, a retry).
        waiting = f" (next message queued for {self.next_send:%a %d %b %H:%M} UTC: the send window or a retry)" \
            if self.next_send is not None and not self.sent else ""
        return (f"started {self.plans_started}, updated {self.plans_updated}, rejected {self.plans_rejected}, "
                f"replies {self.replies}, plans looked at {self.plans_ticked}, sent {self.sent}{waiting}, "
                f"failed {self.failed}{left}")


class Followthru:
    """The daemon's work, on one workspace. ``backend`` and ``calendar`` default to the configured ones.

    Opening refuses (:class:`~followthru.journal.StoreRefused`) a store that is missing, empty or another
    workspace's while the workspace has been at work, and brings a store put back from a backup up to
    date with the journal. ``read_only`` (status, log): never creates a store, and leaves it as it is.
    """

    def __init__(self, config: Config, backend: MailBackend | None = None, calendar: CalendarBackend | None = None,
                 read_only: bool = False):
        self.config = config
        self.folders = plan_folders(config.plans_dir)
        self.store, journal = open_store(config, read_only)
        self.store.pin_timezones(config.schedule.timezone)  # plans stored before timezones were pinned
        self.engine = RecordingEngine(config, self.store)  # answers given to it go to the journal
        self.clock = BusinessClock(config.schedule, always_open=config.workspace.try_out)
        self.secret = config.token_secret()
        self.composer = Composer(config, Renderer(config.templates_dir), self.secret)
        self.drafter = Drafter(config, self.composer)
        self._pool: ProcessPoolExecutor | None = None
        self.backend = backend or open_mail(config, self.store)
        self.calendar = calendar or open_calendar(config, self.store)
        self._delivery_paused_until = 0.0
        self._delivery_backoff = MIN_PAUSE_SECONDS
        self.domain = config.sender.email.rpartition("@")[2]
        self.aliases = {k.lower(): {a.lower() for a in v} for k, v in config.mail.aliases.items()}
        self.matcher = Matcher(self.store, config.sender.email, self.secret, self.aliases)
        self.memory = Memory(self, journal)
        self.memory.reconcile()  # a store put back from a backup learns what happened since

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self.backend.close()
        if self.calendar is not None:
            self.calendar.close()
        self.store.close()

    # -- one pass --------------------------------------------------------------------------------
    def tick(self, now: datetime, by: str = "tick") -> PassReport:
        """One pass at time ``now`` (``by``: "run" for the daemon's loop, "tick" for one pass by hand).
        One bad input never stops the pass: it is reported and skipped.

        Answers come first: every reply already received is applied before time is let pass for any
        plan, so nobody is reminded of a request whose answer is waiting in the inbox.
        """
        report = PassReport()
        since = self._down_since(now)
        self._replies(now, report)
        if self.calendar is not None:
            self._calendar_answers(now, report)
        self._intake(now, report)
        if not report.replies_left:  # answers still waiting: time passes once they are read
            due = self.store.due_plans(now, DUE_PLANS_PER_PASS)
            lapsed: dict[str, list[tuple[Plan, list[Phrase]]]] = {}
            for plan_id in due:
                self._guard(report, f"plan {plan_id}", self._tick_plan, plan_id, now, since, lapsed)
                report.plans_ticked += 1
            if lapsed:
                self._guard(report, "lapsed notice", self._tell_lapsed, lapsed, since, now)
            self._digests(now, report)
            if len(due) < DUE_PLANS_PER_PASS:  # caught up: the next pass is an ordinary one
                with self.store.transaction():
                    self.store.put_sync(LAST_PASS, json.dumps({"at": now.isoformat(), "by": by}))
        self._deliver(now, report)
        report.next_send = self.store.next_message()
        return report

    def _down_since(self, now: datetime) -> datetime | None:
        """When the daemon's loop last made a pass, if that was long enough ago to call it down.

        Only a stopped ``run`` counts: where passes are made by hand or by a timer, gaps between
        them are how it is meant to work."""
        text = self.store.get_sync(LAST_PASS)
        last = json.loads(text) if text else None
        if not last or last.get("by") != "run":
            return None
        at = datetime.fromisoformat(last["at"])
        return at if now - at > CATCH_UP_AFTER else None

    def _guard(self, report: PassReport, what: str, action, *args) -> Any:
        try:
            return action(*args)
        except (sqlite3.OperationalError, OSError) as error:  # the machine, not the input: no traceback
            log.error("%s: %s", what, explain_failure(error, self.config))
            report.errors.append(f"{what}: {error}")
        except Exception as error:  # one bad input must not stop the daemon
            log.exception("%s failed", what)
            report.errors.append(f"{what}: {error}")
        return None

    # -- plans -----------------------------------------------------------------------------------
    def _intake(self, now: datetime, report: PassReport) -> None:
        files, report.waiting_files, report.plans_left = ready_files(self.folders["incoming"], limit=PLANS_PER_PASS)
        prepared = self._prepare_in_parallel(files, now) if len(files) >= PARALLEL_FROM else iter(())
        for number, path in enumerate(files, start=1):
            ready = next(prepared, None)
            self._guard(report, f"plan file {path.name}", self._take_in, path, now, report, ready)
            if number % PROGRESS_EVERY == 0 or (number == len(files) and len(files) >= PROGRESS_EVERY):
                log.info("taking in plan files: %d of %d in this pass, %d more waiting", number, len(files),
                         report.plans_left)

    def _prepare_in_parallel(self, files: list[Path], now: datetime) -> Iterator[Prepared | None]:
        """Read, decide and draft many new plans on every core, in file order, while this process
        stores the ones already done."""
        if (os.cpu_count() or 1) < 2:
            return iter(())
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=get_context("spawn"),
                                             initializer=_start_worker, initargs=(self.config,))
        pool, waiting = self._pool, iter(files)

        def chunks() -> Iterator[list[Path]]:
            while chunk := list(islice(waiting, CHUNK)):
                yield chunk

        def results() -> Iterator[Prepared | None]:
            batches = chunks()
            flying = deque(pool.submit(_prepare_new_plans, chunk, now) for chunk in islice(batches, IN_FLIGHT))
            while flying:
                try:
                    yield from flying.popleft().result()
                except Exception as error:  # only costs speed: these files are taken in the slow way
                    log.warning("preparing plans in a worker failed: %s", error)
                    yield from [None] * CHUNK
                flying.extend(pool.submit(_prepare_new_plans, chunk, now) for chunk in islice(batches, 1))
            while True:
                yield None

        return results()

    def _take_in(self, path: Path, now: datetime, report: PassReport, prepared: Prepared | None = None) -> None:
        if not is_plan_file(path) or path.is_symlink():
            reason = "a symbolic link; drop the file itself" if path.is_symlink() else \
                "not a plan file; use .toml, .yaml, .yml or .json"
            reject(path, self.folders, [f"{path.name}: (file): {reason}"])
            report.plans_rejected += 1
            return
        stored = self.store.load(prepared.plan.id) if prepared is not None else None
        if stored is not None:
            prepared = None  # workers prepare new plans only: a new version is read and decided here
        result = PlanResult(path, prepared.plan) if prepared else \
            load_plan(path, self.config.schedule.timezone, self.config.mail.allowed_domains)
        if not result.ok:
            stored = None
        elif prepared is None and (stored is None or stored.plan.id != result.plan.id):
            stored = self.store.load(result.plan.id)  # read here: not looked up before, or the file changed
        if result.ok and stored is None:
            result.problems = past_deadlines(result, now, self.config.schedule.timezone)
        tell = result.owner_email
        if result.ok and stored is not None and (change := owner_change(result, stored.plan.owner.email)):
            result.problems, tell = [change], stored.plan.owner.email  # the plan's owner hears of the attempt
        if result.problems:
            problems = [str(p) for p in result.problems]
            with self.store.transaction():
                target_name = path.name
                if tell:
                    message = self.composer.rejected(tell, target_name,
                                                     [p.replace(str(path), target_name, 1) for p in problems], now)
                    self._record(message, None, None, "owner_rejected", now)
                self.store.audit(now, None, None, f"plan file {path.name} rejected: {len(problems)} problems")
            reject(path, self.folders, problems)
            log.warning("rejected %s: %s", path.name, "; ".join(problems))
            report.plans_rejected += 1
            return
        # Times without an offset keep the timezone they were first read in, whatever the config says later.
        plan = result.plan.pinned(stored.plan.plan.timezone if stored and stored.plan.plan.timezone
                                  else self.config.schedule.timezone)
        with self.store.transaction():
            if stored is None:
                decisions, drafted = (prepared.decisions, prepared.drafted) if prepared \
                    else (self.engine.start(plan, now), None)
                self._apply(plan, decisions, now, file=path.name, new_version=True, drafted=drafted)
                self.store.set_next_digest(plan.owner.email, self._next_digest(plan, now), only_if_missing=True)
                report.plans_started += 1
            elif stored.plan != plan:
                decisions = self.engine.update(stored.plan, plan, stored.state, now)
                self._apply(plan, decisions, now, file=path.name, new_version=True, previous=stored.plan)
                report.plans_updated += 1
        claim(path, self.folders, plan.id)

    def _tick_plan(self, plan_id: str, now: datetime, since: datetime | None = None,
                   lapsed: dict[str, list[tuple[Plan, list[Phrase]]]] | None = None) -> None:
        stored = self.store.load(plan_id)
        with self.store.transaction():
            decisions = self.engine.tick(stored.plan, stored.state, now, since=since)
            self._apply(stored.plan, decisions, now, ticked=True)
        if decisions.lapsed and lapsed is not None:
            lapsed.setdefault(stored.plan.owner.email.lower(), []).append((stored.plan, decisions.lapsed))

    def _tell_lapsed(self, lapsed: dict[str, list[tuple[Plan, list[Phrase]]]], since: datetime,
                     now: datetime) -> None:
        """One notice per owner of everything that lapsed while the daemon was down."""
        with self.store.transaction():
            for owner_email, plans in lapsed.items():
                message = self.composer.lapsed(owner_email, since, now, plans)
                not_before = self.clock.next_window(now, self._owner_zone(plans[0][0]))
                self._record(message, None, None, "owner_lapsed", now, not_before)
                self.store.audit(now, None, None, f"owner {owner_email} told what lapsed since {since:%Y-%m-%d %H:%M}"
                                                  f" in {len(plans)} plans")

    def hand_over(self, plan_id: str, email: str, name: str | None, now: datetime) -> None:
        """Give a plan to another owner (the only way its owner changes). Both owners are told; the
        new owner's next version of the plan file must name them. Raises LookupError/ValueError."""
        stored = self.store.load(plan_id)
        if stored is None:
            raise LookupError(f"no plan with the id {plan_id!r}")
        old = stored.plan.owner
        if old.email.lower() == email.lower():
            raise ValueError(f"{plan_id} already belongs to {old.email}")
        owner = type(old).model_validate({**old.model_dump(), "email": email, "name": name or email})
        plan = stored.plan.model_copy(update={"owner": owner})
        decisions = Decisions(copy.deepcopy(stored.state))
        decisions.wake(now)
        decisions.audit.append((None, f"handed from {old.email} to {owner.email}"))
        with self.store.transaction():
            self._apply(plan, decisions, now, file="(handed over)", new_version=True)
            not_before = self.clock.next_window(now, self._owner_zone(plan))
            for person in (old.email, owner.email):
                self._record(self.composer.handed_over(plan, old.email, owner.email, person, now), plan_id, None,
                             "owner_handed_over", now, not_before)
            self.store.set_next_digest(owner.email, self._next_digest(plan, now), only_if_missing=True)

    def decide(self, plan_id: str, resource_id: str, approve: bool, now: datetime) -> None:
        """The owner's answer to a counter-proposal: ``resource_id`` names a resource, or a meeting
        with a proposed new time waiting (approving moves the meeting in the stored plan).
        Raises LookupError/ValueError with a clear message."""
        stored = self.store.load(plan_id)
        if stored is None:
            raise LookupError(f"no plan with the id {plan_id!r}")
        with self.store.transaction():
            meeting_only = resource_id in {m.key for m in stored.plan.meetings} and \
                all(r.id != resource_id for r in stored.plan.resources)
            if meeting_only or pending_proposals(stored.state, resource_id):
                plan, decisions = self.engine.decide_meeting(stored.plan, stored.state, resource_id, approve, now)
                self._apply(plan, decisions, now, file="(meeting moved)" if approve else None,
                            new_version=approve, previous=stored.plan)
            else:
                self._apply(stored.plan, self.engine.decide(stored.plan, stored.state, resource_id, approve, now),
                            now)
        self.memory.flush_now()

    # -- replies ---------------------------------------------------------------------------------
    def _replies(self, now: datetime, report: PassReport) -> None:
        try:
            for incoming in self.backend.fetch_new():
                self._guard(report, f"reply {incoming.ref}", self._take_reply, incoming, now)
                report.replies += 1
                if report.replies % PROGRESS_EVERY == 0:  # a first sync of a full mailbox takes a while
                    log.info("reading the inbox: %d messages so far in this pass", report.replies)
            report.replies_left = getattr(self.backend, "left", 0)  # backends that read by the batch
        except Unavailable as error:  # replies wait on the server; they are read when it is back
            log.warning("reading replies: %s", error)
            report.errors.append(f"reading replies: {error}")

    def _calendar_answers(self, now: datetime, report: PassReport) -> None:
        """Attendees' answers the calendar service reports, applied like iMIP replies."""
        try:
            for answer in self.calendar.answers():
                found = self.store.meeting_by_uid(answer.uid)
                if found is None:
                    continue
                plan_id, meeting_key = found
                partstat = "COUNTER" if answer.proposed_start else answer.partstat
                with self.store.transaction():
                    stored = self.store.load(plan_id)
                    if not self._invited(stored, meeting_key, answer.attendee, now):
                        continue
                    self._apply(stored.plan, self.engine.rsvp(stored.plan, stored.state, meeting_key,
                                                              answer.attendee.lower(), partstat, now,
                                                              proposed=answer.proposed_start), now)
                report.replies += 1
        except Unavailable as error:
            log.warning("reading calendar answers: %s", error)
            report.errors.append(f"calendar answers: {error}")

    def _take_reply(self, incoming: Incoming, now: datetime) -> None:
        reply = read_reply(incoming.raw, self.config.schedule.timezone)
        message_id = reply.message_id or "<sha256-" + hashlib.sha256(incoming.raw).hexdigest() + "@followthru>"
        if not self.store.seen(message_id):
            forged = forged_sender(incoming.raw, self.config.mail.authserv_id)
            with self.store.transaction():
                plan_id, resource_id, outcome = self._refuse_forged(reply, forged, now) if forged \
                    else self._route(reply, now)
                self.store.remember_inbound(message_id, now, plan_id, resource_id, reply.intent, outcome)
            self.memory.flush_now()  # the reply into the journal before it is filed away
            log.info("reply %s from %s: %s (%s)", message_id, reply.sender, reply.intent, outcome)
        self.backend.done(incoming)

    def _refuse_forged(self, reply: Reply, checks: str, now: datetime) -> tuple[str | None, str | None, str]:
        """The receiving server found the sender forged: apply nothing; tell the owner it was about."""
        found = self.matcher.request(reply, self.matcher.sent_message(reply))
        match = (found.plan_id, found.resource_id) if isinstance(found, Match) else None
        if match is None:
            self.store.audit(now, None, None, f"forged reply ({checks}) from {reply.sender}: not applied")
            return None, None, "forged"
        plan_id, resource_id = match
        stored = self.store.load(plan_id)
        resource = next((r for r in stored.plan.resources if r.id == resource_id), None)
        self._notify_owner(stored, "owner_unmatched", resource_id, now, reply, reason="forged", checks=checks,
                           claimed=resource.name if resource else "")
        self.store.audit(now, plan_id, resource_id, f"forged reply ({checks}) from {reply.sender}: not applied")
        return plan_id, resource_id, "forged"

    def _route(self, reply: Reply, now: datetime) -> tuple[str | None, str | None, str]:
        """Match a reply to a commitment (or a meeting, or a counter decision) and apply it."""
        if reply.calendar and reply.calendar.method in ("REPLY", "COUNTER"):
            found = self.store.meeting_by_uid(reply.calendar.uid)
            if found:
                return self._rsvp(found, reply, now)
        if reply.intent == "bounce":
            match = self.matcher.bounce(reply)
            if match:
                plan_id, resource_id = match
                self._answer(plan_id, resource_id, reply, now)
                return plan_id, resource_id, "bounce applied"
        sent = self.matcher.sent_message(reply)
        if sent is not None and sent["kind"] == "owner_counter":
            return self._owner_decision(sent, reply, now)
        if sent is not None and sent["kind"].startswith("owner_"):
            self.store.audit(now, sent["plan_id"], sent["resource_id"],
                             f"reply to the {sent['kind']} notice from {reply.sender}: nothing to do")
            return sent["plan_id"], sent["resource_id"], "reply to a notice"
        found = self.matcher.request(reply, sent)
        if isinstance(found, Ambiguous):
            return self._ambiguous(found, reply, now)
        if found is None:
            self.store.audit(now, None, None, f"unmatched reply from {reply.sender}: {reply.subject[:80]}")
            return None, None, "unmatched"
        plan_id, resource_id = found.plan_id, found.resource_id
        stored = self.store.load(plan_id)
        resource = next((r for r in stored.plan.resources if r.id == resource_id), None)
        claimed = resource.name if resource else resource_id
        if reply.relayed_by:
            self._notify_owner(stored, "owner_unmatched", resource_id, now, reply, reason="list",
                               list_id=reply.relayed_by, claimed=claimed)
            self.store.audit(now, plan_id, resource_id, f"reply relayed by a list ({reply.relayed_by}) from "
                                                        f"{reply.sender}: not applied")
            return plan_id, resource_id, "relayed by a list"
        if not self.matcher.from_resource(reply.sender, resource):
            self._notify_owner(stored, "owner_unmatched", resource_id, now, reply, reason="unverified",
                               claimed=claimed)
            self.store.audit(now, plan_id, resource_id, f"unverified reply from {reply.sender}: not applied")
            return plan_id, resource_id, "unverified"
        commitment = stored.state.commitments.get(resource_id)
        if found.ask and commitment and found.ask != commitment.terms and reply.intent not in ASK_FREE_INTENTS:
            return self._stale(stored, found, commitment.terms, reply, now, claimed)
        self._answer(plan_id, resource_id, reply, now)
        return plan_id, resource_id, "applied"

    def _stale(self, stored: StoredPlan, found: Match, current_ask: str, reply: Reply, now: datetime,
               claimed: str) -> tuple[str, str, str]:
        """An answer to an earlier version of the person's ask: they stay asked; the owner is told."""
        answered = self.store.ask_by_token(token_key(found.plan_id, found.resource_id, found.ask))
        current = self.store.ask_by_token(token_key(found.plan_id, found.resource_id, current_ask))
        answered_version = answered["plan_version"] if answered else "an earlier"
        current_version = current["plan_version"] if current else stored.version
        self._notify_owner(stored, "owner_unmatched", found.resource_id, now, reply, reason="stale",
                           claimed=claimed, answered_version=answered_version, current_version=current_version)
        self.store.audit(now, found.plan_id, found.resource_id,
                         f"reply ({reply.intent}) to version {answered_version} of the ask, not the current one "
                         f"(version {current_version}): not applied; owner told")
        return found.plan_id, found.resource_id, "stale ask"

    def _ambiguous(self, found: Ambiguous, reply: Reply, now: datetime) -> tuple[None, None, str]:
        """The sender is asked in several open plans and nothing says which: apply to none, tell each owner."""
        plans = [self.store.load(plan_id) for plan_id, _ in found.candidates]
        titles = [p.plan.plan.title for p in plans]
        told: set[str] = set()
        for stored, (plan_id, resource_id) in zip(plans, found.candidates):
            owner = stored.plan.owner.email.lower()
            if owner not in told:  # one notice per owner, naming every plan it could be for
                told.add(owner)
                self._notify_owner(stored, "owner_unmatched", resource_id, now, reply, reason="ambiguous",
                                   plans=titles)
            self.store.audit(now, plan_id, resource_id, f"reply from {reply.sender} could be for "
                                                        f"{len(plans)} open plans: not applied; owner told")
        return None, None, "ambiguous"

    def _answer(self, plan_id: str, resource_id: str, reply: Reply, now: datetime) -> None:
        stored = self.store.load(plan_id)
        reply = settle_for(reply, own_due_date(stored.plan, stored.state, resource_id))
        reason = reply.bounce.diagnostic if reply.bounce else ""
        answer = Answer(reply.intent, reply.words, reply.proposed_date, reply.return_date, reason)
        self._apply(stored.plan, self.engine.reply(stored.plan, stored.state, resource_id, answer, now), now)

    def _rsvp(self, found: tuple[str, str], reply: Reply, now: datetime) -> tuple[str, None, str]:
        plan_id, meeting_key = found
        answer = reply.calendar
        if answer.attendee != reply.sender and answer.attendee not in self.aliases.get(reply.sender, set()):
            self.store.audit(now, plan_id, None, f"calendar answer for {answer.attendee} sent by {reply.sender}: "
                                                 "not applied")
            return plan_id, None, "unverified rsvp"
        stored = self.store.load(plan_id)
        if not self._invited(stored, meeting_key, answer.attendee, now):
            return plan_id, None, "rsvp from a non-attendee"
        if reply.relayed_by:
            self.store.audit(now, plan_id, None, f"calendar answer relayed by a list ({reply.relayed_by}): "
                                                 "not applied")
            return plan_id, None, "rsvp relayed by a list"
        partstat = "COUNTER" if answer.method == "COUNTER" else (answer.partstat or "NEEDS-ACTION")
        self._apply(stored.plan, self.engine.rsvp(stored.plan, stored.state, meeting_key, answer.attendee,
                                                  partstat, now, proposed=answer.proposed_start), now)
        return plan_id, None, f"rsvp {partstat}"

    def _invited(self, stored: StoredPlan, meeting_key: str, attendee: str, now: datetime) -> bool:
        """Whether ``attendee`` is on the meeting's invitation; a calendar answer from anyone else is
        audited and not applied."""
        if is_attendee(stored, meeting_key, attendee):
            return True
        self.store.audit(now, stored.plan.id, None, f"calendar answer from {attendee}, who is not invited to "
                                                    f"{meeting_key}: not applied")
        return False

    def _owner_decision(self, sent, reply: Reply, now: datetime) -> tuple[str, str, str]:
        plan_id, resource_id = sent["plan_id"], sent["resource_id"]
        stored = self.store.load(plan_id)
        first = reply.words.strip().split()[0].upper().strip(".,!:") if reply.words.strip() else ""
        approve = first == "APPROVE" or (first != "REJECT" and reply.intent == "accept")
        reject_it = first == "REJECT" or (first != "APPROVE" and reply.intent == "decline")
        if reply.sender != stored.plan.owner.email.lower() or not (approve or reject_it):
            self.store.audit(now, plan_id, resource_id, f"reply to the counter notice from {reply.sender} "
                                                        "not read as a decision")
            return plan_id, resource_id, "no decision"
        try:
            self._apply(stored.plan, self.engine.decide(stored.plan, stored.state, resource_id, approve, now), now)
        except ValueError as error:
            self.store.audit(now, plan_id, resource_id, f"owner decision ignored: {error}")
            return plan_id, resource_id, "decision ignored"
        return plan_id, resource_id, "approved" if approve else "rejected"

    def _notify_owner(self, stored: StoredPlan, kind: str, resource_id: str, now: datetime, reply: Reply,
                      **facts: Any) -> None:
        zone = self._owner_zone(stored.plan)
        send = Send(kind, OWNER, self.clock.next_window(now, zone), about=resource_id,
                    facts={"their_words": reply.words, "message": {"sender": reply.sender, "subject": reply.subject,
                                                                    "date": reply.date}, **facts})
        self._apply_with(stored, send, now)

    def _apply_with(self, stored: StoredPlan, send: Send, now: datetime) -> None:
        """One more message for a plan, decided here rather than by the engine. The plan's state is
        unchanged; it is looked at again shortly, after the answers already waiting are applied."""
        decisions = Decisions(copy.deepcopy(stored.state), sends=[send])
        decisions.wake(now)
        self._apply(stored.plan, decisions, now)

    # -- applying decisions ------------------------------------------------------------------------
    def _apply(self, plan: Plan, decisions: Decisions, now: datetime, file: str | None = None,
               new_version: bool = False, previous: Plan | None = None,
               drafted: list[Drafted] | None = None, ticked: bool = False) -> None:
        """Store a decision and every message it makes, inside the caller's transaction.

        ``drafted`` holds the messages when a worker process wrote them already; ``ticked``: the
        decision is a look at the plan as time passes (not an answer or a new version).
        """
        state = decisions.state
        for resource_id in decisions.withdraw:
            self.store.withdraw(plan.id, None if resource_id == "*" else resource_id)
        if drafted is None:
            drafted = self.drafter.draft(plan, decisions, now, previous)
        for item in drafted:
            self._record(item.message, plan.id, item.resource_id, item.kind, now, item.not_before, item.ask)
        for resource_id, event in decisions.audit:
            self.store.audit(now, plan.id, resource_id, event)
        wake = decisions.next_wake
        if wake is not None and wake <= now:
            # Due now. An answer lets no time pass: the plan is looked at later in this same pass,
            # once every answer is in. A look that found it due again waits a minute: never a hot loop.
            wake = now + timedelta(minutes=1) if ticked else now
        if state.state in ("cancelled", "closed"):
            wake = None
        keys = {r.id: token_key(plan.id, r.id) for r in plan.resources}
        version = self.store.save(plan, state, now, wake, keys, file=file, new_version=new_version)
        for item in drafted:  # each version of an ask gets its own token: answers to old ones are told apart
            if item.ask and item.resource_id:
                self.store.remember_ask(token_key(plan.id, item.resource_id, item.ask), plan.id, item.resource_id,
                                        item.ask, version, now)
        uids = {key: event_uid(plan.id, key, self.domain) for key in state.meetings}
        self.store.save_meetings(plan.id, state, uids)

    def _record(self, message: Built, plan_id: str | None, resource_id: str | None, kind: str, now: datetime,
                not_before: datetime | None = None, ask: str | None = None) -> None:
        self.store.record_outgoing(message.message_id, plan_id, resource_id, kind, message.recipients,
                                   message.raw, not_before or now, now, message.envelope_from, ask)

    # -- digests and delivery ------------------------------------------------------------------------
    def _digests(self, now: datetime, report: PassReport) -> None:
        for owner_email in self.store.owners_due(now):
            self._guard(report, f"digest for {owner_email}", self._digest, owner_email, now)

    def _digest(self, owner_email: str, now: datetime) -> None:
        plans = [self.store.load(plan_id) for plan_id in self.store.plan_ids(owner_email)]
        open_plans = [p for p in plans if p and p.state.state in ("active", "committed")]
        with self.store.transaction():
            if not open_plans:
                self.store.set_next_digest(owner_email, None)
                return
            message = self.composer.digest([(p.plan, p.state) for p in open_plans], now)
            self._record(message, None, None, "digest", now)
            self.store.set_next_digest(owner_email, self._next_digest(open_plans[0].plan, now))

    def _next_digest(self, plan: Plan, now: datetime) -> datetime:
        zone = self._owner_zone(plan)
        day = self.clock.next_business_day(now.astimezone(zone).date())
        return datetime.combine(day, self.config.schedule.digest_at, tzinfo=zone)

    def _deliver(self, now: datetime, report: PassReport) -> None:
        """Hand due messages to the backend. A refused recipient is retried with backoff (4xx) or given up
        and reported (5xx); a server out of reach pauses delivery, with every message kept.

        What the backend took is written to the journal before the store marks it sent; a message the
        journal says went out before the store was put back from a backup is marked sent, not sent."""
        self._guard(report, "the journal", self.memory.flush_now)  # what this pass decided, even while delivery waits
        if clock.monotonic() < self._delivery_paused_until:
            return
        sent_elsewhere = self.memory.sent_elsewhere_waiting(now)
        try:
            for outgoing in self._due_messages(now):
                if outgoing.kind in REQUEST_KINDS and not self._still_asked(outgoing, now):
                    continue
                key = self.memory.key(outgoing)
                if sent_elsewhere and self.memory.sent_before(outgoing, key, now):
                    continue
                try:
                    # Date: is when the message is handed over, not when it was drafted.
                    refusals = self._hand_over(replace(outgoing, raw=with_date(outgoing.raw, now)))
                except SendError as error:
                    self._guard(report, f"message {outgoing.message_id}", self._not_sent, outgoing,
                                [Refusal(r, 500 if error.permanent else 400, str(error)) for r in outgoing.recipients],
                                now)
                    report.failed += 1
                    continue
                if refusals:
                    self.memory.partly_sent(outgoing, refusals, now)
                    self._guard(report, f"message {outgoing.message_id}", self._not_sent, outgoing, refusals, now)
                    report.failed += 1
                else:
                    with self.store.transaction():
                        self.store.mark_sent(outgoing.id, now)
                        self.store.audit(now, outgoing.plan_id, outgoing.resource_id,
                                         f"{outgoing.kind.replace('_', ' ')} sent to {', '.join(outgoing.recipients)}")
                        self.memory.sent(outgoing, outgoing.recipients, key, now)  # last: on file before the commit
                    report.sent += 1
        except (Unavailable, OSError) as error:
            self._delivery_paused_until = clock.monotonic() + self._delivery_backoff
            log.warning("delivery paused for %g s: %s", self._delivery_backoff, error)
            report.errors.append(f"delivery: {error}")
            self._delivery_backoff = min(self._delivery_backoff * 2, MAX_PAUSE_SECONDS)
        else:
            self._delivery_backoff = MIN_PAUSE_SECONDS
            self._delivery_paused_until = 0.0
        finally:
            self.backend.end_batch()

    def _still_asked(self, outgoing: Outgoing, now: datetime) -> bool:
        """A request or reminder waiting for its send window goes only while its person is still
        asked: after an outage their deadline may have passed and a backup taken over meanwhile."""
        state = self.store.commitment_state(outgoing.plan_id, outgoing.resource_id) \
            if outgoing.plan_id and outgoing.resource_id else None
        if state is None or state in STILL_ASKED:
            return True
        with self.store.transaction():
            self.store.withdraw_message(outgoing.id)
            self.store.audit(now, outgoing.plan_id, outgoing.resource_id,
                             f"{outgoing.kind.replace('_', ' ')} not sent: the request is {state} now")
        return False

    def _hand_over(self, outgoing: Outgoing) -> list[Refusal]:
        """Meeting invitations go to the calendar service when there is one; the rest is mail."""
        if outgoing.kind == "meeting" and self.calendar is not None:
            try:
                meeting = read_meeting(outgoing.raw)
            except ValueError as error:
                raise SendError(f"unreadable invitation: {error}", permanent=True) from None
            self.calendar.publish(meeting)
            return []
        return self.backend.send(outgoing.message_id, outgoing.recipients, outgoing.raw, outgoing.envelope_from)

    def _due_messages(self, now: datetime) -> Iterator[Outgoing]:
        """Pending messages due at ``now``, each at most once per pass, including the notices that
        refusals record while this pass delivers."""
        attempted: set[int] = set()
        for _ in range(3):
            batch = [o for o in self.store.pending(now) if o.id not in attempted]
            if not batch:
                return
            attempted.update(o.id for o in batch)
            yield from batch

    def seconds_until_due(self, now: datetime) -> float | None:
        """How long the loop may sleep before something is due (None: nothing is scheduled)."""
        waits = []
        paused = self._delivery_paused_until > clock.monotonic()
        due = self.store.next_due(outbox=not paused)  # while paused, due messages wait for the pause's end
        if due is not None:
            waits.append(max((due - now).total_seconds(), 0.0))
        if paused:
            waits.append(self._delivery_paused_until - clock.monotonic())
        return min(waits) if waits else None

    def _not_sent(self, outgoing: Outgoing, refusals: list[Refusal], now: datetime) -> None:
        """Some or all recipients were refused: try the temporary ones again later, report the others."""
        giving_up = now - outgoing.created_at >= self.config.mail.smtp.retry_for
        retry = [r for r in refusals if not r.permanent and not giving_up]
        final = [r for r in refusals if r not in retry]
        with self.store.transaction():
            if retry:
                wait = timedelta(seconds=min(60 * 2 ** outgoing.attempts, 3600))
                self.store.retry_later(outgoing.id, [r.recipient for r in retry], now + wait,
                                       "; ".join(map(str, retry)))
                log.info("%s: %s; again at %s", outgoing.message_id, "; ".join(map(str, retry)), now + wait)
            elif len(final) == len(outgoing.recipients):
                self.store.mark_failed(outgoing.id, "; ".join(map(str, final)))
            else:
                self.store.mark_sent(outgoing.id, now)
            reasons: dict[str, list[str]] = {}
            for refusal in final:
                reasons.setdefault(f"{refusal.code} {refusal.text}", []).append(refusal.recipient)
            for reason, recipients in reasons.items():  # a refused message is one notice, not one per person
                log.warning("%s not delivered to %s: %s", outgoing.message_id, ", ".join(recipients), reason)
                self._undelivered(outgoing, recipients, reason, now)

    def _undelivered(self, outgoing: Outgoing, recipients: list[str], reason: str, now: datetime) -> None:
        """Recipients refused for good: a request counts as bounced; anything else is told to the owner."""
        stored = self.store.load(outgoing.plan_id) if outgoing.plan_id else None
        self.store.audit(now, outgoing.plan_id, outgoing.resource_id,
                         f"{outgoing.kind} not delivered to {', '.join(recipients)}: {reason}")
        owner = stored.plan.owner.email.lower() if stored else ""
        recipients = [r for r in recipients if r.lower() != owner]
        if stored is None or not recipients:
            return  # nobody else to tell: the log and the audit trail say it
        resource = next((r for r in stored.plan.resources if r.id == outgoing.resource_id), None)
        if outgoing.kind in REQUEST_KINDS and resource and [resource.email.lower()] == [r.lower() for r in recipients]:
            answer = Answer("bounce", reason, None, None, reason)
            self._apply(stored.plan, self.engine.reply(stored.plan, stored.state, resource.id, answer, now), now)
            return
        subject = BytesHeaderParser(policy=email.policy.default).parsebytes(outgoing.raw)["Subject"] or ""
        send = Send("owner_undelivered", OWNER, self.clock.next_window(now, self._owner_zone(stored.plan)),
                    about=outgoing.resource_id,
                    facts={"recipient": ", ".join(recipients), "reason": reason,
                           "message": {"subject": subject, "kind": outgoing.kind}})
        self._apply_with(stored, send, now)

    def _owner_zone(self, plan: Plan) -> ZoneInfo:
        return ZoneInfo(plan.owner.timezone or plan.plan.timezone or self.config.schedule.timezone)

    # -- reading state ---------------------------------------------------------------------------------
    def status(self, plan_id: str | None = None) -> list[dict[str, Any]]:
        """Plans in the ``status --json`` shape of docs/design.md: what ``followthru status`` shows
        (see followthru.status)."""
        from followthru.status import plans

        return plans(self.store.connection, self.domain, plan_id)


REQUEST_KINDS = ("request", "backup_request", "reminder", "last_call")
STILL_ASKED = ("scheduled", "requested", "tentative", "away")  # states in which asking (again) makes sense
LAST_PASS = "pass.last"  # sync_state key: when the last pass that caught up ended, and who made it
CATCH_UP_AFTER = timedelta(hours=1)  # a daemon silent longer than this was down: the owner hears what lapsed
DUE_PLANS_PER_PASS = 500
PROGRESS_EVERY = 100  # a pass with this many plan files or inbox messages logs how far it got
MIN_PAUSE_SECONDS = 5.0  # a mail server out of reach is tried again after this, then less and less often
MAX_PAUSE_SECONDS = 60.0


# At most this many plan files per pass, so a pass ends well inside systemd's watchdog (120 s) however
# many are dropped at once; the rest go in the next passes, which follow at once. Measured with
# bench/big_drop.py: ~130 plans/s with delivery, so ~4 s, leaving room for a batch of replies
# (mail/maildir.py MAX_PER_PASS, ~10 s) and of deliveries in the same pass.
PLANS_PER_PASS = 500


# -- preparing new plans in worker processes ------------------------------------------------------------
PARALLEL_FROM = 16  # files in one pass before worker processes pay for their start-up
CHUNK = 4  # files per message to a worker
IN_FLIGHT = 8  # chunks out at once: memory stays flat however many files arrive


@dataclass(frozen=True)
class Prepared:
    plan: Plan
    decisions: Decisions
    drafted: list[Drafted]


_worker: tuple[Engine, Drafter] | None = None


def _start_worker(config: Config) -> None:
    global _worker
    composer = Composer(config, Renderer(config.templates_dir), config.token_secret())
    _worker = (Engine(config), Drafter(config, composer))


def _prepare_new_plans(paths: list[Path], now: datetime) -> list[Prepared | None]:
    return [_prepare_new_plan(path, now) for path in paths]


def _prepare_new_plan(path: Path, now: datetime) -> Prepared | None:
    """In a worker: a valid plan file's start decisions and messages; None for anything else."""
    engine, drafter = _worker
    result = load_plan(path, engine.config.schedule.timezone, engine.config.mail.allowed_domains)
    if not result.ok or past_deadlines(result, now, engine.config.schedule.timezone):
        return None
    plan = result.plan.pinned(engine.config.schedule.timezone)
    decisions = engine.start(plan, now)
    return Prepared(plan, decisions, drafter.draft(plan, decisions, now))


# -- the loop ----------------------------------------------------------------------------------------
def notify_systemd(state: str) -> None:
    """sd_notify without a library: a datagram to $NOTIFY_SOCKET when systemd gave one."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(address)
            sock.sendall(state.encode())
        except OSError as error:
            log.warning("could not notify systemd: %s", error)


def run(config: Config, once_every: float | None = None) -> int:
    """Run until SIGTERM or SIGINT: a pass whenever files arrive, and at least every poll interval.

    Nothing that goes wrong in a pass stops the loop: a failed pass is logged with what to do and
    tried again, waiting longer each time (5 s up to a minute), so a full disk, a read-only or
    damaged store or an unreachable server never makes a crash loop; work resumes by itself when
    the cause goes away.

    One run per workspace: raises :class:`followthru.lock.Busy` at once, naming the other, when
    another run holds the workspace. Every pass holds the pass lock, so a ``tick`` or ``decide``
    started by hand waits for the current pass and never works alongside it. A pass takes a
    bounded batch of files; while more wait, the next pass starts at once.
    """
    stopping = threading.Event()
    wakeups: list[Wakeup] = []

    def stop(signum, frame) -> None:
        log.info("signal %s: finishing the current pass, then stopping", signum)
        stopping.set()
        for wakeup in wakeups:
            wakeup.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    store = config.path(config.workspace.store)
    daemon_lock = _run_lock(store, config, stopping)
    if daemon_lock is None:
        return 0
    passes = pass_lock(store, "run")
    try:
        return _run(config, once_every, passes, stopping, wakeups)
    finally:
        passes.close()
        daemon_lock.close()


def _run_lock(store: Path, config: Config, stopping: threading.Event) -> WorkspaceLock | None:
    """The run lock, held; None when stopped first. :class:`Busy` at once when another run holds
    it; a lock file that cannot be made (a read-only or full disk) is tried again, waiting longer."""
    pause = MIN_PAUSE_SECONDS
    while not stopping.is_set():
        try:
            return run_lock(store, config.root)
        except Busy:
            raise
        except LockError as error:
            log.error("cannot start: %s; trying again in %g s", error, pause)
            notify_systemd(f"WATCHDOG=1\nSTATUS=cannot start: {error}")
            stopping.wait(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
    return None


def _run(config: Config, once_every: float | None, passes: WorkspaceLock, stopping: threading.Event,
         wakeups: list[Wakeup]) -> int:
    notify_systemd("READY=1\nSTATUS=starting")
    service = _open_service(config, stopping, passes)
    if service is None:
        notify_systemd("STOPPING=1")
        return 0
    wakeup = Wakeup([service.folders["incoming"]], once_every or config.workspace.poll_seconds)
    wakeups.append(wakeup)
    service.backend.watch(wakeup.set, wakeup.watch_folder)
    notify_systemd("STATUS=watching " + str(service.folders["incoming"]))
    log.info("followthru running on %s", config.root)
    if config.workspace.try_out:
        log.warning("a try-out workspace: mail goes at any hour of any day ([workspace] try_out = true); "
                    "set it to false for business hours")
    failures = 0
    try:
        while not stopping.is_set():
            try:
                if not passes.acquire(WATCHDOG_SLICE_SECONDS, stop=stopping, waiting=_log_waiting):
                    notify_systemd("WATCHDOG=1\nSTATUS=waiting for another followthru process to finish its pass")
                    continue
                started = clock.monotonic()
                try:
                    report = service.tick(datetime.now(timezone.utc), by="run")
                finally:
                    passes.release()
            except Exception as error:  # the pass failed as a whole: say why, wait, try again
                failures += 1
                pause = min(MIN_PAUSE_SECONDS * 2 ** (failures - 1), MAX_PAUSE_SECONDS)
                log.error("pass failed: %s; trying again in %g s", explain_failure(error, config), pause)
                log.debug("pass failure", exc_info=True)
                notify_systemd(f"WATCHDOG=1\nSTATUS=pass failed: {error}")
                stopping.wait(pause)
                continue
            failures = 0
            if report.sent or report.replies or report.plans_started or report.plans_updated or report.errors:
                log.info("pass: %s", report)
            notify_systemd(f"WATCHDOG=1\nSTATUS=last pass {clock.monotonic() - started:.2f}s, sent {report.sent}")
            if report.more_waiting:  # a big drop: the next batch at once, after any tick or decide waiting
                passes.give_turn(stopping)
            elif not stopping.is_set():
                waits = [w for w in (report.waiting_files, service.seconds_until_due(datetime.now(timezone.utc)))
                         if w is not None]
                wakeup.wait(min(waits) + 0.05 if waits else None)
    finally:
        notify_systemd("STOPPING=1")
        wakeup.stop()
        service.close()
    return 0


def _log_waiting(holder: Holder | None) -> None:
    log.info("waiting for %s to finish its pass", holder or "another followthru process")


WATCHDOG_SLICE_SECONDS = 30.0  # waiting for the pass lock, the loop still tells systemd it lives this often


def _open_service(config: Config, stopping: threading.Event, passes: WorkspaceLock) -> Followthru | None:
    """The service, once its store opens; until then, a clear log line and a wait that grows.
    Opening holds the pass lock (start-up may write to the store), but the waits in between do not."""
    pause = MIN_PAUSE_SECONDS
    while not stopping.is_set():
        try:
            if not passes.acquire(WATCHDOG_SLICE_SECONDS, stop=stopping, waiting=_log_waiting):
                notify_systemd("WATCHDOG=1\nSTATUS=waiting for another followthru process to finish its pass")
                continue
            try:
                return Followthru(config)
            finally:
                passes.release()
        except StoreRefused as refused:  # waiting cannot mend it: exit with the status systemd leaves stopped
            log.error("cannot start: %s", refused)
            notify_systemd(f"STATUS=cannot start: {refused}")
            raise SystemExit(STORE_REFUSED_EXIT) from None
        except (sqlite3.DatabaseError, OSError, LockError) as error:
            reason = error if isinstance(error, LockError) else explain_failure(error, config)
            log.error("cannot start: %s; trying again in %g s", reason, pause)
            notify_systemd(f"WATCHDOG=1\nSTATUS=cannot start: {error}")
        stopping.wait(pause)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)
    return None


def explain_failure(error: BaseException, config: Config) -> str:
    """What went wrong in words an operator can act on."""
    store = config.path(config.workspace.store)
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError):
        if "not a database" in text or "malformed" in text:
            return (f"the store {store} is damaged ({text}): stop Followthru and restore it from a backup; "
                    "the plan files stay in plans/")
        if "readonly" in text or "unable to open" in text:
            return (f"the store {store} cannot be written ({text}): check its owner, its mode and the file "
                    "system, for it and its folder")
        if "full" in text:
            return f"the disk holding {store} is full: free some space"
        return f"the store {store}: {text}"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"the disk is full writing {error.filename or config.root}: free some space"
    if isinstance(error, OSError):
        return f"{error.filename or config.root}: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"
