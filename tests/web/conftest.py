"""The board's tests: a real workspace made by ``followthru init`` with the example plan (Riley's) and
a plan of another owner started by a pass of the daemon in this process, and the web application
on it (``create_app``) with Flask's test client, its clock in the test's hands."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from followthru import web_actions
from followthru.config import init_workspace, load_config
from followthru.daemon import Followthru
from followthru.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
START = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)  # Monday 10:00 in New York: requests go out
OWNER = "riley@example.com"
OTHER = "olive@example.com"
ADMIN = "boss@example.com"
CSRF = "the-test-sessions-csrf-token"
BASE_URL = "http://localhost"

# Another owner's plan, with markup in every text the board shows.
OTHER_PLAN = """\
[plan]
id = "olive-deal"
title = "Olive's <script>alert('title')</script> deal"
customer = "<b>Bold</b> & Co"
timezone = "UTC"
respond_by = 2026-12-02T17:00:00
priorities = ["<script>alert('priority')</script>"]

[owner]
name = "Olive <i>Owner</i>"
email = "olive@example.com"

[[resources]]
id = "max"
name = "Max <script>alert('name')</script>"
email = "max@example.com"
role = "<em>Engineer</em>"
asks = ["<script>alert('ask')</script>"]
due = 2026-12-09

[[steps]]
what = "<script>alert('step')</script>"
owner = "max"
"""


class Board:
    """The workspace, a daemon on it, and the application with a test client, at ``now``."""

    def __init__(self, root: Path, **web: object):
        self.root = root
        self.config_path = init_workspace(root)
        text = self.config_path.read_text().replace(
            'email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"'
        )
        settings = {"base_url": BASE_URL, "admins": [ADMIN], **web}
        for key, value in settings.items():
            written = f'"{value}"' if isinstance(value, str) else repr(value).replace("'", '"')
            text, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {written}", text, count=1)
            assert found, key
        self.config_path.write_text(text)
        self.now = START
        self.forms = 0  # forms sent by Board.answer
        self.daemon = Followthru(load_config(self.config_path))
        self.app = create_app(load_config(self.config_path), clock=lambda: self.now)
        self.app.testing = True
        self.client = self.app.test_client()

    @property
    def store(self):
        return self.daemon.store

    def drop(self, text: str, name: str) -> None:
        """A plan file in plans/incoming, old enough to count as completely written."""
        path = self.root / "plans" / "incoming" / name
        path.write_text(text)
        os.utime(path, (time.time() - 5, time.time() - 5))

    def tick(self, at: datetime | None = None) -> None:
        self.now = at or self.now
        self.daemon.tick(self.now)

    def sign_in(self, email: str, client: FlaskClient | None = None) -> None:
        """Signed in as ``email``, as the sign-in link leaves a browser."""
        with (client or self.client).session_transaction() as session:
            session.clear()
            session["user"] = email
            session["csrf"] = CSRF

    def post(self, url: str, data: dict[str, object] | None = None, **options: object) -> TestResponse:
        """A form posted with the session's CSRF token."""
        return self.client.post(url, data={"csrf": CSRF, **(data or {})}, **options)

    def answer(self, resource: str, choice: str, words: str = "", proposed: date | None = None) -> None:
        """``resource`` answers their current ask of the example plan on the web (applied at the next tick)."""
        key, email = self.store.connection.execute(
            "SELECT a.token_key, c.email FROM asks a JOIN commitments c ON c.plan_id = a.plan_id "
            "AND c.resource_id = a.resource_id AND c.terms = a.ask WHERE a.plan_id = 'acme-q4' AND a.resource_id = ?",
            (resource,),
        ).fetchone()
        self.forms += 1
        form = f"form-{self.forms}"
        web_actions.answer(self.store, key, form, "acme-q4", resource, email, choice, words, proposed, self.now)

    def actions(self, kind: str) -> list[dict[str, object]]:
        """The web actions of ``kind`` queued so far, oldest first."""
        rows = self.store.connection.execute(
            "SELECT plan_id, resource_id, by_email, payload, done_at FROM web_actions WHERE kind = ? ORDER BY id",
            (kind,),
        )
        names = ("plan_id", "resource_id", "by_email", "payload", "done_at")
        return [dict(zip(names, row)) for row in rows]

    def close(self) -> None:
        self.daemon.close()


def make_board(root: Path, **web: object) -> Board:
    """The example plan (Riley's) and Olive's plan, started at START."""
    board = Board(root, **web)
    board.drop(EXAMPLE.read_text(), "acme-q4.toml")
    board.drop(OTHER_PLAN, "olive-deal.toml")
    board.tick(START)
    return board


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    made = make_board(tmp_path / "ws")
    yield made
    made.close()


@pytest.fixture
def answered(board: Board) -> Board:
    """The example plan an hour on: Sam asked a question, Lee proposed the 14th, Sol declined (so Kim,
    Sol's backup, was asked)."""
    board.now = START + timedelta(minutes=30)
    board.answer("sam", "question", "Is SSO <script>alert('words')</script> in scope?")
    board.answer("lee", "propose", "I can do it by the 14th.", date(2026, 12, 14))
    board.answer("sol", "decline", "No time this month.")
    board.tick(START + timedelta(hours=1))
    return board
