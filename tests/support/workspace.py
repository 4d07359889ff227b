"""A workspace on the embedded default (Maildir) driven through the CLI, one process per command
(forked from a preloaded one: see preforked.py), and the ways the scenario tests look at what it sent."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

import icalendar

from followthru.config import init_workspace
from support.preforked import run_followthru
from support.replying import reply_to

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
OWNER = "riley@example.com"
MONDAY = "2026-11-30T15:00:00+00:00"  # 10:00 in New York, when the example plan starts

# A plan with one person, numbered: many of them make a big drop.
SMALL_PLAN = """\
[plan]
id = "deal-{n}"
title = "Deal {n}"
customer = "Customer {n}"
respond_by = 2030-12-02T17:00:00

[owner]
name = "Riley Rep"
email = "riley@example.com"

[[resources]]
id = "sam"
name = "Sam {n}"
email = "sam{n}@example.com"
asks = ["Part of deal {n}"]
due = 2030-12-09
"""


class Workspace:
    def __init__(self, root: Path):
        self.root = root
        self.config = init_workspace(root)
        self.seen: set[str] = set()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """``followthru -c CONFIG *args`` in a new process."""
        result = run_followthru("-c", str(self.config), *args)
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
        drop_plan(self.root, text, name)

    def answer(self, to: EmailMessage, sender: str, body: str, **headers: str) -> None:
        reply = reply_to(to, sender, body, **headers)
        (self.root / "mail" / "inbox" / "new" / f"{time.time_ns()}.eml").write_bytes(reply.as_bytes())

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json").stdout)["plans"][0]


def drop_reply(ws: Workspace, reply: EmailMessage) -> None:
    """A message, as it is, into the workspace's Maildir inbox."""
    (ws.root / "mail" / "inbox" / "new" / f"{time.time_ns()}.eml").write_bytes(reply.as_bytes())


def audit(ws: Workspace) -> str:
    return ws.cli("log").stdout


def maildir_workspace(root: Path) -> Workspace:
    """A workspace whose sender is at example.com, like the people in the example plan."""
    workspace = Workspace(root)
    text = workspace.config.read_text().replace(
        'email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"'
    )
    workspace.config.write_text(text)
    return workspace


def drop_plan(root: Path, text: str, name: str = "acme-q4.toml") -> None:
    """A plan file in the workspace's incoming folder, old enough to count as completely written."""
    path = root / "plans" / "incoming" / name
    path.write_text(text)
    old = time.time() - 5
    os.utime(path, (old, old))


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
    return next(
        m
        for m in messages
        if m["X-Followthru-Kind"] == kind and (resource is None or m["X-Followthru-Resource"] == resource)
    )


def invitation(message: EmailMessage):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    event = icalendar.Calendar.from_ical(part.get_content())
    return event["METHOD"], event.walk("VEVENT")[0]


def states(plan: dict) -> dict[str, str]:
    return {c["resource"]: c["state"] for c in plan["commitments"]}
