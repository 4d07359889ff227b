"""``followthru doctor``: every check, on a fresh workspace and against the real mail stack."""

from __future__ import annotations

import os
import sqlite3
import tomllib

import tomli_w

from followthru.store import Store

ME = "followthru@example.com"


def lines(result) -> dict[str, str]:
    """``{"smtp": "FAIL ...", ...}`` from doctor's output."""
    found = {}
    for line in result.output.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("ok", "FAIL"):
            found[parts[1]] = f"{parts[0]} {parts[2]}"
    return found


def use_servers(config, stack, smtp=None, imap=None) -> None:
    data = tomllib.loads(config.read_text())
    server = {
        "host": "localhost",
        "security": "starttls",
        "username": ME,
        "ca_file": str(stack.ca_file),
        "timeout": 5,
        "password_env": "DOCTOR_TEST_PASSWORD",
    }
    data["mail"]["backend"] = "smtp-imap"
    data["mail"]["smtp"] = {**server, "port": 10587, **(smtp or {})}
    data["mail"]["imap"] = {**server, "port": 10143, **(imap or {})}
    config.write_text(tomli_w.dumps(data))


def test_a_fresh_workspace_is_all_good(workspace, cli):
    result = cli("-c", workspace, "doctor")
    assert result.exit_code == 0, result.output
    found = lines(result)
    assert set(found) == {"config", "secret", "folders", "store", "templates", "maildir", "calendar"}
    assert all(v.startswith("ok") for v in found.values())
    assert result.output.rstrip().endswith("all good")
    assert not (workspace.parent / "followthru.sqlite3").exists()  # doctor made nothing


def test_a_broken_config_says_where(workspace, cli):
    workspace.write_text(workspace.read_text().replace('send_from = "08:30"', 'send_from = "25:00"'))
    result = cli("-c", workspace, "doctor")
    assert result.exit_code == 2  # as for every command: a config that cannot load is one line
    line = workspace.read_text().splitlines().index('send_from = "25:00"') + 1
    assert result.stderr.strip() == f"{workspace}:{line}: schedule.send_from: '25:00' is not a time of day like '09:00'"


def test_workspace_problems_name_the_fix(workspace, cli):
    root = workspace.parent
    (root / "secret.key").unlink()
    os.rmdir(root / "plans" / "rejected")
    (root / "templates" / "request.txt").write_text("Hello {{ resource.name }\n")
    Store(root / "followthru.sqlite3").close()
    with sqlite3.connect(root / "followthru.sqlite3") as connection:
        connection.execute("PRAGMA user_version = 99")
    found = lines(cli("-c", workspace, "doctor"))
    assert found["secret"].startswith("FAIL") and "FOLLOWTHRU_TOKEN_SECRET" in found["secret"]
    assert found["folders"].startswith("FAIL") and "plans/rejected does not exist" in found["folders"]
    assert found["templates"].startswith("FAIL") and "request.txt:1:" in found["templates"]
    assert found["store"].startswith("FAIL") and "newer Followthru (schema 99)" in found["store"]


def test_a_corrupt_store_is_reported(workspace, cli):
    (workspace.parent / "followthru.sqlite3").write_bytes(b"this is not a database" * 100)
    found = lines(cli("-c", workspace, "doctor"))
    assert found["store"].startswith("FAIL") and "cannot be read as a store" in found["store"]


def test_both_servers_answer(workspace, cli, mail_stack, monkeypatch):
    use_servers(workspace, mail_stack)
    monkeypatch.setenv("DOCTOR_TEST_PASSWORD", mail_stack.users[ME])
    result = cli("-c", workspace, "doctor")
    assert result.exit_code == 0, result.output
    found = lines(result)
    assert found["smtp"] == f"ok connected to SMTP server localhost:10587, TLSv1.3 (starttls), logged in as {ME}"
    assert found["imap"].startswith("ok connected to IMAP server localhost:10143, folder 'INBOX' open, IDLE: yes")
    assert "maildir" not in found
    assert mail_stack.queue_empty()  # sent nothing


def test_server_problems_say_what_to_change(workspace, cli, mail_stack, monkeypatch):
    use_servers(workspace, mail_stack, smtp={"port": 10465}, imap={"folder": "Nowhere"})
    monkeypatch.setenv("DOCTOR_TEST_PASSWORD", "wrong-password-31")
    result = cli("-c", workspace, "doctor")
    assert result.exit_code == 1
    found = lines(result)
    assert found["smtp"].startswith("FAIL") and "try mail.smtp.security = 'tls'" in found["smtp"]
    assert found["imap"].startswith("FAIL") and "refused the login of 'followthru@example.com'" in found["imap"]
    assert "wrong-password-31" not in result.output
    assert result.output.rstrip().endswith("2 problems found")


def test_a_missing_password_names_the_variable(workspace, cli, mail_stack, monkeypatch):
    use_servers(workspace, mail_stack)
    monkeypatch.delenv("DOCTOR_TEST_PASSWORD", raising=False)
    found = lines(cli("-c", workspace, "doctor"))
    assert found["smtp"] == (
        "FAIL mail.smtp.password: the environment variable DOCTOR_TEST_PASSWORD is not set; "
        "set mail.smtp.password_env or mail.smtp.password_file"
    )
