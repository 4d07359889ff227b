"""Through real servers what the whole-loop scenario (tests/scenarios/test_whole_loop.py, which runs on this
backend too) leaves aside: Followthru sends through Postfix (submission, STARTTLS and AUTH) and
reads replies from Dovecot over IMAP; people read their mailboxes over IMAP and answer through
Postfix, in HTML or with an out-of-office; bounces and refusals are the ones Postfix itself writes.

The first three tests drive the CLI with ``--now`` (a new process per step). The others run the daemon
(``followthru run``) in real time, with every poll interval at five minutes, so only IMAP IDLE can
make it notice a reply within the test's wait.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from support.loop import ME, PEOPLE, MailServerWorkspace
from support.workspace import EXAMPLE


def kind(message: EmailMessage) -> str:
    return message["X-Followthru-Kind"]


def only(messages: list[EmailMessage], wanted: str) -> EmailMessage:
    [found] = [m for m in messages if kind(m) == wanted]
    return found


def test_the_whole_loop_through_postfix_and_dovecot(mail_stack, tmp_path):
    ws = MailServerWorkspace(tmp_path / "ws", mail_stack)
    # Kim's address does not exist: Postfix will bounce the backup request.
    ws.drop_plan(EXAMPLE.read_text().replace("kim.standby@example.com", "kim.gone@example.com"))
    ws.cli("tick", "--now", "2026-11-30T15:00:00+00:00")
    sam_request = only(ws.inbox("sam.security@example.com", 1), "request")
    sol_request = only(ws.inbox("sol.engineer@example.com", 1), "request")
    lee_request = only(ws.inbox("lee.legal@example.com", 1), "request")
    assert kind(ws.inbox("morgan.manager@example.com", 1)[0]) == "stakeholder_update"
    assert kind(ws.inbox("riley@example.com", 1)[0]) == "meeting"
    assert sam_request["Reply-To"].addresses[0].username.startswith("followthru+")

    # A text reply, an HTML-only reply, and an out-of-office with RFC 3834 headers.
    ws.answer(sam_request, "Sam Security <sam.security@example.com>", "ACCEPT - happy to help")
    ws.answer(
        sol_request,
        "sol.engineer@example.com",
        html="<p>Leider muss ich <b>absagen</b>: I have to decline, I am at a customer all week.</p>",
    )
    ws.answer(
        lee_request,
        "lee.legal@example.com",
        "I am out of the office until Monday, December 7, with no access to email.",
        Auto_Submitted="auto-replied",
        X_Auto_Response_Suppress="All",
        Subject="Automatic reply: " + lee_request["Subject"],
    )
    mail_stack.wait_for_messages(ME, 3)
    ws.cli("tick", "--now", "2026-11-30T16:00:00+00:00")
    states = ws.states()
    assert states["sam"] == "accepted" and states["sol"] == "replaced" and states["kim"] == "requested"
    assert states["lee"] == "away"
    assert len(mail_stack.messages(ME, "Followthru")) == 3  # every reply filed away
    assert {kind(m) for m in ws.inbox("riley@example.com", 4)} == {"owner_declined", "owner_away", "meeting"}

    # The backup request to Kim's wrong address (and the meeting update that names Kim) come back
    # as Postfix's own bounces, to the VERP address of the request.
    bounces = mail_stack.wait_for_messages(ME, 2)
    assert all(b.get_content_type() == "multipart/report" for b in bounces)
    assert sorted(re.search(r"X-Followthru-Kind: (\S+)", b.as_string()).group(1) for b in bounces) == [
        "backup_request",
        "meeting",
    ]
    assert any(b["To"].addresses[0].username.startswith("followthru+") for b in bounces)
    ws.cli("tick", "--now", "2026-11-30T17:00:00+00:00")
    assert ws.states()["kim"] == "bounced"
    bounced = only(ws.inbox("riley@example.com", 1), "owner_bounced")
    assert "Kim Standby" in bounced.get_body(("plain",)).get_content()

    # Restarting changes nothing: no reply is read twice, no message goes twice.
    ws.cli("tick", "--now", "2026-11-30T17:05:00+00:00")
    with ws.store() as store:
        inbound = Counter(r["outcome"] for r in store.execute("SELECT outcome FROM inbound"))
        sent = Counter(
            (address, r["message_id"])
            for r in store.execute("SELECT message_id, recipients FROM outbox WHERE status = 'sent'")
            for address in json.loads(r["recipients"])
            if address != "kim.gone@example.com"
        )
        pending = store.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND not_before <= '2026-11-30T17:05:00+00:00'"
        ).fetchone()[0]
    assert inbound == {"applied": 3, "bounce applied": 2}
    assert pending == 0
    delivered = Counter((address, m["Message-ID"]) for address in PEOPLE for m in mail_stack.messages(address))
    assert delivered == sent  # every message the store sent is in each recipient's mailbox once


def test_refused_recipients_are_retried_or_reported(mail_stack, tmp_path):
    ws = MailServerWorkspace(tmp_path / "ws", mail_stack)
    # Casey (a stakeholder) is refused for good at the SMTP stage; Lee's server says "try later".
    text = (
        EXAMPLE.read_text()
        .replace("casey.csm@example.com", "refused@example.com")
        .replace("lee.legal@example.com", "tempfail@example.com")
    )
    ws.drop_plan(text)
    ws.cli("tick", "--now", "2026-11-30T15:00:00+00:00")
    with ws.store() as store:
        rows = {
            r["kind"] + ":" + (r["resource_id"] or ""): dict(r)
            for r in store.execute(
                "SELECT kind, resource_id, status, attempts, not_before, error, recipients FROM outbox"
            )
        }
    lee = rows["request:lee"]
    assert lee["status"] == "pending" and lee["attempts"] == 1 and "451" in lee["error"]
    assert lee["not_before"] == "2026-11-30T15:01:00+00:00"  # a minute, then 2, 4... up to an hour
    undelivered = only(ws.inbox("riley@example.com", 2), "owner_undelivered")
    assert "refused@example.com" in undelivered["Subject"]
    assert "550 5.1.1" in undelivered.get_body(("plain",)).get_content()
    # Retried on time, and given up after mail.smtp.retry_for (2 days): then it counts as a bounce.
    ws.cli("tick", "--now", "2026-11-30T15:01:00+00:00")
    ws.cli("tick", "--now", "2026-12-02T15:02:00+00:00")
    assert ws.states()["lee"] == "bounced"
    with ws.store() as store:
        status, attempts = store.execute(
            "SELECT status, attempts FROM outbox WHERE kind = 'request' AND resource_id = 'lee'"
        ).fetchone()
    assert (status, attempts) == ("failed", 3)


def test_a_refused_message_is_one_notice_not_one_per_recipient(mail_stack, tmp_path):
    ws = MailServerWorkspace(tmp_path / "ws", mail_stack)
    text = ws.config.read_text().replace(f'email = "{ME}"', 'email = "blocked.sender@example.com"', 1)
    ws.config.write_text(text)  # the server refuses every message from this sender, at MAIL FROM
    ws.drop_plan(EXAMPLE.read_text())
    ws.cli("tick", "--now", "2026-11-30T15:00:00+00:00")
    ws.cli("tick", "--now", "2026-11-30T15:00:00+00:00")  # what the refusals of the first pass made
    with ws.store() as store:
        rows = [dict(r) for r in store.execute("SELECT kind, resource_id, status, recipients, error FROM outbox")]
        audit = [r[0] for r in store.execute("SELECT event FROM audit WHERE event LIKE '%not delivered%'")]
    copies = [r for r in rows if r["kind"] == "meeting"]  # one per language and timezone of the attendees
    assert all(r["status"] == "failed" and "553 5.7.1" in r["error"] for r in copies)
    assert {a for r in copies for a in json.loads(r["recipients"])} >= {
        "riley@example.com",
        "sam.security@example.com",
        "lee.legal@example.com",
        "sol.engineer@example.com",
    }
    # One notice per refused message that is not a request (requests count as bounces, and the
    # backups are asked), naming everyone it missed. The notices are refused too (same sender),
    # and that ends there: no notice about a notice.
    requests = ("request", "backup_request", "reminder", "last_call")
    told = [
        r
        for r in rows
        if r["status"] == "failed"
        and r["kind"] not in requests
        and json.loads(r["recipients"]) != ["riley@example.com"]
    ]
    notices = [r for r in rows if r["kind"] == "owner_undelivered"]
    assert len(notices) == len(told) >= 3 and all(r["status"] == "failed" for r in notices)
    meetings = [r for r in rows if r["kind"] == "meeting"]
    assert sum(e.startswith("meeting not delivered to ") for e in audit) == len(meetings)
    for copy in copies:  # each notice names everyone its message missed
        missed = ", ".join(json.loads(copy["recipients"]))
        assert any(e.startswith(f"meeting not delivered to {missed}") for e in audit)
    # Nobody could be reached: Sam and Sol were replaced by their backups, who bounced too.
    assert ws.states() == {"sam": "replaced", "lee": "bounced", "sol": "replaced", "pat": "bounced", "kim": "bounced"}


# -- the daemon in real time ---------------------------------------------------------------------------
def live_plan(now: datetime) -> str:
    day = lambda n: (now + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
    return f"""
[plan]
id = "live"
title = "Live plan"
timezone = "UTC"
respond_by = {day(3)}

[owner]
name = "Riley Rep"
email = "riley@example.com"

[[resources]]
id = "sam"
name = "Sam Security"
email = "sam.security@example.com"
asks = ["Answer the security questionnaire"]
due = {day(6)}

[[resources]]
id = "lee"
name = "Lee Legal"
email = "lee.legal@example.com"
asks = ["Review the redlines"]
due = {day(6)}
"""


ALWAYS_OPEN = {
    "schedule": {
        "business_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "send_from": "00:00",
        "send_until": "23:59",
    },
    "workspace": {"poll_seconds": 300},
    "mail": {"imap": {"poll_seconds": 300}},
}


class Daemon:
    def __init__(self, ws: MailServerWorkspace):
        self.log = open(ws.root / "daemon.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "followthru", "-c", str(ws.config), "run"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=ws.env,
        )
        self.ws = ws

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        return (self.ws.root / "daemon.log").read_text()


def wait_for_state(ws: MailServerWorkspace, resource: str, state: str, timeout: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with ws.store() as store:
                row = store.execute("SELECT state FROM commitments WHERE resource_id = ?", (resource,)).fetchone()
        except sqlite3.OperationalError:
            row = None
        if row and row["state"] == state:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{resource} did not become {state} within {timeout} s")


@pytest.fixture
def live(mail_stack, tmp_path):
    ws = MailServerWorkspace(tmp_path / "ws", mail_stack, **ALWAYS_OPEN)
    ws.drop_plan(live_plan(datetime.now(timezone.utc)))
    daemon = Daemon(ws)
    yield ws, daemon
    if daemon.process.poll() is None:
        daemon.stop()


def test_replies_are_picked_up_through_idle(live):
    ws, daemon = live
    request = only(ws.inbox("sam.security@example.com", 1), "request")
    ws.answer(request, "sam.security@example.com", "ACCEPT")
    wait_for_state(ws, "sam", "accepted", timeout=30)  # polling alone would take five minutes
    log = daemon.stop()
    assert "Traceback" not in log


def test_an_imap_restart_mid_run_loses_and_repeats_nothing(live, mail_stack):
    ws, daemon = live
    sam = only(ws.inbox("sam.security@example.com", 1), "request")
    lee = only(ws.inbox("lee.legal@example.com", 1), "request")
    ws.answer(sam, "sam.security@example.com", "ACCEPT")
    wait_for_state(ws, "sam", "accepted")
    mail_stack.stop_imap()
    try:
        ws.answer(lee, "lee.legal@example.com", "Yes, I'll do it.")  # Postfix keeps it while Dovecot is down
        time.sleep(2)
    finally:
        mail_stack.start_imap()
    mail_stack.flush_queue()
    wait_for_state(ws, "lee", "accepted", timeout=90)
    log = daemon.stop()
    assert "Traceback" not in log
    with ws.store() as store:
        assert store.execute("SELECT COUNT(*) FROM inbound").fetchone()[0] == 2
    assert len(mail_stack.messages(ME, "Followthru")) == 2
    # The owner heard once that everyone committed.
    assert [kind(m) for m in mail_stack.messages("riley@example.com")].count("all_committed") == 1


def test_smtp_down_for_a_while_then_everything_goes_once(mail_stack, tmp_path):
    ws = MailServerWorkspace(tmp_path / "ws", mail_stack, **ALWAYS_OPEN)
    mail_stack.stop_smtp()
    try:
        ws.drop_plan(live_plan(datetime.now(timezone.utc)))
        daemon = Daemon(ws)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with ws.store() as store:
                    pending = store.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
            except sqlite3.OperationalError:  # the daemon has not made the store yet
                pending = 0
            if pending:
                break
            time.sleep(0.2)
        # At least one attempt against the stopped server, and a pause: until the log says so,
        # rather than a fixed wait.
        log = ws.root / "daemon.log"
        while "delivery paused" not in log.read_text() and time.monotonic() < deadline + 30:
            time.sleep(0.1)
    finally:
        mail_stack.start_smtp()
    requests = {a: only(ws.inbox(a, 1), "request") for a in ("sam.security@example.com", "lee.legal@example.com")}
    assert all(requests.values())
    log = daemon.stop()
    assert "delivery paused" in log and "nothing answers on SMTP server localhost:10587" in log
    assert "Traceback" not in log
    with ws.store() as store:
        statuses = Counter(r[0] for r in store.execute("SELECT status FROM outbox"))
    assert statuses == {"sent": 2}
    for address in ("sam.security@example.com", "lee.legal@example.com", "riley@example.com"):
        ids = [m["Message-ID"] for m in mail_stack.messages(address)]
        assert len(ids) == len(set(ids))
