"""A mail security scanner opens every link of every message: nothing may change. The workspace runs
a plan for two weeks (requests, reminders, last calls, backup requests, notices), then every link to
the web pages in every message is opened (GET and HEAD) and every table is compared."""

from __future__ import annotations

import re
from html import unescape

from support.webspace import BASE_URL, path_of, snapshot, web_app, web_workspace

DAYS = ["2026-12-01T15:00:00+00:00", "2026-12-02T14:00:00+00:00", "2026-12-02T18:00:00+00:00"]
LINK = re.compile(r"https?://[^\s\"'<>)\]]+")


def web_links(message) -> set[str]:
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found.update(unescape(link) for link in LINK.findall(part.get_content()))
    return {link for link in found if link.startswith(BASE_URL + "/")}


def test_opening_every_link_of_every_message_changes_nothing(tmp_path):
    workspace = web_workspace(tmp_path / "ws")
    for day in DAYS:
        workspace.tick(day)
    messages = workspace.all_mail()
    kinds = {m["X-Followthru-Kind"] for m in messages}
    assert {"request", "reminder", "last_call", "backup_request"} <= kinds, kinds
    links = set().union(*(web_links(m) for m in messages))
    asking = [m for m in messages if m["X-Followthru-Kind"] in ("request", "reminder", "last_call", "backup_request")]
    assert all(len(web_links(m)) >= 4 for m in asking)  # the four buttons in each
    client = web_app(workspace).test_client()
    before = snapshot(workspace)
    opened = 0
    for link in sorted(links):
        for method in (client.get, client.head):
            response = method(path_of(link))
            assert response.status_code in (200, 404), (link, response.status_code)
            opened += 1
    assert opened >= 2 * 4 * len({m["X-Followthru-Resource"] for m in asking})
    assert snapshot(workspace) == before
