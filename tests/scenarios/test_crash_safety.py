"""Crash safety: SIGKILL the daemon again and again in the middle of a busy run, restart it, and
check the end against a run that was never interrupted.

Every step of the run (plans arriving, replies arriving, time passing, plans cancelled) is a
``followthru tick --now`` in its own process group. Before a step is allowed to finish, it is
started and killed many times, at moments spread over the time the step takes, so the kills land
while plan files are read and moved, while the store is written, between recording a message and
sending it, and while replies are read and filed away. At the end, the mail sent, the replies
applied, the states and the plan files must be exactly those of the uninterrupted run: nothing
lost, nothing sent or applied twice.

The runs that are killed, and the uninterrupted reference run, are forked from a process that has
imported the package already (tests/support/preforked.py): starting Python and importing would
take longer than most steps' work, and no kill during imports could hurt. The run that finishes
each step after the kills is a fresh ``python -m followthru``, as a restart after a crash is.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import icalendar
import pytest

from followthru.config import init_workspace
from support.preforked import Preforked
from support.replying import reply_to

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "acme-q4.toml").read_text()
PLANS = 24
STRIDE_SECONDS = 0.002  # each restart lives this much longer than the one before: 100+ kills on a quiet machine too
MAX_KILLS_PER_STEP = 60
TIMES = [
    "2026-11-30T15:00:00+00:00",
    "2026-11-30T16:00:00+00:00",
    "2026-12-02T18:00:00+00:00",
    "2026-12-03T14:00:00+00:00",
    "2026-12-03T16:00:00+00:00",
]


class Run:
    def __init__(self, root: Path, preforked: Preforked):
        self.root = root
        self.preforked = preforked
        self.config = init_workspace(root)
        self.config.write_text(
            self.config.read_text().replace(
                'email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"'
            )
        )
        self.kills = 0
        self.states_at_kills: set[tuple] = set()

    def arguments(self, now: str) -> list[str]:
        return ["-c", str(self.config), "tick", "--now", now]

    def tick(self, now: str) -> None:
        """The step in a new interpreter, to its end."""
        result = subprocess.run(
            [sys.executable, "-m", "followthru", *self.arguments(now)], capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr, result.stderr

    def forked_tick(self, now: str) -> float:
        """The step forked from the preloaded process, to its end; how long it took."""
        errors = self.root / "tick-stderr.txt"
        started = time.monotonic()
        code = self.preforked.run(self.arguments(now), stderr=errors)
        took = time.monotonic() - started
        assert code == 0, errors.read_text()
        assert "Traceback" not in errors.read_text(), errors.read_text()
        return took

    def killed_tick(self, now: str, after: float) -> bool:
        """Start the step and SIGKILL it (and any worker it started) ``after`` seconds in; False
        when it finished before that."""
        code = self.preforked.run(self.arguments(now), kill_after=after)
        if code is not None:
            assert code == 0, f"the step failed with {code} without being killed"
            return False
        self.kills += 1
        self.states_at_kills.add(self.progress())
        return True

    def progress(self) -> tuple:
        """What a pass changes: the files in the plan and mail folders and the store's size."""
        store = self.root / "followthru.sqlite3"
        wal = self.root / "followthru.sqlite3-wal"
        counts = tuple(
            len(list((self.root / folder).iterdir()))
            for folder in (
                "plans/incoming",
                "plans/active",
                "plans/archive",
                "mail/outbox/new",
                "mail/inbox/new",
                "mail/inbox/cur",
            )
        )
        return counts + tuple(p.stat().st_size if p.exists() else 0 for p in (store, wal))

    def drop_plans(self, transform=lambda text: text) -> None:
        for number in range(PLANS):
            text = transform(EXAMPLE.replace('id = "acme-q4"', f'id = "acme-{number}"'))
            path = self.root / "plans" / "incoming" / f"acme-{number}.toml"
            path.write_text(text)
            os.utime(path, (time.time() - 5, time.time() - 5))

    def sent(self) -> list[email.message.EmailMessage]:
        folder = self.root / "mail" / "outbox" / "new"
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.iterdir())]

    def answer(self, resource: str, text: str) -> None:
        """Each plan's request to ``resource`` answered with ``text``, into the inbox."""
        for message in self.sent():
            if message["X-Followthru-Kind"] == "request" and message["X-Followthru-Resource"] == resource:
                reply = reply_to(message, str(message["To"]), text)
                name = f"{message['X-Followthru-Plan']}-{resource}.eml"
                (self.root / "mail" / "inbox" / "new" / name).write_bytes(reply.as_bytes())

    def outcome(self) -> dict:
        with sqlite3.connect(f"file:{self.root / 'followthru.sqlite3'}?mode=ro", uri=True) as store:
            states = sorted(store.execute("SELECT plan_id, resource_id, state FROM commitments"))
            plans = sorted(store.execute("SELECT id, state, version FROM plans"))
            inbound = Counter(r[0] for r in store.execute("SELECT outcome FROM inbound"))
            waiting = store.execute(
                "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND not_before <= ?", (TIMES[-1],)
            ).fetchone()[0]
        return {
            "states": states,
            "plans": plans,
            "inbound": inbound,
            "waiting": waiting,
            "mail": Counter(identity(m) for m in self.sent()),
            "files": {
                folder: sorted(p.name for p in (self.root / "plans" / folder).iterdir())
                for folder in ("incoming", "active", "rejected", "archive")
            },
            "inbox_left": sorted(p.name for p in (self.root / "mail" / "inbox" / "new").iterdir()),
        }


def identity(message: email.message.EmailMessage) -> tuple:
    """What makes a message the same message in both runs (Message-IDs are made afresh each run)."""
    key = (
        message["X-Followthru-Plan"],
        message["X-Followthru-Kind"],
        message["X-Followthru-Resource"],
        tuple(sorted(a.addr_spec for a in message["To"].addresses)),
    )
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            event = next(iter(calendar.walk("VEVENT")))
            key += (str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"]))
            break
    return key


def script(run: Run, step) -> None:
    """The busy run: 24 plans start, replies come in, time passes, half the plans are cancelled."""
    actions = [
        lambda: run.drop_plans(),
        lambda: (run.answer("sam", "ACCEPT - happy to help"), run.answer("sol", "DECLINE, sorry")),
        lambda: None,
        lambda: run.answer("lee", "Sorry, was out. ACCEPT."),
        lambda: run.drop_plans(
            lambda text: (
                text.replace("[plan]\n", '[plan]\nstatus = "cancelled"\n', 1)
                if text.count('id = "acme-') and int(text.split('id = "acme-')[1].split('"')[0]) % 2
                else text.replace("due = 2026-12-10T17:00:00", "due = 2026-12-11T17:00:00")
            )
        ),
    ]
    for action, now in zip(actions, TIMES):
        action()
        step(now)


@pytest.fixture
def preforked():
    server = Preforked()
    yield server
    server.close()


def test_sigkill_at_every_moment_loses_and_doubles_nothing(tmp_path, preforked):
    reference = Run(tmp_path / "reference", preforked)
    durations = []
    script(reference, lambda now: durations.append(reference.forked_tick(now)))

    crashed = Run(tmp_path / "crashed", preforked)
    startup = min(durations)  # the quietest step is mostly a pass's fixed work, before it changes anything

    def step(now: str) -> None:
        # Each restart is killed a little later than the one before: what killed runs committed
        # stays done, so the kills walk through the whole step until a run finishes by itself.
        for k in range(MAX_KILLS_PER_STEP):
            if not crashed.killed_tick(now, startup * 0.8 + STRIDE_SECONDS * k):
                break
        crashed.tick(now)

    script(crashed, step)
    expected, found = reference.outcome(), crashed.outcome()
    print(
        json.dumps(
            {
                "kills": crashed.kills,
                "distinct_states_at_kills": len(crashed.states_at_kills),
                "messages": sum(expected["mail"].values()),
                "step_seconds": durations,
            }
        )
    )
    assert crashed.kills >= 100
    assert len(crashed.states_at_kills) >= 20  # the kills landed at many different points of the work
    assert found["mail"] == expected["mail"]  # every message once, none missing
    assert found["states"] == expected["states"] and found["plans"] == expected["plans"]
    assert found["inbound"] == expected["inbound"]  # every reply applied once
    assert found["files"] == expected["files"] and found["inbox_left"] == expected["inbox_left"] == []
    assert found["waiting"] == expected["waiting"] == 0
