"""The engine alone: pure decisions from plan + state + time, with a fake clock."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followthru.config import Config, Schedule
from followthru.decisions import OWNER
from followthru.engine import Engine
from followthru.phrases import phrase
from followthru.planfile import load_plan
from followthru.states import Answer

ROOT = Path(__file__).resolve().parents[1]
NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 30, 10, 0, tzinfo=NY)  # Monday, inside every window


@pytest.fixture
def plan():
    return load_plan(ROOT / "examples" / "acme-q4.toml").plan


@pytest.fixture
def engine():
    return Engine(Config())


def kinds(decisions, to=None):
    return [(s.kind, s.to) for s in decisions.sends if to is None or s.to == to]


def states(decisions):
    return {rid: c.state for rid, c in decisions.state.commitments.items()}


def accept(engine, plan, state, rid, now):
    return engine.reply(plan, state, rid, Answer("accept"), now)


def test_start_asks_every_non_standby_resource_and_tells_stakeholders(engine, plan):
    out = engine.start(plan, START)
    assert states(out) == {"sam": "requested", "lee": "requested", "sol": "requested"}
    assert kinds(out) == [
        ("request", "resource:sam"),
        ("request", "resource:lee"),
        ("request", "resource:sol"),
        ("stakeholder_update", "stakeholder:0"),
        ("stakeholder_update", "stakeholder:1"),
    ]
    # The review invites everyone asked; the check-in waits for commitments.
    assert [(i.meeting_key, i.method, i.sequence) for i in out.invites] == [("review", "REQUEST", 0)]
    assert out.invites[0].attendees[0] == "riley@example.com"
    assert out.next_wake is not None and out.next_wake > START


def test_outside_the_window_requests_wait_for_business_hours(engine, plan):
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=NY)
    out = engine.start(plan, saturday)
    assert set(states(out).values()) == {"scheduled"}
    sol = next(s for s in out.sends if s.to == "resource:sol")
    assert sol.not_before == datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    sam = next(s for s in out.sends if s.to == "resource:sam")
    assert sam.not_before == datetime(2026, 11, 30, 8, 30, tzinfo=NY)
    assert out.next_wake == sol.not_before
    later = engine.tick(plan, out.state, datetime(2026, 11, 30, 10, 0, tzinfo=NY))  # 09:00 in Chicago
    assert set(states(later).values()) == {"requested"}


def test_holidays_are_not_business_days(plan):
    engine = Engine(Config(schedule=Schedule(holidays="US")))
    thanksgiving = datetime(2026, 11, 26, 10, 0, tzinfo=NY)
    out = engine.start(plan, thanksgiving)
    sam = next(s for s in out.sends if s.to == "resource:sam")
    assert sam.not_before == datetime(2026, 11, 27, 8, 30, tzinfo=NY)


def test_everyone_accepting_sends_one_summary_and_grows_the_invitation(engine, plan):
    state = engine.start(plan, START).state
    sequences = []
    for hour, rid in enumerate(["sam", "lee", "sol"], start=1):
        out = accept(engine, plan, state, rid, START + timedelta(hours=hour))
        state = out.state
        sequences += [(i.meeting_key, i.sequence, len(i.attendees)) for i in out.invites]
    assert sequences == [("check-in", 0, 2), ("check-in", 1, 3), ("check-in", 2, 4)]
    assert state.state == "committed"
    summary = [s.to for s in out.sends if s.kind == "all_committed"]
    assert summary == ["resource:sam", "resource:lee", "resource:sol", OWNER, "stakeholder:0", "stakeholder:1"]
    again = engine.tick(plan, state, START + timedelta(hours=5))
    assert not again.sends and not again.invites


def test_decline_tells_the_owner_and_asks_the_backup(engine, plan):
    state = engine.start(plan, START).state
    out = engine.reply(plan, state, "sam", Answer("decline", words="Can't, sorry"), START + timedelta(hours=1))
    assert states(out)["sam"] == "replaced" and states(out)["pat"] == "requested"
    assert out.state.commitments["pat"].stands_in_for == "sam"
    assert kinds(out) == [
        ("owner_declined", OWNER),
        ("backup_request", "resource:pat"),
        ("stakeholder_update", "stakeholder:0"),
    ]
    notice = out.sends[0]
    assert notice.facts["their_words"] == "Can't, sorry" and notice.facts["backup"] == {"name": "Pat Backup"}
    assert out.sends[1].facts["replaces"] == {"name": "Sam Security", "reason": phrase("reason.declined")}
    assert out.sends[2].facts["milestone"] == "dropped_out"


def test_a_second_bounce_for_the_same_person_changes_nothing(engine, plan):
    state = engine.start(plan, START).state
    first = engine.reply(plan, state, "sam", Answer("bounce", reason="550 5.1.1"), START + timedelta(hours=1))
    assert ("owner_bounced", OWNER) in kinds(first) and states(first)["pat"] == "requested"
    again = engine.reply(plan, first.state, "sam", Answer("bounce", reason="550 5.1.1"), START + timedelta(hours=2))
    assert again.sends == [] and again.state == first.state


def test_an_rsvp_keeps_the_plan_waking(engine, plan):
    started = engine.start(plan, START)
    out = engine.rsvp(
        plan, started.state, "review", "sam.security@example.com", "ACCEPTED", START + timedelta(minutes=5)
    )
    assert out.state.meetings["review"].rsvps == {"sam.security@example.com": "ACCEPTED"}
    # An answer lets no time pass: the plan is looked at again at once, where reminders go on.
    assert out.next_wake is not None and out.next_wake <= started.next_wake


def test_silence_reminds_then_last_call_then_expires_and_escalates(engine, plan):
    state = engine.start(plan, START).state
    seen = []
    moment = START
    while moment < datetime(2026, 12, 3, 12, 0, tzinfo=NY):
        moment += timedelta(minutes=30)
        out = engine.tick(plan, state, moment)
        state = out.state
        seen += [
            (s.kind, s.to, moment.astimezone(NY).strftime("%a %H:%M"))
            for s in out.sends
            if s.to in ("resource:lee", OWNER) or s.kind == "stakeholder_update"
        ]
    lee = [entry for entry in seen if entry[1] == "resource:lee"]
    assert lee == [("reminder", "resource:lee", "Tue 10:00"), ("last_call", "resource:lee", "Wed 13:00")]
    assert ("owner_no_answer", OWNER, "Wed 17:00") in seen
    assert state.commitments["lee"].state == "expired"
    assert any(entry[0] == "stakeholder_update" for entry in seen)  # at risk: no backup for Lee
    assert any("lee" in item for item in state.attention)


def test_away_past_the_deadline_hands_over_and_away_before_pauses(engine, plan):
    state = engine.start(plan, START).state
    out = engine.reply(plan, state, "sam", Answer("auto_reply", return_date=date(2026, 12, 14)), START)
    assert states(out)["sam"] == "replaced" and "pat" in states(out)
    assert kinds(out)[0] == ("owner_away", OWNER) and out.sends[0].facts["handover"] is True
    out = engine.reply(plan, out.state, "lee", Answer("auto_reply", return_date=date(2026, 12, 2)), START)
    assert states(out)["lee"] == "away" and out.sends[0].facts["handover"] is False
    quiet = engine.tick(plan, out.state, datetime(2026, 12, 1, 11, 0, tzinfo=NY))  # reminder time: paused
    assert ("reminder", "resource:lee") not in kinds(quiet)
    ticket = engine.reply(plan, quiet.state, "sol", Answer("auto_reply"), START)
    assert states(ticket)["sol"] == "requested" and not ticket.sends


def test_counter_waits_for_the_owner(engine, plan):
    state = engine.start(plan, START).state
    out = engine.reply(
        plan, state, "sam", Answer("counter", words="Dec 11 works", proposed_date=date(2026, 12, 11)), START
    )
    assert states(out)["sam"] == "countered"
    assert kinds(out) == [("owner_counter", OWNER)]
    assert out.sends[0].facts["decide"]["approve"] == "followthru decide acme-q4 sam approve"
    approved = engine.decide(plan, out.state, "sam", True, START + timedelta(hours=1))
    assert states(approved)["sam"] == "accepted"
    assert approved.state.commitments["sam"].agreed_due == date(2026, 12, 11)
    assert kinds(approved)[0] == ("counter_approved", "resource:sam")
    rejected = engine.decide(plan, out.state, "sam", False, START + timedelta(hours=1))
    assert states(rejected)["sam"] == "replaced" and ("backup_request", "resource:pat") in kinds(rejected)
    with pytest.raises(ValueError):
        engine.decide(plan, approved.state, "sam", True, START)


def test_a_question_goes_to_the_owner_and_pauses_reminders(engine, plan):
    state = engine.start(plan, START).state
    out = engine.reply(plan, state, "lee", Answer("question", words="Which MSA version?"), START)
    assert kinds(out) == [("owner_question", OWNER)] and states(out)["lee"] == "question"
    later = engine.tick(plan, out.state, datetime(2026, 12, 1, 11, 0, tzinfo=NY))
    assert ("reminder", "resource:lee") not in kinds(later)


def test_unclear_replies_go_to_the_owner_and_change_nothing(engine, plan):
    state = engine.start(plan, START).state
    out = engine.reply(plan, state, "sam", Answer("unclear", words="Got it"), START)
    assert kinds(out) == [("owner_unmatched", OWNER)] and out.sends[0].facts["reason"] == "unclear"
    assert states(out)["sam"] == "requested"


def test_due_reminder_one_business_day_before(engine, plan):
    state = engine.start(plan, START).state
    for rid in ("sam", "lee", "sol"):
        state = accept(engine, plan, state, rid, START).state
    moments = [datetime(2026, 12, 8, 8, 0, tzinfo=NY), datetime(2026, 12, 8, 9, 0, tzinfo=NY)]
    first = engine.tick(plan, state, moments[0])
    assert ("due_reminder", "resource:sam") not in kinds(first)
    second = engine.tick(plan, first.state, moments[1])  # Sam's asks are due Wed Dec 9
    assert ("due_reminder", "resource:sam") in kinds(second)
    assert ("due_reminder", "resource:sam") not in kinds(engine.tick(plan, second.state, moments[1]))


def test_an_update_contacts_only_the_people_it_changes(engine, plan):
    state = engine.start(plan, START).state
    state = accept(engine, plan, state, "sam", START).state
    moved = plan.model_copy(
        update={
            "resources": [
                r.model_copy(update={"due": date(2026, 12, 11)}) if r.id == "lee" else r for r in plan.resources
            ]
        }
    )
    out = engine.update(plan, moved, state, START + timedelta(hours=2))
    assert kinds(out) == [("request", "resource:lee")]
    assert out.withdraw == ["lee"]
    assert states(out)["sam"] == "accepted"


def test_removed_and_added_resources(engine, plan):
    state = engine.start(plan, START).state
    resources = [r for r in plan.resources if r.id != "sol" and r.id != "kim"]
    extra = plan.resources[1].model_copy(update={"id": "max", "email": "max@example.com", "name": "Max"})
    changed = plan.model_copy(update={"resources": resources + [extra]})
    out = engine.update(plan, changed, state, START)
    assert sorted(kinds(out)) == [("released", "resource:sol"), ("request", "resource:max")]
    assert states(out)["sol"] == "withdrawn"


def test_moving_a_meeting_resends_it_with_a_higher_sequence_and_removing_cancels(engine, plan):
    state = engine.start(plan, START).state
    review = plan.meetings[1]
    moved = plan.model_copy(
        update={"meetings": [plan.meetings[0], review.model_copy(update={"start": datetime(2026, 12, 17, 14, 0)})]}
    )
    out = engine.update(plan, moved, state, START)
    assert [(i.meeting_key, i.method, i.sequence) for i in out.invites] == [("review", "REQUEST", 1)]
    assert not out.sends
    dropped = plan.model_copy(update={"meetings": [plan.meetings[0]]})
    gone = engine.update(moved, dropped, out.state, START)
    assert [(i.meeting_key, i.method, i.sequence) for i in gone.invites] == [("review", "CANCEL", 2)]


def test_cancelling_withdraws_everyone_and_cancels_meetings(engine, plan):
    state = engine.start(plan, START).state
    cancelled = plan.model_copy(update={"plan": plan.plan.model_copy(update={"status": "cancelled"})})
    out = engine.update(plan, cancelled, state, START)
    assert out.state.state == "cancelled"
    assert set(states(out).values()) == {"withdrawn"}
    assert [(i.method, i.sequence) for i in out.invites] == [("CANCEL", 1)]
    assert ("stakeholder_update", "stakeholder:0") in kinds(out)
    assert out.withdraw == ["*"]


def test_the_plan_closes_after_the_last_due_date_and_meeting(engine, plan):
    state = engine.start(plan, START).state
    for rid in ("sam", "lee", "sol"):
        state = accept(engine, plan, state, rid, START).state
    open_still = engine.tick(plan, state, datetime(2026, 12, 17, 10, 0, tzinfo=NY))  # last check-in runs
    assert open_still.state.state == "committed"
    assert open_still.next_wake == datetime(2026, 12, 17, 10, 30, tzinfo=NY)
    closed = engine.tick(plan, state, datetime(2026, 12, 17, 11, 0, tzinfo=NY))
    assert closed.state.state == "closed"
    assert ("stakeholder_update", "stakeholder:0") in kinds(closed)


def test_engine_is_pure(engine, plan):
    state = engine.start(plan, START).state
    before = repr(state)
    engine.reply(plan, state, "sam", Answer("decline"), START)
    engine.tick(plan, state, START + timedelta(days=5))
    assert repr(state) == before


def test_a_new_answer_replaces_what_waited_on_the_owner(engine, plan):
    state = engine.start(plan, START).state
    asked = engine.reply(plan, state, "lee", Answer("question", words="Which MSA?"), START)
    assert asked.state.attention == ["lee: asked a question"]
    declined = engine.reply(plan, asked.state, "lee", Answer("decline"), START)
    assert declined.state.attention == ["lee: declined, no backup left"]


# The engine and the data it works on: nothing in them may read files, talk to servers or look at the clock.
PURE_MODULES = ("engine.py", "engine_time.py", "engine_meetings.py", "engine_backups.py", "states.py", "decisions.py")
IO_MODULES = {
    "os",
    "io",
    "socket",
    "sqlite3",
    "subprocess",
    "shutil",
    "pathlib",
    "time",
    "logging",
    "email",
    "smtplib",
    "imaplib",
    "urllib",
    "http",
    "requests",
    "followthru.store",
    "followthru.journal",
    "followthru.memory",
    "followthru.daemon",
    "followthru.service",
    "followthru.backends",
    "followthru.mail",
    "followthru.watch",
    "followthru.lock",
}


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_engine_imports_nothing_that_does_io(module):
    package = Path(__file__).resolve().parents[1] / "daemon" / "followthru"
    tree = ast.parse((package / module).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    impure = {name for name in imported if any(name == io or name.startswith(io + ".") for io in IO_MODULES)}
    assert not impure, f"{module} imports {sorted(impure)}"
    assert "datetime.now" not in (package / module).read_text()
