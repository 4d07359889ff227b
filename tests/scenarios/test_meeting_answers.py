"""Calendars and inboxes that agree: meeting answers survive updates and reach the owner.

Engine tests with a fixed clock, then the CLI with ``tick --now`` (a new process per step): an
update keeps the answers it does not invalidate, a new time asks everyone again, a DECLINED,
TENTATIVE or COUNTER reaches the owner, and ``decide PLAN MEETING`` moves the meeting or sends a
DECLINECOUNTER.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from followthru.config import Config
from followthru.decisions import OWNER
from followthru.drafting.itip import Attendee, decline_counter
from followthru.drafting.itip import invitation as build_invitation
from followthru.engine import Engine
from followthru.engine_meetings import pending_proposals
from followthru.planfile import load_plan
from support.workspace import EXAMPLE, MONDAY, Workspace, audit, drop_reply, find, invitation

ONE_PLAN = EXAMPLE.read_text()

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 30, 10, 0, tzinfo=NY)
SAM, LEE, SOL = "sam.security@example.com", "lee.legal@example.com", "sol.engineer@example.com"
PROPOSED = datetime(2026, 12, 17, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def plan():
    return load_plan(ROOT / "examples" / "acme-q4.toml").plan


@pytest.fixture
def engine():
    return Engine(Config())


def review_changed(plan, **changes):
    """The plan with the review meeting changed."""
    meetings = [m.model_copy(update=changes) if m.key == "review" else m for m in plan.meetings]
    return plan.model_copy(update={"meetings": meetings})


def answered(engine, plan):
    """The plan started, then Sam accepted and Lee declined the review."""
    state = engine.start(plan, START).state
    state = engine.rsvp(plan, state, "review", SAM, "ACCEPTED", START + timedelta(minutes=5)).state
    return engine.rsvp(plan, state, "review", LEE, "DECLINED", START + timedelta(minutes=6)).state


def review_invite(decisions):
    return next(i for i in decisions.invites if i.meeting_key == "review" and i.method == "REQUEST")


# -- 1. answers survive updates ------------------------------------------------------------------------
def test_a_new_title_or_location_keeps_every_answer(engine, plan):
    state = answered(engine, plan)
    changed = review_changed(plan, title="ACME review (final)", location="Room 4")
    out = engine.update(plan, changed, state, START + timedelta(hours=1))
    invite = review_invite(out)
    assert invite.sequence == 1
    assert dict(invite.answers) == {SAM: "ACCEPTED", LEE: "DECLINED"}
    assert out.state.meetings["review"].rsvps == {SAM: "ACCEPTED", LEE: "DECLINED"}


def test_someone_added_is_asked_while_the_others_keep_their_answers(engine, plan):
    state = answered(engine, plan)
    added = plan.model_copy(
        update={
            "resources": [
                *plan.resources,
                plan.resources[0].model_copy(update={"id": "max", "name": "Max New", "email": "max.new@example.com"}),
            ]
        }
    )
    out = engine.update(plan, added, state, START + timedelta(hours=1))
    invite = review_invite(out)
    assert "max.new@example.com" in invite.attendees
    assert dict(invite.answers) == {SAM: "ACCEPTED", LEE: "DECLINED"}  # max: not among them, so asked


@pytest.mark.parametrize(
    "change",
    [{"start": datetime(2026, 12, 17, 14, 0)}, {"duration": timedelta(hours=2)}, {"repeat": "weekly", "count": 2}],
)
def test_a_new_time_duration_or_recurrence_clears_the_answers_and_asks_everyone(engine, plan, change):
    state = answered(engine, plan)
    out = engine.update(plan, review_changed(plan, **change), state, START + timedelta(hours=1))
    assert review_invite(out).answers == ()
    assert out.state.meetings["review"].rsvps == {}


def test_a_counter_is_not_kept_as_an_answer(engine, plan):
    state = engine.start(plan, START).state
    state = engine.rsvp(plan, state, "review", SAM, "COUNTER", START, proposed=PROPOSED).state
    out = engine.update(plan, review_changed(plan, location="Room 4"), state, START + timedelta(hours=1))
    assert review_invite(out).answers == ()


def test_an_invitation_carries_each_attendees_partstat_and_rsvp(plan):
    ical = build_invitation(
        uid="u@example.com",
        sequence=2,
        meeting=plan.meetings[1],
        plan_timezone=NY,
        organizer=("Followthru", "followthru@example.com"),
        attendees=[Attendee("Sam", SAM, partstat="ACCEPTED", rsvp=False), Attendee("Lee", LEE)],
        description="",
        dtstamp=START,
    )
    people = {
        str(a).removeprefix("mailto:"): a.params
        for a in icalendar.Calendar.from_ical(ical).walk("VEVENT")[0]["ATTENDEE"]
    }
    assert (people[SAM]["PARTSTAT"], people[SAM]["RSVP"]) == ("ACCEPTED", "FALSE")
    assert (people[LEE]["PARTSTAT"], people[LEE]["RSVP"]) == ("NEEDS-ACTION", "TRUE")


def test_a_declinecounter_names_the_method_and_keeps_the_sequence(plan):
    ical = decline_counter(
        uid="u@example.com",
        sequence=3,
        meeting=plan.meetings[1],
        plan_timezone=NY,
        organizer=("Followthru", "followthru@example.com"),
        attendees=[Attendee("Sam", SAM)],
        description="",
        dtstamp=START,
    )
    calendar = icalendar.Calendar.from_ical(ical)
    assert calendar["METHOD"] == "DECLINECOUNTER" and calendar.walk("VEVENT")[0]["SEQUENCE"] == 3


# -- 2. answers reach the owner ------------------------------------------------------------------------
@pytest.mark.parametrize("partstat, line", [("DECLINED", "declined"), ("TENTATIVE", "is tentative")])
def test_a_decline_or_tentative_tells_the_owner_once_and_waits_on_them(engine, plan, partstat, line):
    state = engine.start(plan, START).state
    out = engine.rsvp(plan, state, "review", SAM, partstat, START)
    assert [(s.kind, s.to) for s in out.sends] == [("owner_meeting_answer", OWNER)]
    assert out.sends[0].facts["answer"] == partstat.lower() and out.sends[0].about == "sam"
    assert f"meeting review: {SAM} {line}" in out.state.attention
    again = engine.rsvp(plan, out.state, "review", SAM, partstat, START + timedelta(minutes=1))
    assert again.sends == []


def test_an_accept_needs_no_notice_and_replaces_what_waited(engine, plan):
    state = engine.start(plan, START).state
    state = engine.rsvp(plan, state, "review", SAM, "DECLINED", START).state
    out = engine.rsvp(plan, state, "review", SAM, "ACCEPTED", START + timedelta(minutes=1))
    assert out.sends == []
    assert not [a for a in out.state.attention if a.startswith("meeting review:")]


def test_a_proposed_time_waits_with_the_commands_to_decide(engine, plan):
    state = engine.start(plan, START).state
    out = engine.rsvp(plan, state, "review", SAM, "COUNTER", START, proposed=PROPOSED)
    notice = out.sends[0]
    assert notice.kind == "owner_meeting_answer" and notice.facts["proposed"] == PROPOSED
    assert notice.facts["decide"]["approve"] == "followthru decide acme-q4 review approve"
    assert pending_proposals(out.state, "review") == [(SAM, PROPOSED)]


def test_approving_a_proposed_time_moves_the_meeting_and_asks_everyone_again(engine, plan):
    state = answered(engine, plan)
    state = engine.rsvp(plan, state, "review", SOL, "COUNTER", START, proposed=PROPOSED).state
    moved, out = engine.decide_meeting(plan, state, "review", True, START + timedelta(hours=1))
    review = next(m for m in moved.meetings if m.key == "review")
    assert review.start == datetime(2026, 12, 17, 10, 0)  # 15:00 UTC in the plan's New York time
    invite = review_invite(out)
    assert invite.sequence == 1 and invite.answers == () and set(invite.recipients) >= {SAM, LEE, SOL}
    assert out.state.meetings["review"].rsvps == {}
    assert pending_proposals(out.state, "review") == []
    assert not [a for a in out.state.attention if a.startswith("meeting review:")]


def test_rejecting_a_proposed_time_sends_a_declinecounter_to_the_proposer_alone(engine, plan):
    state = engine.start(plan, START).state
    state = engine.rsvp(plan, state, "review", SOL, "COUNTER", START, proposed=PROPOSED).state
    same, out = engine.decide_meeting(plan, state, "review", False, START + timedelta(hours=1))
    assert same == plan
    assert [(i.method, i.recipients, i.sequence) for i in out.invites] == [("DECLINECOUNTER", (SOL,), 0)]
    assert pending_proposals(out.state, "review") == [] and SOL not in out.state.meetings["review"].rsvps


def test_deciding_a_meeting_without_a_proposal_is_refused(engine, plan):
    state = engine.start(plan, START).state
    with pytest.raises(ValueError, match="meeting review has no proposed new time waiting"):
        engine.decide_meeting(plan, state, "review", True, START)


# -- through the CLI -----------------------------------------------------------------------------------
def calendar_answer(
    uid: str,
    attendee: str,
    method: str = "REPLY",
    partstat: str = "ACCEPTED",
    start: str = "20261216T190000Z",
    sequence: int = 0,
) -> EmailMessage:
    """An attendee's iMIP REPLY (or COUNTER proposing ``start``) for one event."""
    ics = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Example//Mail//EN",
            f"METHOD:{method}",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"SEQUENCE:{sequence}",
            "DTSTAMP:20261130T170000Z",
            f"DTSTART:{start}",
            "DURATION:PT1H",
            "ORGANIZER:mailto:followthru@example.com",
            f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = "followthru@example.com"
    message["Subject"] = "New time proposed: ACME review" if method == "COUNTER" else f"{partstat}: ACME review"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(partstat)
    message.add_attachment(ics.encode(), maintype="text", subtype="calendar", params={"method": method})
    return message


def review(ws: Workspace) -> dict:
    return next(m for m in ws.status()["meetings"] if m["key"] == "review")


def attendees(message: EmailMessage) -> dict[str, tuple[str, str]]:
    """(PARTSTAT, RSVP) per attendee email of an invitation message."""
    _, event = invitation(message)
    return {
        str(a).lower().removeprefix("mailto:"): (a.params["PARTSTAT"], a.params["RSVP"])
        for a in event["ATTENDEE"]
        if a.params.get("ROLE") != "CHAIR"
    }


def review_request(messages: list[EmailMessage]) -> EmailMessage:
    return next(
        m
        for m in messages
        if m["X-Followthru-Kind"] == "meeting"
        and invitation(m)[1]["UID"].endswith("review@example.com")
        and invitation(m)[0] == "REQUEST"
    )


def test_cli_an_accept_survives_a_new_location_and_a_new_time_asks_again(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    drop_reply(ws, calendar_answer(review(ws)["uid"], LEE))
    ws.tick("2026-11-30T17:00:00+00:00")
    assert review(ws)["rsvps"] == {LEE: "ACCEPTED"}

    ws.drop_plan(ONE_PLAN.replace("https://meet.example.com/acme-review", "https://meet.example.com/room-4"))
    people = attendees(review_request(ws.tick("2026-11-30T18:00:00+00:00")))
    assert people[LEE] == ("ACCEPTED", "FALSE") and people[SAM] == ("NEEDS-ACTION", "TRUE")
    assert review(ws)["rsvps"] == {LEE: "ACCEPTED"}

    ws.drop_plan(
        ONE_PLAN.replace("https://meet.example.com/acme-review", "https://meet.example.com/room-4").replace(
            "start = 2026-12-16T14:00:00", "start = 2026-12-16T15:00:00"
        )
    )
    people = attendees(review_request(ws.tick("2026-11-30T19:00:00+00:00")))
    assert set(people.values()) == {("NEEDS-ACTION", "TRUE")}
    assert review(ws)["rsvps"] == {}


def test_cli_a_declined_meeting_reaches_the_owner_status_and_digest_line(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    drop_reply(ws, calendar_answer(review(ws)["uid"], LEE, partstat="DECLINED"))
    sent = ws.tick("2026-11-30T17:00:00+00:00")
    notice = find(sent, "owner_meeting_answer")
    assert notice["To"].addresses[0].addr_spec == "riley@example.com"
    assert notice["Subject"].startswith("Declined: Lee Legal on ACME Q4 expansion - review")
    assert review(ws)["rsvps"] == {LEE: "DECLINED"}
    assert f"meeting review: {LEE} declined" in ws.status()["needs_attention"]


def test_cli_approving_a_proposed_time_moves_the_meeting_for_everyone(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    drop_reply(
        ws, calendar_answer(review(ws)["uid"], LEE, method="COUNTER", partstat="TENTATIVE", start="20261217T150000Z")
    )
    notice = find(ws.tick("2026-11-30T17:00:00+00:00"), "owner_meeting_answer")
    [command] = [
        line.strip()
        for line in notice.get_body(("plain",)).get_content().splitlines()
        if line.strip().startswith("followthru ") and line.strip().endswith(" review approve")
    ]
    assert command == f"followthru -c {ws.config.resolve()} decide acme-q4 review approve"
    assert any(
        line.startswith(f"meeting review: {LEE} proposed 2026-12-17T15:00:00+00:00")
        for line in ws.status()["needs_attention"]
    )

    # The command works as the notice writes it, from any folder.
    done = subprocess.run(
        [sys.executable, "-m", "followthru", *shlex.split(command)[1:], "--now", "2026-11-30T18:00:00+00:00"],
        cwd=ws.root.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    # One copy per language and timezone among the attendees, each the same event.
    copies = [
        m
        for m in ws.new_mail()
        if m["X-Followthru-Kind"] == "meeting"
        and invitation(m)[1]["UID"].endswith("review@example.com")
        and invitation(m)[0] == "REQUEST"
    ]
    for request in copies:
        _, event = invitation(request)
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART").astimezone(timezone.utc) == PROPOSED
        assert set(attendees(request).values()) == {("NEEDS-ACTION", "TRUE")}
    assert {a.addr_spec for m in copies for a in m["To"].addresses} >= {SAM, LEE, SOL, "riley@example.com"}
    assert not [a for a in ws.status()["needs_attention"] if a.startswith("meeting review:")]
    assert "meeting moved" in audit(ws)


def test_cli_rejecting_a_proposed_time_sends_a_declinecounter_to_the_proposer(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    drop_reply(
        ws, calendar_answer(review(ws)["uid"], LEE, method="COUNTER", partstat="TENTATIVE", start="20261217T150000Z")
    )
    ws.tick("2026-11-30T17:00:00+00:00")
    ws.cli("decide", "acme-q4", "review", "reject", "--now", "2026-11-30T18:00:00+00:00")
    sent = ws.new_mail()
    assert [invitation(m)[0] for m in sent if m["X-Followthru-Kind"] == "meeting"] == ["DECLINECOUNTER"]
    reply = sent[[m["X-Followthru-Kind"] for m in sent].index("meeting")]
    assert invitation(reply)[1]["SEQUENCE"] == 0  # the time stays: no update for anyone
    assert [a.addr_spec for a in reply["To"].addresses] == [LEE]
    assert not [a for a in ws.status()["needs_attention"] if a.startswith("meeting review:")]
    # It says what it is: not an invitation, and the meeting stays where it was.
    assert reply["Subject"].startswith("New time not taken, the meeting stays: ")
    text = reply.get_body(("plain",)).get_content()
    assert "keeps the meeting at the time above" in text and "Please accept or decline" not in text


def test_cli_deciding_a_meeting_with_nothing_proposed_is_one_clear_line(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "followthru",
            "-c",
            str(ws.config),
            "decide",
            "acme-q4",
            "review",
            "approve",
            "--now",
            "2026-11-30T18:00:00+00:00",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "meeting review has no proposed new time waiting" in result.stderr
    assert "Traceback" not in result.stderr
