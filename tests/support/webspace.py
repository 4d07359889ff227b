"""A workspace with the web pages switched on, and the web application over it for Flask's test client:
the example plan started, links made as the messages make them, forms read and sent back as a browser
would send them."""

from __future__ import annotations

import email.utils
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from followthru.config import load_config
from followthru.web.app import create_app
from support.workspace import EXAMPLE, MONDAY, Workspace, maildir_workspace

BASE_URL = "https://followthru.example.com"
ASKING = ("request", "backup_request", "reminder", "last_call")
SNAPSHOT_TABLES = ("plans", "commitments", "outbox", "web_actions", "web_sign_ins", "inbound", "audit", "asks")


class Clock:
    """The web application's time, moved by hand."""

    def __init__(self, start: str = MONDAY):
        self.now = datetime.fromisoformat(start) + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


def web_workspace(root: Path, web: str = "", store: str = "") -> Workspace:
    """A Maildir workspace with ``[web] base_url`` set (and ``web``'s lines after it), the example plan
    started on Monday; ``store``: the config's store line instead of the SQLite file's."""
    workspace = maildir_workspace(root)
    if store:
        workspace.config.write_text(workspace.config.read_text().replace('store = "followthru.sqlite3"', store))
    before, _, section = workspace.config.read_text().partition("\n[web]\n")
    for line in [f'base_url = "{BASE_URL}"', "proxies = 0", *web.splitlines()]:
        key = line.partition("=")[0].strip()
        section, found = re.subn(rf"^{key} = .*$", line, section, count=1, flags=re.M)
        if not found:  # a key the example leaves out, or a table such as [[web.webhooks]]: at the end
            section += line + "\n"
    workspace.config.write_text(f"{before}\n[web]\n{section}")
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
    """The answer links of a person's latest asking message (``page`` and one per choice), as its
    text part carries them."""
    asking = [
        m
        for m in workspace.all_mail()
        if m["X-Followthru-Plan"] == plan_id
        and m["X-Followthru-Resource"] == resource_id
        and m["X-Followthru-Kind"] in ASKING
    ]
    latest = max(asking, key=lambda m: email.utils.parsedate_to_datetime(m["Date"]))
    text = latest.get_body(("plain",)).get_content()
    found = {choice or "page": link for link, choice in re.findall(rf"({re.escape(BASE_URL)}/a/\w+(?:/(\w+))?)", text)}
    assert set(found) == {"page", "commit", "decline", "propose", "question"}, found
    return found


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
