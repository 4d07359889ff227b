"""Uploading a plan file on the board and downloading the active one: a bad file shows its problems
against its numbered lines and writes nothing; a good one lands in plans/incoming under its plan id
(never over a file waiting there), and the daemon takes it in; only the owner's own plans."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .conftest import ADMIN, EXAMPLE, OTHER, OTHER_PLAN, OWNER

NEW_PLAN = """\
[plan]
id = "globex-renewal"
title = "Globex <renewal>"
customer = "Globex"
timezone = "UTC"
respond_by = 2026-12-04T17:00:00

[owner]
name = "Riley Rep"
email = "riley@example.com"

[[resources]]
id = "sam"
name = "Sam Security"
email = "sam.security@example.com"
asks = ["Renew the security review"]
due = 2026-12-11
"""


def upload(board, text: str | bytes, name: str = "plan.toml", who: str = OWNER):
    board.sign_in(who)
    data = text.encode() if isinstance(text, str) else text
    return board.post("/upload", {"plan": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def incoming(board) -> list[str]:
    return sorted(p.name for p in (board.root / "plans" / "incoming").iterdir())


def test_the_upload_page_has_a_file_form(board):
    board.sign_in(OWNER)
    html = board.client.get("/upload").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'name="plan"' in html


def test_a_bad_plan_shows_its_problems_against_its_lines_and_writes_nothing(board):
    text = NEW_PLAN.replace('email = "sam.security@example.com"', 'email = "sam@"').replace(
        'title = "Globex <renewal>"', 'title = ""'
    )
    response = upload(board, text, "globex.toml")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "globex.toml was not taken: 2 problems" in html
    bad = re.findall(r'<div class="line bad-line" id="line-(\d+)">', html)
    numbers = [str(n) for n, line in enumerate(text.splitlines(), start=1) if "sam@" in line or 'title = ""' in line]
    assert bad == numbers
    assert f'<span class="number">{numbers[1]}</span><span class="text">email = &#34;sam@&#34;</span>' in html
    assert re.search(rf'id="line-{numbers[1]}">.*?<span class="problem">↑ resources\[0\]\.email: ', html, re.S)
    assert re.search(rf'id="line-{numbers[0]}">.*?<span class="problem">↑ plan\.title: ', html, re.S)
    assert html.count('<div class="line') == len(text.splitlines())
    assert incoming(board) == []


def test_a_file_that_is_no_plan_file_or_cannot_be_read_is_refused(board):
    wrong = upload(board, NEW_PLAN, "plan.txt")
    assert wrong.status_code == 400
    assert "choose a plan file ending .toml, .yaml, .yml or .json" in wrong.get_data(as_text=True)
    broken = upload(board, "[plan\ntitle = 1\n", "broken.toml")
    assert broken.status_code == 400
    assert '<div class="line bad-line" id="line-1">' in broken.get_data(as_text=True)
    assert incoming(board) == []


def test_a_plan_of_another_owner_is_refused(board):
    response = upload(board, NEW_PLAN.replace("riley@example.com", OTHER), "globex.toml")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "you are signed in as riley@example.com: upload plans you own" in html
    line = next(n for n, text in enumerate(NEW_PLAN.splitlines(), start=1) if "riley@example.com" in text)
    assert f'<div class="line bad-line" id="line-{line}">' in html
    assert incoming(board) == []
    taken = upload(board, OTHER_PLAN.replace('id = "olive-deal"', 'id = "olive-two"'), "o.toml", who=ADMIN)
    assert taken.status_code == 200, "an admin uploads anyone's plan"


def test_a_new_version_may_not_change_the_owner_and_an_id_of_another_owner_is_taken(board):
    theirs = OTHER_PLAN.replace("olive@example.com", OWNER)
    refused = upload(board, theirs, "olive-deal.toml")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "the id &#39;olive-deal&#39; is taken; choose another" in html
    assert OTHER not in html, "the other owner's address is not shown"
    by_admin = upload(board, theirs, "olive-deal.toml", who=ADMIN)
    assert by_admin.status_code == 400
    assert "belongs to olive@example.com; a new version cannot give it to riley@example.com" in by_admin.get_data(
        as_text=True
    )
    assert incoming(board) == []


def test_a_new_plan_whose_reply_deadline_has_passed_is_refused(board):
    late = NEW_PLAN.replace("respond_by = 2026-12-04T17:00:00", "respond_by = 2026-11-29T17:00:00")
    response = upload(board, late, "globex.toml")
    assert response.status_code == 400
    assert "has already passed; move it later" in response.get_data(as_text=True)
    assert incoming(board) == []


def test_a_good_plan_lands_in_incoming_and_the_daemon_takes_it_in(board):
    response = upload(board, NEW_PLAN, "Globex Plan.toml")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Taken: the daemon starts it within seconds." in html
    assert 'href="/plans/globex-renewal"' in html
    assert incoming(board) == ["globex-renewal.toml"]
    path = board.root / "plans" / "incoming" / "globex-renewal.toml"
    assert path.read_text() == NEW_PLAN
    assert path.stat().st_mode & 0o077 == 0
    old = time.time() - 5  # settled, as it is a second later
    os.utime(path, (old, old))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "followthru",
            "-c",
            str(board.config_path),
            "tick",
            "--now",
            "2026-11-30T16:00:00+00:00",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert incoming(board) == []
    assert (board.root / "plans" / "active" / "globex-renewal.toml").read_text() == NEW_PLAN
    board.sign_in(OWNER)
    page = board.client.get("/plans/globex-renewal")
    assert page.status_code == 200
    assert "Globex &lt;renewal&gt;" in page.get_data(as_text=True)


def test_a_file_waiting_in_incoming_is_never_overwritten(board):
    first = upload(board, NEW_PLAN, "globex.toml")
    second = upload(board, NEW_PLAN.replace("Renew the security review", "Renew it"), "globex.toml")
    assert first.status_code == second.status_code == 200
    first_name, second_name = sorted(incoming(board), key=len)
    assert first_name == "globex-renewal.toml"
    assert re.fullmatch(r"globex-renewal\.\w+\.toml", second_name)
    folder = board.root / "plans" / "incoming"
    assert (folder / first_name).read_text() == NEW_PLAN
    assert "Renew it" in (folder / second_name).read_text()


def test_a_file_named_for_its_plan_without_an_id_is_not_renamed_to_another_plan(board):
    no_id = NEW_PLAN.replace('id = "globex-renewal"\n', "")
    assert upload(board, no_id, "globex-renewal.toml").status_code == 200
    again = upload(board, no_id, "globex-renewal.toml")
    assert again.status_code == 409
    assert incoming(board) == ["globex-renewal.toml"]


def test_an_upload_without_the_forms_token_is_refused(board):
    board.sign_in(OWNER)
    response = board.client.post(
        "/upload", data={"plan": (io.BytesIO(NEW_PLAN.encode()), "g.toml")}, content_type="multipart/form-data"
    )
    assert response.status_code == 403
    assert incoming(board) == []


def test_download_gives_the_active_file_to_its_owner_only(board):
    board.sign_in(OWNER)
    response = board.client.get("/plans/acme-q4/download")
    assert response.status_code == 200
    assert response.get_data() == EXAMPLE.read_bytes()
    assert response.headers["Content-Disposition"] == 'attachment; filename="acme-q4.toml"'
    assert response.headers["Content-Security-Policy"]
    board.sign_in(OTHER)
    assert board.client.get("/plans/acme-q4/download").status_code == 404
    board.sign_in(ADMIN)
    assert board.client.get("/plans/acme-q4/download").get_data() == EXAMPLE.read_bytes()


def test_download_finds_a_yaml_plan(board, tmp_path):
    active = board.root / "plans" / "active"
    (active / "acme-q4.toml").rename(active / "acme-q4.yaml")
    board.sign_in(OWNER)
    response = board.client.get("/plans/acme-q4/download")
    assert response.headers["Content-Disposition"] == 'attachment; filename="acme-q4.yaml"'
    assert response.mimetype == "application/yaml"
    assert Path(active / "acme-q4.yaml").read_bytes() == response.get_data()
