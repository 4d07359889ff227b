"""Webhooks through SIGKILLs: one ``followthru run`` on SQLite and the real clock, killed at random
moments and started again while plans arrive and people accept, decline and counter, with a webhook
for every event on a receiver in the test process (support.receiver), which lives on through the
kills. Every event reaches the receiver, each under one id and none under two; a post the daemon
was killed before hearing the answer to comes again with the same id and the same bytes, which the
receiver, keeping the ids it has seen, takes once. The events are those of a daemon that nothing
interrupts, given the same plans and answers beside it, and those the store's final states imply.

``plan_closed`` needs the due dates to pass: tests/test_webhooks.py posts it with time travel.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from support.busy import PEOPLE, Workspace
from support.receiver import Received, Receiver
from support.replying import reply_to

PLANS = 40
BATCH = 4  # plans dropped at a time, so that the kills fall on work under way
KILLS = 24
SECRET_ENV = "FOLLOWTHRU_TEST_WEBHOOK_SECRET"
SECRET = "whsec-kill-test-5f4dcc3b5aa765d61d8327deb882cf99"

ACCEPT = "ACCEPT - happy to help"
DECLINE = "DECLINE - sorry, I cannot take this on."
COUNTER = "I can do it, but only by December 20, 2030."
# What the two people of plan n answer, by n % 4, and the events that makes.
ANSWERS = {0: (ACCEPT, ACCEPT), 1: (ACCEPT, DECLINE), 2: (ACCEPT, COUNTER), 3: (DECLINE, COUNTER)}
DECLINED = "declined, no backup left"
COUNTERED = "proposed other terms"


def expected(plans: int) -> Counter:
    """(event, plan, resource, attention) of every event the answers make."""
    events: Counter = Counter()
    for n in range(plans):
        plan = f"deal-{n}"
        for i, text in enumerate(ANSWERS[n % 4]):
            if text == DECLINE:
                events[("commitment_declined", plan, f"r{i}", ())] += 1
                events[("needs_attention", plan, None, (f"r{i}: {DECLINED}",))] += 1
            elif text == COUNTER:
                events[("commitment_countered", plan, f"r{i}", ())] += 1
                events[("needs_attention", plan, None, (f"r{i}: {COUNTERED}",))] += 1
        if ANSWERS[n % 4] == (ACCEPT, ACCEPT):
            events[("plan_committed", plan, None, ())] += 1
    return events


def what(post: Received) -> tuple:
    body = json.loads(post.body)
    return body["event"], body["plan"]["id"], (body["resource"] or {}).get("id"), tuple(body["attention"])


def content(post: Received) -> str:
    """The body without what differs between two runs (the id, the moment)."""
    body = json.loads(post.body)
    return json.dumps({k: v for k, v in body.items() if k not in ("id", "at")}, sort_keys=True)


class Hooked(Workspace):
    """A busy workspace with a webhook for every event at ``url``, whose answers follow :data:`ANSWERS`."""

    def __init__(self, root: Path, url: str):
        super().__init__(root)
        with self.config.open("a") as config:
            config.write(f'\n[[web.webhooks]]\nurl = "{url}"\nsecret_env = "{SECRET_ENV}"\n')
        self.answered = 0

    def answer_new(self) -> int:
        outbox = self.root / "mail" / "outbox"
        fresh = [p for folder in ("new", "cur") for p in (outbox / folder).iterdir() if p.name not in self._read]
        for path in fresh:
            self._read.add(path.name)
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["X-Followthru-Kind"] != "request":
                continue
            n = int(message["X-Followthru-Plan"].removeprefix("deal-"))
            i = int(message["X-Followthru-Resource"].removeprefix("r"))
            reply = reply_to(message, message["To"].addresses[0].addr_spec, ANSWERS[n % 4][i])
            aside = self.root / "aside" / f"reply-{path.name}.eml"
            aside.write_bytes(reply.as_bytes())
            os.utime(aside, (time.time() - 5, time.time() - 5))
            os.replace(aside, self.inbox / aside.name)
            self.answered += 1
        return self.answered

    def settled(self, receiver: Receiver, path: str, plans: int) -> bool:
        """Every plan taken in and answered, every answer read, nothing left to send, and every queued
        event taken by the receiver."""
        if any(self.incoming.iterdir()) or any(self.inbox.iterdir()):
            return False
        if self.query("SELECT count(*) FROM inbound") != [(plans * PEOPLE,)]:
            return False
        if self.query("SELECT count(*) FROM outbox WHERE status = 'pending'") != [(0,)]:
            return False
        queued = {row[0] for row in self.query("SELECT message_id FROM outbox WHERE kind = 'webhook'")}
        taken = {f"<{p.header('X-Followthru-Delivery')}@webhook.followthru>" for p in receiver.posts(path)}
        return bool(queued) and queued <= taken


class Daemon:
    """One ``followthru run`` on ``ws``, logging to ``log``; killed and started again by the test."""

    def __init__(self, ws: Workspace, log: Path):
        self.ws = ws
        self.log = log
        self.kills = 0
        self.killed_at: list[float] = []  # time.time() of each kill
        self.process = self._start()

    def _start(self) -> subprocess.Popen:
        with self.log.open("ab") as log:
            return subprocess.Popen(self.ws.command("run"), stdout=subprocess.DEVNULL, stderr=log)

    def kill(self) -> None:
        assert self.process.poll() is None, self.said()[-3000:]  # it did not stop by itself
        self.killed_at.append(time.time())
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.kills += 1
        self.process = self._start()

    def said(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        # -SIGTERM: started again a moment ago, stopped before Python set its handler up.
        assert code in (0, -signal.SIGTERM), self.said()[-3000:]


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)  # the daemons inherit it
    with Receiver() as receiver:
        receiver.delay = 0.1  # the answer a moment after the body: some kills fall in between
        yield receiver


def test_one_daemon_killed_two_dozen_times_posts_every_event_under_one_id(tmp_path, receiver):
    started = time.monotonic()
    ws = Hooked(tmp_path / "killed", receiver.url)
    reference = Hooked(tmp_path / "reference", f"{receiver.base}/reference")  # the same, never killed
    daemon = Daemon(ws, tmp_path / "killed.log")
    calm = Daemon(reference, tmp_path / "reference.log")
    rng = random.Random(5)
    dropped = 0
    deadline = time.monotonic() + 150
    try:
        while daemon.kills < KILLS or not (
            ws.settled(receiver, "/hook", PLANS) and reference.settled(receiver, "/reference", PLANS)
        ):
            if dropped < PLANS:
                ws.drop_plans(BATCH, first=dropped)
                reference.drop_plans(BATCH, first=dropped)
                dropped += BATCH
            ws.answer_new()
            reference.answer_new()
            time.sleep(rng.uniform(0.3, 1.3) if daemon.kills < KILLS else 0.3)
            if daemon.kills < KILLS:
                daemon.kill()
            assert time.monotonic() < deadline, "not settled within 150 s"
    finally:
        daemon.stop()
        calm.stop()
    assert (dropped, ws.answered, reference.answered, daemon.kills) == (PLANS, PLANS * PEOPLE, PLANS * PEOPLE, KILLS)

    posts = receiver.posts("/hook")
    by_id: dict[str, list[Received]] = {}
    for post in posts:
        by_id.setdefault(post.header("X-Followthru-Delivery") or "", []).append(post)
    # Each post is signed, and names the id its body has.
    for post in posts:
        assert (
            post.header("X-Followthru-Signature")
            == "sha256=" + hmac.new(SECRET.encode(), post.body, hashlib.sha256).hexdigest()
        )
        assert post.header("X-Followthru-Delivery") == json.loads(post.body)["id"]
    # An id posted again is the same post again, after a kill between the two: the daemon was
    # killed before it heard the answer, or before the store knew.
    again = {delivery: copies for delivery, copies in by_id.items() if len(copies) > 1}
    for copies in again.values():
        assert len({c.body for c in copies}) == 1
        for first, second in zip(copies, copies[1:]):
            assert any(first.at <= kill <= second.at for kill in daemon.killed_at), (first.at, second.at)
    assert sum(len(copies) - 1 for copies in again.values()) <= daemon.kills
    # Every event under one id, none under two, none missing, none that should not be.
    once = [copies[0] for copies in by_id.values()]
    events = Counter(what(post) for post in once)
    assert [e for e, n in events.items() if n > 1] == []
    assert events == expected(PLANS)
    # The store queued exactly those, and marked each sent once.
    rows = ws.query("SELECT message_id, status, attempts FROM outbox WHERE kind = 'webhook'")
    assert sorted(r[0] for r in rows) == sorted(f"<{d}@webhook.followthru>" for d in by_id)
    assert {r[1] for r in rows} == {"sent"}
    assert ws.query("SELECT count(*) FROM outbox WHERE status != 'sent'") == [(0,)]

    # As the uninterrupted daemon told them, and as the store's final states imply.
    calm_posts = receiver.posts("/reference")
    assert len(calm_posts) == len({p.header("X-Followthru-Delivery") for p in calm_posts})  # none again
    assert sorted(content(p) for p in once) == sorted(content(p) for p in calm_posts)
    assert events == implied(ws) == implied(reference)

    # The mail: every message once, and as the uninterrupted daemon sent it.
    assert mail(ws) == mail(reference)
    assert [m for m, n in Counter(m["Message-ID"] for m in ws.sent()).items() if n > 1] == []
    logs = daemon.said() + calm.said()
    assert SECRET not in logs and "Traceback" not in logs
    print(
        {
            "plans": PLANS,
            "events": len(once),
            "posts": len(posts),
            "posted again after a kill": sum(len(c) - 1 for c in again.values()),
            "kills": daemon.kills,
            "seconds": round(time.monotonic() - started, 1),
        }
    )


def implied(ws: Workspace) -> Counter:
    """The events the store's final states imply: a committed plan, each declined or countered
    commitment, and each line that waits on the owner (nothing here clears one)."""
    events: Counter = Counter()
    for plan_id, state, attention in ws.query("SELECT id, state, attention FROM plans"):
        if state == "committed":
            events[("plan_committed", plan_id, None, ())] += 1
        for line in json.loads(attention):
            events[("needs_attention", plan_id, None, (line,))] += 1
    for plan_id, resource_id, state in ws.query("SELECT plan_id, resource_id, state FROM commitments"):
        if state in ("declined", "countered"):
            events[(f"commitment_{state}", plan_id, resource_id, ())] += 1
    return events


def mail(ws: Workspace) -> Counter:
    return Counter((m["X-Followthru-Plan"], m["X-Followthru-Kind"], str(m["To"])) for m in ws.sent())
