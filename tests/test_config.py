"""The config file and ``followthru init``."""

from __future__ import annotations

import os
import stat
import tomllib
from datetime import time
from pathlib import Path

import pytest

from followthru.config import ConfigError, load_config
from followthru.durations import Offset

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_loads_with_the_documented_defaults():
    config = load_config(ROOT / "config.example.toml")
    assert config.mail.backend == "maildir"
    assert config.reminders.after_request == [Offset(business_days=1)]
    assert config.reminders.before_deadline == [Offset.parse("4h")]
    assert config.schedule.send_from == time(8, 30) and config.schedule.send_until == time(18, 0)
    assert config.plans_dir == ROOT / "plans"


def test_every_key_of_the_example_is_commented():
    lines = (ROOT / "config.example.toml").read_text().splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#") and "#" not in line:
            above = number - 1
            while lines[above].strip() and "=" in lines[above] and not lines[above].lstrip().startswith("#"):
                above -= 1  # keys in a group share the comment above the group
            assert lines[above].lstrip().startswith("#"), f"key without a comment: {line!r}"
    data = tomllib.loads("\n".join(lines))
    assert set(data) == {
        "workspace",
        "sender",
        "mail",
        "calendar",
        "schedule",
        "reminders",
        "store",
        "secrets",
        "web",
        "exchange",
        "google",
        "graph",
    }


def test_init_makes_a_workspace_that_works(workspace: Path, cli):
    root = workspace.parent
    for folder in (
        "plans/incoming",
        "plans/active",
        "plans/rejected",
        "plans/archive",
        "templates",
        "mail/outbox/new",
        "mail/outbox/cur",
        "mail/outbox/tmp",
        "mail/inbox/new",
    ):
        assert (root / folder).is_dir(), folder
    config = load_config(workspace)
    assert config.plans_dir == root / "plans"
    secret = root / "secret.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert config.token_secret() == secret.read_bytes().strip()
    secret_before = secret.read_bytes()
    assert cli("init", root).exit_code == 0  # again: nothing overwritten
    assert secret.read_bytes() == secret_before


def test_secret_from_environment_wins(workspace, monkeypatch):
    monkeypatch.setenv("FOLLOWTHRU_TOKEN_SECRET", "from-the-environment-1234")
    assert load_config(workspace).token_secret() == b"from-the-environment-1234"


def test_loose_secret_file_is_warned_about(workspace, caplog):
    secret = workspace.parent / "secret.key"
    os.chmod(secret, 0o644)
    load_config(workspace).token_secret()
    assert "chmod 600" in caplog.text
    assert secret.read_text().strip() not in caplog.text


def test_missing_secret_names_the_keys(workspace):
    (workspace.parent / "secret.key").unlink()
    with pytest.raises(ConfigError) as error:
        load_config(workspace).token_secret()
    assert "secrets.token_secret_file" in str(error.value) and "FOLLOWTHRU_TOKEN_SECRET" in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[schedule]\nsend_windw = "09:00"\n', "config.toml:2: schedule.send_windw: unknown field"),
        ('[schedule]\ntimezone = "Moon/Base"\n', "config.toml:2: schedule.timezone: 'Moon/Base' is not a known IANA"),
        ('[schedule]\nsend_from = "25:00"\n', "config.toml:2: schedule.send_from: '25:00' is not a time of day"),
        (
            '[schedule]\nsend_from = "18:00"\nsend_until = "09:00"\n',
            "config.toml:3: schedule.send_until: must be later",
        ),
        ('[schedule]\nholidays = "XX"\n', "config.toml:2: schedule.holidays: 'XX' is not a country code"),
        (
            '[reminders]\nafter_request = ["soon"]\n',
            "config.toml:2: reminders.after_request[0]: 'soon' is not a duration",
        ),
        ('[mail]\nbackend = "carrier-pigeon"\n', "config.toml:2: mail.backend: input should be 'maildir'"),
        ('[sender]\nemail = "nobody"\n', "config.toml:2: sender.email: 'nobody' is not a valid email"),
        ('[secrets]\ntoken_secret_env = "NOT VALID"\n', "config.toml:2: secrets.token_secret_env: 'NOT VALID' is not"),
        ("[schedule\n", "config.toml:1: TOML syntax"),
    ],
)
def test_wrong_config_names_the_key(tmp_path, text, expected):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(str(tmp_path / expected))


def test_cli_reports_a_wrong_config_clearly(tmp_path, cli):
    path = tmp_path / "config.toml"
    path.write_text('[mail]\nbackend = "smtp"\n')
    result = cli("-c", path, "plan", "preview", ROOT / "examples" / "acme-q4.toml")
    assert result.exit_code == 2
    assert f"{path}:2: mail.backend" in result.stderr
    missing = cli("-c", tmp_path / "nowhere.toml", "plan", "preview", ROOT / "examples" / "acme-q4.toml")
    assert missing.exit_code == 2 and "no config file here" in missing.stderr
