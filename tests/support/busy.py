"""A busy workspace: ``followthru init`` with its send window open at every hour, plans with
several people each dropped at once, an ACCEPT to every request, and the check that everything
happened exactly once (every message by Message-ID and by plan, kind and recipient, every plan
file, every reply) against the store, SQLite or PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from support.replying import reply_to

PLANS = 50
PEOPLE = 2  # per plan: 100 requests, so 100 replies

PLAN = """\
[plan]
id = "deal-{n}"
title = "Deal {n}"
customer = "Customer {n}"
timezone = "UTC"
respond_by = 2030-12-02T17:00:00

[owner]
name = "Riley Rep"
email = "riley{n}@example.com"
{resources}
[[stakeholders]]
name = "Morgan Manager"
email = "morgan{n}@example.com"
updates = ["started"]
"""

RESOURCE = """
[[resources]]
id = "r{i}"
name = "Person {n}-{i}"
email = "p{n}-{i}@example.com"
asks = ["Part {i} of deal {n}"]
due = 2030-12-09
"""


class Workspace:
    """A workspace made by ``followthru init``, its send window open at every hour; on a PostgreSQL
    store when ``database`` (a URL) is given, its password in $PGPASSWORD."""

    def __init__(
        self,
        root: Path,
        database: str | None = None,
        send_window: tuple[str, str] = ("00:00", "23:59"),
        poll_seconds: float = 0.5,
    ):
        self.root = root
        self.database = database
        self._read: set[str] = set()  # outbox files answer_new has looked at
        subprocess.run([sys.executable, "-m", "followthru", "init", str(root)], check=True, capture_output=True)
        self.config = root / "config.toml"
        # Not near midnight where the window is: 23:59 to 00:00 is outside it.
        zone = "UTC" if datetime.now(timezone.utc).hour < 23 else "Etc/GMT+6"
        text = self.config.read_text()
        every_day = 'business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
        for pattern, value in (
            (r"business_days = .*", every_day),
            (r"send_from = .*", f'send_from = "{send_window[0]}"'),
            (r"send_until = .*", f'send_until = "{send_window[1]}"'),
            (r'timezone = "UTC"', f'timezone = "{zone}"'),
            (r"poll_seconds = 5.0", f"poll_seconds = {poll_seconds}"),
        ):
            text, found = re.subn(f"(?m)^{pattern}$", value, text, count=1)
            assert found, pattern
        text = text.replace('"followthru@localhost.localdomain"', '"followthru@example.com"')
        if database is not None:
            text, found = re.subn(r'(?m)^store = "followthru.sqlite3"$', f'store = "{database}"', text)
            assert found
        self.config.write_text(text)
        self.incoming = root / "plans" / "incoming"
        self.inbox = root / "mail" / "inbox" / "new"
        (root / "aside").mkdir()

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "followthru", "-c", str(self.config), *args]

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def drop_plans(self, count: int = PLANS, first: int = 0) -> None:
        """Write plans ``first`` to ``first + count - 1`` aside, then move them in: all at once, and
        already settled."""
        aside = self.root / "aside"
        old = time.time() - 5
        numbers = range(first, first + count)
        for n in numbers:
            path = aside / f"deal-{n}.toml"
            path.write_text(plan_text(n))
            os.utime(path, (old, old))
        for n in numbers:
            os.replace(aside / f"deal-{n}.toml", self.incoming / f"deal-{n}.toml")

    def sent(self) -> list[EmailMessage]:
        outbox = self.root / "mail" / "outbox"
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for folder in ("new", "cur")
            for path in (outbox / folder).iterdir()
        ]

    def requests(self) -> list[EmailMessage]:
        return [m for m in self.sent() if m["X-Followthru-Kind"] == "request"]

    def answer_all(self) -> int:
        """An ACCEPT to every request, dropped into the inbox at once; how many."""
        requests = self.requests()
        old = time.time() - 5
        for number, request in enumerate(requests):
            path = self.root / "aside" / f"{number}.eml"
            path.write_bytes(
                reply_to(request, request["To"].addresses[0].addr_spec, "ACCEPT - happy to help").as_bytes()
            )
            os.utime(path, (old, old))
        for number in range(len(requests)):
            os.replace(self.root / "aside" / f"{number}.eml", self.inbox / f"{number}.eml")
        return len(requests)

    def answer_new(self) -> int:
        """An ACCEPT to every request sent since the last call, dropped into the inbox; how many."""
        outbox = self.root / "mail" / "outbox"
        fresh = [p for folder in ("new", "cur") for p in (outbox / folder).iterdir() if p.name not in self._read]
        answered = 0
        for path in fresh:
            self._read.add(path.name)
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["X-Followthru-Kind"] != "request":
                continue
            reply = reply_to(message, message["To"].addresses[0].addr_spec, "ACCEPT - happy to help")
            aside = self.root / "aside" / f"reply-{path.name}.eml"
            aside.write_bytes(reply.as_bytes())
            os.utime(aside, (time.time() - 5, time.time() - 5))
            os.replace(aside, self.inbox / aside.name)
            answered += 1
        return answered

    def query(self, sql: str, *args: object) -> list[tuple]:
        """The rows a SELECT (``?`` for each value) gives, read from the store as it is now."""
        if self.database is not None:
            import psycopg

            with psycopg.connect(self.database, autocommit=True) as connection:
                cursor = connection.execute(sql.replace("?", "%s"), args) if args else connection.execute(sql)
                return [tuple(row) for row in cursor.fetchall()]
        with sqlite3.connect(f"file:{self.root / 'followthru.sqlite3'}?mode=ro", uri=True, timeout=30) as store:
            return store.execute(sql, args).fetchall()

    def wait_for(self, what: str, condition, seconds: float = 40.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
            time.sleep(0.2)

    def assert_everything_once(self, replies: int, plans: int = PLANS) -> dict[str, int]:
        """Every message, plan and reply exactly once; returns the counts."""
        messages = self.sent()
        by_id = Counter(m["Message-ID"] for m in messages)
        by_what = Counter((m["X-Followthru-Plan"], m["X-Followthru-Kind"], str(m["To"])) for m in messages)
        assert [i for i, n in by_id.items() if n > 1] == []
        assert [w for w, n in by_what.items() if n > 1] == []
        sent_rows = {row[0] for row in self.query("SELECT message_id FROM outbox WHERE status = 'sent'")}
        assert set(by_id) == sent_rows, (set(by_id) - sent_rows, sent_rows - set(by_id))
        assert self.query("SELECT count(*) FROM outbox WHERE status != 'sent'") == [(0,)]
        kinds = Counter(kind for _, kind, _ in by_what)
        assert (kinds["request"], kinds["stakeholder_update"]) == (plans * PEOPLE, plans), kinds

        active = sorted(p.name for p in (self.root / "plans" / "active").iterdir())
        assert active == sorted(f"deal-{n}.toml" for n in range(plans))
        assert list((self.root / "plans" / "rejected").iterdir()) == []
        assert list((self.root / "plans" / "archive").iterdir()) == []
        assert list(self.root.rglob("*.errors.txt")) == []
        assert list(self.incoming.iterdir()) == []
        assert self.query("SELECT count(*) FROM audit WHERE event LIKE 'plan started%'") == [(plans,)]

        assert list(self.inbox.iterdir()) == []
        assert len(list((self.root / "mail" / "inbox" / "cur").iterdir())) == replies
        assert self.query("SELECT count(*) FROM inbound") == [(replies,)]
        applied = self.query(
            "SELECT plan_id, resource_id, count(*) FROM audit WHERE event LIKE 'reply: %' GROUP BY plan_id, resource_id"
        )
        assert len(applied) == replies and all(count == 1 for _, _, count in applied)
        committed = self.query("SELECT count(*) FROM commitments WHERE state = 'accepted'")
        assert committed == [(replies,)]
        return {
            "messages": len(messages),
            "plans": len(active),
            "replies": replies,
            "doubled_messages": sum(n - 1 for n in by_what.values()),
        }


def plan_text(n: int) -> str:
    """Plan number ``n``: PEOPLE people and a stakeholder."""
    return PLAN.format(n=n, resources="".join(RESOURCE.format(n=n, i=i) for i in range(PEOPLE)))
