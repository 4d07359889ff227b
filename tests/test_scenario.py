"""The whole loop on the embedded default, driven through the CLI with --now.

Every step runs in a new process, so the daemon is restarted between steps: nothing may be lost
and nothing doubled. Mail goes to the Maildir outbox; replies are dropped into the Maildir inbox.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from followthru.config import init_workspace
from replying import reply_to

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
OWNER = "riley@example.com"


class Workspace:
    def __init__(self, root: Path):
        self.root = root
        self.config = init_workspace(root)
        self.seen: set[str] = set()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "followthru", "-c", str(self.config), *args],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr + result.stdout
        return result

    def tick(self, now: str) -> list[EmailMessage]:
        """One pass in a new process at ``now``; returns the messages it sent."""
        self.cli("tick", "--now", now)
        return self.new_mail()

    def new_mail(self) -> list[EmailMessage]:
        fresh = []
        for path in sorted((self.root / "mail" / "outbox" / "new").iterdir(), key=lambda p: p.stat().st_mtime_ns):
            if path.name not in self.seen:
                self.seen.add(path.name)
                fresh.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return fresh

    def all_mail(self) -> list[EmailMessage]:
        folder = self.root / "mail" / "outbox" / "new"
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in folder.iterdir()]

    def drop_plan(self, text: str, name: str = "acme-q4.toml") -> None:
        path = self.root / "plans" / "incoming" / name
        path.write_text(text)
        old = time.time() - 5
        os.utime(path, (old, old))

    def answer(self, to: EmailMessage, sender: str, body: str, **headers: str) -> None:
        reply = reply_to(to, sender, body, **headers)
        (self.root / "mail" / "inbox" / "new" / f"{time.time_ns()}.eml").write_bytes(reply.as_bytes())

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json").stdout)["plans"][0]


def summary(messages: list[EmailMessage]) -> list[tuple[str, str]]:
    """(kind, first recipient) of each message; the copies of one invitation (one per language and
    timezone of its attendees) count once, under the owner when it goes to them."""
    seen: dict[tuple[str, str, int], list[str]] = {}
    entries = []
    for m in messages:
        to = [a.addr_spec for a in m["To"].addresses]
        if m["X-Followthru-Kind"] == "meeting":
            method, event = invitation(m)
            seen.setdefault((str(event["UID"]), str(method), int(event["SEQUENCE"])), []).extend(to)
        else:
            entries.append((m["X-Followthru-Kind"], to[0]))
    for readers in seen.values():
        entries.append(("meeting", OWNER if OWNER in readers else sorted(readers)[0]))
    return sorted(entries)


def find(messages, kind: str, resource: str | None = None) -> EmailMessage:
    return next(m for m in messages if m["X-Followthru-Kind"] == kind
                and (resource is None or m["X-Followthru-Resource"] == resource))


def invitation(message: EmailMessage):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    event = icalendar.Calendar.from_ical(part.get_content())
    return event["METHOD"], event.walk("VEVENT")[0]


def states(plan: dict) -> dict[str, str]:
    return {c["resource"]: c["state"] for c in plan["commitments"]}


@pytest.fixture
def ws(tmp_path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    text = workspace.config.read_text().replace('email = "followthru@localhost.localdomain"',
                                                'email = "followthru@example.com"')
    workspace.config.write_text(text)
    return workspace


def test_the_whole_loop(ws):
    # Monday 10:00 in New York: the plan starts.
    ws.drop_plan(EXAMPLE.read_text())
    started = ws.tick("2026-11-30T15:00:00+00:00")
    assert summary(started) == [
        ("meeting", "riley@example.com"),  # the review invites everyone asked, the rep first
        ("request", "lee.legal@example.com"), ("request", "sam.security@example.com"),
        ("request", "sol.engineer@example.com"),
        ("stakeholder_update", "casey.csm@example.com"), ("stakeholder_update", "morgan.manager@example.com"),
    ]
    assert (ws.root / "plans" / "active" / "acme-q4.toml").exists()
    assert not any((ws.root / "plans" / "incoming").iterdir())
    assert ws.tick("2026-11-30T15:05:00+00:00") == []  # restarted: nothing again

    # Sam accepts; Sol declines (Kim, the backup, is asked).
    ws.answer(find(started, "request", "sam"), "Sam Security <sam.security@example.com>", "ACCEPT - happy to help")
    ws.answer(find(started, "request", "sol"), "sol.engineer@example.com", "DECLINE\nIch bin in der Woche im Urlaub.")
    step = ws.tick("2026-11-30T16:00:00+00:00")
    assert summary(step) == [("backup_request", "kim.standby@example.com"),
                             ("meeting", "riley@example.com"), ("meeting", "riley@example.com"),
                             ("meeting", "sol.engineer@example.com"),  # Sol is off the review
                             ("owner_declined", "riley@example.com"),
                             ("stakeholder_update", "morgan.manager@example.com")]
    meetings = sorted({(str(e["SUMMARY"]), method, e["SEQUENCE"]) for method, e in
                       (invitation(m) for m in step if m["X-Followthru-Kind"] == "meeting")})
    assert meetings == [("ACME Q4 check-in", "REQUEST", 0), ("ACME Q4 expansion - review", "CANCEL", 1),
                        ("ACME Q4 expansion - review", "REQUEST", 1)]
    assert states(ws.status()) == {"sam": "accepted", "lee": "requested", "sol": "replaced", "kim": "requested"}
    assert not any((ws.root / "mail" / "inbox" / "new").iterdir())
    assert len(list((ws.root / "mail" / "inbox" / "cur").iterdir())) == 2

    # Lee stays silent: a reminder a business day later, a last call, then the deadline.
    # (The rep's daily digest goes out each business morning too.)
    assert summary(ws.tick("2026-12-01T15:00:00+00:00")) == [("digest", "riley@example.com"),
                                                             ("reminder", "lee.legal@example.com")]
    assert summary(ws.tick("2026-12-02T18:00:00+00:00")) == [("digest", "riley@example.com"),
                                                             ("last_call", "kim.standby@example.com"),
                                                             ("last_call", "lee.legal@example.com")]
    kim_request = find(step, "backup_request")
    ws.answer(kim_request, "kim.standby@example.com", "Yes, count me in.")
    step = ws.tick("2026-12-02T19:00:00+00:00")
    assert summary(step) == [("meeting", "riley@example.com")]
    assert invitation(find(step, "meeting"))[1]["SEQUENCE"] == 1
    deadline = ws.tick("2026-12-02T22:01:00+00:00")  # 17:01 in New York
    assert summary(deadline) == [("owner_no_answer", "riley@example.com"),
                                 ("stakeholder_update", "morgan.manager@example.com")]
    assert states(ws.status())["lee"] == "expired"
    assert any("lee" in item for item in ws.status()["needs_attention"])

    # Lee answers late; everyone has committed.
    ws.answer(find(started, "request", "lee"), "lee.legal@example.com", "Sorry, was out. ACCEPT.")
    done = ws.tick("2026-12-03T14:00:00+00:00")
    assert summary(done) == [
        ("all_committed", "casey.csm@example.com"), ("all_committed", "kim.standby@example.com"),
        ("all_committed", "lee.legal@example.com"), ("all_committed", "morgan.manager@example.com"),
        ("all_committed", "riley@example.com"), ("all_committed", "sam.security@example.com"),
        ("digest", "riley@example.com"), ("meeting", "riley@example.com"),
    ]
    method, event = invitation(find(done, "meeting"))
    attendees = {str(a).removeprefix("mailto:") for a in event["ATTENDEE"]}
    assert event["SEQUENCE"] == 2 and attendees == {"riley@example.com", "sam.security@example.com",
                                                    "kim.standby@example.com", "lee.legal@example.com"}
    assert ws.status()["state"] == "committed"

    # A plan update that moves Lee's due date contacts only Lee.
    ws.drop_plan(EXAMPLE.read_text().replace("due = 2026-12-10T17:00:00", "due = 2026-12-11T17:00:00"))
    update = ws.tick("2026-12-03T15:00:00+00:00")
    assert summary(update) == [("request", "lee.legal@example.com")]
    text = update[0].get_body(("plain",)).get_content()
    assert "Fri 11 Dec 2026" in text
    assert "Mon 7 Dec 2026, 09:00 CST" in text  # the plan's deadline has passed: two business days to answer
    assert len(list((ws.root / "plans" / "archive").iterdir())) == 1

    # Cancelling sends CANCEL for every meeting and releases everyone.
    ws.drop_plan(EXAMPLE.read_text().replace('[plan]\n', '[plan]\nstatus = "cancelled"\n'))
    cancelled = ws.tick("2026-12-03T16:00:00+00:00")
    cancels = [invitation(m) for m in cancelled if m["X-Followthru-Kind"] == "meeting"]
    assert sorted({(str(e["UID"]), method, e["SEQUENCE"]) for method, e in cancels}) == [
        ("followthru-acme-q4-check-in@example.com", "CANCEL", 3), ("followthru-acme-q4-review@example.com",
                                                                    "CANCEL", 2)]
    assert Counter(m["X-Followthru-Kind"] for m in cancelled)["released"] == 3
    assert ws.status()["state"] == "cancelled"

    # Across all these restarts, every message went out once.
    everything = ws.all_mail()
    ids = [m["Message-ID"] for m in everything]
    assert len(ids) == len(set(ids))
    requests = Counter(m["X-Followthru-Resource"] for m in everything if m["X-Followthru-Kind"] == "request")
    assert requests == {"sam": 1, "sol": 1, "lee": 2}
    log = ws.cli("log", "acme-q4").stdout
    assert "reply: decline" in log and "expired" in log and "plan cancelled" in log


def test_a_broken_plan_is_rejected_with_its_errors_and_the_owner_is_told(ws):
    ws.drop_plan(EXAMPLE.read_text().replace('backups = ["pat"]', 'backups = ["pet"]'), "broken.toml")
    sent = ws.tick("2026-11-30T15:00:00+00:00")
    rejected = ws.root / "plans" / "rejected"
    assert (rejected / "broken.toml").exists()
    errors = (rejected / "broken.toml.errors.txt").read_text()
    assert "resources[0].backups[0]: no resource has the id 'pet'" in errors
    assert summary(sent) == [("owner_rejected", "riley@example.com")]
    assert "no resource has the id 'pet'" in sent[0].get_body(("plain",)).get_content()


def test_partial_and_hidden_files_wait(ws):
    incoming = ws.root / "plans" / "incoming"
    (incoming / ".acme-q4.toml").write_text(EXAMPLE.read_text())
    (incoming / "acme-q4.toml.part").write_text(EXAMPLE.read_text()[:100])
    ws.tick("2026-11-30T15:00:00+00:00")
    assert sorted(p.name for p in incoming.iterdir()) == [".acme-q4.toml", "acme-q4.toml.part"]
    assert not any((ws.root / "plans" / "rejected").iterdir())


def test_a_reply_from_someone_else_changes_nothing(ws):
    ws.drop_plan(EXAMPLE.read_text())
    started = ws.tick("2026-11-30T15:00:00+00:00")
    ws.answer(find(started, "request", "sam"), "mallory@evil.example", "ACCEPT")
    notice = ws.tick("2026-11-30T16:00:00+00:00")
    assert summary(notice) == [("owner_unmatched", "riley@example.com")]
    assert states(ws.status())["sam"] == "requested"


def test_counter_proposal_and_the_owners_decision(ws):
    ws.drop_plan(EXAMPLE.read_text())
    started = ws.tick("2026-11-30T15:00:00+00:00")
    ws.answer(find(started, "request", "sam"), "sam.security@example.com",
              "I can't make Dec 9, but I can do it by Dec 11 instead.")
    notice = ws.tick("2026-11-30T16:00:00+00:00")
    assert summary(notice) == [("owner_counter", "riley@example.com")]
    assert states(ws.status())["sam"] == "countered"
    ws.answer(notice[0], "riley@example.com", "APPROVE")
    approved = ws.tick("2026-11-30T17:00:00+00:00")
    assert ("counter_approved", "sam.security@example.com") in summary(approved)
    assert states(ws.status())["sam"] == "accepted"
    assert "Fri 11 Dec 2026" in find(approved, "counter_approved").get_body(("plain",)).get_content()


def test_decide_command(ws):
    ws.drop_plan(EXAMPLE.read_text())
    started = ws.tick("2026-11-30T15:00:00+00:00")
    ws.answer(find(started, "request", "lee"), "lee.legal@example.com", "Could we do Dec 14 instead of Dec 10?")
    ws.tick("2026-11-30T16:00:00+00:00")
    if states(ws.status())["lee"] != "countered":
        pytest.fail(f"the reply was read as {ws.status()['commitments']}")
    ws.cli("decide", "acme-q4", "lee", "reject", "--now", "2026-11-30T16:30:00+00:00")
    assert states(ws.status())["lee"] == "declined"  # no backup for Lee
    refused = subprocess.run([sys.executable, "-m", "followthru", "-c", str(ws.config), "decide", "acme-q4", "lee",
                              "approve"], capture_output=True, text=True)
    assert refused.returncode == 1 and "no counter-proposal waiting" in refused.stderr


def test_status_table_for_people(ws):
    ws.drop_plan(EXAMPLE.read_text())
    ws.tick("2026-11-30T15:00:00+00:00")
    table = ws.cli("status").stdout
    assert "acme-q4  ACTIVE  ACME Corp - Q4 expansion" in table
    assert "sam" in table and "requested" in table and "meeting ACME Q4 expansion - review" in table


def test_many_plans_at_once_are_prepared_on_every_core(ws):
    """Past PARALLEL_FROM files, plans are read and drafted in worker processes."""
    from followthru.workers import PARALLEL_FROM

    count = PARALLEL_FROM + 4
    for n in range(count):
        ws.drop_plan(EXAMPLE.read_text().replace('id = "acme-q4"', f'id = "acme-{n}"'), f"acme-{n}.toml")
    ws.drop_plan(EXAMPLE.read_text().replace('backups = ["pat"]', 'backups = ["pet"]'), "broken.toml")
    sent = ws.tick("2026-11-30T15:00:00+00:00")
    requests = Counter((m["X-Followthru-Plan"], m["X-Followthru-Resource"]) for m in sent
                       if m["X-Followthru-Kind"] == "request")
    assert len(requests) == count * 3 and set(requests.values()) == {1}
    # 3 requests, 2 updates and 1 invitation in 3 copies (languages and timezones) each; 1 rejection notice
    assert len(sent) == count * 8 + 1
    assert (ws.root / "plans" / "rejected" / "broken.toml").exists()
    plans = json.loads(ws.cli("status", "--json").stdout)["plans"]
    assert len(plans) == count and {p["state"] for p in plans} == {"active"}
