"""The store is the workspace's memory: a missing, empty or other workspace's store is refused, and a
store put back from a backup neither sends again what went out after the backup nor loses what
happened after it (the delivery journal beside the store tells it).

Every step is ``followthru ... tick --now`` in a new process, as in test_scenario: the daemon
restarts between steps. Mail goes to the Maildir outbox, whose files are counted by meaning.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from followthru.config import init_workspace
from followthru.journal import STORE_REFUSED_EXIT
from support import postgres
from support.replying import reply_to

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "acme-q4.toml").read_text()
START = "2026-11-30T15:00:00+00:00"  # Monday 10:00 in New York


class Workspace:
    """A workspace on SQLite, or on a PostgreSQL database (``database``, a URL; its password in
    $PGPASSWORD)."""

    def __init__(self, root: Path, database: str | None = None):
        self.root = root
        self.database = database
        self.config = init_workspace(root)
        text = self.config.read_text().replace(
            'email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"'
        )
        if database is not None:
            text = text.replace('store = "followthru.sqlite3"', f'store = "{database}"')
        self.config.write_text(text)
        self.store = root / "followthru.sqlite3"
        self.journal = root / "followthru.sqlite3.journal"
        self.seen: set[str] = set()

    def cli(self, *args: str, code: int = 0, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "followthru", "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == code, result.stderr + result.stdout
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def tick(self, now: str) -> list[EmailMessage]:
        """One pass in a new process; the messages it sent."""
        self.cli("tick", "--now", now)
        return self.new_mail()

    def new_mail(self) -> list[EmailMessage]:
        fresh = []
        for path in sorted((self.root / "mail" / "outbox" / "new").iterdir()):
            if path.name not in self.seen:
                self.seen.add(path.name)
                fresh.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return fresh

    def mail(self) -> Counter:
        """Every message sent so far, by meaning."""
        folder = self.root / "mail" / "outbox" / "new"
        return Counter(
            identity(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)) for p in folder.iterdir()
        )

    def drop_plan(self, text: str) -> None:
        path = self.root / "plans" / "incoming" / "acme-q4.toml"
        path.write_text(text)
        os.utime(path, (time.time() - 5, time.time() - 5))

    def answer(self, to: EmailMessage, sender: str, body: str) -> None:
        reply = reply_to(to, sender, body)
        (self.root / "mail" / "inbox" / "new" / f"{time.time_ns()}.eml").write_bytes(reply.as_bytes())

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json").stdout)["plans"][0]

    def backup(self, to: Path) -> None:
        """What ``sqlite3 store ".backup to"`` does: a consistent copy, taken while the store is open;
        on PostgreSQL, ``pg_dump``."""
        if self.database is not None:
            postgres.server().dump(self.database, to)
            return
        with closing(sqlite3.connect(self.store)) as source, closing(sqlite3.connect(to)) as target:
            source.backup(target)

    def put_back(self, copy: Path) -> None:
        if self.database is not None:
            postgres.server().restore(self.database, copy)
            return
        for suffix in ("-wal", "-shm"):
            self.store.with_name(self.store.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(copy, self.store)

    def remove_store(self) -> None:
        for path in (
            self.store,
            self.store.with_name(self.store.name + "-wal"),
            self.store.with_name(self.store.name + "-shm"),
        ):
            path.unlink(missing_ok=True)

    def query(self, sql: str, *args) -> list[tuple]:
        if self.database is not None:
            import psycopg

            with psycopg.connect(self.database, autocommit=True) as connection:
                return [tuple(row) for row in connection.execute(sql.replace("?", "%s"), args).fetchall()]
        with closing(sqlite3.connect(f"file:{self.store}?mode=ro", uri=True)) as store:
            return store.execute(sql, args).fetchall()


def identity(message: EmailMessage) -> tuple:
    """A message by meaning (Message-IDs are new each time a decision is made again)."""
    key = (
        message["X-Followthru-Plan"],
        message["X-Followthru-Kind"],
        message["X-Followthru-Resource"],
        tuple(sorted(a.addr_spec for a in message["To"].addresses)),
    )
    if message["X-Followthru-Kind"] == "digest":
        key += (message["Date"].datetime.date().isoformat(),)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            event = next(iter(calendar.walk("VEVENT")))
            key += (str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"]))
    return key


def find(messages: list[EmailMessage], kind: str, resource: str) -> EmailMessage:
    return next(m for m in messages if m["X-Followthru-Kind"] == kind and m["X-Followthru-Resource"] == resource)


def states(plan: dict) -> dict[str, str]:
    return {c["resource"]: c["state"] for c in plan["commitments"]}


def refusal(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr  # one line, no traceback
    return lines[0]


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture
def started(ws) -> Workspace:
    ws.drop_plan(EXAMPLE)
    assert len(ws.tick(START)) == 8  # 3 requests, 2 updates, 1 invitation in 3 copies (languages, timezones)
    return ws


# -- a store that is not this workspace's memory is refused --------------------------------------------------------
def test_a_deleted_store_is_refused_by_every_command_while_plans_are_active(started):
    started.remove_store()
    line = refusal(started.cli("tick", "--now", "2026-11-30T16:00:00+00:00", code=STORE_REFUSED_EXIT))
    assert "is missing" in line and "plans/active holds 1 plan" in line and "restore it from a backup" in line
    assert not started.store.exists()  # nothing was made in its place
    assert started.new_mail() == []

    assert refusal(started.cli("status", code=STORE_REFUSED_EXIT)) == line
    assert refusal(started.cli("log", code=STORE_REFUSED_EXIT)) == line
    assert refusal(started.cli("decide", "acme-q4", "sam", "approve", code=STORE_REFUSED_EXIT)) == line
    assert not started.store.exists()

    doctor = started.cli("doctor", code=1)
    assert any(
        row.startswith("FAIL") and "store" in row and line.removeprefix("cannot start: ") in row
        for row in doctor.stdout.splitlines()
    ), doctor.stdout

    run = started.cli("run", code=STORE_REFUSED_EXIT, timeout=60)  # exits: no waiting and trying again
    assert line in run.stderr
    assert not started.store.exists() and started.new_mail() == []


def test_the_service_file_does_not_restart_a_refused_store():
    service = (ROOT / "systemd" / "followthru.service").read_text()
    prevented = next(line for line in service.splitlines() if line.startswith("RestartPreventExitStatus="))
    assert str(STORE_REFUSED_EXIT) in prevented.split("=", 1)[1].split()


def test_an_empty_file_in_place_of_the_store_is_refused(started):
    started.remove_store()
    sqlite3.connect(started.store).close()  # an empty database, as a new store would be
    line = refusal(started.cli("tick", "--now", "2026-11-30T16:00:00+00:00", code=STORE_REFUSED_EXIT))
    assert "is empty" in line and "plans/active holds 1 plan" in line
    assert refusal(started.cli("status", code=STORE_REFUSED_EXIT)) == line
    assert "FAIL" in started.cli("doctor", code=1).stdout
    assert started.new_mail() == []
    assert started.store.stat().st_size == 0  # refused before anything was written to it


def test_another_workspaces_store_is_refused(started, tmp_path):
    other = Workspace(tmp_path / "other")
    other.drop_plan(EXAMPLE.replace('id = "acme-q4"', 'id = "globex"'))
    other.tick(START)
    started.remove_store()
    other.backup(started.store)
    line = refusal(started.cli("tick", "--now", "2026-11-30T16:00:00+00:00", code=STORE_REFUSED_EXIT))
    assert "another workspace's" in line and "put this workspace's store back" in line
    assert refusal(started.cli("status", code=STORE_REFUSED_EXIT)) == line
    doctor = started.cli("doctor", code=1).stdout
    assert "another workspace's" in doctor
    assert started.new_mail() == []


def test_a_new_workspace_starts_and_reading_it_makes_no_store(ws):
    assert "No plans yet" in ws.cli("status").stdout
    assert ws.cli("log").stdout == ""
    assert not ws.store.exists() and not ws.journal.exists()
    assert "all good" in ws.cli("doctor").stdout
    ws.drop_plan(EXAMPLE)
    assert len(ws.tick(START)) == 8  # 3 requests, 2 updates, 1 invitation in 3 copies (languages, timezones)
    assert stat.S_IMODE(ws.journal.stat().st_mode) == 0o600
    header, *entries = [json.loads(line) for line in ws.journal.read_text().splitlines()]
    assert header["workspace"] == ws.query("SELECT workspace FROM journal_state")[0][0]
    assert Counter(e["type"] for e in entries) == {"sent": 8, "version": 1}
    assert [e["seq"] for e in entries] == list(range(1, 9 + 1))
    assert ws.query("SELECT seq FROM journal_state")[0][0] == 9


def test_a_store_from_before_journals_gets_an_identity_and_a_journal(started):
    with closing(sqlite3.connect(started.store)) as store, store:
        store.execute("UPDATE journal_state SET workspace = NULL, seq = 0")
    started.journal.unlink()
    started.tick("2026-11-30T16:00:00+00:00")
    assert started.journal.exists()
    assert (
        json.loads(started.journal.read_text().splitlines()[0])["workspace"]
        == started.query("SELECT workspace FROM journal_state")[0][0]
    )
    assert states(started.status())["sam"] == "requested"


# -- a store put back from a backup ---------------------------------------------------------------------------------
def busy_days(ws: Workspace, before_restore=lambda: None, after_restore=lambda: None) -> None:
    """Replies, a reminder, a digest and a plan update; then (``before_restore``, ``after_restore``)
    the days go on: last calls, a backup's answer, more digests."""
    started = ws.new_mail()
    ws.answer(find(started, "request", "sam"), "sam.security@example.com", "ACCEPT - happy to help")
    ws.answer(find(started, "request", "sol"), "sol.engineer@example.com", "DECLINE, sorry.")
    step = ws.tick("2026-11-30T16:00:00+00:00")
    kim = find(step, "backup_request", "kim")
    ws.tick("2026-12-01T15:00:00+00:00")  # the rep's digest, and a reminder to Lee
    ws.drop_plan(EXAMPLE.replace("due = 2026-12-10T17:00:00", "due = 2026-12-11T17:00:00"))
    ws.tick("2026-12-01T16:00:00+00:00")
    before_restore()
    after_restore(ws.tick("2026-12-01T17:00:00+00:00"))
    ws.tick("2026-12-02T18:00:00+00:00")  # a digest; last calls to Kim and Lee
    ws.answer(kim, "kim.standby@example.com", "Yes, count me in.")
    ws.tick("2026-12-02T19:00:00+00:00")
    ws.tick("2026-12-03T14:00:00+00:00")  # a digest


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_store_put_back_from_a_backup_sends_nothing_twice_and_loses_nothing(tmp_path, store, monkeypatch):
    """SQLite: a copy made with SQLite's backup, put back in place of the file. PostgreSQL: pg_dump,
    then pg_restore --clean; the journals in plans/journal/ tell the restored database what followed."""
    database = None
    if store == "postgresql":
        monkeypatch.setenv("PGPASSWORD", postgres.server().password)
        database = postgres.server().new_database()
    reference = Workspace(tmp_path / "reference")
    reference.drop_plan(EXAMPLE)
    reference.tick(START)
    reference.seen.clear()
    busy_days(reference, after_restore=lambda sent: None)

    restored = Workspace(tmp_path / "restored", database)
    restored.drop_plan(EXAMPLE)
    restored.tick(START)
    restored.seen.clear()
    copy = tmp_path / "backup.sqlite3"
    restored.backup(copy)  # the nightly backup, taken after the start
    between: list[Counter] = []

    def put_back() -> None:
        between.append(restored.mail())
        restored.put_back(copy)
        restored.new_mail()

    def first_pass_after(sent: list[EmailMessage]) -> None:
        assert sent == []  # nothing that went out after the backup goes out again
        plan = restored.status()
        assert states(plan) == {"sam": "accepted", "lee": "requested", "sol": "replaced", "kim": "requested"}
        assert plan["version"] == 2  # the updated plan is back
        assert restored.query("SELECT COUNT(*) FROM inbound")[0][0] == 2  # both replies known as read
        assert restored.query("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")[0][0] == 0

    busy_days(restored, put_back, first_pass_after)
    assert between[0][("acme-q4", "reminder", "lee", ("lee.legal@example.com",))] == 1
    assert any(key[1] == "digest" for key in between[0])
    assert restored.mail() == reference.mail()  # every message once, at the same passes as without the restore
    assert all(count == 1 for key, count in restored.mail().items() if key[1] in ("digest", "reminder", "last_call"))
    assert restored.status()["commitments"] == reference.status()["commitments"]


def test_a_crash_after_the_backend_took_a_message_does_not_send_it_again(started):
    # The backend took the request to Sam, the journal says so, then the process died before the store
    # marked it sent: the row is pending again, and its file is in the outbox.
    row = started.query("SELECT id, message_id, recipients FROM outbox WHERE kind = 'request' AND resource_id = 'sam'")
    outgoing_id, message_id, recipients = row[0]
    with closing(sqlite3.connect(started.store)) as store, store:
        store.execute("UPDATE outbox SET status = 'pending', sent_at = NULL WHERE id = ?", (outgoing_id,))
    last = json.loads(started.journal.read_text().splitlines()[-1])["seq"]
    with started.journal.open("a") as journal:
        journal.write(
            json.dumps(
                {
                    "seq": last + 1,
                    "at": START,
                    "type": "sent",
                    "message_id": message_id,
                    "kind": "request",
                    "plan_id": "acme-q4",
                    "key": "[]",
                    "recipients": json.loads(recipients),
                }
            )
            + "\n"
        )
    before = started.mail()
    assert started.tick("2026-11-30T15:30:00+00:00") == []
    assert started.mail() == before
    assert started.query("SELECT status FROM outbox WHERE id = ?", outgoing_id) == [("sent",)]
    assert started.query("SELECT seq FROM journal_state")[0][0] == last + 1


def test_a_line_cut_short_at_the_end_of_the_journal_is_cut_off(started):
    with started.journal.open("a") as journal:
        journal.write('{"seq": 99, "at": "2026-11')  # a crash in the middle of an append
    started.drop_plan(EXAMPLE.replace("due = 2026-12-10T17:00:00", "due = 2026-12-11T17:00:00"))
    started.tick("2026-11-30T16:00:00+00:00")
    lines = started.journal.read_text().splitlines()
    entries = [json.loads(line) for line in lines[1:]]  # every line reads
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[-1]["seq"] == started.query("SELECT seq FROM journal_state")[0][0]


def test_a_store_put_back_does_not_take_the_time_since_its_backup_for_an_outage(started, tmp_path):
    from datetime import datetime

    from followthru.config import load_config
    from followthru.daemon import Followthru
    from followthru.memory import LAST_PASS

    copy = tmp_path / "backup.sqlite3"
    started.backup(copy)
    with closing(sqlite3.connect(copy)) as store, store:  # the daemon's loop made the last pass before the backup
        store.execute(
            "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)",
            (LAST_PASS, json.dumps({"at": START, "by": "run"})),
        )
    started.seen.clear()
    sent = started.new_mail()
    started.answer(find(sent, "request", "sam"), "sam.security@example.com", "ACCEPT")
    started.tick("2026-11-30T18:00:00+00:00")  # the daemon kept working; then its store was put back
    started.put_back(copy)
    service = Followthru(load_config(started.config))
    try:
        assert service._down_since(datetime.fromisoformat("2026-11-30T18:30:00+00:00")) is None
        assert service._down_since(datetime.fromisoformat("2026-11-30T20:00:00+00:00")) is not None
    finally:
        service.close()
