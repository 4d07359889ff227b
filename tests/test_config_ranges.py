"""Every number, duration and flag of the config has a type and a range: a value outside it is one
line naming the file, line and key, and exit 2, for every command that loads the config."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import time, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from followthru.config import Config, load_config
from followthru.durations import Offset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLAN = ROOT / "examples" / "acme-q4.toml"


def set_key(config: Path, section: tuple[str, ...], key: str, value: str) -> int:
    """Set ``key = value`` (TOML text) in ``[section]`` of the config, replacing the line that sets
    it or adding one under the section's header; returns the line number."""
    lines = config.read_text().splitlines()
    header = lines.index(f"[{'.'.join(section)}]")
    end = next((n for n in range(header + 1, len(lines)) if lines[n].startswith("[")), len(lines))
    found = next((n for n in range(header + 1, end) if lines[n].split("=")[0].strip() == key), None)
    if found is None:
        found = header + 1
        lines.insert(found, "")
    lines[found] = f"{key} = {value}"
    config.write_text("\n".join(lines) + "\n")
    return found + 1


def kinds(model: BaseModel = Config(), section: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, str]]:
    """Every duration, interval, count, flag and time of day in the config: (section, key, kind)."""
    found = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found += kinds(value, (*section, name))
        elif name == "port":
            found.append((section, name, "port"))  # the only count whose default is "none given"
        elif isinstance(value, bool):
            found.append((section, name, "flag"))
        elif isinstance(value, float):
            found.append((section, name, "seconds"))
        elif isinstance(value, int):
            found.append((section, name, "count"))
        elif isinstance(value, timedelta):
            found.append((section, name, "duration"))
        elif isinstance(value, Offset):
            found.append((section, name, "offset"))
        elif isinstance(value, list) and value and all(isinstance(v, Offset) for v in value):
            found.append((section, name, "offsets"))
        elif isinstance(value, time):
            found.append((section, name, "clock"))
    return found


ABSURD = {
    "seconds": ["1e12", "0", "-5", '"5"', "true", "nan", "inf", "99999999999999999999"],
    "port": ["1000000", "0", "-1", '"587"', "587.0", "true"],
    "count": ["1000000", "-1", '"5"', "5.0", "true"],
    "duration": ['"99999999999d"', '"999999999d"', '"0m"', '"30s"', "5", "true", '"soon"'],
    "offset": ['"99999999999d"', '"999999999d"', '"9999bd"', '"0bd"', '"30s"', "5", '["1bd"]'],
    "offsets": ['["99999999999d"]', '["0m"]', "[5]", '"1bd"', "[" + ", ".join(['"1h"'] * 11) + "]"],
    "flag": ['"yes"', "1", '"true"'],
    "clock": ['"25:00"', "830", '"8:30pm"'],
}
CASES = [
    pytest.param(section, key, value, id=f"{'.'.join((*section, key))}={value[:20]}")
    for section, key, kind in kinds()
    for value in ABSURD[kind]
]


def test_the_walk_covers_every_number_duration_and_flag_of_the_example():
    data = tomllib.loads((ROOT / "config.example.toml").read_text())
    numeric = set()

    def leaves(node: dict, path: tuple[str, ...]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                leaves(value, (*path, key))
            elif isinstance(value, (bool, int, float)) or key in (
                "retry_for",
                "after_request",
                "before_deadline",
                "before_due",
                "send_from",
                "send_until",
                "digest_at",
            ):
                numeric.add((*path, key))

    leaves(data, ())
    walked = {(*section, key) for section, key, _ in kinds()}
    assert numeric and numeric <= walked
    assert {("mail", "smtp", "port"), ("exchange", "timeout"), ("graph", "poll_seconds")} <= walked


@pytest.mark.parametrize(("section", "key", "value"), CASES)
def test_an_absurd_value_is_one_line_naming_file_line_and_key(workspace, cli, section, key, value):
    line = set_key(workspace, section, key, value)
    result = cli("-c", workspace, "status")
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = result.stderr.splitlines()
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{workspace}:{line}: {'.'.join((*section, key))}")
    assert errors[0][len(f"{workspace}:{line}: {'.'.join((*section, key))}")] in ":["
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        (
            ("reminders",),
            "after_request",
            '["999999999d"]',
            "reminders.after_request[0]: must be from 1 minute to 90 days, or 1bd to 60bd, not '999999999d'",
        ),
        (
            ("mail", "smtp"),
            "retry_for",
            '"99999999999d"',
            "mail.smtp.retry_for: must be from 1 minute to 30 days, not '99999999999d'",
        ),
        (
            ("sender",),
            "plus_addressing",
            '"yes"',
            "sender.plus_addressing: 'yes' is not true or false; write true or false, without quotes",
        ),
        (("workspace",), "poll_seconds", '"5"', "workspace.poll_seconds: '5' is not a number; write it without quotes"),
        (("mail", "imap"), "port", '"993"', "mail.imap.port: '993' is not a whole number; write it without quotes"),
        (
            ("mail", "smtp"),
            "timeout",
            "0",
            "mail.smtp.timeout: must be from 1 second to 10 minutes (in seconds), not 0",
        ),
        (
            ("mail", "imap"),
            "poll_seconds",
            "172800",
            "mail.imap.poll_seconds: must be more than 0 and at most 1 day (in seconds), not 172800",
        ),
        (
            ("reminders",),
            "before_deadline",
            '"4h"',
            "reminders.before_deadline: '4h' is not a list; write it in brackets, like [\"4h\"]",
        ),
        (("graph",), "notification_listen", '"127.0.0.1:99999"', "graph.notification_listen: '127.0.0.1:99999' is not"),
        (("schedule",), "digest_at", '"24:00"', "schedule.digest_at: '24:00' is not a time of day like '09:00'"),
    ],
)
def test_the_reported_examples_name_the_range(workspace, cli, section, key, value, message):
    line = set_key(workspace, section, key, value)
    result = cli("-c", workspace, "tick")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{workspace}:{line}: {message}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("store", '"nowhere/followthru.sqlite3"', "workspace.store: the folder {root}/nowhere does not exist"),
        ("store", '"plans"', "workspace.store: {root}/plans is a folder; name the store's file"),
        ("templates", '"my-templates"', "workspace.templates: the folder {root}/my-templates does not exist"),
    ],
)
def test_a_missing_folder_is_one_line_and_exit_2(workspace, cli, key, value, message):
    line = set_key(workspace, ("workspace",), key, value)
    result = cli("-c", workspace, "status")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{workspace}:{line}: " + message.format(root=workspace.parent))
    assert not (workspace.parent / "nowhere").exists()  # nothing made


def test_without_the_templates_key_a_missing_folder_is_fine(workspace):
    text = workspace.read_text().replace('templates = "templates"\n', "")
    workspace.write_text(text)
    (workspace.parent / "templates").rmdir()
    assert load_config(workspace).templates_dir == workspace.parent / "templates"


def test_a_missing_ca_file_is_named_when_the_server_is_used(workspace, cli):
    set_key(workspace, ("mail", "smtp"), "ca_file", '"company-ca.pem"')
    assert cli("-c", workspace, "status").exit_code == 0  # the maildir backend: [mail.smtp] is not used
    set_key(workspace, ("mail",), "backend", '"smtp-imap"')
    line = workspace.read_text().splitlines().index('ca_file = "company-ca.pem"') + 1
    result = cli("-c", workspace, "status")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{workspace}:{line}: mail.smtp.ca_file: {workspace.parent / 'company-ca.pem'} does "
        "not exist; point it at your CA's certificate (PEM), or remove the key\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["tick"],
        ["run"],
        ["status"],
        ["log"],
        ["decide", "acme-q4", "sam", "approve"],
        ["doctor"],
        ["plan", "check", str(EXAMPLE_PLAN)],
        ["plan", "preview", str(EXAMPLE_PLAN)],
    ],
    ids=lambda command: " ".join(command[:2]).replace(str(ROOT) + "/", ""),
)
def test_every_command_that_loads_the_config_exits_2_with_one_line(workspace, cli, command):
    line = set_key(workspace, ("reminders",), "before_due", '"999999999d"')
    result = cli("-c", workspace, *command)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{workspace}:{line}: reminders.before_due: must be from 1 minute to 90 days, "
        "or 1bd to 60bd, not '999999999d'\n"
    )


def test_a_huge_duration_gives_no_traceback_from_the_installed_command(workspace):
    line = set_key(workspace, ("mail", "smtp"), "retry_for", '"99999999999d"')
    result = subprocess.run(
        [sys.executable, "-m", "followthru", "-c", str(workspace), "tick"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"{workspace}:{line}: mail.smtp.retry_for: must be from 1 minute to 30 days, not '99999999999d'\n"
    )


def test_the_documented_bounds_are_accepted(workspace):
    edits = [
        (("workspace",), "poll_seconds", "0.1"),
        (("mail", "smtp"), "retry_for", '"30d"'),
        (("mail", "smtp"), "timeout", "600"),
        (("mail", "smtp"), "port", "65535"),
        (("mail", "imap"), "port", "1"),
        (("mail", "imap"), "poll_seconds", "86400"),
        (("reminders",), "after_request", '["1m", "90d", "60bd"]'),
        (("reminders",), "before_due", '"60bd"'),
        (("schedule",), "digest_at", "07:15:00"),
        (("schedule",), "send_until", '"23:59"'),
    ]
    for section, key, value in edits:
        set_key(workspace, section, key, value)
    config = load_config(workspace)
    assert config.workspace.poll_seconds == 0.1 and config.mail.smtp.retry_for == timedelta(days=30)
    assert config.mail.smtp.timeout == 600 and config.mail.smtp.port == 65535 and config.mail.imap.port == 1
    assert config.reminders.after_request == [
        Offset(clock=timedelta(minutes=1)),
        Offset(clock=timedelta(days=90)),
        Offset(business_days=60),
    ]
    assert config.schedule.digest_at == time(7, 15) and config.schedule.send_until == time(23, 59)
