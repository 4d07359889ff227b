"""The daemon's pass and loop: matching replies, RSVPs, bad input, the run loop under a supervisor."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import icalendar
import pytest

import followthru.daemon
from followthru.backends.maildir import MaildirBackend
from followthru.config import load_config
from followthru.daemon import Followthru
from support.daemon_pass import START, deliver, drop, outbox, reply, request_to, states

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"


def test_a_reply_is_matched_by_its_token_without_threading_headers(service):
    reply_to = request_to(service, "lee")["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("followthru+")
    deliver(service, reply("lee.legal@example.com", reply_to, "Yes, count me in."))
    service.tick(START.replace(hour=16))
    assert states(service)["lee"] == "accepted"


def test_a_forged_token_matches_nothing_by_itself(service):
    deliver(service, reply("nobody@example.org", "followthru+aaaaaaaaaabbbbbbbbbb@example.com", "ACCEPT"))
    report = service.tick(START.replace(hour=16))
    assert report.errors == [] and set(states(service).values()) == {"requested"}
    assert "unmatched reply from nobody@example.org" in [r["event"] for r in service.store.log()][-1]


def test_a_reply_is_matched_by_its_sender_last(service):
    deliver(service, reply("sol.engineer@example.com", "followthru@example.com", "DECLINE"))
    service.tick(START.replace(hour=16))
    assert states(service)["sol"] == "replaced" and states(service)["kim"] == "requested"


def test_each_reply_is_processed_once(service):
    raw = reply("sol.engineer@example.com", "followthru@example.com", "DECLINE")
    deliver(service, raw)
    service.tick(START.replace(hour=16))
    deliver(service, raw)  # the same message again, e.g. restored from a backup
    service.tick(START.replace(hour=17))
    backups = [m for m in outbox(service) if m["X-Followthru-Kind"] == "backup_request"]
    assert len(backups) == 1


def test_calendar_answers_are_stored_as_rsvps(service):
    invitation = next(m for m in outbox(service) if m["X-Followthru-Kind"] == "meeting")
    calendar = icalendar.Calendar.from_ical(
        next(p for p in invitation.walk() if p.get_content_type() == "text/calendar").get_content()
    )
    event = calendar.walk("VEVENT")[0]
    answer = icalendar.Calendar()
    answer.add("prodid", "-//Test//EN")
    answer.add("version", "2.0")
    answer.add("method", "REPLY")
    reply_event = icalendar.Event()
    reply_event.add("uid", str(event["UID"]))
    reply_event.add("sequence", 0)
    reply_event.add("dtstamp", START)
    attendee = icalendar.vCalAddress("mailto:lee.legal@example.com")
    attendee.params["PARTSTAT"] = "ACCEPTED"
    reply_event.add("attendee", attendee)
    answer.add_component(reply_event)
    message = EmailMessage()
    message["From"], message["To"] = "lee.legal@example.com", "followthru@example.com"
    message["Subject"], message["Message-ID"] = "Accepted: review", make_msgid()
    message.set_content("Accepted")
    message.add_alternative(answer.to_ical().decode(), subtype="calendar", params={"method": "REPLY"})
    deliver(service, message.as_bytes())
    service.tick(START.replace(hour=16))
    [review] = service.status("acme-q4")[0]["meetings"]
    assert review["rsvps"] == {"lee.legal@example.com": "ACCEPTED"}
    assert states(service)["lee"] == "requested"  # an RSVP is not a commitment to the asks


def test_bad_input_is_reported_and_the_pass_goes_on(service):
    deliver(service, b"\x00\xff garbage that is not an email at all \xfe")
    (service.folders["incoming"] / "notes.txt").write_text("not a plan")
    os.utime(service.folders["incoming"] / "notes.txt", (time.time() - 5, time.time() - 5))
    deliver(service, reply("sol.engineer@example.com", "followthru@example.com", "DECLINE"))
    report = service.tick(START.replace(hour=16))
    assert report.errors == []
    assert states(service)["sol"] == "replaced"
    assert (
        (service.folders["rejected"] / "notes.txt.errors.txt")
        .read_text()
        .strip()
        .endswith("not a plan file; use .toml, .yaml, .yml or .json")
    )
    inbox = service.config.path(service.config.mail.maildir.inbox)
    assert not any((inbox / "new").iterdir()) and len(list((inbox / "cur").iterdir())) == 2


def test_a_plan_file_that_goes_away_while_it_is_read_is_left_alone(service, monkeypatch):
    """Another daemon moved it (after its commit, once a database restart let go of its claim),
    or someone removed it: no rejection, no mail to anyone, nothing stored."""
    text = (service.config.root / "plans" / "active" / "acme-q4.toml").read_text()
    drop(service, text.replace('id = "acme-q4"', 'id = "acme-q5"'), "acme-q5.toml")
    real_load = followthru.daemon.load_plan

    def taken_by_another(path, *arguments):
        path.rename(service.folders["active"] / path.name)
        return real_load(path, *arguments)

    monkeypatch.setattr(followthru.daemon, "load_plan", taken_by_another)
    before = len(outbox(service))
    report = service.tick(START.replace(hour=16))
    assert report.errors == [] and report.plans_rejected == 0 and report.plans_started == 0
    assert list(service.folders["rejected"].iterdir()) == []
    assert service.store.load("acme-q5") is None
    assert len(outbox(service)) == before


def test_maildir_sending_is_idempotent(tmp_path):
    backend = MaildirBackend(tmp_path / "out", tmp_path / "in")
    backend.send("<same@x>", ["a@example.com"], b"Subject: x\r\n\r\nbody\r\n", "ft+t@example.com")
    backend.send("<same@x>", ["a@example.com"], b"Subject: x\r\n\r\nbody\r\n", "ft+t@example.com")
    backend.send("<other@x>", ["a@example.com"], b"Subject: y\r\n\r\nbody\r\n", "ft+t@example.com")
    assert len(list((tmp_path / "out" / "new").iterdir())) == 2
    assert not any((tmp_path / "out" / "tmp").iterdir())


def test_run_notifies_systemd_and_stops_cleanly_on_sigterm(workspace, tmp_path):
    notify = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify))
    listener.settimeout(20)
    config = workspace.read_text().replace("poll_seconds = 5.0", "poll_seconds = 0.5")
    workspace.write_text(config)
    process = subprocess.Popen(
        [sys.executable, "-m", "followthru", "-c", str(workspace), "run"],
        env={**os.environ, "NOTIFY_SOCKET": str(notify)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.recv(4096).decode().startswith("READY=1")
        assert listener.recv(4096).decode().startswith("STATUS=watching")
        assert listener.recv(4096).decode().startswith("WATCHDOG=1")
        starter = subprocess.run(
            [sys.executable, "-m", "followthru", "plan", "new"], capture_output=True, text=True, check=True
        ).stdout
        (workspace.parent / "plans" / "incoming" / "first.toml").write_text(starter)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (workspace.parent / "plans" / "active" / "first.toml").exists():
            time.sleep(0.2)
        assert (workspace.parent / "plans" / "active" / "first.toml").exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        messages = []
        while True:
            try:
                messages.append(listener.recv(4096).decode())
            except TimeoutError:
                break
            if messages[-1].startswith("STOPPING=1"):
                break
        assert messages[-1].startswith("STOPPING=1")
    finally:
        if process.poll() is None:
            process.kill()
        listener.close()


SYSTEMD = ROOT / "systemd"
# The single unit, and the template for several daemons of one workspace (followthru@1, followthru@2...).
UNITS = ["followthru.service", "followthru@.service"]


def unit_settings(text: str) -> dict[str, list[str]]:
    """Each key of a unit file with its values in order (a key such as After= may be given twice)."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def hardening(text: str) -> list[str]:
    """The settings under the unit's ``# Hardening`` comment, up to its [Install] section."""
    section = text.split("\n# Hardening", 1)[1].split("\n[Install]", 1)[0]
    return [line for line in section.splitlines()[1:] if line and not line.startswith("#")]


@pytest.mark.parametrize("name", UNITS)
def test_the_systemd_unit_is_hardened(name):
    settings = {key: values[-1] for key, values in unit_settings((SYSTEMD / name).read_text()).items()}
    assert settings["Type"] == "notify" and settings["Restart"] == "on-failure"
    assert int(settings["WatchdogSec"]) > 0
    assert settings["ProtectSystem"] == "strict" and settings["NoNewPrivileges"] == "true"
    assert settings["PrivateTmp"] == "true" and settings["User"] == "followthru"
    assert settings["ReadWritePaths"] == "/var/lib/followthru"
    assert settings["ExecStart"].endswith("followthru -c /var/lib/followthru/config.toml run")


def test_the_template_unit_is_the_single_unit_with_an_instance_name():
    single, template = ((SYSTEMD / name).read_text() for name in UNITS)
    assert hardening(template) == hardening(single)
    settings = unit_settings(template)
    assert settings["Environment"] == ["FOLLOWTHRU_INSTANCE=%i"]
    assert settings["SyslogIdentifier"] == ["followthru@%i"]
    for key in ("Type", "ExecStart", "User", "Restart", "RestartPreventExitStatus", "WatchdogSec", "EnvironmentFile"):
        assert settings[key] == unit_settings(single)[key], key
    # Ordered after a PostgreSQL server on this host, without pulling one in: the database may be elsewhere.
    assert "postgresql.service" in " ".join(settings["After"])
    assert not [
        value for key in ("Wants", "Requires", "BindsTo") for value in settings.get(key, []) if "postgres" in value
    ]
    assert "systemctl enable --now followthru@1 followthru@2" in template


def test_the_web_unit_has_the_daemons_hardening():
    single, web = ((SYSTEMD / name).read_text() for name in ("followthru.service", "followthru-web.service"))
    assert hardening(web) == hardening(single)
    settings = {key: values[-1] for key, values in unit_settings(web).items()}
    assert settings["ExecStart"].endswith("followthru -c /var/lib/followthru/config.toml web")
    assert settings["User"] == "followthru" and settings["Restart"] == "on-failure"
    assert settings["RestartPreventExitStatus"] == "2 3"
    assert "followthru.service" in settings["After"]


@pytest.mark.parametrize("name", [*UNITS, "followthru-web.service"])
def test_systemd_rates_the_unit_ok(name, tmp_path):
    """systemd's own audit of the unit (.ci/run installs systemd for systemd-analyze). A template is
    audited as an instance of it, followthru@1.service, as `systemctl enable followthru@1` runs it."""
    unit = SYSTEMD / name
    if name.endswith("@.service"):
        unit = tmp_path / name.replace("@.", "@1.")
        unit.write_text((SYSTEMD / name).read_text())
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(rf"Overall exposure level for {re.escape(unit.name)}: (\d+\.\d+) (\w+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 4.0 and found.group(2) in ("OK", "SAFE")


def test_the_owner_answering_a_notice_changes_nothing(service):
    deliver(service, reply("sol.engineer@example.com", "followthru@example.com", "DECLINE"))
    service.tick(START.replace(hour=16))
    notice = next(m for m in outbox(service) if m["X-Followthru-Kind"] == "owner_declined")
    deliver(
        service,
        reply(
            "riley@example.com", "followthru@example.com", "Thanks, I'll call Sol.", in_reply_to=notice["Message-ID"]
        ),
    )
    before = len(outbox(service))
    service.tick(START.replace(hour=17))
    assert len(outbox(service)) == before
    assert "reply to the owner_declined notice" in service.store.log("acme-q4")[-1]["event"]


def test_a_bounce_without_returned_headers_finds_its_request_by_the_verp_address(service):
    request = request_to(service, "lee")
    assert request["Return-Path"] == "<" + request["Reply-To"].addresses[0].addr_spec + ">"
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@mx.example.com (Mail Delivery System)"
    bounce["To"] = request["Reply-To"].addresses[0].addr_spec  # the envelope sender it came back to
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = make_msgid(domain="mx.example.com")
    bounce.set_content(
        "I'm sorry to have to inform you that your message could not be delivered.\n\n"
        "<someone-else@example.com>: host mx.example.com said: 550 5.1.1 User unknown\n"
    )
    deliver(service, bounce.as_bytes())
    service.tick(START.replace(hour=16))
    assert states(service)["lee"] == "bounced"
    notice = next(m for m in outbox(service) if m["X-Followthru-Kind"] == "owner_bounced")
    assert "550 5.1.1" in notice.get_body(("plain",)).get_content()


def test_a_pass_that_sends_nothing_says_when_the_queued_mail_goes(workspace: Path):
    daemon = Followthru(load_config(workspace))
    try:
        drop(daemon, EXAMPLE.read_text())
        saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=timezone.utc)
        report = daemon.tick(saturday_night)
        assert report.plans_started == 1 and report.sent == 0
        assert report.next_send is not None and report.next_send.weekday() == 0  # Monday's window
        assert f"sent 0 (next message queued for {report.next_send:%a %d %b %H:%M} UTC" in str(report)
        assert not any(event.startswith("request sent") for event in _events(daemon))
        monday = daemon.tick(report.next_send)
        assert monday.sent >= 1  # the first of the requests, when its send window opens
        assert any(re.fullmatch(r"request sent to [\w.]+@example\.com", e) for e in _events(daemon))
    finally:
        daemon.close()


def test_a_try_out_workspace_sends_on_a_saturday_night_and_says_what_it_is(tmp_path):
    from followthru.config import init_workspace

    config = init_workspace(tmp_path / "ws", try_out=True)
    assert "try_out = true" in config.read_text()
    daemon = Followthru(load_config(config))
    try:
        drop(daemon, EXAMPLE.read_text())
        report = daemon.tick(datetime(2026, 11, 28, 23, 0, tzinfo=timezone.utc))
        assert report.sent >= 3  # at once, not on Monday
    finally:
        daemon.close()
    stopped = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import logging, sys, threading\n"
                "from followthru import service\n"
                "from followthru.config import load_config\n"
                "logging.basicConfig(level=logging.INFO)\n"
                "threading.Timer(3, lambda: __import__('os').kill(__import__('os').getpid(), 15)).start()\n"
                f"sys.exit(service.run(load_config({str(config)!r})))\n"
            ),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "a try-out workspace: mail goes at any hour of any day" in stopped.stderr, stopped.stderr


def _events(daemon: Followthru) -> list[str]:
    return [row["event"] for row in daemon.store.log("acme-q4")]
