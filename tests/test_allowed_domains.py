"""``mail.allowed_domains``: a plan may name addresses in the company's domains only."""

from __future__ import annotations

import email
import json
from email.utils import parseaddr
from pathlib import Path

import pytest
import yaml

from followthru.config import ConfigError, load_config
from followthru.planfile import load_plan

NOW = "2026-11-30T15:00:00+00:00"
ADDRESSES = {
    "owner": "riley@acme.example",
    "sam": "sam@acme.example",
    "pat": "pat@acme.example",
    "dana": "dana@acme.example",
    "guest": "guest@acme.example",
}

PLAN_TOML = """\
[plan]
id = "deal"
title = "Deal"
respond_by = 2026-12-02T17:00:00

[owner]
name = "Riley Rep"
email = "{owner}"

[[resources]]
id = "sam"
name = "Sam Security"
email = "{sam}"
asks = ["Answer the security questionnaire"]
due = 2026-12-09
backups = ["pat"]

[[resources]]
id = "pat"
name = "Pat Backup"
email = "{pat}"
standby = true

[[stakeholders]]
name = "Dana Director"
email = "{dana}"

[[meetings]]
title = "Kick-off"
start = 2026-12-04T10:00:00
attendees = ["sam", "{guest}"]
"""
# The line of each address in PLAN_TOML, and its field.
TOML_LINES = {
    "owner": (8, "owner.email"),
    "sam": (13, "resources[0].email"),
    "pat": (21, "resources[1].email"),
    "dana": (26, "stakeholders[0].email"),
    "guest": (31, "meetings[0].attendees[1]"),
}


def plan_text(kind: str = "toml", **addresses: str) -> str:
    text = PLAN_TOML.format(**{**ADDRESSES, **addresses})
    if kind == "yaml":
        import tomllib

        return yaml.safe_dump(json.loads(json.dumps(tomllib.loads(text), default=str)), sort_keys=False)
    return text


def allow(config: Path, *domains: str) -> Path:
    text = config.read_text()
    assert '# allowed_domains = ["acme.example"]' in text
    config.write_text(text.replace('# allowed_domains = ["acme.example"]', f"allowed_domains = {json.dumps(domains)}"))
    return config


def write_plan(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_a_plan_inside_the_domains_passes_with_subdomains_and_any_case(workspace, cli, tmp_path):
    allow(workspace, "acme.example", "Partner.Example")
    plan = write_plan(
        tmp_path,
        "deal.toml",
        plan_text(sam="Sam@EU.Acme.Example", pat="pat@partner.example", guest="guest@labs.eu.acme.example"),
    )
    result = cli("-c", workspace, "plan", "check", plan, "--now", "2026-11-30T12:00:00+00:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr.strip() == f"{plan}: ok"


@pytest.mark.parametrize("who", sorted(TOML_LINES))
def test_each_kind_of_address_outside_is_named_with_field_and_line_in_toml(workspace, cli, tmp_path, who):
    allow(workspace, "acme.example")
    outside = f"{who}@gmail.example"
    plan = write_plan(tmp_path, "deal.toml", plan_text(**{who: outside}))
    result = cli("-c", workspace, "plan", "check", plan, "--now", "2026-11-30T12:00:00+00:00")
    line, field = TOML_LINES[who]
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{plan}:{line}: {field}: '{outside}' is outside the domains plans may name "
        "(mail.allowed_domains: acme.example); use the person's company address"
    ]


@pytest.mark.parametrize("who", sorted(TOML_LINES))
def test_each_kind_of_address_outside_is_named_with_its_line_in_yaml(workspace, tmp_path, who):
    plan = write_plan(tmp_path, "deal.yaml", plan_text("yaml", **{who: f"{who}@gmail.example"}))
    field = TOML_LINES[who][1]
    expected_line = next(
        number for number, row in enumerate(plan.read_text().splitlines(), 1) if f"{who}@gmail.example" in row
    )
    result = load_plan(plan, allowed_domains=load_config(allow(workspace, "acme.example")).mail.allowed_domains)
    assert [(p.line, p.path) for p in result.problems] == [(expected_line, field)]


@pytest.mark.parametrize(
    "address", ["sam@notacme.example", "sam@acme.example.evil.test", "sam@example", "sam@acme-example.test"]
)
def test_lookalike_domains_are_outside(address, tmp_path):
    plan = write_plan(tmp_path, "deal.toml", plan_text(sam=address))
    result = load_plan(plan, allowed_domains=("acme.example",))
    assert [p.path for p in result.problems] == ["resources[0].email"]


def test_internationalised_domains_are_compared_in_their_ascii_form(workspace, tmp_path):
    config = load_config(allow(workspace, "Bücher.example"))
    assert config.mail.allowed_domains == ["xn--bcher-kva.example"]
    plan = write_plan(
        tmp_path,
        "deal.toml",
        plan_text(
            sam="sam@bücher.example",
            pat="pat@xn--bcher-kva.example",
            owner="riley@BÜCHER.example",
            dana="dana@eu.bücher.example",
            guest="guest@bücher.example",
        ),
    )
    assert load_plan(plan, allowed_domains=config.mail.allowed_domains).ok
    assert not load_plan(plan, allowed_domains=("acme.example",)).ok


def test_without_allowed_domains_or_without_a_config_any_domain_passes(workspace, cli, tmp_path):
    plan = write_plan(tmp_path, "deal.toml", plan_text(sam="sam@gmail.example"))
    assert cli("-c", workspace, "plan", "check", plan, "--now", "2026-11-30T12:00:00+00:00").exit_code == 0
    allow(workspace, "acme.example")
    assert cli("plan", "check", plan).exit_code == 0  # no -c: no config, no domains
    assert cli("-c", workspace, "plan", "check", plan, "--now", "2026-11-30T12:00:00+00:00").exit_code == 1


def test_preview_refuses_a_plan_with_an_address_outside(workspace, cli, tmp_path):
    allow(workspace, "acme.example")
    plan = write_plan(tmp_path, "deal.toml", plan_text(dana="dana@gmail.example"))
    result = cli("-c", workspace, "plan", "preview", plan)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{plan}:26: stakeholders[0].email: 'dana@gmail.example' is outside")
    assert "To:" not in result.stdout


def outbox(root: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted((root / "mail" / "outbox" / "new").iterdir())]


def test_the_daemon_rejects_the_plan_and_tells_the_owner_only(workspace, cli):
    root = workspace.parent
    allow(workspace, "acme.example")
    write_plan(root / "plans" / "incoming", "deal.toml", plan_text(sam="sam@gmail.example"))
    result = cli("-c", workspace, "tick", "--now", NOW)
    assert result.exit_code == 0 and "rejected 1" in result.stdout
    assert (root / "plans" / "rejected" / "deal.toml").exists()
    assert not (root / "plans" / "active" / "deal.toml").exists()
    errors = (root / "plans" / "rejected" / "deal.toml.errors.txt").read_text()
    assert errors.startswith("deal.toml:13: resources[0].email: 'sam@gmail.example' is outside the domains")
    sent = outbox(root)
    assert [parseaddr(m["To"])[1] for m in sent] == ["riley@acme.example"]  # the rejection notice; nothing to sam


def test_an_owner_outside_the_domains_gets_no_rejection_notice(workspace, cli):
    root = workspace.parent
    allow(workspace, "acme.example")
    write_plan(root / "plans" / "incoming", "deal.toml", plan_text(owner="riley@gmail.example"))
    assert "rejected 1" in cli("-c", workspace, "tick", "--now", NOW).stdout
    assert "owner.email" in (root / "plans" / "rejected" / "deal.toml.errors.txt").read_text()
    assert outbox(root) == []  # the deal's details stay inside


def test_the_daemon_starts_a_plan_inside_the_domains(workspace, cli):
    root = workspace.parent
    allow(workspace, "acme.example")
    write_plan(root / "plans" / "incoming", "deal.toml", plan_text(sam="sam@eu.acme.example"))
    assert "started 1" in cli("-c", workspace, "tick", "--now", NOW).stdout
    assert any(m["To"] == "Sam Security <sam@eu.acme.example>" for m in outbox(root))


def test_init_writes_the_key_commented_with_why(workspace):
    lines = workspace.read_text().splitlines()
    key = lines.index('# allowed_domains = ["acme.example"]')
    assert "outside the company" in " ".join(line.lstrip("# ") for line in lines[key - 4 : key])
    assert load_config(workspace).mail.allowed_domains == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["@acme.example"]', "'@acme.example': write the domain alone, without '@'"),
        ('["*.acme.example"]', "'*.acme.example': subdomains are always allowed with their domain"),
        ('["acme example"]', "'acme example' is not a domain name"),
        ("[5]", "5 is not a domain name"),
        ('"acme.example"', "'acme.example' is not a list; write it in brackets, like [\"acme.example\"]"),
    ],
)
def test_a_wrong_allowed_domain_is_named_with_its_line(workspace, value, message):
    text = workspace.read_text().replace('# allowed_domains = ["acme.example"]', f"allowed_domains = {value}")
    workspace.write_text(text)
    line = text.splitlines().index(f"allowed_domains = {value}") + 1
    with pytest.raises(ConfigError) as error:
        load_config(workspace)
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(f"{workspace}:{line}: mail.allowed_domains")
    assert message in error.value.problems[0]
