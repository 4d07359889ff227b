"""Secrets come from the environment or files only their owner can read, and never show up in
logs, status output or error messages, even at debug level."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import tomllib

import tomli_w

from followthru.config import load_config

ME = "followthru@example.com"
TOKEN_SECRET = "token-secret-that-must-not-leak-4821"


def configure(config, stack, password_source: dict) -> None:
    data = tomllib.loads(config.read_text())
    server = {
        "host": "localhost",
        "security": "starttls",
        "username": ME,
        "ca_file": str(stack.ca_file),
        "timeout": 5,
        **password_source,
    }
    data["sender"]["email"] = ME
    data["mail"]["backend"] = "smtp-imap"
    data["mail"]["smtp"] = {**server, "port": 10587}
    data["mail"]["imap"] = {**server, "port": 10143}
    data["workspace"]["poll_seconds"] = 0.3
    config.write_text(tomli_w.dumps(data))


def test_a_password_file_others_can_read_is_warned_about(workspace, caplog):
    secret = workspace.parent / "smtp.password"
    secret.write_text("file-password-9931\n")
    os.chmod(secret, 0o644)
    data = tomllib.loads(workspace.read_text())
    data["mail"]["smtp"] = {"username": ME, "password_file": "smtp.password"}
    workspace.write_text(tomli_w.dumps(data))
    config = load_config(workspace)
    with caplog.at_level(logging.WARNING):
        assert config.password("mail.smtp", config.mail.smtp) == "file-password-9931"
    assert "can be read by other users; run: chmod 600" in caplog.text
    assert "file-password-9931" not in caplog.text
    os.chmod(secret, 0o600)
    caplog.clear()
    config.password("mail.smtp", config.mail.smtp)
    assert "can be read by other users" not in caplog.text


def test_no_secret_in_logs_status_or_errors(workspace, mail_stack, tmp_path):
    password = mail_stack.users[ME]
    configure(workspace, mail_stack, {"password_env": "TEST_MAIL_PASSWORD"})
    env = {**os.environ, "TEST_MAIL_PASSWORD": password, "FOLLOWTHRU_TOKEN_SECRET": TOKEN_SECRET}
    root = workspace.parent
    plan = subprocess.run(
        [sys.executable, "-m", "followthru", "plan", "new"], capture_output=True, text=True, check=True
    ).stdout
    (root / "plans" / "incoming" / "first.toml").write_text(plan)
    log = tmp_path / "daemon.log"
    with open(log, "w") as handle:  # -v: debug level, imapclient's protocol log included
        daemon = subprocess.Popen(
            [sys.executable, "-m", "followthru", "-c", str(workspace), "run", "-v"],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (root / "plans" / "active" / "first.toml").exists():
            time.sleep(0.2)
        time.sleep(2)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    outputs = {"daemon log": log.read_text()}
    assert "LOGIN" in outputs["daemon log"].upper()  # the log did record the logins...
    for command in (["status"], ["status", "--json"], ["log"], ["doctor"], ["tick"]):
        result = subprocess.run(
            [sys.executable, "-m", "followthru", "-c", str(workspace), *command],
            capture_output=True,
            text=True,
            env=env,
        )
        outputs[" ".join(command)] = result.stdout + result.stderr
    # A wrong password and a missing one: the errors say what to fix, not what was tried.
    wrong = {**env, "TEST_MAIL_PASSWORD": "wrong-password-5577"}
    result = subprocess.run(
        [sys.executable, "-m", "followthru", "-c", str(workspace), "doctor"], capture_output=True, text=True, env=wrong
    )
    outputs["doctor, wrong password"] = result.stdout + result.stderr
    assert "refused the login" in outputs["doctor, wrong password"]
    for name, text in outputs.items():
        for secret in (password, TOKEN_SECRET, "wrong-password-5577"):
            assert secret not in text, f"{name} shows a secret"
