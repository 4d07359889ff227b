"""Commands answer at once: each imports only what it uses, and ``status`` and ``log`` are a read-only
query on the store (no backend, no secret, no plan validated again) whose output is what it always was.

How long the commands take is measured by bench/cli.py; these tests check what makes them quick.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from followthru.cli import main
from followthru.config import init_workspace
from followthru.status import to_json
from followthru.store import Store
from followthru.uids import event_uid
from support.modules import loaded_by, matching
from support.replying import reply_to

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
HEAVY = ("pydantic", "jinja2", "icalendar", "babel", "email_validator", "yaml", "dateparser", "holidays")
BACKENDS = (
    "followthru.daemon",
    "followthru.backends",
    "followthru.drafting",
    "exchangelib",
    "googleapiclient",
    "msal",
    "imapclient",
    "caldav",
    "watchdog",
)
# A meeting without an id: its key is made from the title.
UNNAMED_MEETING = """
[[meetings]]
kind = "follow-up"
title = "Kick-off: ACME & us (Q4)"
start = 2026-12-04T15:00:00
duration = "45m"
"""


def test_importing_the_command_line_loads_no_model_template_calendar_or_backend():
    result = subprocess.run(
        [sys.executable, "-c", "import sys, followthru.cli; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules = set(result.stdout.split())
    assert "click" in modules
    assert matching(modules, HEAVY + BACKENDS) == set()
    # cli_store holds the `store` group (click only); its commands import their work when they run
    assert matching(modules, ("followthru",)) == {"followthru", "followthru.cli", "followthru.cli_store"}


def test_help_loads_nothing_heavy():
    modules, output = loaded_by("--help")
    assert "Followthru turns a sales rep's handoff plan" in output and "status" in output
    assert matching(modules, HEAVY + BACKENDS) == set()


def test_plan_check_loads_no_template_or_backend():
    modules, output = loaded_by("plan", "check", str(EXAMPLE))
    assert "followthru.planfile" in modules
    assert matching(modules, ("jinja2", "babel", "yaml") + BACKENDS) == set()  # YAML only for YAML files
    # pydantic-core marks functions deprecated as it loads; typing_extensions before 4.16 imported
    # asyncio (20 ms) for each
    assert matching(modules, ("asyncio",)) == set()


# -- status and log on a workspace at work ------------------------------------------------------------------------
def old_status(config: Path, plan_id: str | None = None) -> list[dict]:
    """What status showed before it became a read-only query: every plan loaded into the plan model."""
    domain = "example.com"
    store = Store(config.parent / "followthru.sqlite3")
    try:
        result = []
        for pid in [plan_id] if plan_id else store.plan_ids():
            stored = store.load(pid)
            emails = {r.id: r.email for r in stored.plan.resources}
            titles = {m.key: m.title for m in stored.plan.meetings}
            result.append(
                {
                    "id": pid,
                    "title": stored.plan.plan.title,
                    "state": stored.state.state,
                    "version": stored.version,
                    "needs_attention": list(stored.state.attention),
                    "commitments": [
                        {
                            "resource": c.resource_id,
                            "email": emails.get(c.resource_id, ""),
                            "state": c.state,
                            "intent": c.intent,
                            "stands_in_for": c.stands_in_for,
                            "updated_at": c.updated_at.isoformat() if c.updated_at else None,
                            "proposed": c.proposed.isoformat() if c.proposed else None,
                            "agreed_due": c.agreed_due.isoformat() if c.agreed_due else None,
                            "next": {"step": c.next_step, "at": c.next_at.isoformat() if c.next_at else None}
                            if c.next_step
                            else None,
                        }
                        for c in stored.state.commitments.values()
                    ],
                    "queued": [
                        {
                            "kind": kind,
                            "resource": resource,
                            "to": json.loads(to),
                            "at": at,
                            "why": "waiting for its send window"
                            if datetime.fromisoformat(at) > datetime.now(timezone.utc)
                            else "goes with the next pass",
                        }
                        for kind, resource, to, at in store.connection.execute(
                            "SELECT kind, resource_id, recipients, not_before FROM outbox WHERE status = 'pending' "
                            "AND plan_id = ? ORDER BY not_before, id",
                            (pid,),
                        )
                    ],
                    "meetings": [
                        {
                            "title": titles.get(m.key, m.key),
                            "key": m.key,
                            "uid": event_uid(pid, m.key, domain),
                            "sequence": m.sequence,
                            "attendees": m.attendees,
                            "cancelled": m.cancelled,
                            "rsvps": m.rsvps,
                        }
                        for m in stored.state.meetings.values()
                        if m.sequence >= 0
                    ],
                }
            )
        return result
    finally:
        store.close()


def table_rows(plans: list[dict]) -> list[str]:
    """The start of each line the status table has for ``plans``: the plan, each person (resource
    and state), each queued message and each meeting, in that order."""
    rows = []
    for entry in plans:
        rows.append(f"{entry['id']}  {entry['state'].upper()}  {entry['title']}")
        rows += [f"  ! needs you: {item}" for item in entry["needs_attention"]]
        rows += [f"  {c['resource']:<12} {c['state']:<10} {c['email']}" for c in entry["commitments"]]
        rows += [f"  queued: {q['kind'].replace('_', ' ')} to {', '.join(q['to'])} for " for q in entry["queued"]]
        rows += [f"  meeting {m['title']} (sequence {m['sequence']}" for m in entry["meetings"]]
    return rows


def assert_table(text: str, plans: list[dict]) -> None:
    lines = text.splitlines()
    assert len(lines) == len(table_rows(plans))
    for line, start in zip(lines, table_rows(plans)):
        assert line.startswith(start), (line, start)


class Workspace:
    def __init__(self, root: Path):
        self.root = root
        self.config = init_workspace(root)
        text = self.config.read_text().replace(
            'email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"'
        )
        self.config.write_text(text)

    def cli(self, *args: str, code: int = 0):
        result = CliRunner().invoke(main, ["-c", str(self.config), *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    def drop(self, text: str, name: str) -> None:
        path = self.root / "plans" / "incoming" / name
        path.write_text(text)
        settled = time.time() - 60
        os.utime(path, (settled, settled))

    def sent(self, kind: str, resource: str):
        for path in (self.root / "mail" / "outbox" / "new").iterdir():
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if (message["X-Followthru-Plan"], message["X-Followthru-Kind"], message["X-Followthru-Resource"]) == (
                "acme-q4",
                kind,
                resource,
            ):
                return message
        raise AssertionError(f"no {kind} to {resource} was sent for acme-q4")

    def answer(self, kind: str, resource: str, sender: str, body: str) -> None:
        reply = reply_to(self.sent(kind, resource), sender, body)
        (self.root / "mail" / "inbox" / "new" / f"{time.time_ns()}.eml").write_bytes(reply.as_bytes())


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    """Two plans at work: one with an accept, a decline (its backup asked in its place), a meeting
    without an id and a resource since removed; one just started."""
    ws = Workspace(tmp_path_factory.mktemp("speed") / "ws")
    plan = EXAMPLE.read_text() + UNNAMED_MEETING
    ws.drop(plan, "acme-q4.toml")
    ws.drop(
        plan.replace('id = "acme-q4"', 'id = "acme-eu"').replace("ACME Corp - Q4", "ACME Europe - Q4"), "acme-eu.toml"
    )
    ws.cli("tick", "--now", "2026-11-30T15:00:00+00:00")
    ws.answer("request", "sam", "Sam Security <sam.security@example.com>", "ACCEPT - happy to help")
    ws.answer("request", "sol", "sol.engineer@example.com", "DECLINE\nI am away that week.")
    ws.cli("tick", "--now", "2026-11-30T16:00:00+00:00")
    lee = plan.index('id = "lee"')
    start, end = plan.rindex("[[resources]]", 0, lee), plan.index("[[", lee)
    ws.drop((plan[:start] + plan[end:]).replace('owner = "lee"\n', ""), "acme-q4.toml")
    ws.cli("tick", "--now", "2026-11-30T17:00:00+00:00")
    return ws


def test_the_workspace_has_what_status_shows(ws):
    plans = old_status(ws.config)
    [acme] = [plan for plan in plans if plan["id"] == "acme-q4"]
    commitments = {c["resource"]: c for c in acme["commitments"]}
    assert commitments["kim"]["stands_in_for"] == "sol" and commitments["sam"]["state"] == "accepted"
    assert commitments["lee"]["email"] == "" and acme["version"] == 2  # removed by the second version
    assert "kick-off-acme-us-q4" in {m["key"] for plan in plans for m in plan["meetings"]}


def test_status_shows_what_it_showed(ws):
    plans = old_status(ws.config)
    assert len(plans) == 2
    assert ws.cli("status", "--json").stdout == json.dumps({"plans": plans}, indent=2) + "\n"
    assert_table(ws.cli("status").stdout, plans)
    assert (
        ws.cli("status", "acme-q4", "--json").stdout
        == json.dumps({"plans": old_status(ws.config, "acme-q4")}, indent=2) + "\n"
    )
    assert_table(ws.cli("status", "acme-eu").stdout, old_status(ws.config, "acme-eu"))
    assert ws.cli("status", "acme-nope", code=1).stderr == "no plan with the id 'acme-nope'\n"


def test_log_shows_what_it_showed(ws):
    store = Store(ws.config.parent / "followthru.sqlite3")
    try:
        rows = store.log("acme-q4")
        everything = store.log()
    finally:
        store.close()
    assert len(rows) > 5 and len(everything) > len(rows)
    assert ws.cli("log", "acme-q4").stdout == "".join(
        f"{r['at']}  {r['plan_id'] or '-'}{' ' + r['resource_id'] + ':' if r['resource_id'] else ''} {r['event']}\n"
        for r in rows
    )
    assert ws.cli("log").stdout.count("\n") == len(everything)


def test_status_reads_no_secret_opens_no_backend_and_changes_no_store(ws, tmp_path):
    store = ws.config.parent / "followthru.sqlite3"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    secret = ws.config.parent / "secret.key"
    aside = tmp_path / "secret.key"
    secret.rename(aside)  # a command that reads the secret fails without it
    try:
        env = {k: v for k, v in os.environ.items() if k != "FOLLOWTHRU_TOKEN_SECRET"}
        for command in (["status"], ["status", "--json"], ["log"]):
            modules, output = loaded_by("-c", str(ws.config), *command, env=env)
            assert matching(modules, ("jinja2", "babel") + BACKENDS) == set(), command
            # read what is stored, as stored: neither the plan schema nor the engine
            assert matching(modules, ("followthru.plan", "followthru.planfile", "followthru.engine")) == set(), command
            assert "followthru.status" in modules
            assert output.strip(), command
        assert json.loads(loaded_by("-c", str(ws.config), "status", "--json", env=env)[1])["plans"] == old_status(
            ws.config
        )
    finally:
        aside.rename(secret)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_status_on_a_new_workspace_makes_no_store(tmp_path):
    ws = Workspace(tmp_path / "new")
    assert ws.cli("status").stdout == "No plans yet: drop a plan file into plans/incoming/.\n"
    assert ws.cli("status", "--json").stdout == '{\n  "plans": []\n}\n'
    assert ws.cli("log").stdout == ""
    assert ws.cli("status", "acme-q4", code=1).stderr == "no plan with the id 'acme-q4'\n"
    assert not (tmp_path / "new" / "followthru.sqlite3").exists()


@pytest.mark.parametrize(
    "value",
    [
        {"plans": []},
        [],
        {},
        "",
        None,
        True,
        False,
        0,
        -7,
        2**70,
        1.5,
        {"a": [1, {"b": None, "c": [], "d": {}}, "x"], 'é\n"q"': ["\u2028 \x00 \U0001f600", True, False]},
        [[[]], [{}], {"k": [[1, 2], {"z": "ü"}]}],
    ],
)
def test_status_json_is_written_as_json_dumps_writes_it(value):
    assert to_json(value) == json.dumps(value, indent=2)
