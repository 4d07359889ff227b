"""``followthru plan preview``: every message a plan sends when it starts, as valid MIME and iTIP."""

from __future__ import annotations

import email
import email.policy
from email.utils import getaddresses, parseaddr
from pathlib import Path

import icalendar
import pytest

from followthru.config import load_config
from followthru.tokens import make_token, token_key, verify_token

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"


def preview(cli, workspace: Path, out: Path, plan: Path = EXAMPLE) -> list[email.message.EmailMessage]:
    result = cli("-c", workspace, "plan", "preview", plan, "--out", out)
    assert result.exit_code == 0, result.output
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(out.glob("*.eml"))]


def calendar_of(message) -> icalendar.Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


@pytest.fixture
def messages(cli, workspace, tmp_path):
    return preview(cli, workspace, tmp_path / "out")


def test_one_request_per_asked_resource_then_updates_then_invitations(messages):
    kinds = [(m["X-Followthru-Kind"], m["X-Followthru-Resource"]) for m in messages]
    assert (
        kinds
        == [
            ("request", "sam"),
            ("request", "lee"),
            ("request", "sol"),
            ("stakeholder_update", None),
            ("stakeholder_update", None),
        ]
        + [("meeting", None)] * 6
    )
    # Each meeting once per language and timezone of its attendees: New York (the owner, in English),
    # Chicago and Berlin (Sol, in German); every attendee in exactly one copy.
    for copies in (messages[5:8], messages[8:11]):
        readers = [[a.addr_spec for a in m["To"].addresses] for m in copies]
        assert readers[0][0] == "riley@example.com" and readers[-1] == ["sol.engineer@example.com"]
        assert len(sum(readers, [])) == len(set(sum(readers, [])))
        assert str(copies[-1]["Subject"]).startswith("Einladung: ")
    assert [parseaddr(m["To"])[1] for m in messages[:3]] == [
        "sam.security@example.com",
        "lee.legal@example.com",
        "sol.engineer@example.com",
    ]
    assert {parseaddr(m["To"])[1] for m in messages[3:5]} == {"morgan.manager@example.com", "casey.csm@example.com"}


def test_every_file_is_rfc5322_with_text_and_html(messages):
    ids = set()
    for message in messages:
        assert message.defects == []
        for header in ("From", "To", "Subject", "Date", "Message-ID"):
            assert message[header], header
        assert "\n" not in message["Subject"]
        ids.add(message["Message-ID"])
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text is not None and html is not None
        assert text.get_content().strip() and "<html" in html.get_content().lower()
        alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
        assert [p.get_content_type() for p in alternative.iter_parts()][:2] == ["text/plain", "text/html"]
    assert len(ids) == len(messages)


def test_request_says_what_by_when_and_how_to_answer(messages, workspace):
    sam = messages[0]
    text = sam.get_body(("plain",)).get_content()
    for expected in (
        "Complete ACME's security questionnaire",
        "Join the customer security call",
        "Wed 9 Dec 2026",
        "Wed 2 Dec 2026, 12:00 EST",  # due and own reply deadline
        "Close the 500-seat expansion",
        "Reuse the Globex answers",
        "Offer a 30-day paper extension",
        "ACCEPT",
        "DECLINE",
    ):
        assert expected in text, expected
    secret = load_config(workspace).token_secret()
    reply_to = parseaddr(sam["Reply-To"])[1]
    token = reply_to.split("+", 1)[1].split("@")[0]
    assert token == make_token(secret, "acme-q4", "sam")
    assert verify_token(secret, token) == token_key("acme-q4", "sam")
    assert verify_token(b"another secret entirely", token) is None


def test_times_are_shown_in_the_recipients_timezone_and_language(messages):
    lee = messages[1].get_body(("plain",)).get_content()
    assert "Thu 10 Dec 2026, 16:00 CST" in lee  # 17:00 New York is 16:00 Chicago
    sol = messages[2]
    text = sol.get_body(("plain",)).get_content()
    assert "Bitte antworte bis Mi., 2. Dez. 2026, 23:00 CET" in text  # German, Berlin time
    assert "ACCEPT" in text and "ZUSAGEN" in text


def test_invitations_follow_rfc6047(messages):
    invitations = [m for m in messages if m["X-Followthru-Kind"] == "meeting"]
    assert len(invitations) == 6  # two meetings, each in three copies (languages and timezones)
    for message in invitations:
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert part.get_param("method") == "REQUEST"
        assert part.get_content_disposition() != "attachment"
        assert part in list(
            next(p for p in message.walk() if p.get_content_type() == "multipart/alternative").iter_parts()
        )
        calendar = calendar_of(message)
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
        assert organizer == parseaddr(message["From"])[1]
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert len(attendees) >= 2
        for attendee in attendees:
            assert attendee.params["RSVP"] == "TRUE" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        emails = {str(a).removeprefix("mailto:") for a in attendees}
        assert emails >= {a for _, a in getaddresses([message["To"]])}
        assert event["UID"].startswith("followthru-acme-q4-")
        assert event["SEQUENCE"] == 0 and event["DTSTAMP"].dt.tzinfo is not None
        tzids = {p.params.get("TZID") for p in (event["DTSTART"], event["DTEND"]) if p.params.get("TZID")}
        assert tzids == {"America/New_York"}
        assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == tzids
    weekly = calendar_of(invitations[0]).walk("VEVENT")[0]
    assert weekly["RRULE"]["FREQ"] == ["WEEKLY"] and weekly["RRULE"]["COUNT"] == [3]
    assert str(weekly["DTSTART"].dt) == "2026-12-03 10:00:00-05:00"
    for copy in invitations[:3]:
        assert emails_of(copy) == emails_of(invitations[0])  # every copy invites the same people
    review = calendar_of(invitations[3]).walk("VEVENT")[0]
    assert "RRULE" not in review
    assert review["DTEND"].dt - review["DTSTART"].dt == __import__("datetime").timedelta(hours=1)


def emails_of(message) -> set[str]:
    attendees = calendar_of(message).walk("VEVENT")[0].get("ATTENDEE")
    return {str(a).removeprefix("mailto:") for a in (attendees if isinstance(attendees, list) else [attendees])}


def test_uids_are_stable_across_previews(cli, workspace, tmp_path):
    first = preview(cli, workspace, tmp_path / "a")
    second = preview(cli, workspace, tmp_path / "b")
    uid = lambda m: calendar_of(m).walk("VEVENT")[0]["UID"]  # noqa: E731
    assert [uid(m) for m in first[-2:]] == [uid(m) for m in second[-2:]]
    assert first[0]["Message-ID"] != second[0]["Message-ID"]


def test_stakeholders_get_the_started_update_only_when_they_follow_it(cli, workspace, tmp_path):
    plan = tmp_path / "quiet.toml"
    plan.write_text(
        EXAMPLE.read_text().replace('updates = ["started", "all_committed"]', 'updates = ["all_committed"]')
    )
    messages = preview(cli, workspace, tmp_path / "out", plan)
    updates = [m for m in messages if m["X-Followthru-Kind"] == "stakeholder_update"]
    assert [parseaddr(m["To"])[1] for m in updates] == ["morgan.manager@example.com"]
    assert updates[0]["Auto-Submitted"] == "auto-generated"


def test_summary_on_stdout_and_sends_nothing(cli, workspace):
    result = cli("-c", workspace, "plan", "preview", EXAMPLE)
    assert result.exit_code == 0
    assert result.stdout.count("Subject:") == 11
    assert result.stdout.count("Invite:  REQUEST") == 6  # two meetings, three languages and timezones each
    outbox = workspace.parent / "mail" / "outbox"
    assert not any(outbox.rglob("*.eml")) and not any((outbox / "new").iterdir())


def test_preview_of_an_invalid_plan_lists_its_problems(cli, workspace, tmp_path):
    plan = tmp_path / "broken.toml"
    plan.write_text(EXAMPLE.read_text().replace('backups = ["pat"]', 'backups = ["pet"]'))
    result = cli("-c", workspace, "plan", "preview", plan)
    assert result.exit_code == 1
    assert "resources[0].backups[0]: no resource has the id 'pet'" in result.stderr


def plans_folder(folder: Path, count: int, broken: int = 0) -> Path:
    """``count`` copies of the example plan with ids ``plan-01``..., and ``broken`` that name no backup."""
    folder.mkdir()
    text = EXAMPLE.read_text()
    for number in range(1, count + 1):
        (folder / f"plan-{number:02d}.toml").write_text(text.replace('id = "acme-q4"', f'id = "plan-{number:02d}"'))
    for number in range(1, broken + 1):
        (folder / f"broken-{number}.toml").write_text(text.replace('backups = ["pat"]', 'backups = ["pet"]'))
    return folder


def test_preview_of_a_folder_writes_each_plan_in_its_own_folder_and_names_the_broken_ones(cli, workspace, tmp_path):
    folder = plans_folder(tmp_path / "plans", 3, broken=1)
    result = cli("-c", workspace, "plan", "preview", folder, "--out", tmp_path / "out")
    assert result.exit_code == 1  # one file has problems; the others are previewed all the same
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["plan-01", "plan-02", "plan-03"]
    assert all(len(list((tmp_path / "out" / name).glob("*.eml"))) == 11 for name in ("plan-01", "plan-03"))
    assert "broken-1.toml:" in result.stderr and "no resource has the id 'pet'" in result.stderr
    assert "33 messages of 3 plans written to" in result.stderr
    assert "1 of 4 plan files have problems" in result.stderr


def test_preview_of_several_files_heads_each_plan(cli, workspace, tmp_path):
    folder = plans_folder(tmp_path / "plans", 2)
    result = cli("-c", workspace, "plan", "preview", folder / "plan-01.toml", folder / "plan-02.toml")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if line.startswith("####")] == [
        f"#### {folder / 'plan-01.toml'}: 11 messages",
        f"#### {folder / 'plan-02.toml'}: 11 messages",
    ]
    assert result.stdout.count("Subject:") == 22


def test_preview_of_an_empty_folder_says_so(cli, workspace, tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("-c", workspace, "plan", "preview", tmp_path / "empty")
    assert result.exit_code == 2 and "no plan files" in result.stderr


def test_preview_of_many_plans_shows_a_bar_on_a_terminal(workspace, tmp_path):
    """Run as a person would, with standard error on a terminal (a pseudo-terminal here)."""
    import os
    import pty
    import subprocess
    import sys

    folder = plans_folder(tmp_path / "plans", 25)
    main, terminal = pty.openpty()
    try:
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "followthru",
                "-c",
                str(workspace),
                "plan",
                "preview",
                str(folder),
                "--out",
                str(tmp_path / "out"),
            ],
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=120,
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
    assert process.returncode == 0
    text = shown.decode()
    assert "previewing plans" in text and "25/25" in text and "100%" in text
    assert "275 messages of 25 plans written to" in text
