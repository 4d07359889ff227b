"""The command line on a PostgreSQL store (a real server, started by the tests): the same steps as on
SQLite give the same mail, the same status and the same audit trail; doctor checks the database; the
password stays out of every output; a missing or misplaced password is one clear line."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from support import postgres
from support.workspace import Workspace, find, maildir_workspace, run_followthru, summary

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "acme-q4.toml").read_text()
START = "2026-11-30T15:00:00+00:00"
PASSWORD_ENV = "FOLLOWTHRU_TEST_STORE_PASSWORD"


def on_postgres(ws: Workspace, url: str) -> None:
    ws.config.write_text(
        ws.config.read_text().replace(
            'store = "followthru.sqlite3"', f'store = "{url}"\nstore_password_env = "{PASSWORD_ENV}"'
        )
    )


def walk(ws: Workspace) -> tuple[list, dict, str]:
    """A plan taken in, a reply, a day later: what was mailed, status --json and the audit trail."""
    ws.drop_plan(EXAMPLE)
    first = ws.tick(START)
    ws.answer(find(first, "request", "sam"), "sam.security@example.com", "Yes, I commit to this.")
    later = ws.tick("2026-11-30T16:00:00+00:00") + ws.tick("2026-12-01T15:00:00+00:00")
    status = json.loads(ws.cli("status", "--json").stdout)
    audit = ws.cli("log").stdout
    return summary(first) + summary(later), status, audit


@pytest.fixture
def database(monkeypatch) -> str:
    server = postgres.server()
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    return server.new_database()


def test_the_same_steps_end_the_same_on_both_stores(tmp_path, database):
    sqlite = maildir_workspace(tmp_path / "sqlite")
    pg = maildir_workspace(tmp_path / "pg")
    on_postgres(pg, database)
    mailed, status, audit = walk(pg)
    assert (mailed, status, audit) == walk(sqlite)
    assert ("request", "sam.security@example.com") in mailed
    commitments = {c["resource"]: c["state"] for c in status["plans"][0]["commitments"]}
    assert commitments["sam"] == "accepted"
    assert not (tmp_path / "pg" / "followthru.sqlite3").exists()
    # The journal is this host's file in the plans folder that every daemon of the workspace shares.
    journals = list((tmp_path / "pg" / "plans" / "journal").glob("*.journal"))
    assert [j.name for j in journals] == [socket.gethostname() + ".journal"]
    assert (journals[0].stat().st_mode & 0o777) == 0o600


def test_doctor_checks_the_database_and_no_output_shows_the_password(tmp_path, database, monkeypatch):
    ws = maildir_workspace(tmp_path / "ws")
    on_postgres(ws, database)
    before = ws.cli("doctor").stdout
    assert "no tables yet, made on the first run" in before
    ws.drop_plan(EXAMPLE)
    ws.tick(START)
    outputs = [ws.cli("doctor").stdout, ws.cli("status").stdout, ws.cli("log").stdout]
    assert "schema " in outputs[0] and "PostgreSQL" in outputs[0]
    password = postgres.server().password
    assert not [text for text in [before, *outputs] if password in text]
    monkeypatch.delenv(PASSWORD_ENV)
    missing = run_followthru("-c", str(ws.config), "status")
    assert missing.returncode == 2
    assert f"the environment variable {PASSWORD_ENV} is not set" in missing.stderr


def test_a_password_in_the_url_is_refused_and_not_shown(tmp_path):
    ws = maildir_workspace(tmp_path / "ws")
    ws.config.write_text(
        ws.config.read_text().replace(
            'store = "followthru.sqlite3"', 'store = "postgresql://followthru:s3cret-word@127.0.0.1:5432/followthru"'
        )
    )
    for command in (["status"], ["tick"], ["doctor"]):
        result = run_followthru("-c", str(ws.config), *command)
        assert result.returncode == 2, command
        assert "workspace.store: the URL holds a password" in result.stderr + result.stdout
        assert "s3cret-word" not in result.stderr + result.stdout


def test_a_server_out_of_reach_is_one_line_for_doctor_and_status(tmp_path, monkeypatch):
    ws = maildir_workspace(tmp_path / "ws")
    monkeypatch.setenv(PASSWORD_ENV, "whatever")
    on_postgres(ws, "postgresql://followthru@127.0.0.1:1/followthru")  # nothing listens on port 1
    doctor = run_followthru("-c", str(ws.config), "doctor")
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr + doctor.stdout
    assert "is the server running" in doctor.stdout + doctor.stderr
    status = run_followthru("-c", str(ws.config), "status")
    assert status.returncode == 1 and "Traceback" not in status.stderr
    assert "postgresql://followthru@127.0.0.1:1/followthru" in status.stderr


def test_the_daemon_status_and_log_each_open_one_connection_to_the_store(tmp_path, database, monkeypatch):
    """Judging whether the database is the workspace's store, then working on it or reading it: one login."""
    from click.testing import CliRunner

    from followthru.cli import main
    from followthru.config import load_config
    from followthru.daemon import Followthru
    from followthru.postgres import PostgresConnection

    ws = maildir_workspace(tmp_path / "ws")
    on_postgres(ws, database)
    logins = []
    connect = PostgresConnection._connect
    monkeypatch.setattr(PostgresConnection, "_connect", lambda self: logins.append(1) or connect(self))
    for _start in range(2):  # a new database, then the store it became
        service = Followthru(load_config(ws.config))
        service.close()
    assert len(logins) == 2
    for command in ("status", "log"):
        result = CliRunner().invoke(main, ["-c", str(ws.config), command])
        assert result.exit_code == 0, result.output
    assert len(logins) == 4
