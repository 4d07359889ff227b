"""Injection: what a plan or a reply says is only ever shown, never run, never a header, never a
path; oversized fields are refused with a clear error."""

from __future__ import annotations

import email
import email.policy
import os
import time

import pytest

from followthru.config import load_config
from followthru.daemon import Followthru
from followthru.planfile import load_plan
from support.daemon_pass import START
from support.workspace import EXAMPLE


@pytest.fixture
def daemon(workspace):
    service = Followthru(load_config(workspace))
    yield service
    service.close()


def drop(daemon: Followthru, text: str, name: str = "plan.toml") -> None:
    path = daemon.folders["incoming"] / name
    path.write_text(text)
    os.utime(path, (time.time() - 5, time.time() - 5))


def sent(daemon: Followthru) -> list:
    folder = daemon.config.path(daemon.config.mail.maildir.outbox) / "new"
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in folder.iterdir()]


def test_template_syntax_in_plan_fields_is_shown_not_run(daemon):
    hostile = "{{ 7*7 }} {% for x in range(3) %}X{% endfor %} {{ config.__class__.__mro__ }}"
    drop(
        daemon,
        EXAMPLE.read_text()
        .replace('title = "ACME Corp - Q4 expansion"', f'title = "{hostile}"')
        .replace('"Close the 500-seat expansion', '"{{ self.__init__.__globals__ }} Close the 500-seat expansion'),
    )
    daemon.tick(START)
    request = next(m for m in sent(daemon) if m["X-Followthru-Kind"] == "request")
    text = request.get_body(("plain",)).get_content()
    html = request.get_body(("html",)).get_content()
    assert "{{ 7*7 }}" in text and "49" not in text.replace("2026", "")
    assert "{% for x in range(3) %}X{% endfor %}" in text and "XXX" not in text
    assert "{{ self.__init__.__globals__ }}" in text
    assert "{{ 7*7 }}" in html and "&lt;" not in hostile


def test_markup_in_a_reply_reaches_the_owner_as_text(daemon):
    drop(daemon, EXAMPLE.read_text())
    daemon.tick(START)
    request = next(m for m in sent(daemon) if m["X-Followthru-Resource"] == "sol")
    raw = (
        f"From: sol.engineer@example.com\r\nTo: {request['Reply-To'].addresses[0].addr_spec}\r\n"
        f"In-Reply-To: {request['Message-ID']}\r\nMessage-ID: <x1@example.com>\r\nSubject: Re\r\n\r\n"
        "DECLINE <script>alert(1)</script><img src=x onerror=alert(2)>\r\n"
    ).encode()
    (daemon.config.path(daemon.config.mail.maildir.inbox) / "new" / "1.eml").write_bytes(raw)
    daemon.tick(START.replace(hour=16))
    notice = next(m for m in sent(daemon) if m["X-Followthru-Kind"] == "owner_declined")
    html = notice.get_body(("html",)).get_content()
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_crlf_in_names_makes_no_header(daemon):
    drop(daemon, EXAMPLE.read_text().replace('name = "Sam Security"', 'name = "Sam\\r\\nBcc: victim@evil.example"'))
    daemon.tick(START)
    for message in sent(daemon):
        assert message["Bcc"] is None
        assert all("victim@evil.example" not in a.addr_spec for a in message["To"].addresses)


@pytest.mark.parametrize("plan_id", ["../etc", "..", "a/b", "A", "x" * 41, "acme\x00"])
def test_plan_ids_cannot_name_a_path(tmp_path, plan_id):
    path = tmp_path / "plan.toml"
    path.write_text(EXAMPLE.read_text().replace('id = "acme-q4"', f'id = "{plan_id}"'.replace("\x00", "\\u0000")))
    result = load_plan(path)
    assert not result.ok and any(p.path == "plan.id" for p in result.problems), result.problems


def test_a_language_cannot_walk_out_of_the_templates(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(EXAMPLE.read_text().replace('language = "de"', 'language = "../../../etc/passwd"'))
    result = load_plan(path)
    assert not result.ok and any("language" in p.path for p in result.problems)


def test_a_symbolic_link_in_incoming_is_not_followed(daemon, tmp_path):
    secret = tmp_path / "elsewhere.toml"
    secret.write_text(EXAMPLE.read_text())
    link = daemon.folders["incoming"] / "linked.toml"
    link.symlink_to(secret)
    os.utime(link, (time.time() - 5, time.time() - 5), follow_symlinks=False)
    report = daemon.tick(START)
    assert report.plans_rejected == 1 and report.plans_started == 0
    assert (daemon.folders["rejected"] / "linked.toml").is_symlink()
    assert (
        "a symbolic link; drop the file itself" in (daemon.folders["rejected"] / "linked.toml.errors.txt").read_text()
    )
    assert secret.exists() and not sent(daemon)


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda t: t.replace('title = "ACME Corp - Q4 expansion"', f'title = "{"x" * 201}"'), "plan.title"),
        (lambda t: t.replace('role = "Security engineer"', f'role = "{"x" * 201}"', 1), "resources[0].role"),
        (lambda t: t.replace('context = """', 'context = """' + "x" * 5001, 1), "plan.context"),
        (
            lambda t: t.replace('asks = ["Review ACME', "asks = [" + '"a", ' * 60 + '"Review ACME', 1),
            "resources[1].asks",
        ),
        (
            lambda t: t.replace('email = "sam.security@example.com"', f'email = "{"s" * 250}@example.com"'),
            "resources[0].email",
        ),
    ],
)
def test_oversized_fields_are_refused_clearly(tmp_path, edit, field):
    path = tmp_path / "plan.toml"
    path.write_text(edit(EXAMPLE.read_text()))
    result = load_plan(path)
    assert not result.ok
    [problem] = [p for p in result.problems if p.path == field]
    assert problem.line is not None and ("at most" in problem.message or "not valid" in problem.message), problem
