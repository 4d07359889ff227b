"""A workspace with the web pages switched on, and the web application over it for Flask's test client:
the example plan started, links made as the messages make them, forms read and sent back as a browser
would send them."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from followthru.config import load_config
from followthru.web.app import create_app
from followthru.weblinks import answer_links
from support.workspace import EXAMPLE, MONDAY, Workspace, maildir_workspace

BASE_URL = "https://followthru.example.com"
SNAPSHOT_TABLES = ("plans", "commitments", "outbox", "web_actions", "web_sign_ins", "inbound", "audit", "asks")


class Clock:
    """The web application's time, moved by hand."""

    def __init__(self, start: str = MONDAY):
        self.now = datetime.fromisoformat(start) + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


def web_workspace(root: Path, web: str = "") -> Workspace:
    """A Maildir workspace with ``[web] base_url`` set (and ``web``'s lines after it), the example plan
    started on Monday."""
    workspace = maildir_workspace(root)
    text = workspace.config.read_text()
    text = text.replace('base_url = ""', f'base_url = "{BASE_URL}"', 1).replace("proxies = 1", "proxies = 0", 1)
    workspace.config.write_text(text.replace("session_hours = 12\n", f"session_hours = 12\n{web}", 1))
    workspace.drop_plan(EXAMPLE.read_text())
    workspace.tick(MONDAY)
    return workspace


def web_app(workspace: Workspace, clock: Clock | None = None) -> Flask:
    app = create_app(load_config(workspace.config), clock=clock or Clock())
    app.testing = True
    return app


def store_rows(workspace: Workspace, sql: str, *args: object) -> list[tuple]:
    connection = sqlite3.connect(workspace.root / "followthru.sqlite3")
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def snapshot(workspace: Workspace) -> dict[str, list[tuple]]:
    """Every row of the tables a page could change."""
    return {table: store_rows(workspace, f"SELECT * FROM {table} ORDER BY 1") for table in SNAPSHOT_TABLES}


def links(workspace: Workspace, resource_id: str, plan_id: str = "acme-q4") -> dict[str, str]:
    """The answer links of the current version of a person's ask (as its messages carry them)."""
    secret = (workspace.root / "secret.key").read_bytes().strip()
    (ask,) = store_rows(
        workspace,
        "SELECT a.ask FROM asks a JOIN commitments c ON c.plan_id = a.plan_id AND c.resource_id = a.resource_id "
        "AND c.terms = a.ask WHERE a.plan_id = ? AND a.resource_id = ?",
        plan_id,
        resource_id,
    )[0]
    return answer_links(BASE_URL, secret, plan_id, resource_id, ask)


def path_of(link: str) -> str:
    return link.removeprefix(BASE_URL)


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the first form of a page (csrf, form)."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def answer(client: FlaskClient, link: str, choice: str, words: str = "", proposed: str = "", **extra: str):
    """Open the page of ``link`` and send its form with ``choice``, as a person would."""
    page = client.get(path_of(link))
    assert page.status_code == 200, page.text
    fields = {**form_fields(page.text), "choice": choice, "words": words, "proposed": proposed, **extra}
    return client.post(f"/a/{token_of(link)}", data=fields)


def token_of(link: str) -> str:
    return path_of(link).split("/")[2]
