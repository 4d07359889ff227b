"""One pass of Followthru (:meth:`Followthru.tick`); the loop that repeats it is followthru.service.

A pass does, in order: read new replies and calendar answers, take in dropped plan files, let the
engine look at the plans whose time has come, send owners' digests, and deliver what the outbox
holds. Every decision is stored in one transaction together with the messages it makes
(followthru.applying); delivery happens after, so a crash at any point loses nothing and doubles
nothing. Which request a reply answers, and what it then changes, is followthru.inbox.
"""

from __future__ import annotations

import copy
import email.policy
import hashlib
import json
import logging
import os
import random
import sqlite3
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from followthru import pruning, web_actions
from followthru.applying import Applier
from followthru.backends import open_calendar, open_mail
from followthru.backends.base import CalendarBackend, Incoming, MailBackend, Refusal, SendError, Unavailable
from followthru.backends.meetings import read_meeting
from followthru.claims import Claims
from followthru.config import Config
from followthru.decisions import OWNER, Decisions, Send
from followthru.drafting.compose import with_date
from followthru.drafting.drafter import Drafter
from followthru.drafting.messages import Composer
from followthru.drafting.render import Renderer
from followthru.failures import MAX_PAUSE_SECONDS, MIN_PAUSE_SECONDS, explain_failure
from followthru.inbox import calendar_answer, decide, refuse_forged, route
from followthru.journal import open_store
from followthru.matching import Matcher
from followthru.memory import LAST_PASS, Memory, RecordingEngine
from followthru.phrases import Phrase
from followthru.plan import Plan
from followthru.planfile import PlanResult, load_plan, owner_change, past_deadlines
from followthru.progress import Progress
from followthru.replies import read_reply
from followthru.replies.authentication import forged_sender
from followthru.schedule import BusinessClock
from followthru.states import Answer
from followthru.store import Outgoing
from followthru.watch import claim, is_plan_file, plan_folders, ready_files, reject
from followthru.webhooks import KIND as WEBHOOK
from followthru.workers import PlanWorkers, Prepared

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """A plan file read in a pass: its plan, or its problems; ``outcome`` "started", "updated", or
    "" (rejected, or the same as the stored plan)."""

    problems: list[str]
    plan: Plan | None
    outcome: str


@dataclass
class PassReport:
    """What one pass did, for logs and tests."""

    plans_started: int = 0
    plans_updated: int = 0
    plans_rejected: int = 0
    replies: int = 0
    web_actions: int = 0  # answers, decisions and sign-ins from the web pages
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
        left = (
            f"; left for the next pass: {self.plans_left} plan files, {self.replies_left} replies"
            if self.more_waiting
            else ""
        )
        # A quiet "sent 0" says when the queued mail goes (a send window that is closed, a retry).
        waiting = (
            f" (next message queued for {self.next_send:%a %d %b %H:%M} UTC: the send window or a retry)"
            if self.next_send is not None and not self.sent
            else ""
        )
        return (
            f"started {self.plans_started}, updated {self.plans_updated}, rejected {self.plans_rejected}, "
            f"replies {self.replies}, web {self.web_actions}, plans looked at {self.plans_ticked}, "
            f"sent {self.sent}{waiting}, "
            f"failed {self.failed}{left}"
        )


class Followthru:
    """The daemon's work, on one workspace. ``backend`` and ``calendar`` default to the configured ones.

    Opening refuses (:class:`~followthru.journal.StoreRefused`) a store that is missing, empty or another
    workspace's while the workspace has been at work, and brings a store put back from a backup up to
    date with the journal. ``read_only`` (status, log): never creates a store, and leaves it as it is.
    """

    def __init__(
        self,
        config: Config,
        backend: MailBackend | None = None,
        calendar: CalendarBackend | None = None,
        read_only: bool = False,
    ):
        self.config = config
        self.folders = plan_folders(config.plans_dir)
        self.store, journal = open_store(config, read_only)
        self.store.pin_timezones(config.schedule.timezone)  # plans stored before timezones were pinned
        self.claims = Claims(self.store)  # several daemons on one PostgreSQL store share the work
        self.engine = RecordingEngine(config, self.store)  # answers given to it go to the journal
        self.clock = BusinessClock(config.schedule, always_open=config.workspace.try_out)
        self.secret = config.token_secret()
        self.composer = Composer(config, Renderer(config.templates_dir), self.secret)
        self.drafter = Drafter(config, self.composer)
        self.workers = PlanWorkers(config)  # started at the first big drop of plan files
        self.backend = backend or open_mail(config, self.store)
        self.calendar = calendar or open_calendar(config, self.store)
        self._delivery_paused_until = 0.0
        self._delivery_backoff = MIN_PAUSE_SECONDS
        self._handed: list[tuple[Outgoing, str, datetime]] = []  # taken by the backend, not yet marked sent
        self.domain = config.sender.email.rpartition("@")[2]
        self.aliases = {k.lower(): {a.lower() for a in v} for k, v in config.mail.aliases.items()}
        self.matcher = Matcher(self.store, config.sender.email, self.secret, self.aliases)
        self.applier = Applier(config, self.store, self.engine, self.drafter, self.clock, self.domain)
        self.memory = Memory(self.applier, journal)
        self.memory.reconcile()  # a store put back from a backup learns what happened since

    def close(self) -> None:
        self.workers.close()
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
        self._mark_handed()
        since = self._down_since(now)
        if self.claims.hold("reader", "mailbox"):  # one daemon reads the mailbox at a time
            try:
                self._replies(now, report)
                if self.calendar is not None:
                    self._calendar_answers(self.calendar, now, report)
            finally:
                self.claims.let_go("reader", "mailbox")
        self._web_actions(now, report)
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
        self._guard(report, "pruning", pruning.prune, self.store, now, self.config.store.keep_sent)
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

    def _guard(self, report: PassReport, what: str, action: Callable[..., Any], *args: Any) -> Any:
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
        """The plan files ready in plans/incoming, taken in :data:`FILES_PER_TRANSACTION` at a time
        (one at a time when other daemons share the store)."""
        files, report.waiting_files, report.plans_left = ready_files(self.folders["incoming"], limit=PLANS_PER_PASS)
        if self.claims.shared:
            files = self._claim_files(files, report)
        prepared = self.workers.prepare(files, now) if self.workers.wanted(len(files)) else iter(())
        try:
            with Progress("taking in plan files", total=len(files), logger=log) as progress:
                if report.plans_left:
                    progress.detail = f"{report.plans_left:,} more waiting for the next passes"
                # several daemons take one file to a transaction: batches of new plans taken in
                # together by two of them lock the same rows in different orders (a deadlock)
                step = 1 if self.claims.shared else FILES_PER_TRANSACTION
                for start in range(0, len(files), step):
                    batch = files[start : start + step]
                    ready = [next(prepared, None) for _ in batch]
                    what = f"plan files {batch[0].name} to {batch[-1].name}"
                    self._guard(report, what, self._take_in_batch, batch, ready, now, report, progress)
        finally:
            for path in files:
                self.claims.let_go("file", path.name)

    def _claim_files(self, files: list[Path], report: PassReport) -> list[Path]:
        """With other daemons on the workspace: up to :data:`SHARED_FILES_PER_PASS` of the listed
        files that no other daemon holds, held until taken in; the others are left for the next
        pass. Daemons listing the same drop start at different files, so they seldom meet."""
        start = random.randrange(len(files)) if files else 0
        claimed: list[Path] = []
        for path in files[start:] + files[:start]:
            if len(claimed) < SHARED_FILES_PER_PASS and self.claims.hold("file", path.name):
                claimed.append(path)
        report.plans_left += len(files) - len(claimed)
        return claimed

    def _take_in_batch(
        self, batch: list[Path], ready: list[Prepared | None], now: datetime, report: PassReport, progress: Progress
    ) -> None:
        """Plan files taken in in one transaction, each in a savepoint of its own: a file that fails
        is rolled back alone, reported, and left in plans/incoming for the next pass.

        A file is moved (to active/ or rejected/) only once the transaction holding what was read
        from it has committed. A crash before the commit leaves the files with nothing of them
        stored: they are read again. A crash after it leaves files whose plans are stored: read
        again, each is its stored plan, so nothing is decided or sent twice, and it is moved."""
        read: list[tuple[Path, Taken]] = []
        with self.store.transaction():
            for path, prepared in zip(batch, ready, strict=True):
                taken = self._guard(report, f"plan file {path.name}", self._take_in_claimed, path, now, prepared)
                if taken is not None:
                    read.append((path, taken))
                progress.advance()
        for path, taken in read:  # committed: the files go where they belong
            self._guard(report, f"plan file {path.name}", self._file_away, path, taken, report)

    def _take_in_claimed(self, path: Path, now: datetime, prepared: Prepared | None) -> Taken | None:
        """Inside the batch's transaction: a plan file read and decided on, unless another daemon is
        taking it in, or has done so since it was listed (None)."""
        if not self.claims.hold("file", path.name) or not os.path.lexists(path):
            return None
        if not is_plan_file(path) or path.is_symlink():
            reason = (
                "a symbolic link; drop the file itself"
                if path.is_symlink()
                else "not a plan file; use .toml, .yaml, .yml or .json"
            )
            return Taken([f"{path.name}: (file): {reason}"], None, "")
        with self.store.savepoint():  # what is stored is read under the plan's lock (followthru.claims)
            return self._read_plan_file(path, now, prepared)

    def _file_away(self, path: Path, taken: Taken, report: PassReport) -> None:
        """After the commit: a file read moved to active/, or to rejected/ with its problems."""
        try:
            if not os.path.lexists(path):  # another daemon filed it while this one read it
                log.info("plan file %s was filed away by another daemon", path.name)
                return
            if taken.plan is None:
                report.plans_rejected += 1
                reject(path, self.folders, taken.problems)
                log.warning("rejected %s: %s", path.name, "; ".join(taken.problems))
            else:
                if taken.outcome == "started":
                    report.plans_started += 1
                elif taken.outcome == "updated":
                    report.plans_updated += 1
                claim(path, self.folders, taken.plan.id)
        finally:
            self.claims.let_go("file", path.name)

    def _read_plan_file(self, path: Path, now: datetime, prepared: Prepared | None) -> Taken | None:
        """Inside a transaction: a plan file taken in (started, or a new version decided on), or its
        problems recorded (the owner told); None when the file went away while it was read."""
        stored = self.store.load(prepared.plan.id) if prepared is not None else None
        if stored is not None:
            prepared = None  # workers prepare new plans only: a new version is read and decided here
        result = (
            PlanResult(path, prepared.plan)
            if prepared
            else load_plan(path, self.config.schedule.timezone, self.config.mail.allowed_domains)
        )
        if not result.ok and not os.path.lexists(path):
            # gone while it was read: taken in by another daemon (whose claim a restart of the
            # database let go of after its commit, before it moved the file), or removed
            log.info("plan file %s went away while it was read: left alone", path.name)
            return None
        plan_read = result.plan if result.ok else None
        if plan_read is None:
            stored = None
        elif prepared is None and (stored is None or stored.plan.id != plan_read.id):
            stored = self.store.load(plan_read.id)  # read here: not looked up before, or the file changed
        if plan_read is not None and stored is None and prepared is None:  # a worker prepares none past them
            result.problems = past_deadlines(result, now, self.config.schedule.timezone)
        tell = result.owner_email
        if plan_read is not None and stored is not None and (change := owner_change(result, stored.plan.owner.email)):
            result.problems, tell = [change], stored.plan.owner.email  # the plan's owner hears of the attempt
        if result.problems:
            problems = [str(p) for p in result.problems]
            if tell:
                shown = [p.replace(str(path), path.name, 1) for p in problems]
                self.applier.record(
                    self.composer.rejected(tell, path.name, shown, now), None, None, "owner_rejected", now
                )
            self.store.audit(now, None, None, f"plan file {path.name} rejected: {len(problems)} problems")
            return Taken(problems, None, "")
        assert plan_read is not None, "a file read without a plan has problems, and was rejected above"
        # Times without an offset keep the timezone they were first read in, whatever the config says later.
        plan = plan_read.pinned(
            stored.plan.plan.timezone if stored and stored.plan.plan.timezone else self.config.schedule.timezone
        )
        if stored is None:
            decisions, drafted = (
                (prepared.decisions, prepared.drafted) if prepared else (self.engine.start(plan, now), None)
            )
            self.applier.apply(plan, decisions, now, file=path.name, new_version=True, drafted=drafted)
            self.store.set_next_digest(plan.owner.email, self.applier.next_digest(plan, now), only_if_missing=True)
            return Taken([], plan, "started")
        if stored.plan != plan:
            decisions = self.engine.update(stored.plan, plan, stored.state, now)
            self.applier.apply(plan, decisions, now, file=path.name, new_version=True, previous=stored.plan)
            return Taken([], plan, "updated")
        return Taken([], plan, "")

    def _tick_plan(
        self,
        plan_id: str,
        now: datetime,
        since: datetime | None = None,
        lapsed: dict[str, list[tuple[Plan, list[Phrase]]]] | None = None,
    ) -> None:
        with self.store.transaction():
            if not self.claims.plan(plan_id) or not self.store.is_due(plan_id, now):
                return  # another daemon is looking at it, or just did
            stored = self.store.load_known(plan_id)
            decisions = self.engine.tick(stored.plan, stored.state, now, since=since)
            self.applier.apply(stored.plan, decisions, now, ticked=True)
        if decisions.lapsed and lapsed is not None:
            lapsed.setdefault(stored.plan.owner.email.lower(), []).append((stored.plan, decisions.lapsed))

    def _tell_lapsed(self, lapsed: dict[str, list[tuple[Plan, list[Phrase]]]], since: datetime, now: datetime) -> None:
        """One notice per owner of everything that lapsed while the daemon was down."""
        with self.store.transaction():
            for owner_email, plans in lapsed.items():
                message = self.composer.lapsed(owner_email, since, now, plans)
                not_before = self.clock.next_window(now, self.applier.owner_zone(plans[0][0]))
                self.applier.record(message, None, None, "owner_lapsed", now, not_before)
                self.store.audit(
                    now,
                    None,
                    None,
                    f"owner {owner_email} told what lapsed since {since:%Y-%m-%d %H:%M} in {len(plans)} plans",
                )

    def hand_over(self, plan_id: str, email: str, name: str | None, now: datetime) -> None:
        """Give a plan to another owner (the only way its owner changes). Both owners are told; the
        new owner's next version of the plan file must name them. Raises LookupError/ValueError."""
        with self.store.transaction():
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
            self.applier.apply(plan, decisions, now, file="(handed over)", new_version=True)
            not_before = self.clock.next_window(now, self.applier.owner_zone(plan))
            for person in (old.email, owner.email):
                self.applier.record(
                    self.composer.handed_over(plan, old.email, owner.email, person, now),
                    plan_id,
                    None,
                    "owner_handed_over",
                    now,
                    not_before,
                )
            self.store.set_next_digest(owner.email, self.applier.next_digest(plan, now), only_if_missing=True)

    def decide(self, plan_id: str, resource_id: str, approve: bool, now: datetime) -> None:
        """The owner's answer to a counter-proposal: ``resource_id`` names a resource, or a meeting
        with a proposed new time waiting (approving moves the meeting in the stored plan).
        Raises LookupError/ValueError with a clear message."""
        with self.store.transaction():
            decide(self.applier, plan_id, resource_id, approve, now)
        self.memory.flush_now()

    # -- replies ---------------------------------------------------------------------------------
    def _replies(self, now: datetime, report: PassReport) -> None:
        try:
            # A first read of a full mailbox takes a while; its size is not known beforehand.
            with Progress("reading the inbox", logger=log) as progress:
                for incoming in self.backend.fetch_new():
                    self._guard(report, f"reply {incoming.ref}", self._take_reply, incoming, now)
                    report.replies += 1
                    progress.advance()
            report.replies_left = getattr(self.backend, "left", 0)  # backends that read by the batch
        except Unavailable as error:  # replies wait on the server; they are read when it is back
            log.warning("reading replies: %s", error)
            report.errors.append(f"reading replies: {error}")

    def _calendar_answers(self, calendar: CalendarBackend, now: datetime, report: PassReport) -> None:
        """Attendees' answers the calendar service reports, applied like iMIP replies."""
        try:
            for answer in calendar.answers():
                if calendar_answer(self.applier, answer, now):
                    report.replies += 1
        except Unavailable as error:
            log.warning("reading calendar answers: %s", error)
            report.errors.append(f"calendar answers: {error}")

    def _take_reply(self, incoming: Incoming, now: datetime) -> None:
        reply = read_reply(incoming.raw, self.config.schedule.timezone)
        message_id = reply.message_id or "<sha256-" + hashlib.sha256(incoming.raw).hexdigest() + "@followthru>"
        outcome = None
        with self.store.transaction():
            if not self.claims.inbound(message_id):
                return  # another daemon is applying it; it files the message away
            if not self.store.seen(message_id):
                forged = forged_sender(incoming.raw, self.config.mail.authserv_id)
                plan_id, resource_id, outcome = (
                    refuse_forged(self.applier, self.matcher, reply, forged, now)
                    if forged
                    else route(self.applier, self.matcher, reply, now)
                )
                self.store.remember_inbound(message_id, now, plan_id, resource_id, reply.intent, outcome)
        if outcome is not None:
            self.memory.flush_now()  # the reply into the journal before it is filed away
            log.info("reply %s from %s: %s (%s)", message_id, reply.sender, reply.intent, outcome)
        self.backend.done(incoming)

    def _web_actions(self, now: datetime, report: PassReport) -> None:
        """Answers and decisions given on the web pages, and sign-in links asked for there
        (followthru.web_actions), applied one at a time like replies."""
        for action in web_actions.waiting(self.store):
            what = f"web {action.kind} {action.id}"
            outcome = self._guard(
                report, what, web_actions.apply_one, self.applier, self.claims, self.composer, action, now
            )
            if outcome is not None:
                self.memory.flush_now()
                report.web_actions += 1
                log.info("%s by %s: %s", what, action.by_email, outcome)

    # -- digests and delivery ------------------------------------------------------------------------
    def _digests(self, now: datetime, report: PassReport) -> None:
        for owner_email in self.store.owners_due(now):
            self._guard(report, f"digest for {owner_email}", self._digest, owner_email, now)

    def _digest(self, owner_email: str, now: datetime) -> None:
        with self.store.transaction():
            due = self.store.next_digest_of(owner_email)
            if not self.claims.owner(owner_email) or due is None or due > now:
                return  # another daemon is making it, or made it just now
            plans = [self.store.load(plan_id) for plan_id in self.store.plan_ids(owner_email)]
            open_plans = [p for p in plans if p and p.state.state in ("active", "committed")]
            if not open_plans:
                self.store.set_next_digest(owner_email, None)
                return
            message = self.composer.digest([(p.plan, p.state) for p in open_plans], now)
            self.applier.record(message, None, None, "digest", now)
            self.store.set_next_digest(owner_email, self.applier.next_digest(open_plans[0].plan, now))

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
                if not self.claims.keep(outgoing):
                    continue  # withdrawn meanwhile, or another daemon's now
                try:
                    # Date: is when the message is handed over, not when it was drafted. A webhook's
                    # event is JSON, posted as it was queued: it has no header to date.
                    dated = outgoing.raw if outgoing.kind == WEBHOOK else with_date(outgoing.raw, now)
                    refusals = self._hand_over(replace(outgoing, raw=dated))
                except SendError as error:
                    self._guard(
                        report,
                        f"message {outgoing.message_id}",
                        self._not_sent,
                        outgoing,
                        [Refusal(r, 500 if error.permanent else 400, str(error)) for r in outgoing.recipients],
                        now,
                    )
                    report.failed += 1
                    continue
                if refusals:
                    self.memory.partly_sent(outgoing, refusals, now)
                    self._guard(report, f"message {outgoing.message_id}", self._not_sent, outgoing, refusals, now)
                    report.failed += 1
                else:
                    self._handed.append((outgoing, key, now))  # until the store knows, this process does
                    self._mark_handed()
                    report.sent += 1
        except (Unavailable, OSError) as error:
            self._guard(report, "giving back messages", self.claims.give_back)
            self._delivery_paused_until = clock.monotonic() + self._delivery_backoff
            log.warning("delivery paused for %g s: %s", self._delivery_backoff, error)
            report.errors.append(f"delivery: {error}")
            self._delivery_backoff = min(self._delivery_backoff * 2, MAX_PAUSE_SECONDS)
        else:
            self._delivery_backoff = MIN_PAUSE_SECONDS
            self._delivery_paused_until = 0.0
        finally:
            self.backend.end_batch()

    def _mark_handed(self) -> None:
        """Mark sent what the backend took. A mark the store could not take (the database away
        meanwhile) is tried again first thing in the next pass: the message went out, and a reply
        to it may be applied before the store hears so."""
        while self._handed:
            outgoing, key, at = self._handed[0]
            with self.store.transaction():
                if self.store.mark_sent(outgoing.id, at):  # else a reply to it, or a lost commit's answer, told
                    self.store.audit(
                        at,
                        outgoing.plan_id,
                        outgoing.resource_id,
                        f"{outgoing.kind.replace('_', ' ')} sent to {', '.join(outgoing.recipients)}",
                    )
                    self.memory.sent(outgoing, outgoing.recipients, key, at)  # last: on file before the commit
            self._handed.pop(0)

    def _still_asked(self, outgoing: Outgoing, now: datetime) -> bool:
        """A request or reminder waiting for its send window goes only while its person is still
        asked: after an outage their deadline may have passed and a backup taken over meanwhile."""
        state = (
            self.store.commitment_state(outgoing.plan_id, outgoing.resource_id)
            if outgoing.plan_id and outgoing.resource_id
            else None
        )
        if state is None or state in STILL_ASKED:
            return True
        with self.store.transaction():
            self.store.withdraw_message(outgoing.id)
            self.store.audit(
                now,
                outgoing.plan_id,
                outgoing.resource_id,
                f"{outgoing.kind.replace('_', ' ')} not sent: the request is {state} now",
            )
        return False

    def _hand_over(self, outgoing: Outgoing) -> list[Refusal]:
        """Meeting invitations go to the calendar service when there is one, webhooks' events to their
        receivers (followthru.webhooks); the rest is mail."""
        if outgoing.kind == WEBHOOK:
            return self.applier.webhooks.post(outgoing)
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
            batch = [o for o in self.claims.outgoing(now, DELIVERY_BATCH) if o.id not in attempted]
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
                wait = timedelta(seconds=min(60 * 2**outgoing.attempts, 3600))
                self.store.retry_later(
                    outgoing.id, [r.recipient for r in retry], now + wait, "; ".join(map(str, retry))
                )
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
        self.store.audit(
            now,
            outgoing.plan_id,
            outgoing.resource_id,
            f"{outgoing.kind} not delivered to {', '.join(recipients)}: {reason}",
        )
        if outgoing.kind == WEBHOOK:
            return  # the operator's receiver, not a person: the log and the audit trail say it
        stored = self.store.load(outgoing.plan_id) if outgoing.plan_id else None
        owner = stored.plan.owner.email.lower() if stored else ""
        recipients = [r for r in recipients if r.lower() != owner]
        if stored is None or not recipients:
            return  # nobody else to tell: the log and the audit trail say it
        resource = next((r for r in stored.plan.resources if r.id == outgoing.resource_id), None)
        if outgoing.kind in REQUEST_KINDS and resource and [resource.email.lower()] == [r.lower() for r in recipients]:
            answer = Answer("bounce", reason, None, None, reason)
            self.applier.apply(stored.plan, self.engine.reply(stored.plan, stored.state, resource.id, answer, now), now)
            return
        subject = BytesHeaderParser(policy=email.policy.default).parsebytes(outgoing.raw)["Subject"] or ""
        send = Send(
            "owner_undelivered",
            OWNER,
            self.clock.next_window(now, self.applier.owner_zone(stored.plan)),
            about=outgoing.resource_id,
            facts={
                "recipient": ", ".join(recipients),
                "reason": reason,
                "message": {"subject": subject, "kind": outgoing.kind},
            },
        )
        self.applier.add_send(stored, send, now)

    # -- reading state ---------------------------------------------------------------------------------
    def status(self, plan_id: str | None = None) -> list[dict[str, Any]]:
        """Plans in the ``status --json`` shape of docs/design.md: what ``followthru status`` shows
        (see followthru.status)."""
        from followthru.status import plans

        return plans(self.store.connection, self.domain, plan_id)


REQUEST_KINDS = ("request", "backup_request", "reminder", "last_call")
STILL_ASKED = ("scheduled", "requested", "tentative", "away")  # states in which asking (again) makes sense
CATCH_UP_AFTER = timedelta(hours=1)  # a daemon silent longer than this was down: the owner hears what lapsed
DUE_PLANS_PER_PASS = 500
SHARED_FILES_PER_PASS = 50  # on PostgreSQL: a daemon's share of a drop per pass, leaving the rest to others
DELIVERY_BATCH = 200  # messages claimed at once; a pass takes up to three batches


# At most this many plan files per pass, so a pass ends well inside systemd's watchdog (120 s) however
# many are dropped at once; the rest go in the next passes, which follow at once. Measured with
# bench/big_drop.py: ~170 plans/s with delivery, so ~3 s, leaving room for a batch of replies
# (backends/maildir.py MAX_PER_PASS, ~10 s) and of deliveries in the same pass.
PLANS_PER_PASS = 500
# Plan files taken in one transaction (each in a savepoint): one commit for many plans. Measured
# with bench/pipeline.py. One daemon only: several on one store take one file to a transaction.
FILES_PER_TRANSACTION = 25
