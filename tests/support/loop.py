"""One adapter per backend for the whole-loop scenario (tests/scenarios/test_whole_loop.py).

An adapter makes a workspace on its backend and knows, for that backend only, how a step is run,
how a person's reply reaches the inbox, how a person answers a meeting in their calendar, and how
to read what went out: the mail, and the meeting notices (as ``(change, attendee, summary)``, with
change one of invitation, update, cancellation) whether Followthru mailed them itself or the
calendar service sent them. Checks that hold for one backend only live in its adapter, as
``before_<step>``/``after_<step>`` methods the scenario calls around each step.
"""

from __future__ import annotations

import email
import email.policy
import functools
import json
import os
import sqlite3
import subprocess
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import tomli_w
from click.testing import CliRunner

from followthru.cli import main
from followthru.config import init_workspace, load_config
from followthru.daemon import Followthru
from support.preforked import run_followthru
from support.replying import reply_to
from support.service_inputs import CHECK_IN, CHECK_IN_UID, ME, REVIEW, REVIEW_UID
from support.workspace import drop_plan, invitation


@dataclass
class Step:
    """What one pass sent: the mail (meeting mail aside), and every meeting notice, sorted."""

    mail: list[EmailMessage]
    notices: list[tuple[str, str, str]]
    meeting_mail: list[EmailMessage] = field(default_factory=list)


class LoopBackend:
    """A workspace on one backend. Subclasses fill in what differs."""

    name = ""
    answers_in_calendar = False  # people can answer a meeting in their calendar, and Followthru reads it
    invitations_by_mail = True  # Followthru mails iTIP itself (the calendar is "mail") rather than a service
    updates_reach_everyone = True  # an update of a meeting is sent to every attendee, not only those it changes

    def __init__(self, root: Path):
        self.root = root
        self.config = init_workspace(root)

    def configure(self, **sections: dict) -> None:
        data = tomllib.loads(self.config.read_text())
        data["sender"]["email"] = ME
        for section, values in sections.items():
            data.setdefault(section, {}).update(values)
        self.config.write_text(tomli_w.dumps(data))

    # -- what each backend supplies ------------------------------------------------------------------------
    def tick(self, now: str) -> Step:
        raise NotImplementedError

    def answer(self, to: EmailMessage, sender: str, body: str) -> None:
        """``sender`` replies to ``to`` the way a mail client does; the reply lands in Followthru's inbox."""
        raise NotImplementedError

    def answer_meeting(self, uid: str, attendee: str, answer: str) -> None:
        """``attendee`` answers the meeting ``uid`` in their calendar: ``accepted`` or ``tentative``."""
        raise NotImplementedError

    def replies_waiting(self) -> int:
        """How many messages are still in Followthru's inbox, unread or not yet filed away."""
        raise NotImplementedError

    def attendees(self, uid: str) -> set[str]:
        """Who the meeting ``uid`` invites now."""
        raise NotImplementedError

    def all_sent(self) -> list[EmailMessage]:
        """Every message Followthru sent so far (one copy of each)."""
        raise NotImplementedError

    def finish(self) -> None:
        """Checks at the end of every test: e.g. that no request broke the vendor's documented rules."""

    # -- the same for all -------------------------------------------------------------------------------------
    def drop_plan(self, text: str, name: str = "acme-q4.toml") -> None:
        drop_plan(self.root, text, name)

    def run_cli(self, *args: str) -> str:
        result = CliRunner().invoke(main, ["-c", str(self.config), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def status(self) -> dict:
        return json.loads(self.run_cli("status", "--json"))["plans"][0]

    def log(self, plan: str) -> str:
        return self.run_cli("log", plan)

    def before(self, step: str) -> None:
        hook = getattr(self, f"before_{step}", None)
        if hook:
            hook()

    def after(self, step: str, result: Step) -> None:
        hook = getattr(self, f"after_{step}", None)
        if hook:
            hook(result)

    def tick_in_process(self, now: str, prepare=lambda service: None) -> None:
        """One pass by a new Followthru, as a restarted daemon makes it; ``prepare`` may replace its sleep."""
        service = Followthru(load_config(self.config))
        prepare(service)
        try:
            report = service.tick(datetime.fromisoformat(now))
        finally:
            service.close()
        assert report.errors == [], report.errors


class MailedInvitations:
    """For backends whose meetings go out as iTIP mail: notices read from the mail itself."""

    def __init__(self):
        self.invited: dict[str, set[str]] = {}  # meeting UID -> who its last request went to

    def split(self, messages: list[EmailMessage]) -> Step:
        mail, meetings, notices = [], [], []
        for message in messages:
            if message["X-Followthru-Kind"] != "meeting":
                mail.append(message)
                continue
            meetings.append(message)
            method, event = invitation(message)
            uid, title = str(event["UID"]), str(event["SUMMARY"])
            known = self.invited.setdefault(uid, set())
            for address in (a.addr_spec for a in message["To"].addresses):
                if str(method) == "CANCEL":
                    notices.append(("cancellation", address, title))
                    known.discard(address)
                else:
                    notices.append(("update" if address in known else "invitation", address, title))
                    known.add(address)
        return Step(mail, sorted(notices), meetings)

    def attendees(self, uid: str) -> set[str]:
        return set(self.invited.get(uid, set()))


def sequences(step: Step) -> list[tuple[str, str, int]]:
    """(summary, method, SEQUENCE) of each meeting mailed in ``step``, once each."""
    found = set()
    for message in step.meeting_mail:
        method, event = invitation(message)
        found.add((str(event["SUMMARY"]), str(method), int(event["SEQUENCE"])))
    return sorted(found)


# -- Maildir ------------------------------------------------------------------------------------------------------
class MaildirLoop(LoopBackend):
    """The embedded default: mail to and from Maildir folders, meetings as iTIP mail. Each step is
    ``followthru tick --now`` in a new process (forked from a preloaded one)."""

    name = "maildir"

    def __init__(self, root: Path):
        super().__init__(root)
        self.configure()
        self.seen: set[str] = set()
        self.meetings = MailedInvitations()

    def tick(self, now: str) -> Step:
        result = run_followthru("-c", str(self.config), "tick", "--now", now)
        assert result.returncode == 0, result.stderr + result.stdout
        assert "error:" not in result.stderr, result.stderr
        fresh = []
        for path in sorted(self.outbox().iterdir(), key=lambda p: p.stat().st_mtime_ns):
            if path.name not in self.seen:
                self.seen.add(path.name)
                fresh.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return self.meetings.split(fresh)

    def outbox(self) -> Path:
        return self.root / "mail" / "outbox" / "new"

    def answer(self, to: EmailMessage, sender: str, body: str) -> None:
        reply = reply_to(to, sender, body)
        (self.root / "mail" / "inbox" / "new" / f"{time.time_ns()}.eml").write_bytes(reply.as_bytes())

    def replies_waiting(self) -> int:
        return len(list((self.root / "mail" / "inbox" / "new").iterdir()))

    def attendees(self, uid: str) -> set[str]:
        return self.meetings.attendees(uid)

    def all_sent(self) -> list[EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in self.outbox().iterdir()]

    def after_first_replies(self, step: Step) -> None:
        assert sequences(step) == [(CHECK_IN, "REQUEST", 0), (REVIEW, "CANCEL", 1), (REVIEW, "REQUEST", 1)]
        assert len(list((self.root / "mail" / "inbox" / "cur").iterdir())) == 2  # read replies stay, filed as seen

    def after_backup_agrees(self, step: Step) -> None:
        assert sequences(step) == [(CHECK_IN, "REQUEST", 1)]

    def after_all_committed(self, step: Step) -> None:
        assert sequences(step) == [(CHECK_IN, "REQUEST", 2)]

    def after_cancelled(self, step: Step) -> None:
        cancels = {
            (str(e["UID"]), str(method), int(e["SEQUENCE"])) for method, e in (invitation(m) for m in step.meeting_mail)
        }
        assert sorted(cancels) == [(CHECK_IN_UID, "CANCEL", 3), (REVIEW_UID, "CANCEL", 2)]


# -- SMTP and IMAP, through the real Postfix and Dovecot ----------------------------------------------------------
PEOPLE = (
    "riley@example.com",
    "sam.security@example.com",
    "lee.legal@example.com",
    "sol.engineer@example.com",
    "pat.backup@example.com",
    "kim.standby@example.com",
    "morgan.manager@example.com",
    "casey.csm@example.com",
)


class MailServerWorkspace:
    """A workspace whose backend is the mail stack (tests/support/mailstack.py): Followthru sends
    through Postfix's submission port with STARTTLS and AUTH and reads replies from Dovecot over IMAP."""

    def __init__(self, root: Path, stack, **overrides):
        self.root = root
        self.stack = stack
        self.config = init_workspace(root)
        data = tomllib.loads(self.config.read_text())
        server = {
            "host": "localhost",
            "security": "starttls",
            "username": ME,
            "ca_file": str(stack.ca_file),
            "timeout": 10,
        }
        data["sender"]["email"] = ME
        data["mail"]["backend"] = "smtp-imap"
        data["mail"]["smtp"] = {**server, "port": 10587, "password_env": "TEST_SMTP_PASSWORD"}
        data["mail"]["imap"] = {**server, "port": 10143, "password_env": "TEST_IMAP_PASSWORD"}
        for section, values in overrides.items():
            for key, value in values.items():
                data.setdefault(section, {}).setdefault(key, {})
                if isinstance(value, dict):
                    data[section][key].update(value)
                else:
                    data[section][key] = value
        self.config.write_text(tomli_w.dumps(data))
        self.env = {**os.environ, "TEST_SMTP_PASSWORD": stack.users[ME], "TEST_IMAP_PASSWORD": stack.users[ME]}
        for address in (ME, *PEOPLE):
            stack.clear(address)
        self.read: dict[str, set[str]] = {}

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        result = run_followthru("-c", str(self.config), *args, env=self.env)
        assert result.returncode == 0, result.stderr + result.stdout
        return result

    def drop_plan(self, text: str, name: str = "plan.toml") -> None:
        drop_plan(self.root, text, name)

    def inbox(self, address: str, count: int) -> list[EmailMessage]:
        """The messages in ``address``'s mailbox not looked at yet; waits for ``count`` of them."""
        read = self.read.setdefault(address, set())
        found = [m for m in self.stack.wait_for_messages(address, len(read) + count) if m["Message-ID"] not in read]
        read.update(m["Message-ID"] for m in found)
        return found

    def answer(
        self, to: EmailMessage, sender: str, text: str | None = None, html: str | None = None, **headers: str
    ) -> str:
        """Reply as ``sender`` through Postfix, the way a mail client does."""
        reply = reply_to(to, sender, text, html, **headers)
        self.stack.send(reply.as_bytes(), parseaddr(sender)[1], [str(reply["To"])])
        return reply["Message-ID"]

    def states(self) -> dict[str, str]:
        plan = json.loads(self.cli("status", "--json").stdout)["plans"][0]
        return {c["resource"]: c["state"] for c in plan["commitments"]}

    def store(self) -> sqlite3.Connection:
        connection = sqlite3.connect(f"file:{self.root / 'followthru.sqlite3'}?mode=ro", uri=True, timeout=10)
        connection.row_factory = sqlite3.Row
        return connection

    def wait_for_delivery(self, timeout: float = 30) -> None:
        """Until Postfix has handed every message to Dovecot."""
        deadline = time.monotonic() + timeout
        while not self.stack.queue_empty():
            assert time.monotonic() < deadline, "Postfix's queue did not empty"
            self.stack.flush_queue(check=False)
            time.sleep(0.1)


class SmtpImapLoop(LoopBackend):
    """SMTP and IMAP against the real Postfix and Dovecot; meetings as iTIP mail. Each step is
    ``followthru tick --now`` in a new process; what went out is read from everyone's mailbox."""

    name = "smtp-imap"

    def __init__(self, root: Path, stack):
        self.server = MailServerWorkspace(root, stack)
        self.root, self.config, self.stack = root, self.server.config, stack
        self.seen: set[str] = set()
        self.sent: list[EmailMessage] = []
        self.meetings = MailedInvitations()

    def drop_plan(self, text: str, name: str = "acme-q4.toml") -> None:
        drop_plan(self.root, text, name)

    def tick(self, now: str) -> Step:
        self.server.wait_for_delivery()  # the replies sent meanwhile are in the inbox before the pass
        result = self.server.cli("tick", "--now", now)
        assert "error:" not in result.stderr, result.stderr
        self.server.wait_for_delivery()
        fresh = []
        for address in PEOPLE:
            for message in self.stack.messages(address):
                if message["Message-ID"] not in self.seen:
                    self.seen.add(message["Message-ID"])
                    fresh.append(message)
        self.sent += fresh
        return self.meetings.split(fresh)

    def answer(self, to: EmailMessage, sender: str, body: str) -> None:
        self.server.answer(to, sender, body)

    def replies_waiting(self) -> int:
        self.server.wait_for_delivery()
        return len(self.stack.messages(ME))

    def attendees(self, uid: str) -> set[str]:
        return self.meetings.attendees(uid)

    def all_sent(self) -> list[EmailMessage]:
        return list(self.sent)

    def after_end(self, step: Step) -> None:
        # Every message is in each of its recipients' mailboxes exactly once.
        delivered = Counter((address, m["Message-ID"]) for address in PEOPLE for m in self.stack.messages(address))
        assert set(delivered.values()) == {1}
        assert len(self.stack.messages(ME, "Followthru")) == 4  # the four replies, filed away


# -- Exchange (EWS), against tests/support/fake_ews.py ------------------------------------------------------------
EXCHANGE_ANSWERS = {"accepted": "Accept", "tentative": "Tentative"}


class ExchangeLoop(LoopBackend):
    """Mail and calendar through Exchange Web Services; Exchange sends the meeting messages. Each
    step is a new Followthru in this process (the fake sits behind exchangelib's transport hook)."""

    name = "exchange"
    answers_in_calendar = True
    invitations_by_mail = False
    updates_reach_everyone = False  # Exchange tells only the attendees a change concerns

    def __init__(self, root: Path, monkeypatch):
        from exchangelib.protocol import BaseProtocol

        from support.fake_ews import CLIENT_ID, ENDPOINT, TENANT, FakeAdapter, FakeExchange

        self.fake = FakeExchange([ME, "riley@example.com"], app_secret="app~Secret.Value-9f8e7d6c5b")
        monkeypatch.setenv("TEST_EXCHANGE_SECRET", "app~Secret.Value-9f8e7d6c5b")
        monkeypatch.setattr(BaseProtocol, "HTTP_ADAPTER_CLS", FakeAdapter)
        monkeypatch.setattr(FakeAdapter, "server", self.fake)
        super().__init__(root)
        self.configure(
            mail={"backend": "exchange"},
            calendar={"backend": "exchange"},
            exchange={
                "service_endpoint": ENDPOINT,
                "auth": "oauth-app",
                "tenant_id": TENANT,
                "client_id": CLIENT_ID,
                "client_secret_env": "TEST_EXCHANGE_SECRET",
                "poll_seconds": 0.001,
            },
        )
        self.mailed = self.invited = 0
        self.box = self.fake.mailbox(ME)

    def tick(self, now: str) -> Step:
        time.sleep(0.002)  # past the poll interval
        self.tick_in_process(now)
        mail = [s.message for s in self.fake.sent[self.mailed :]]
        change = {"request": "invitation", "update": "update", "cancel": "cancellation"}
        notices = sorted((change[i.kind], i.to, i.subject) for i in self.fake.invitations[self.invited :])
        self.mailed, self.invited = len(self.fake.sent), len(self.fake.invitations)
        return Step(mail, notices)

    def answer(self, to: EmailMessage, sender: str, body: str) -> None:
        self.box.deliver(reply_to(to, sender, body).as_bytes())

    def answer_meeting(self, uid: str, attendee: str, answer: str) -> None:
        self.fake.respond(ME, uid, attendee, EXCHANGE_ANSWERS[answer])

    def replies_waiting(self) -> int:
        return len(self.box.in_folder(self.box.folder("inbox").id))

    def attendees(self, uid: str) -> set[str]:
        return {a.email for a in self.box.calendar_item(uid).attendees}

    def all_sent(self) -> list[EmailMessage]:
        return [s.message for s in self.fake.sent]

    def finish(self) -> None:
        from exchangelib import close_connections

        close_connections()
        assert self.fake.violations == []

    def after_first_replies(self, step: Step) -> None:
        filed = next(f.id for f in self.box.folders.values() if f.name == "Followthru")
        assert len(self.box.in_folder(filed)) == 2

    def after_cancelled(self, step: Step) -> None:
        assert self.box.in_folder(self.box.folder("calendar").id) == []


# -- Google (Gmail and Google Calendar), against tests/support/fake_google.py --------------------------------------
@functools.cache
def google_service_account():
    from support.fake_google import make_service_account

    return make_service_account()  # an RSA key: made once per run


class GoogleLoop(LoopBackend):
    """Gmail and Google Calendar; Google sends the meeting notices. Each step is a new Followthru in
    this process (the fake replaces the backend's HTTP transport)."""

    name = "google"
    answers_in_calendar = True
    invitations_by_mail = False

    def __init__(self, root: Path, monkeypatch):
        import followthru.backends.google.auth as google_auth
        from support.fake_google import FakeGoogle

        super().__init__(root)
        account = google_service_account()
        key_file = root / "service-account.json"
        key_file.write_text(json.dumps(account.info))
        key_file.chmod(0o600)
        self.configure(
            mail={"backend": "google"}, calendar={"backend": "google"}, google={"service_account_file": key_file.name}
        )
        self.fake = FakeGoogle(ME, service_account=account)
        monkeypatch.setattr(google_auth, "transport", lambda timeout: self.fake)
        self.slept: list[float] = []
        self.seen_mail = self.seen_notices = 0

    def tick(self, now: str) -> Step:
        def no_sleeping(service):
            service.backend.api.sleep = service.calendar.api.sleep = self.slept.append

        self.tick_in_process(now, no_sleeping)
        sent = self.sent_raw()
        mail = [email.message_from_bytes(m["raw"], policy=email.policy.default) for m in sent[self.seen_mail :]]
        notices = self.fake.notified[self.seen_notices :]
        self.seen_mail, self.seen_notices = len(sent), len(self.fake.notified)
        return Step(mail, sorted(notices))

    def sent_raw(self) -> list[dict]:
        return [m for m in self.fake.messages.values() if "SENT" in m["labelIds"]]

    def answer(self, to: EmailMessage, sender: str, body: str) -> None:
        self.fake.deliver(reply_to(to, sender, body).as_bytes())

    def answer_meeting(self, uid: str, attendee: str, answer: str) -> None:
        self.fake.respond(uid, attendee, answer)

    def replies_waiting(self) -> int:
        return len([m for m in self.fake.messages.values() if "INBOX" in m["labelIds"]])

    def attendees(self, uid: str) -> set[str]:
        return {a["email"] for a in self.fake.event_for(uid)["attendees"]}

    def all_sent(self) -> list[EmailMessage]:
        return [email.message_from_bytes(m["raw"], policy=email.policy.default) for m in self.sent_raw()]

    def finish(self) -> None:
        assert self.fake.invalid == []  # no request the discovery documents do not allow, swallowed or not

    # Sending is throttled once, and Google asks for 3 s.
    def before_start(self) -> None:
        self.fake.fail(
            "gmail.users.messages.send", 429, "rateLimitExceeded", "Rate Limit Exceeded", headers={"Retry-After": "3"}
        )

    def after_start(self, step: Step) -> None:
        from followthru.backends.google.calendar import event_id

        review = self.fake.event_for(REVIEW_UID)
        assert review["id"] == event_id(REVIEW_UID) and review["attendees"][0]["email"] == "riley@example.com"
        assert 3 <= self.slept[0] < 4

    # Reading the replies meets an expired access token.
    def before_first_replies(self) -> None:
        self.fake.fail("gmail.users.history.list", 401, "authError", "Invalid Credentials", domain="global")
        self.tokens = len(self.fake.calls_of("token"))

    def after_first_replies(self, step: Step) -> None:
        assert (
            len(self.fake.calls_of("token")) - self.tokens == 3
        )  # Gmail's, Gmail's again after the 401, the calendar's
        assert [c.status for c in self.fake.calls_of("gmail.users.history.list")][-2:] == [401, 200]
        assert self.fake.event_for(CHECK_IN_UID)["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=3"]

    def after_cancelled(self, step: Step) -> None:
        from followthru.backends.google.calendar import event_id

        assert {e["id"]: e["status"] for e in self.fake.events.values()} == {
            event_id(REVIEW_UID): "cancelled",
            event_id(CHECK_IN_UID): "cancelled",
        }  # deleted


# -- Microsoft Graph (Microsoft 365), against tests/support/fake_graph.py ------------------------------------------
GRAPH_ANSWERS = {"accepted": "accepted", "tentative": "tentativelyAccepted"}
GRAPH_SECRET_ENV = "FOLLOWTHRU_TEST_GRAPH_SECRET"


class GraphLoop(LoopBackend):
    """Mail and calendar of Microsoft 365 through Graph; Exchange Online sends the meeting mail.
    Each step is a new Followthru in this process (the fake is the HTTP sessions' transport adapter)."""

    name = "graph"
    answers_in_calendar = True
    invitations_by_mail = False

    def __init__(self, root: Path, monkeypatch):
        import followthru.backends.graph.auth as graph_auth
        from support.fake_graph import FakeGraph

        super().__init__(root)
        self.fake = FakeGraph(ME)
        monkeypatch.setenv(GRAPH_SECRET_ENV, next(iter(self.fake.app.secrets)))
        self.configure(
            mail={"backend": "graph"},
            calendar={"backend": "graph"},
            graph={
                "tenant_id": self.fake.tenant_id,
                "client_id": self.fake.app.client_id,
                "client_secret_env": GRAPH_SECRET_ENV,
            },
        )
        made = graph_auth.http_session

        def session(timeout: float):
            made_session = made(timeout)
            made_session.mount("https://", self.fake)
            return made_session

        monkeypatch.setattr(graph_auth, "http_session", session)
        self.slept: list[float] = []
        self.seen_sent = self.seen_notices = 0

    def tick(self, now: str) -> Step:
        def no_sleeping(service):
            service.backend.graph.sleep = service.calendar.graph.sleep = self.slept.append

        self.tick_in_process(now, no_sleeping)
        sent = self.fake.in_folder("sentitems")
        mail = [email.message_from_bytes(m["raw"], policy=email.policy.default) for m in sent[self.seen_sent :]]
        notices = self.fake.notified[self.seen_notices :]
        self.seen_sent, self.seen_notices = len(sent), len(self.fake.notified)
        return Step(mail, sorted(notices))

    def answer(self, to: EmailMessage, sender: str, body: str) -> None:
        self.fake.deliver(reply_to(to, sender, body).as_bytes())

    def answer_meeting(self, uid: str, attendee: str, answer: str, proposed: datetime | None = None) -> None:
        self.fake.respond(uid, attendee, GRAPH_ANSWERS[answer], proposed=proposed)

    def replies_waiting(self) -> int:
        return len(self.fake.in_folder("inbox"))

    def attendees(self, uid: str) -> set[str]:
        return {a["emailAddress"]["address"] for a in self.fake.event_for(uid)["attendees"]}

    def all_sent(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(m["raw"], policy=email.policy.default) for m in self.fake.in_folder("sentitems")
        ]

    def finish(self) -> None:
        assert self.fake.invalid == []  # no request Microsoft does not document, swallowed or not

    # Sending is throttled once, and Graph asks for 3 s.
    def before_start(self) -> None:
        self.fake.fail(
            "sendMail",
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
            headers={"Retry-After": "3"},
        )

    def after_start(self, step: Step) -> None:
        review = self.fake.event_for(REVIEW_UID)
        assert review["attendees"][0]["emailAddress"]["address"] == "riley@example.com"
        assert review["start"] == {"dateTime": "2026-12-16T14:00:00", "timeZone": "Eastern Standard Time"}
        assert 3 <= self.slept[0] < 4 and [c.status for c in self.fake.calls_of("sendMail")][:2] == [429, 202]

    # Reading the replies meets an expired access token.
    def before_first_replies(self) -> None:
        self.fake.fail(
            "messages.delta", 401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
        )
        self.tokens = len(self.fake.calls_of("token"))

    def after_first_replies(self, step: Step) -> None:
        assert len(self.fake.calls_of("token")) - self.tokens == 3  # the mail's, again after the 401, the calendar's
        assert [c.status for c in self.fake.calls_of("messages.delta")][-2:] == [401, 200]
        assert self.fake.event_for(CHECK_IN_UID)["recurrence"]["range"] == {
            "type": "numbered",
            "startDate": "2026-12-03",
            "numberOfOccurrences": 3,
        }

    # Exchange Online lets go of both delta links: the inbox and the calendar are read in full
    # once, and nothing is taken twice.
    def before_backup_agrees(self) -> None:
        self.fake.expire_delta_links()

    def after_backup_agrees(self, step: Step) -> None:
        assert [c.status for c in self.fake.calls_of("messages.delta")][-2:] == [410, 200]
        assert [c.status for c in self.fake.calls_of("calendarView.delta")][-2:] == [410, 200]

    def after_all_committed(self, step: Step) -> None:
        # Exchange's meeting responses land in the inbox too, and are filed away unread.
        processed = self.fake.in_folder(self.fake.folder_named("Followthru")["id"])
        assert {m["subject"] for m in processed} >= {f"Accepted: {REVIEW}", f"Tentative: {REVIEW}"}

    def after_cancelled(self, step: Step) -> None:
        assert self.fake.events == {} and all(e["isCancelled"] for e in self.fake.deleted_events.values())
        assert all(c.body["comment"] for c in self.fake.calls_of("event.cancel"))

    def after_end(self, step: Step) -> None:
        sent = self.fake.in_folder("sentitems")
        assert len(self.fake.calls_of("sendMail")) == len(sent) + 1  # + the throttled try
