"""Words a recipient reads: in their language, greeting them as they are greeted, and repeats
described as calendars show them (a monthly series on the 29th-31st is refused)."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml

from followthru.drafting.render import Renderer
from followthru.drafting.views import Person, PlanViews, words
from followthru.plan import Meeting
from followthru.planfile import load_plan

GERMAN_KINDS = (
    "request",
    "reminder",
    "last_call",
    "backup_request",
    "due_reminder",
    "counter_approved",
    "released",
    "all_committed",
    "meeting",
)
STATES = {"sam": "accepted", "lee": "requested", "sol": "countered", "pat": "away", "kim": "declined"}


def write(data: dict, directory: Path, kind: str) -> Path:
    path = directory / f"plan.{kind}"
    if kind == "toml":
        path.write_text(tomli_w.dumps(data))
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def views_of(data: dict, tmp_path: Path, states: dict[str, str] | None = None) -> PlanViews:
    result = load_plan(write(data, tmp_path, "toml"))
    assert result.plan is not None, [str(p) for p in result.problems]
    return PlanViews(result.plan, states=states)


def message_context(views: PlanViews, rid: str, kind: str) -> tuple[Person, dict[str, Any]]:
    """The reader (resource ``rid``) of a message of ``kind`` and what that message sees."""
    plan = views.plan
    reader = views.resource_person(plan.resource(rid))
    fmt = views.formatter(reader)
    sam = views.resource(plan.resource(rid), fmt)
    extra: dict[str, Any] = {
        "request": {"resource": sam},
        "reminder": {"resource": sam, "requested_on": fmt.when(date(2026, 11, 30))},
        "last_call": {"resource": sam, "requested_on": fmt.when(date(2026, 11, 30))},
        "backup_request": {
            "resource": views.resource(plan.resource(rid), fmt, plan.resource("sam")),
            "replaces": {"name": "Sam Security", "reason": "declined"},
        },
        "due_reminder": {"resource": sam},
        "counter_approved": {"resource": sam},
        "released": {"resource": sam, "reason": "cancelled"},
        "all_committed": {},
        "meeting": {"meeting": views.meeting(plan.meetings[0], fmt)},
    }[kind]
    return reader, views.context(
        reader,
        sender={"name": "Followthru", "email": "followthru@example.com"},
        answer_to="followthru+token@example.com",
        **extra,
    )


def english_words(views: PlanViews) -> list[str]:
    """Every state and repeat text the English reader of ``views`` sees."""
    english = views.owner()
    fmt = views.formatter(english)
    phrases = list(words("en")["state"].values())
    phrases += [m["repeat"] for m in views._plan_variables(english)["plan"]["meetings"] if m["repeat"]]
    phrases += [views.recurrence(m, fmt) for m in views.plan.meetings if m.repeat]
    return phrases + ["repeating", " times", ", until ", ", once"]


@pytest.mark.parametrize("kind", GERMAN_KINDS)
def test_german_messages_show_no_english_recurrence_states_or_labels(example_data, tmp_path, kind):
    data = copy.deepcopy(example_data)
    data["meetings"].append(
        {
            "title": "Monthly sync",
            "start": datetime(2026, 12, 15, 9, 0),
            "repeat": "monthly",
            "until": date(2027, 6, 30),
        }
    )
    views = views_of(data, tmp_path, STATES)
    reader, context = message_context(views, "sol", kind)
    assert reader.language == "de"
    rendered = Renderer().render(kind, context, "de")
    shown = rendered.subject + rendered.text + rendered.html
    english = [phrase for phrase in english_words(views) if phrase in shown]
    assert english == []
    if kind in ("request", "meeting"):
        assert "jeden Donnerstag, 3-mal" in shown
    if kind == "request":
        assert "monatlich am 15., bis Mi., 30. Juni 2027" in rendered.text
    if kind == "all_committed":
        assert "[Gegenvorschlag]" in rendered.text and "[wartet auf Antwort]" in rendered.text


def test_english_messages_say_the_same_in_english(example_data, tmp_path):
    views = views_of(example_data, tmp_path, STATES)
    rendered = Renderer().render("request", message_context(views, "sam", "request")[1], "en")
    assert "every Thursday, 3 times" in rendered.text
    roster = Renderer().render("all_committed", message_context(views, "sam", "all_committed")[1], "en")
    assert "[waiting for an answer]" in roster.text and "[proposed other terms]" in roster.text


def test_greeting_uses_the_given_name_by_default(example_data, tmp_path):
    views = views_of(example_data, tmp_path)
    for rid, language, greeting in (("sam", "en", "Hi Sam,"), ("sol", "de", "Hallo Sol,")):
        rendered = Renderer().render("request", message_context(views, rid, "request")[1], language)
        assert rendered.text.splitlines()[0] == greeting, rendered.text.splitlines()[:2]
        assert f">{greeting}</p>" in rendered.html


def test_greeting_field_sets_how_someone_is_greeted(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    next(r for r in data["resources"] if r["id"] == "sol")["greeting"] = "Dr. Schmidt"
    data["owner"]["greeting"] = "Riley R."
    data["stakeholders"][0]["greeting"] = "Frau Manager"
    views = views_of(data, tmp_path)
    request = Renderer().render("request", message_context(views, "sol", "request")[1], "de")
    assert request.text.splitlines()[0] == "Hallo Dr. Schmidt,"
    owner = views.owner()
    notice = Renderer().render(
        "owner_declined",
        views.context(
            owner,
            resource=views.resource(views.plan.resource("sam"), views.formatter(owner)),
            their_words="No.",
            backup=None,
        ),
        "en",
    )
    assert notice.text.splitlines()[0] == "Hi Riley R.,"
    morgan = views.stakeholders()[0]
    update = Renderer().render(
        "stakeholder_update",
        views.context(morgan, stakeholder={"name": morgan.name, "why": ""}, milestone="started", news=""),
        "en",
    )
    assert update.text.splitlines()[0] == "Hi Frau Manager,"


def test_the_greeting_field_is_in_the_schema_and_the_readme(cli):
    schema = json.loads(cli("plan", "schema").stdout)
    for model in ("Owner", "Resource", "Stakeholder"):
        assert "greeting" in schema["$defs"][model]["properties"]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "`greeting`" in readme


@pytest.mark.parametrize("kind", ["toml", "yaml"])
@pytest.mark.parametrize("day", [29, 30, 31])
def test_a_monthly_meeting_on_the_29th_to_31st_is_refused_with_its_line(example_data, tmp_path, kind, day):
    data = copy.deepcopy(example_data)
    data["meetings"][1].update(start=datetime(2027, 1, day, 14, 0), repeat="monthly", count=6)
    file = write(data, tmp_path, kind)
    result = load_plan(file)
    assert result.plan is None
    assert [p.path for p in result.problems] == ["meetings[1].start"]
    problem = result.problems[0]
    suffix = "st" if day == 31 else "th"
    assert problem.message.startswith(f"a monthly meeting on the {day}{suffix} skips the months without one")
    assert "pick a day from 1 to 28" in problem.message
    line = file.read_text().splitlines()[problem.line - 1]
    assert "start" in line and f"2027-01-{day}" in line


def test_plan_check_prints_the_refused_monthly_meeting(cli, example_data, tmp_path):
    data = copy.deepcopy(example_data)
    data["meetings"][0].update(start=datetime(2026, 12, 31, 10, 0), repeat="FREQ=MONTHLY")
    file = write(data, tmp_path, "toml")
    checked = cli("plan", "check", file)
    assert checked.exit_code == 1
    assert "meetings[0].start: a monthly meeting on the 31st skips the months without one" in checked.stdout


@pytest.mark.parametrize("repeat", ["monthly", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYDAY=-1FR", "weekly"])
def test_series_that_calendars_show_as_written_are_accepted(example_data, tmp_path, repeat):
    data = copy.deepcopy(example_data)
    day = 28 if repeat == "monthly" else 31
    data["meetings"][1].update(start=datetime(2027, 1, day, 14, 0), repeat=repeat)
    assert load_plan(write(data, tmp_path, "toml")).problems == []


RECURRENCES = [
    ({"repeat": "weekly"}, "en", "every Thursday"),
    ({"repeat": "weekly"}, "de", "jeden Donnerstag"),
    ({"repeat": "biweekly", "count": 4}, "en", "every other Thursday, 4 times"),
    ({"repeat": "biweekly", "count": 4}, "de", "jeden zweiten Donnerstag, 4-mal"),
    ({"repeat": "monthly", "count": 8}, "en", "monthly on day 3, 8 times"),
    ({"repeat": "monthly", "count": 8}, "de", "monatlich am 3., 8-mal"),
    ({"repeat": "daily", "count": 1}, "en", "daily, once"),
    ({"repeat": "daily", "count": 1}, "de", "täglich, einmal"),
    ({"repeat": "weekly", "until": date(2027, 2, 25)}, "en", "every Thursday, until Thu 25 Feb 2027"),
    ({"repeat": "weekly", "until": date(2027, 2, 25)}, "de", "jeden Donnerstag, bis Do., 25. Feb. 2027"),
    ({"repeat": "FREQ=WEEKLY;BYDAY=MO,TH", "count": 5}, "en", "repeating, 5 times"),
    ({"repeat": "FREQ=WEEKLY;BYDAY=MO,TH", "count": 5}, "de", "wiederkehrend, 5-mal"),
    ({}, "de", ""),
]


@pytest.mark.parametrize(("fields", "language", "text"), RECURRENCES)
def test_recurrence_text_in_both_languages(example_data, tmp_path, fields, language, text):
    views = views_of(example_data, tmp_path)
    meeting = Meeting(title="Sync", start=datetime(2026, 12, 3, 10, 0), **fields)
    reader = Person("Reader", "reader@example.com", views.plan_timezone, language)
    assert views.recurrence(meeting, views.formatter(reader)) == text


def test_recurrence_names_the_weekday_and_day_in_the_readers_timezone(example_data, tmp_path):
    views = views_of(example_data, tmp_path)  # plan in America/New_York
    evening = Meeting(title="Sync", start=datetime(2026, 12, 3, 20, 0), repeat="monthly")  # Thu 3rd, 20:00
    berlin = Person("Leser", "leser@example.com", views.plan_timezone.__class__("Europe/Berlin"), "de")
    assert views.recurrence(evening, views.formatter(berlin)) == "monatlich am 4."
    weekly = evening.model_copy(update={"repeat": "weekly"})
    assert views.recurrence(weekly, views.formatter(berlin)) == "jeden Freitag"
