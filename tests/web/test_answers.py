"""The answer pages over HTTP: what opening a link shows (and that it changes nothing), what sending the
form queues, and how the daemon applies it (tick --now) as it applies a reply."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from support import postgres
from support.webspace import (
    Clock,
    answer,
    form_fields,
    links,
    path_of,
    snapshot,
    store_rows,
    token_of,
    web_app,
    web_workspace,
)
from support.workspace import EXAMPLE, MONDAY, audit, drop_plan, maildir_workspace

LATER = "2026-11-30T17:00:00+00:00"


@pytest.fixture
def workspace(tmp_path):
    return web_workspace(tmp_path / "ws")


@pytest.fixture
def client(workspace):
    return web_app(workspace).test_client()


def states(workspace) -> dict[str, str]:
    return dict(store_rows(workspace, "SELECT resource_id, state FROM commitments WHERE plan_id = 'acme-q4'"))


def test_opening_every_link_changes_nothing(workspace, client):
    before = snapshot(workspace)
    for person in ("sam", "lee", "sol"):
        for name, link in links(workspace, person).items():
            page = client.get(path_of(link))
            assert page.status_code == 200, (name, page.status_code)
            assert "Send my answer" in page.text
            client.head(path_of(link))
    assert snapshot(workspace) == before


def test_the_page_shows_the_ask_and_picks_the_choice(workspace, client):
    page = client.get(path_of(links(workspace, "sam")["propose"]))
    text = page.text
    assert "ACME Corp - Q4 expansion" in text and "Riley Rep" in text
    assert "security questionnaire (142 questions" in text  # what is asked of Sam
    assert 'value="propose" checked' in text and 'value="commit" checked' not in text
    assert "Lee" in text  # who else is on it
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert "<script" not in text


@pytest.mark.parametrize(
    ("choice", "words", "proposed", "state", "intent"),
    [
        ("commit", "", "", "accepted", "accept"),
        ("decline", "On leave that week", "", "replaced", "decline"),  # a backup took over
        ("propose", "Legal needs a week more", "2026-12-16", "countered", "counter"),
        ("question", "Which SSO provider do they use?", "", "question", "question"),
    ],
)
def test_each_answer_is_applied_by_the_daemon_like_a_reply(workspace, client, choice, words, proposed, state, intent):
    sent = answer(client, links(workspace, "sam")[choice], choice, words, proposed)
    assert sent.status_code == 303
    (queued,) = store_rows(workspace, "SELECT kind, resource_id, by_email, done_at FROM web_actions")
    assert queued == ("answer", "sam", "sam.security@example.com", None)
    assert states(workspace)["sam"] == "requested"  # the web process changes no plan
    shown = client.get(sent.headers["Location"])
    assert "your answer is in" in shown.text
    workspace.tick(LATER)
    (row,) = store_rows(
        workspace, "SELECT state, intent, proposed FROM commitments WHERE plan_id = 'acme-q4' AND resource_id = 'sam'"
    )
    assert row[:2] == (state, intent)
    assert row[2] == (proposed or None)
    assert f"answered on the web by sam.security@example.com: {choice}" in audit(workspace)
    (done,) = store_rows(workspace, "SELECT outcome FROM web_actions")
    assert done == ("applied",)


def test_a_web_answer_makes_the_same_messages_as_the_same_reply_by_mail(tmp_path):
    by_web = web_workspace(tmp_path / "web")
    answer(web_app(by_web).test_client(), links(by_web, "sam")["decline"], "decline", "On leave")
    by_mail = maildir_workspace(tmp_path / "mail")
    by_mail.drop_plan(EXAMPLE.read_text())
    request = next(m for m in by_mail.tick(MONDAY) if m["X-Followthru-Resource"] == "sam")
    by_mail.answer(request, "sam.security@example.com", "Sorry, I can't do this one. On leave.")
    kinds = []
    for workspace in (by_web, by_mail):
        workspace.new_mail()
        kinds.append(sorted((m["X-Followthru-Kind"], str(m["To"])) for m in workspace.tick(LATER)))
    assert kinds[0] == kinds[1]
    assert ("backup_request", "Pat Backup <pat.backup@example.com>") in kinds[0]


def test_one_form_sent_twice_is_one_answer_and_a_second_answer_waits(workspace, client):
    link = links(workspace, "sam")["commit"]
    page = client.get(path_of(link))
    fields = {**form_fields(page.text), "choice": "commit", "words": "", "proposed": ""}
    first = client.post(f"/a/{token_of(link)}", data=fields)
    again = client.post(f"/a/{token_of(link)}", data=fields)  # a double tap, or the back button
    assert first.status_code == 303 and again.status_code == 200
    second = client.get(path_of(link))
    assert "Send my answer" not in second.text and "your answer is in" in second.text
    assert store_rows(workspace, "SELECT COUNT(*) FROM web_actions") == [(1,)]
    fresh = {**fields, "form": "another-form", "choice": "decline"}
    refused = client.post(f"/a/{token_of(link)}", data=fresh)
    assert refused.status_code == 200 and "your answer is in" in refused.text
    assert store_rows(workspace, "SELECT COUNT(*) FROM web_actions") == [(1,)]
    workspace.tick(LATER)
    assert states(workspace)["sam"] == "accepted"
    after = client.get(path_of(link))
    assert "You have committed." in after.text and "Send my answer" not in after.text


def test_a_tampered_or_foreign_link_is_refused(workspace, client):
    link = links(workspace, "sam")["page"]
    token = token_of(link)
    before = snapshot(workspace)
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")
    for bad in (flipped, token[:10] + "x" * 26, token[:-1], "nothing", token.upper() + "0"):
        assert client.get(f"/a/{bad}").status_code == 404
        assert client.post(f"/a/{bad}", data={"choice": "commit"}).status_code in (403, 404)
    missing = client.get("/a/" + "a" * 36)
    assert missing.status_code == 404
    assert client.get(f"/a/{flipped}").text == missing.text  # no hint which part was wrong
    assert snapshot(workspace) == before


def test_a_link_to_an_earlier_version_of_the_ask_says_so_and_takes_nothing(workspace, client):
    old = links(workspace, "sam")["commit"]
    page = client.get(path_of(old))
    fields = {**form_fields(page.text), "choice": "commit", "words": "", "proposed": ""}
    changed = EXAMPLE.read_text().replace("due = 2026-12-09", "due = 2026-12-11", 1)
    drop_plan(workspace.root, changed)
    workspace.tick(LATER)
    assert links(workspace, "sam")["commit"] != old
    shown = client.get(path_of(old))
    assert "This ask has changed" in shown.text and "Send my answer" not in shown.text
    refused = client.post(f"/a/{token_of(old)}", data=fields)
    assert "This ask has changed" in refused.text
    assert store_rows(workspace, "SELECT COUNT(*) FROM web_actions") == [(0,)]


def test_a_cancelled_plan_shows_a_friendly_page(workspace, client):
    link = links(workspace, "sam")["page"]
    cancelled = EXAMPLE.read_text().replace('title = "ACME', 'status = "cancelled"\ntitle = "ACME', 1)
    drop_plan(workspace.root, cancelled)
    workspace.tick(LATER)
    page = client.get(path_of(link))
    assert page.status_code == 200 and "This plan is cancelled" in page.text


def test_a_post_without_its_csrf_token_or_from_elsewhere_is_refused(workspace, client):
    link = links(workspace, "sam")["commit"]
    page = client.get(path_of(link))
    fields = {**form_fields(page.text), "choice": "commit"}
    assert client.post(f"/a/{token_of(link)}", data={**fields, "csrf": "forged"}).status_code == 403
    assert client.post(f"/a/{token_of(link)}", data={k: v for k, v in fields.items() if k != "csrf"}).status_code == 403
    elsewhere = client.post(f"/a/{token_of(link)}", data=fields, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    stranger = web_app(workspace).test_client()  # the token from another browser's session
    assert stranger.post(f"/a/{token_of(link)}", data=fields).status_code == 403
    assert store_rows(workspace, "SELECT COUNT(*) FROM web_actions") == [(0,)]


def test_the_form_checks_what_it_is_given(workspace, client):
    link = links(workspace, "sam")["propose"]
    for proposed, words, problem in (
        ("", "", "Give the date you can do it by."),
        ("2026-11-01", "", "That date has passed"),
        ("2026-12-09", "", "the date already asked for"),
    ):
        page = answer(client, link, "propose", words, proposed)
        assert page.status_code == 400 and problem in page.text
    question = answer(client, link, "question", "", "")
    assert question.status_code == 400 and "Write your question" in question.text
    hostile = answer(client, link, "question", "<script>alert(1)</script>" + "x" * 2100)
    assert hostile.status_code == 400 and "<script>alert(1)" not in hostile.text
    assert "&lt;script&gt;alert(1)" in hostile.text
    assert store_rows(workspace, "SELECT COUNT(*) FROM web_actions") == [(0,)]


def test_plan_text_is_escaped_on_the_page(tmp_path):
    workspace = web_workspace(tmp_path / "ws")
    hostile = EXAMPLE.read_text().replace(
        'title = "ACME Corp - Q4 expansion"', 'title = "ACME <img src=x onerror=alert(1)> Q4"', 1
    )
    drop_plan(workspace.root, hostile)
    workspace.tick(LATER)
    page = web_app(workspace).test_client().get(path_of(links(workspace, "sam")["page"]))
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_answer_posts_are_rate_limited(workspace, client):
    link = links(workspace, "sam")["commit"]
    page = client.get(path_of(link))
    fields = {**form_fields(page.text), "choice": "bogus"}
    codes = [client.post(f"/a/{token_of(link)}", data=fields).status_code for _ in range(31)]
    assert codes[:30] == [400] * 30 and codes[30] == 429


def test_the_time_comes_from_the_clock(workspace):
    clock = Clock()
    client = web_app(workspace, clock).test_client()
    clock.now = clock.now.replace(year=2026, month=12, day=20)
    page = answer(client, links(workspace, "sam")["propose"], "propose", "", "2026-12-19")
    assert page.status_code == 400 and "That date has passed" in page.text


def test_plan_text_wraps_to_the_screen_in_paragraphs():
    from followthru.web.app import paragraphs

    assert paragraphs("Signed a pilot in June\nand wants more.\n\n  Their CFO\nblocked the last one.\n") == [
        "Signed a pilot in June and wants more.",
        "Their CFO blocked the last one.",
    ]
    assert paragraphs("") == []


def test_times_are_shown_in_the_persons_own_timezone(tmp_path):
    workspace = web_workspace(tmp_path / "ws")
    in_berlin = EXAMPLE.read_text().replace(
        'role = "Security engineer"', 'role = "Security engineer"\ntimezone = "Europe/Berlin"', 1
    )
    drop_plan(workspace.root, in_berlin)
    workspace.tick(LATER)
    page = web_app(workspace).test_client().get(path_of(links(workspace, "sam")["page"]))
    assert "Wed 2 Dec 2026, 18:00 CET" in page.text  # 12:00 in New York, the plan's zone


def test_the_pages_on_a_postgresql_store(tmp_path, monkeypatch):
    server = postgres.server()
    monkeypatch.setenv("FOLLOWTHRU_TEST_STORE_PASSWORD", server.password)
    store = f'store = "{server.new_database()}"\nstore_password_env = "FOLLOWTHRU_TEST_STORE_PASSWORD"'
    workspace = web_workspace(tmp_path / "ws", web='user_header = "X-Forwarded-Email"\n', store=store)
    client = web_app(workspace).test_client()
    assert client.get("/a/" + "a" * 36).status_code == 404
    assert answer(client, links(workspace, "sam")["commit"], "commit").status_code == 303
    board = client.get("/plans", headers={"X-Forwarded-Email": "riley@example.com"})
    assert board.status_code == 200 and "ACME Corp - Q4 expansion" in board.text
    workspace.tick(LATER)
    status = json.loads(workspace.cli("status", "--json").stdout)["plans"][0]
    assert {c["resource"]: c["state"] for c in status["commitments"]}["sam"] == "accepted"
    page = client.get(path_of(links(workspace, "sam")["page"]))
    assert "You have committed." in page.text


def test_the_token_secret_is_in_no_page_header_or_log(workspace, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    app = web_app(workspace)
    client = app.test_client()
    secret = (workspace.root / "secret.key").read_text().strip()
    keys = [secret, app.config["SECRET_KEY"]]
    link = links(workspace, "sam")["commit"]
    responses = [client.get(path_of(link)), answer(client, link, "question", "")]
    responses += [answer(client, link, "commit"), client.get(path_of(link))]
    responses += [client.get("/a/" + token_of(link)[:-1] + "x"), client.post(f"/a/{token_of(link)}", data={})]
    responses += [client.get("/sign-in"), client.post("/sign-in", data={"email": "riley@example.com"})]
    responses += [client.get("/plans", headers={"X-Forwarded-Email": "riley@example.com"}), client.get("/nothing")]
    assert {r.status_code for r in responses} >= {200, 303, 400, 403, 404}
    for response in responses:
        shown = response.get_data(as_text=True) + str(response.headers)
        assert not [key for key in keys if key in shown]
    assert not [key for key in keys if key in caplog.text]


def test_a_database_restart_goes_unseen_and_one_away_is_a_clear_page(tmp_path, monkeypatch):
    with postgres.PostgresServer() as server:
        monkeypatch.setenv("FOLLOWTHRU_TEST_STORE_PASSWORD", server.password)
        store = f'store = "{server.new_database()}"\nstore_password_env = "FOLLOWTHRU_TEST_STORE_PASSWORD"'
        workspace = web_workspace(tmp_path / "ws", store=store)
        client = web_app(workspace).test_client()
        page = path_of(links(workspace, "sam")["page"])
        assert client.get(page).status_code == 200
        server.restart()  # every connection ends: the page's thread connects again
        assert client.get(page).status_code == 200
        server.stop()
        away = client.get(page)
        assert away.status_code == 503 and "cannot reach its store" in away.text
        assert server.password not in away.text


def test_an_answer_waiting_for_a_stopped_daemon_says_so(workspace):
    clock = Clock()
    client = web_app(workspace, clock).test_client()
    link = links(workspace, "sam")["commit"]
    clock.now = datetime.fromisoformat(MONDAY) + timedelta(minutes=2)  # the daemon's last pass: Monday 15:00
    shown = client.get(answer(client, link, "commit").headers["Location"])
    assert "will see it within a minute" in shown.text and "not taking answers in" not in shown.text
    clock.now += timedelta(hours=3)  # no pass since
    later = client.get(path_of(link))
    assert "your answer is in" in later.text and "not taking answers in at the moment" in later.text
