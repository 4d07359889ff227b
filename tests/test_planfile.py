"""Plan files: every rule, valid and invalid, in TOML, YAML and JSON, with line numbers."""

from __future__ import annotations

import copy
import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import tomli_w
import yaml

from followthru.planfile import in_domains, load_plan

ROOT = Path(__file__).resolve().parents[1]

FORMATS = ("toml", "yaml", "json")


def write(data: dict, directory: Path, kind: str, stem: str = "plan") -> Path:
    path = directory / f"{stem}.{kind}"
    if kind == "toml":
        path.write_text(tomli_w.dumps(data))
    elif kind == "yaml":
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    else:
        path.write_text(json.dumps(data, indent=2, default=lambda v: v.isoformat()))
    return path


def resource(data: dict, rid: str) -> dict:
    return next(r for r in data["resources"] if r["id"] == rid)


# Each case: a change to the example plan, the field path it must be reported at, and a part of
# the message. The line must hold the key named last in the path (or its table's header).
CASES = {
    "unknown field, with a suggestion": (
        lambda d: d["plan"].update(tiemzone="UTC"),
        "plan.tiemzone",
        "did you mean 'timezone'",
    ),
    "invalid email": (
        lambda d: resource(d, "lee").update(email="lee@@example"),
        "resources[1].email",
        "not a valid email",
    ),
    "duplicate resource id": (
        lambda d: (resource(d, "kim").update(id="pat"), resource(d, "sol").update(backups=["pat"])),
        "resources[4].id",
        "duplicate resource id 'pat'",
    ),
    "duplicate email": (
        lambda d: resource(d, "lee").update(email="sam.security@example.com"),
        "resources[1].email",
        "already the email of resource 'sam'",
    ),
    "backup that does not resolve": (
        lambda d: resource(d, "sam").update(backups=["pat", "nobody"]),
        "resources[0].backups[1]",
        "no resource has the id 'nobody'",
    ),
    "own backup": (
        lambda d: resource(d, "sol").update(backups=["sol", "kim"]),
        "resources[2].backups[0]",
        "cannot be its own backup",
    ),
    "step owner that does not resolve": (
        lambda d: d["steps"][0].update(owner="sammy"),
        "steps[0].owner",
        "no resource has the id 'sammy'",
    ),
    "meeting attendee that does not resolve": (
        lambda d: d["meetings"][1].update(attendees=["sam", "nobody"]),
        "meetings[1].attendees[1]",
        "neither a resource id nor an email",
    ),
    "meeting attendee email that is invalid": (
        lambda d: d["meetings"][1].update(attendees=["sam", "cfo@"]),
        "meetings[1].attendees[1]",
        "not a valid email",
    ),
    "resource reply deadline after due": (
        lambda d: resource(d, "sam").update(respond_by=datetime(2026, 12, 10, 9, 0)),
        "resources[0].respond_by",
        "must be before the due date",
    ),
    "plan reply deadline after a due date": (
        lambda d: resource(d, "sol").update(due=date(2026, 12, 1)),
        "resources[2].due",
        "must be before the due date",
    ),
    "unreal date": (lambda d: resource(d, "lee").update(due="2026-02-30"), "resources[1].due", "not a real date"),
    "reply deadline without a time": (
        lambda d: d["plan"].update(respond_by="2026-12-02"),
        "plan.respond_by",
        "has no time of day",
    ),
    "invalid id": (
        lambda d: (resource(d, "lee").update(id="Lee Legal"), d["steps"][2].pop("owner")),
        "resources[1].id",
        "is not a valid id",
    ),
    "invalid plan id": (lambda d: d["plan"].update(id="../etc"), "plan.id", "is not a valid id"),
    "standby that backs nobody up": (
        lambda d: resource(d, "sol").update(backups=[]),
        "resources[4].standby",
        "nobody's backup",
    ),
    "asked resource without asks": (
        lambda d: resource(d, "lee").update(asks=[]),
        "resources[1].asks",
        "at least one ask",
    ),
    "asked resource without due": (
        lambda d: resource(d, "lee").pop("due"),
        "resources[1].due",
        "say when the asks are due",
    ),
    "unknown timezone": (
        lambda d: d["plan"].update(timezone="Mars/Olympus"),
        "plan.timezone",
        "not a known IANA timezone",
    ),
    "missing required field": (lambda d: d["owner"].pop("email"), "owner.email", "this field is required"),
    "bad duration": (
        lambda d: d["meetings"][0].update(duration="half an hour"),
        "meetings[0].duration",
        "not a duration",
    ),
    "bad repeat": (lambda d: d["meetings"][0].update(repeat="fortnightly"), "meetings[0].repeat", "neither daily"),
    "count without repeat": (
        lambda d: d["meetings"][1].update(count=2),
        "meetings[1].count",
        "only a repeating meeting",
    ),
    "duplicate meeting id": (
        lambda d: d["meetings"][1].update(id="check-in"),
        "meetings[1].id",
        "already has the id 'check-in'",
    ),
    "unknown milestone": (
        lambda d: d["stakeholders"][1].update(updates=["started", "signed"]),
        "stakeholders[1].updates[1]",
        "input should be",
    ),
    "wrong type": (lambda d: resource(d, "sam").update(standby="maybe"), "resources[0].standby", "valid boolean"),
}


@pytest.mark.parametrize("kind", FORMATS)
def test_example_is_valid_in_every_format(example_data, tmp_path, kind):
    result = load_plan(write(example_data, tmp_path, kind))
    assert result.problems == []
    assert result.plan.id == "acme-q4"
    assert [r.id for r in result.plan.resources] == ["sam", "lee", "sol", "pat", "kim"]
    assert result.plan.resources[0].due == date(2026, 12, 9)
    assert result.plan.plan.respond_by == datetime(2026, 12, 2, 17, 0)


@pytest.mark.parametrize("kind", FORMATS)
def test_formats_mean_the_same(example_data, tmp_path, kind):
    toml_plan = load_plan(write(example_data, tmp_path, "toml", "a")).plan
    other = load_plan(write(example_data, tmp_path, kind, "b")).plan
    assert other == toml_plan


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_rule(example_data, tmp_path, kind, case):
    mutate, path, fragment = CASES[case]
    data = copy.deepcopy(example_data)
    mutate(data)
    file = write(data, tmp_path, kind)
    result = load_plan(file)
    assert result.plan is None
    assert [p.path for p in result.problems] == [path], result.problems
    problem = result.problems[0]
    assert fragment in problem.message
    assert str(problem).startswith(f"{file}:{problem.line}: " if problem.line else f"{file}: ")
    if kind == "json":
        return
    assert problem.line is not None
    text = file.read_text().splitlines()[problem.line - 1]
    key = [part for part in path.replace("[", ".").replace("]", "").split(".") if not part.isdigit()][-1]
    if case == "missing required field":
        key = "owner"  # a missing key is reported at its table
    if case == "asked resource without due":
        key = "resources" if kind == "toml" else "id"  # the item's header (TOML) or first key (YAML)
    if path.endswith("]"):  # a list item: the line holds the item (YAML) or the list's key (TOML)
        assert key in text or str(value_at(data, path)) in text, f"line {problem.line} is {text!r}"
    else:
        assert key in text, f"line {problem.line} is {text!r}"


def value_at(data, path: str):
    for part in path.replace("[", ".").replace("]", "").split("."):
        data = data[int(part)] if part.isdigit() else data[part]
    return data


def test_every_problem_is_reported_at_once(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    data["owner"]["email"] = "riley"
    resource(data, "sam")["backups"] = ["nobody"]
    resource(data, "lee")["id"] = "Bad Id"
    resource(data, "sol")["standby"] = "maybe"  # invalid, but its backup 'kim' still counts as backed up
    result = load_plan(write(data, tmp_path, "toml"))
    assert [p.path for p in result.problems] == [
        "owner.email",
        "resources[0].backups[0]",
        "resources[1].id",
        "resources[2].standby",
        "resources[3].standby",
        "steps[2].owner",
    ]
    assert [p.line for p in result.problems] == sorted(p.line for p in result.problems)


def test_toml_lines_inside_second_array_entry(tmp_path, example_data):
    file = tmp_path / "plan.toml"
    original = (Path(__file__).parents[1] / "examples" / "acme-q4.toml").read_text()
    file.write_text(original.replace('email = "lee.legal@example.com"', 'email = "lee.legal"'))
    result = load_plan(file)
    [problem] = result.problems
    assert problem.path == "resources[1].email"
    assert file.read_text().splitlines()[problem.line - 1] == 'email = "lee.legal"'


@pytest.mark.parametrize(
    ("kind", "text", "line"),
    [
        ("toml", '[plan]\ntitle = "x"\nrespond_by = 2026-12-02T17:00:00\nthis is not toml\n', 4),
        ("yaml", "plan:\n  title: x\n   bad: indentation\n", 3),
        ("json", '{\n  "plan": {\n    "title": "x",\n  }\n}\n', 4),
    ],
)
def test_syntax_errors_have_lines(tmp_path, kind, text, line):
    file = tmp_path / f"broken.{kind}"
    file.write_text(text)
    [problem] = load_plan(file).problems
    assert problem.line == line
    assert problem.path == "(file)"
    assert "syntax" in problem.message


def test_not_utf8_and_not_a_table_and_unknown_type(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'[plan]\ntitle = "\xff\xfe"\n')
    assert "not UTF-8" in load_plan(binary).problems[0].message
    assert load_plan(binary).problems[0].line == 2
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    assert "table/mapping" in load_plan(listing).problems[0].message
    other = tmp_path / "plan.txt"
    other.write_text("x")
    assert "unknown file type" in load_plan(other).problems[0].message


def test_default_id_is_the_file_stem(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    del data["plan"]["id"]
    assert load_plan(write(data, tmp_path, "toml", "globex-renewal")).plan.id == "globex-renewal"
    [problem] = load_plan(write(data, tmp_path, "toml", "Globex Renewal")).problems
    assert "file name 'Globex Renewal' is not a valid plan id" in problem.message


def test_owner_email_is_kept_for_a_rejected_plan(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    resource(data, "sam")["email"] = "broken"
    result = load_plan(write(data, tmp_path, "yaml"))
    assert result.plan is None and result.owner_email == "riley@example.com"


def test_names_are_folded_to_one_line(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    data["plan"]["title"] = "ACME\r\nBcc: victim@example.com"
    resource(data, "sam")["name"] = "Sam\nSecurity"
    plan = load_plan(write(data, tmp_path, "json")).plan
    assert plan.plan.title == "ACME Bcc: victim@example.com"
    assert plan.resources[0].name == "Sam Security"


def test_oversized_fields_are_rejected(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    data["plan"]["title"] = "x" * 1000
    [problem] = load_plan(write(data, tmp_path, "toml")).problems
    assert problem.path == "plan.title" and "at most 200" in problem.message


def test_check_command(cli, example_data, tmp_path):
    good = write(example_data, tmp_path, "toml", "good")
    data = copy.deepcopy(example_data)
    resource(data, "sam")["backups"] = ["pat", "nobody"]
    bad = write(data, tmp_path, "yaml", "bad")
    ok = cli("plan", "check", good)
    assert ok.exit_code == 0 and ok.stdout == ""
    failed = cli("plan", "check", good, bad)
    assert failed.exit_code == 1
    assert failed.stdout.splitlines() == [
        f"{bad}:{failed.stdout.split(':')[1]}: resources[0].backups[1]: no resource has the id 'nobody'"
    ]


def test_schema_command_describes_plans(cli):
    schema = json.loads(cli("plan", "schema").stdout)
    assert schema["title"] == "Followthru plan"
    assert set(schema["required"]) == {"plan", "owner", "resources"}
    assert schema["$defs"]["Resource"]["additionalProperties"] is False
    example = json.loads(
        json.dumps(
            load_plan(Path(__file__).parents[1] / "examples" / "acme-q4.toml").plan.model_dump(
                mode="json", exclude_none=True
            )
        )
    )
    example["meetings"] = [{**m, "duration": "30m"} for m in example["meetings"]]
    jsonschema.validate(example, schema)
    example["resources"][0]["favourite_colour"] = "teal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(example, schema)


def test_new_command_writes_a_valid_commented_plan(cli, tmp_path):
    out = tmp_path / "starter.toml"
    assert cli("plan", "new", "--out", out).exit_code == 0
    text = out.read_text()
    assert text.count("#") > 20
    assert cli("plan", "check", out).exit_code == 0
    assert cli("plan", "new", "--out", out).exit_code == 2  # never overwrites
    assert cli("plan", "new").stdout == text


# -- local times that do not exist, or exist twice ---------------------------------------------------------
GAP = "02:30 on Sun 14 Mar 2027 does not exist in America/New_York (clocks go forward); pick another time"


@pytest.mark.parametrize("kind", ["toml", "yaml"])
def test_a_time_skipped_when_the_clocks_go_forward_is_refused_with_its_line(example_data, tmp_path, kind):
    data = copy.deepcopy(example_data)
    data["meetings"][1]["start"] = datetime(2027, 3, 14, 2, 30)
    resource(data, "lee")["due"] = datetime(2027, 3, 14, 2, 30)
    file = write(data, tmp_path, kind)
    result = load_plan(file)
    assert result.plan is None
    assert [(p.path, p.message) for p in result.problems] == [("resources[1].due", GAP), ("meetings[1].start", GAP)]
    lines = file.read_text().splitlines()
    for problem, key in zip(result.problems, ("due", "start")):
        assert key in lines[problem.line - 1] and "2027-03-14" in lines[problem.line - 1]
        assert str(problem) == f"{file}:{problem.line}: {problem.path}: {GAP}"


def test_plan_check_refuses_a_time_that_does_not_exist(cli, example_data, tmp_path):
    data = copy.deepcopy(example_data)
    data["plan"]["respond_by"] = datetime(2027, 3, 14, 2, 30)
    for item in data["resources"]:
        item.pop("respond_by", None)
        if "due" in item:
            item["due"] = date(2027, 3, 19)
    file = write(data, tmp_path, "toml")
    checked = cli("plan", "check", file)
    line = next(n for n, text in enumerate(file.read_text().splitlines(), 1) if text.startswith("respond_by"))
    assert checked.exit_code == 1
    assert checked.stdout.splitlines() == [f"{file}:{line}: plan.respond_by: {GAP}"]


def test_a_gap_is_that_of_the_default_timezone_when_the_plan_names_none(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    del data["plan"]["timezone"]
    data["meetings"][1]["start"] = datetime(2027, 3, 28, 2, 30)  # Europe's clocks go forward that night
    file = write(data, tmp_path, "yaml")
    assert load_plan(file, "America/New_York").problems == []
    [problem] = load_plan(file, "Europe/Berlin").problems
    assert problem.path == "meetings[1].start"
    assert problem.message == (
        "02:30 on Sun 28 Mar 2027 does not exist in Europe/Berlin (clocks go forward); pick another time"
    )


@pytest.mark.parametrize("kind", ["toml", "yaml"])
def test_a_time_that_happens_twice_is_accepted_as_its_first_occurrence(example_data, tmp_path, kind):
    data = copy.deepcopy(example_data)
    data["meetings"][1]["start"] = datetime(2027, 11, 7, 1, 30)  # New York's clocks go back that night
    result = load_plan(write(data, tmp_path, kind))
    assert result.problems == []
    start = result.plan.meetings[1].start
    assert start == datetime(2027, 11, 7, 1, 30) and start.fold == 0
    assert start.replace(tzinfo=ZoneInfo("America/New_York")).utcoffset() == timedelta(hours=-4)  # EDT


def test_a_time_written_with_its_offset_is_never_in_a_gap(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    data["meetings"][1]["start"] = datetime(2027, 3, 14, 2, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert load_plan(write(data, tmp_path, "toml")).problems == []


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("sam@acme.example", True),
        ("sam@eu.acme.example", True),
        ("Sam@ACME.Example", True),
        ("sam@acme.example.", True),
        ("sam@notacme.example", False),
        ("sam@acme.example.evil.test", False),
        ("sam@example", False),
    ],
)
def test_in_domains_counts_subdomains_and_ignores_case(address, inside):
    assert in_domains(address, ("acme.example",)) is inside


def test_allowed_domains_check_a_json_plan_too_without_line_numbers(example_data, tmp_path):
    file = write(example_data, tmp_path, "json")
    assert load_plan(file, allowed_domains=["example.com"]).ok
    result = load_plan(file, allowed_domains=["acme.example"])
    assert not result.ok and result.owner_email is None  # no rejection notice outside the allowed domains
    assert {p.line for p in result.problems} == {None}
    assert {p.path for p in result.problems} == {
        "owner.email",
        "resources[0].email",
        "resources[1].email",
        "resources[2].email",
        "resources[3].email",
        "resources[4].email",
        "stakeholders[0].email",
        "stakeholders[1].email",
    }


@pytest.mark.parametrize(
    "value, says",
    [
        ("2026-13-45", "month must be in 1..12"),
        ("2026-02-30", "day is out of range for month"),
        ("2026-12-03T25:00:00", "hour must be in 0..23"),
    ],
)
def test_a_date_that_does_not_exist_is_called_not_a_date_with_its_line(tmp_path, value, says):
    text = (ROOT / "examples" / "acme-q4.toml").read_text()
    path = tmp_path / "plan.toml"
    path.write_text(text.replace("due = 2026-12-09\n", f"due = {value}\n", 1))
    [problem] = load_plan(path).problems
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if value in row)
    assert (problem.line, problem.path) == (line, "resources[0].due")
    assert f"{value} is not a date: {says}" in problem.message and "TOML syntax" not in problem.message


def test_a_date_that_does_not_exist_in_a_table_names_its_field(tmp_path):
    file = tmp_path / "broken.toml"
    file.write_text("[plan]\nrespond_by = 2026-02-30T17:00:00\n")
    [problem] = load_plan(file).problems
    assert (problem.line, problem.path) == (2, "plan.respond_by")
    assert problem.message.startswith("2026-02-30T17:00:00 is not a date: day is out of range for month")


def test_missing_asks_are_reported_beside_the_other_problems_of_the_same_resource(example_data, tmp_path):
    data = copy.deepcopy(example_data)
    del data["resources"][0]["asks"]
    data["resources"][0]["email"] = "sam"  # the resource fails its own checks too
    problems = {p.path: p for p in load_plan(write(data, tmp_path, "toml")).problems}
    assert set(problems) == {"resources[0].asks", "resources[0].email"}
    assert problems["resources[0].asks"].message == "say what is asked of this person (at least one ask)"
    assert problems["resources[0].asks"].line is not None


def test_past_reply_deadlines_are_problems_with_their_lines(tmp_path):
    from followthru.planfile import past_deadlines

    result = load_plan(ROOT / "examples" / "acme-q4.toml")
    assert past_deadlines(result, datetime(2026, 11, 30, tzinfo=timezone.utc), "UTC") == []
    late = past_deadlines(result, datetime(2026, 12, 2, 20, 0, tzinfo=timezone.utc), "UTC")
    lines = (ROOT / "examples" / "acme-q4.toml").read_text().splitlines()
    assert [p.path for p in late] == ["resources[0].respond_by"]  # Sam's own deadline, 12:00 New York
    assert lines[late[0].line - 1].startswith("respond_by = 2026-12-02T12:00")


def test_check_with_the_workspace_reports_what_its_daemon_would_refuse(cli, workspace, example_data, tmp_path):
    plan = write(example_data, tmp_path, "toml", "acme")
    before = cli("-c", workspace, "plan", "check", plan, "--now", "2026-11-30T12:00:00+00:00")
    assert before.exit_code == 0, before.output
    late = cli("-c", workspace, "plan", "check", plan, "--now", "2026-12-02T20:00:00+00:00")
    assert late.exit_code == 1
    [line] = late.stdout.splitlines()
    assert (
        line.startswith(f"{plan}:")
        and "resources[0].respond_by: the reply deadline 2026-12-02 12:00 for sam has already passed" in line
    )
    assert int(line.split(":")[1]) > 0  # with its line
    assert cli("plan", "check", plan).exit_code == 0  # without a workspace: only the file itself


def test_check_with_the_workspace_refuses_a_new_owner_for_a_plan_it_holds(cli, workspace, example_data, tmp_path):
    from followthru.config import load_config
    from followthru.daemon import Followthru

    first = write(example_data, tmp_path, "toml", "acme")
    service = Followthru(load_config(workspace))
    try:
        (service.folders["incoming"] / "acme-q4.toml").write_bytes(first.read_bytes())
        os.utime(service.folders["incoming"] / "acme-q4.toml", (0, 0))
        service.tick(datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc))
    finally:
        service.close()
    data = copy.deepcopy(example_data)
    data["owner"]["email"] = "someone.else@example.com"
    (tmp_path / "v2").mkdir()
    other = write(data, tmp_path / "v2", "toml", "acme")
    result = cli("-c", workspace, "plan", "check", other, "--now", "2026-11-30T16:00:00+00:00")
    assert result.exit_code == 1
    assert "owner.email: plan 'acme-q4' belongs to riley@example.com" in result.stdout
