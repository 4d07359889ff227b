"""The first hour, through the command line: init says what it did, a reply by hand for a plan and
person, time travel from now, and the same exit status for the same mistake in every command."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from followthru.config import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"


def started(cli, tmp_path: Path) -> Path:
    config = tmp_path / "ws" / "config.toml"
    assert cli("init", "--try-out", tmp_path / "ws").exit_code == 0
    incoming = tmp_path / "ws" / "plans" / "incoming" / "acme-q4.toml"
    incoming.write_text(EXAMPLE.read_text())
    os.utime(incoming, (time.time() - 60, time.time() - 60))
    assert cli("-c", config, "tick", "--now", "2026-11-30T15:00:00+00:00").exit_code == 0
    return config


def test_init_says_try_out_and_says_it_kept_an_existing_workspace(cli, tmp_path):
    first = cli("init", "--try-out", tmp_path / "ws")
    assert first.stdout.startswith("Try-out workspace (mail goes at any hour) ready in ")
    assert load_config(tmp_path / "ws" / "config.toml").workspace.try_out
    (tmp_path / "ws" / "config.toml").write_text((tmp_path / "ws" / "config.toml").read_text() + "\n# mine\n")
    again = cli("init", tmp_path / "ws")
    assert again.exit_code == 0 and "already in" in again.stdout and "kept: config.toml" in again.stdout
    assert (tmp_path / "ws" / "config.toml").read_text().endswith("# mine\n")
    production = cli("init", tmp_path / "prod")
    assert production.stdout.startswith("Workspace ready in ")
    assert not load_config(tmp_path / "prod" / "config.toml").workspace.try_out


def test_a_try_out_workspace_says_so_in_tick_and_status_and_a_production_one_does_not(cli, tmp_path):
    config = started(cli, tmp_path)
    note = "Try-out workspace: mail goes at any hour of any day"
    assert cli("-c", config, "tick", "--now", "2026-11-30T15:01:00+00:00").stderr.startswith(note)
    assert cli("-c", config, "status").stdout.startswith(note)
    assert note not in cli("-c", config, "status", "--json").stdout  # machine-readable output stays as it was
    assert cli("init", tmp_path / "prod").exit_code == 0
    production = tmp_path / "prod" / "config.toml"
    assert note not in cli("-c", production, "status").stdout + cli("-c", production, "tick").stderr


def test_reply_writes_an_answer_the_next_pass_applies(cli, tmp_path):
    config = started(cli, tmp_path)
    written = cli("-c", config, "reply", "acme-q4", "sam.security@example.com", "--as", "decline")
    assert written.exit_code == 0, written.output
    path = Path(written.stdout.split(":")[0])
    assert path.parent == tmp_path / "ws" / "mail" / "inbox" / "new" and path.is_file()
    assert cli("-c", config, "tick", "--now", "2026-11-30T16:00:00+00:00").exit_code == 0
    [plan] = json.loads(cli("-c", config, "status", "acme-q4", "--json").stdout)["plans"]
    states = {c["resource"]: c["state"] for c in plan["commitments"]}
    assert states["sam"] == "replaced" and states["pat"] == "requested"  # declined, so the backup is asked


def test_reply_and_log_refuse_what_is_not_there_with_one_line_and_exit_1(cli, tmp_path):
    config = started(cli, tmp_path)
    for args, says in (
        (("reply", "nope", "sam"), "no plan with the id 'nope'"),
        (("reply", "acme-q4", "nobody"), "acme-q4: no resource 'nobody'"),
        (("reply", "acme-q4", "pat"), "acme-q4: pat has not been asked anything yet"),
        (("log", "nope"), "no plan with the id 'nope'"),
        (("status", "nope"), "no plan with the id 'nope'"),
    ):
        result = cli("-c", config, *args)
        assert (result.exit_code, result.stderr.strip()) == (1, says), args


def test_now_may_be_a_duration_from_the_real_clock(cli, tmp_path):
    config = started(cli, tmp_path)
    before = datetime.now(timezone.utc)
    assert cli("-c", config, "tick", "--now", "+1d").exit_code == 0
    log = cli("-c", config, "log", "acme-q4").stdout.splitlines()
    stamps = [datetime.fromisoformat(line.split()[0]) for line in log]
    assert max(stamps) >= before + timedelta(days=1) - timedelta(minutes=1)
    wrong = cli("-c", config, "tick", "--now", "+soon")
    assert wrong.exit_code == 2 and "--now:" in wrong.stderr


def test_status_says_what_is_queued_and_what_happens_next_for_each_person(cli, tmp_path):
    config = tmp_path / "ws" / "config.toml"
    cli("init", tmp_path / "ws")  # a production workspace: business hours
    incoming = tmp_path / "ws" / "plans" / "incoming" / "acme-q4.toml"
    incoming.write_text(EXAMPLE.read_text())
    os.utime(incoming, (time.time() - 60, time.time() - 60))
    saturday = "2026-11-28T23:00:00+00:00"
    assert cli("-c", config, "tick", "--now", saturday).exit_code == 0

    def plan(now: str) -> dict:
        return json.loads(cli("-c", config, "status", "acme-q4", "--json", "--now", now).stdout)["plans"][0]

    waiting = plan(saturday)
    sam = next(c for c in waiting["commitments"] if c["resource"] == "sam")
    assert sam["state"] == "scheduled" and sam["next"]["step"] == "request"
    queued = [q for q in waiting["queued"] if q["kind"] == "request"]
    assert len(queued) == 3 and all(q["why"] == "waiting for its send window" for q in queued)
    assert {q["at"] for q in queued if q["resource"] == "sam"} == {sam["next"]["at"]}  # Monday 08:30 in New York
    text = cli("-c", config, "status", "acme-q4", "--now", saturday).stdout
    assert "queued: request to sam.security@example.com for Mon 30 Nov 13:30 UTC (waiting for its send window)" in text

    cli("-c", config, "tick", "--now", "2026-11-30T15:00:00+00:00")  # Monday: the requests go
    asked = plan("2026-11-30T18:00:00+00:00")
    lee = next(c for c in asked["commitments"] if c["resource"] == "lee")
    assert lee["next"]["step"] == "reminder" and lee["next"]["at"].startswith("2026-12-01")
    assert not [q for q in asked["queued"] if q["kind"] == "request"]

    cli("-c", config, "reply", "acme-q4", "lee", "I can do it, but only by the 14th of December.")
    cli("-c", config, "tick", "--now", "2026-11-30T16:00:00+00:00")
    countered = next(c for c in plan("2026-11-30T18:00:00+00:00")["commitments"] if c["resource"] == "lee")
    assert countered["state"] == "countered" and countered["proposed"] == "2026-12-14"
    assert countered["next"] == {"step": "owner", "at": None}
    assert (
        "lee          countered  lee.legal@example.com; proposed 2026-12-14; next: waiting on your decision"
        in cli("-c", config, "status", "acme-q4", "--now", "2026-11-30T16:00:00+00:00").stdout
    )
    cli("-c", config, "decide", "acme-q4", "lee", "approve", "--now", "2026-11-30T17:00:00+00:00")
    agreed = next(c for c in plan("2026-11-30T18:00:00+00:00")["commitments"] if c["resource"] == "lee")
    assert agreed["state"] == "accepted" and agreed["agreed_due"] == "2026-12-14"
    assert agreed["next"]["step"] == "due_reminder"
