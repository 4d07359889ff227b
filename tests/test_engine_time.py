"""The engine and time: promised instants stay put, catching up after an outage goes in order,
and nudges meant for a day off or a night go in the last send window before."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followthru.config import Config, Reminders, Schedule
from followthru.decisions import OWNER
from followthru.drafting.views import Formatter
from followthru.engine import Engine
from followthru.phrases import phrase
from followthru.plan import Plan
from followthru.planfile import load_plan
from followthru.states import Answer

ROOT = Path(__file__).resolve().parents[1]
NY = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 30, 10, 0, tzinfo=NY)  # Monday, inside every window
REQUEST_KINDS = ("request", "backup_request")


@pytest.fixture
def plan() -> Plan:
    return load_plan(ROOT / "examples" / "acme-q4.toml").plan


@pytest.fixture
def engine() -> Engine:
    return Engine(Config())


def changed(plan: Plan, info: dict | None = None, **resources: dict) -> Plan:
    """The plan with fields of ``[plan]`` and of resources (by id) replaced."""
    people = [r.model_copy(update=resources[r.id]) if r.id in resources else r for r in plan.resources]
    return plan.model_copy(update={"plan": plan.plan.model_copy(update=info or {}), "resources": people})


def kinds(decisions, to=None):
    return [(s.kind, s.to) for s in decisions.sends if to is None or s.to == to]


def run(engine: Engine, plan: Plan, state, start: datetime, end: datetime, step=timedelta(minutes=30)):
    """Tick every ``step`` from ``start`` to ``end``; every send with the tick it came at."""
    seen = []
    moment = start
    while moment < end:
        moment += step
        out = engine.tick(plan, state, moment)
        state = out.state
        seen += [(s.kind, s.to, moment) for s in out.sends]
    return state, seen


# -- the calendar's edges ------------------------------------------------------------------------------
def test_a_saturday_deadline_gets_its_last_call_on_friday_afternoon(engine, plan):
    saturday = changed(plan, {"respond_by": datetime(2026, 12, 5, 17, 0)})  # Lee answers by the plan's
    state = engine.start(saturday, START).state
    state, seen = run(engine, saturday, state, START, datetime(2026, 12, 6, 12, 0, tzinfo=NY))
    lee = [(kind, moment) for kind, to, moment in seen if to == "resource:lee"]
    # 4h before the deadline is Saturday: Friday's window instead, 4h before it closes in Chicago.
    assert lee == [
        ("reminder", datetime(2026, 12, 1, 10, 0, tzinfo=NY)),
        ("last_call", datetime(2026, 12, 4, 14, 0, tzinfo=CHICAGO)),
    ]
    assert state.commitments["lee"].state == "expired"


def test_a_deadline_before_the_window_opens_gets_its_last_call_in_the_window_before(engine, plan):
    early = changed(plan, {"respond_by": datetime(2026, 12, 7, 7, 0)})  # Monday 07:00 in New York
    state = engine.start(early, START).state
    state, seen = run(engine, early, state, START, datetime(2026, 12, 7, 12, 0, tzinfo=NY))
    last_calls = {to: moment for kind, to, moment in seen if kind == "last_call"}
    assert last_calls["resource:lee"] == datetime(2026, 12, 4, 14, 0, tzinfo=CHICAGO)  # Friday
    # In Berlin the deadline is 13:00 on Monday: 4h before is inside Monday's window there.
    assert last_calls["resource:sol"] == datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
    assert all(moment < datetime(2026, 12, 7, 7, 0, tzinfo=NY) for moment in last_calls.values())


def test_a_business_day_last_call_before_a_dawn_deadline_goes_at_the_opening_of_the_window_before(plan):
    engine = Engine(Config(reminders=Reminders(before_deadline=["1bd"])))
    early = changed(plan, {"respond_by": datetime(2026, 12, 7, 7, 0)})  # Monday 07:00
    state = engine.start(early, START).state
    _, seen = run(engine, early, state, START, datetime(2026, 12, 7, 12, 0, tzinfo=NY))
    # One business day before is Friday 07:00, before Friday's window: Thursday's opening.
    assert [moment for kind, to, moment in seen if kind == "last_call" and to == "resource:lee"] == [
        datetime(2026, 12, 3, 8, 30, tzinfo=CHICAGO)
    ]


def test_a_last_call_that_would_come_before_the_request_is_not_sent(engine, plan):
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=NY)
    short = changed(plan, {"respond_by": datetime(2026, 12, 5, 17, 0)}, sam={"respond_by": None})
    state = engine.start(short, friday).state
    _, seen = run(engine, short, state, friday, datetime(2026, 12, 6, 12, 0, tzinfo=NY))
    # Friday's last window opened before the request went out: the request states the deadline.
    assert not [entry for entry in seen if entry[0] in ("reminder", "last_call") and entry[1] == "resource:sam"]


def test_a_due_date_on_a_day_off_gets_its_reminder_in_the_window_before(plan):
    engine = Engine(Config(reminders=Reminders(before_due="4h")))
    weekend = changed(plan, lee={"due": date(2026, 12, 12)})  # a Saturday
    state = engine.start(weekend, START).state
    state = engine.reply(weekend, state, "lee", Answer("accept"), START).state
    _, seen = run(engine, weekend, state, START, datetime(2026, 12, 13, 12, 0, tzinfo=NY))
    assert [(kind, moment) for kind, to, moment in seen if to == "resource:lee"] == [
        ("due_reminder", datetime(2026, 12, 11, 14, 0, tzinfo=CHICAGO))
    ]


# -- catching up after an outage -------------------------------------------------------------------------
def test_after_two_weeks_down_the_backup_gets_a_fresh_future_deadline_never_a_past_one(engine, plan):
    later = changed(plan, sam={"due": date(2026, 12, 23)})
    state = engine.start(later, START).state
    back = datetime(2026, 12, 14, 10, 0, tzinfo=NY)  # Monday, two weeks on
    out = engine.tick(later, state, back, since=START)
    asked = next(s for s in out.sends if s.kind == "backup_request")
    assert asked.to == "resource:pat" and asked.facts["replaces"]["reason"] == phrase("reason.expired")
    assert asked.facts["deadline"] == datetime(2026, 12, 16, 10, 0, tzinfo=NY)  # two business days on
    assert out.state.commitments["pat"].deadline == asked.facts["deadline"]
    for send in out.sends:
        if send.kind in REQUEST_KINDS:
            assert send.facts["deadline"] is not None and send.facts["deadline"] > send.not_before
    # Pat is reminded and expires on the new deadline, not the lapsed one.
    calm = engine.tick(later, out.state, back + timedelta(days=1))
    assert calm.state.commitments["pat"].state == "requested"
    assert (
        engine.tick(later, calm.state, datetime(2026, 12, 16, 10, 0, tzinfo=NY)).state.commitments["pat"].state
        == "expired"
    )


def test_a_backup_asked_after_a_weekend_outage_gets_a_deadline_after_the_send_time(engine, plan):
    later = changed(plan, sam={"due": date(2026, 12, 23)})
    state = engine.start(later, START).state
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=NY)
    out = engine.tick(later, state, saturday, since=START)
    asked = next(s for s in out.sends if s.kind == "backup_request")
    assert asked.not_before == datetime(2026, 12, 7, 8, 30, tzinfo=NY)  # Monday's window
    assert asked.facts["deadline"] == datetime(2026, 12, 9, 8, 30, tzinfo=NY)


def test_nobody_is_asked_to_do_work_whose_due_date_has_passed(engine, plan):
    state = engine.start(plan, START).state
    back = datetime(2026, 12, 11, 10, 0, tzinfo=NY)  # Sam was due Dec 9, Sol Dec 8
    out = engine.tick(plan, state, back)
    assert not [s for s in out.sends if s.kind == "backup_request"]
    assert {rid: c.state for rid, c in out.state.commitments.items()} == {
        "sam": "expired",
        "lee": "expired",
        "sol": "expired",
    }
    assert (
        "sam: did not answer; the due date has passed, so Pat Backup was not asked; update the plan"
        in out.state.attention
    )
    assert "at_risk" in out.state.milestones
    notices = [s for s in out.sends if s.kind == "owner_no_answer"]
    assert len(notices) == 3 and all(s.facts["backup"] is None for s in notices)  # nobody is asked


def test_a_declined_request_is_not_handed_to_a_backup_after_the_due_date(engine, plan):
    state = engine.start(plan, START).state
    late = datetime(2026, 12, 10, 10, 0, tzinfo=NY)  # Sam's asks were due yesterday
    state = engine.reply(plan, state, "sam", Answer("tentative"), START).state
    out = engine.reply(plan, state, "sam", Answer("decline", words="Sorry, too late"), late)
    assert "pat" not in out.state.commitments
    assert out.state.commitments["sam"].state == "declined"
    assert any(a.startswith("sam: declined; the due date has passed") for a in out.state.attention)
    assert kinds(out, OWNER) == [("owner_declined", OWNER)] and out.sends[0].facts["backup"] is None


def test_a_late_pass_sends_no_reminder_or_last_call_after_the_deadline(engine, plan):
    state = engine.start(plan, START).state
    out = engine.tick(plan, state, datetime(2026, 12, 3, 9, 0, tzinfo=NY))  # every deadline has passed
    assert not [s for s in out.sends if s.kind in ("reminder", "last_call")]
    assert {rid: c.state for rid, c in out.state.commitments.items()} == {
        "sam": "replaced",
        "lee": "expired",
        "sol": "replaced",
        "pat": "requested",
        "kim": "requested",
    }


def test_a_late_pass_sends_no_due_reminder_after_the_due_date(engine, plan):
    state = engine.start(plan, START).state
    state = engine.reply(plan, state, "sam", Answer("accept"), START).state
    out = engine.tick(plan, state, datetime(2026, 12, 10, 9, 0, tzinfo=NY))  # Sam was due Dec 9
    assert ("due_reminder", "resource:sam") not in kinds(out)
    on_time = engine.tick(plan, state, datetime(2026, 12, 8, 9, 0, tzinfo=NY))
    assert ("due_reminder", "resource:sam") in kinds(on_time)  # the same state, in time: reminded


def test_catching_up_puts_what_lapsed_in_lines_not_owner_notices(engine, plan):
    later = changed(plan, sam={"due": date(2026, 12, 23)})
    state = engine.start(later, START).state
    state = engine.reply(later, state, "lee", Answer("accept"), START + timedelta(minutes=5)).state
    state = engine.tick(later, state, START + timedelta(minutes=10)).state  # the check-in invitation went out
    back = datetime(2026, 12, 14, 10, 0, tzinfo=NY)
    out = engine.tick(later, state, back, since=START + timedelta(minutes=10))
    assert not [s for s in out.sends if s.to == OWNER]
    owner = Formatter(NY, "en", NY)  # as the owner reads them, in New York
    assert [owner.say(line) for line in out.lapsed] == [
        "Sam Security did not answer by Wed 2 Dec 2026, 12:00 EST; Pat Backup was asked instead, "
        "by Wed 16 Dec 2026, 10:00 EST.",
        "Sol Engineer did not answer by Wed 2 Dec 2026, 17:00 EST; the due date had passed, so Kim Standby "
        "was not asked; update the plan.",
        "ACME Q4 check-in was on the calendar on Thu 3 Dec 2026, 10:00 EST and Thu 10 Dec 2026, 10:00 EST.",
        "Lee Legal's asks were due Thu 10 Dec 2026, 17:00 EST (accepted).",
    ]
    german = Formatter(ZoneInfo("Europe/Berlin"), "de", NY)  # and as a German owner in Berlin would
    assert [german.say(line) for line in out.lapsed][1:] == [
        "Sol Engineer hat bis Mi., 2. Dez. 2026, 23:00 CET nicht geantwortet; der Termin war schon verstrichen, "
        "daher wurde Kim Standby nicht gefragt; bitte den Plan anpassen.",
        "ACME Q4 check-in stand im Kalender am Do., 3. Dez. 2026, 16:00 CET und Do., 10. Dez. 2026, 16:00 CET.",
        "Der Teil von Lee Legal war fällig am Do., 10. Dez. 2026, 23:00 CET (zugesagt).",
    ]
    # The state moves on as usual: expired, the backup asked, stakeholders told.
    assert out.state.commitments["sam"].state == "replaced" and out.state.commitments["pat"].state == "requested"
    assert ("backup_request", "resource:pat") in kinds(out)
    # Without `since` the same pass tells the owner one notice at a time.
    plain = engine.tick(later, state, back)
    assert plain.lapsed == [] and kinds(plain, OWNER) == [("owner_no_answer", OWNER)] * 2


def test_a_deadline_from_before_the_outage_is_not_a_lapsed_line(engine, plan):
    state = engine.start(plan, START).state
    after_lee = datetime(2026, 12, 2, 18, 0, tzinfo=NY)  # the last pass came after every deadline
    out = engine.tick(plan, state, datetime(2026, 12, 3, 9, 0, tzinfo=NY), since=after_lee)
    assert out.lapsed == [] and len([s for s in out.sends if s.kind == "owner_no_answer"]) == 3


# -- promised instants stay put ------------------------------------------------------------------------------
def test_pinned_sets_the_missing_timezone_and_nothing_else(plan):
    loose = changed(plan, {"timezone": None})
    pinned = loose.pinned("Europe/Berlin")
    assert pinned.plan.timezone == "Europe/Berlin" and loose.plan.timezone is None
    assert pinned.model_dump(exclude={"plan": {"timezone"}}) == loose.model_dump(exclude={"plan": {"timezone"}})
    assert plan.pinned("Europe/Berlin") == plan  # a plan that names its timezone keeps it


def test_a_pinned_plan_keeps_its_deadline_due_and_meeting_instants_under_another_config_timezone(plan):
    loose = changed(plan, {"timezone": None})
    pinned = loose.pinned("Europe/Berlin")
    then = Engine(Config(schedule=Schedule(timezone="Europe/Berlin")))
    now = Engine(Config(schedule=Schedule(timezone="America/Los_Angeles")))  # the config changed since
    start = datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)
    deadline = datetime(2026, 12, 2, 17, 0, tzinfo=BERLIN)  # the plan's respond_by, Lee's deadline
    for engine in (then, now):
        state = engine.start(pinned, start).state
        assert engine.tick(pinned, state, deadline - timedelta(minutes=1)).state.commitments["lee"].state == "requested"
        assert engine.tick(pinned, state, deadline).state.commitments["lee"].state == "expired"
        for rid in ("sam", "lee", "sol"):
            state = engine.reply(pinned, state, rid, Answer("accept"), start).state
        # Sam's asks are due Wed 9 Dec: reminded one business day before, from Berlin's clock.
        assert ("due_reminder", "resource:sam") in kinds(
            engine.tick(pinned, state, datetime(2026, 12, 8, 8, 30, tzinfo=BERLIN))
        )
        # The plan closes when the last check-in (17 Dec, 10:00 for 30m) has ended in Berlin.
        end = datetime(2026, 12, 17, 10, 30, tzinfo=BERLIN)
        assert engine.tick(pinned, state, end - timedelta(minutes=1)).state.state == "committed"
        assert engine.tick(pinned, state, end).state.state == "closed"
    # Unpinned, the same plan's times would have moved nine hours later with the config.
    state = now.start(loose, start).state
    assert now.tick(loose, state, deadline).state.commitments["lee"].state == "requested"


def test_a_try_out_workspace_sends_at_any_hour_and_production_waits_for_monday(plan):
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=NY)
    try_out = Engine(Config.model_validate({"workspace": {"try_out": True}}))
    production = Engine(Config())
    sent = try_out.start(plan, saturday_night).sends
    assert sent and {s.not_before for s in sent} == {saturday_night}
    waiting = production.start(plan, saturday_night).sends
    assert min(s.not_before for s in waiting) > saturday_night + timedelta(days=1)  # Monday's window
    # Business days count every day: the first reminder comes a day later, on Sunday night.
    state = try_out.start(plan, saturday_night).state
    reminders = try_out.tick(plan, state, saturday_night + timedelta(days=1, minutes=1)).sends
    assert any(s.kind == "reminder" for s in reminders)
