"""Signing in to the board: asking for a link (the same answer for every address), the link's page
using nothing up, its button signing in once and only within its minutes, a forged link refused,
the trusted header only when configured, signing out, and the pages closed to anyone not signed in."""

from __future__ import annotations

from datetime import timedelta

from followthru.web.app import CONTENT_SECURITY_POLICY

from .conftest import ADMIN, BASE_URL, CSRF, OWNER, Board, make_board


def form_token(client) -> str:
    """The CSRF token of the browser's session, as a page with a form gave it."""
    with client.session_transaction() as session:
        return session.setdefault("csrf", CSRF)


def ask(board: Board, address: str):
    """The sign-in form sent, as a browser sends it after showing the form."""
    board.client.get("/sign-in")
    return board.client.post("/sign-in", data={"csrf": form_token(board.client), "email": address})


def link_token(board: Board, index: int = -1) -> str:
    """The token of a sign-in link queued for the daemon to mail."""
    link = board.actions("sign_in")[index]["payload"]
    assert link.startswith('{"link": "' + BASE_URL + "/sign-in/")
    return link.split("/sign-in/")[1].rstrip('"}')


def used(board: Board) -> list[object]:
    return [row[0] for row in board.store.connection.execute("SELECT used_at FROM web_sign_ins ORDER BY asked_at")]


def test_asking_queues_a_link_for_an_owner_and_answers_every_address_alike(board):
    known = ask(board, " Riley@Example.com ")
    assert known.status_code == 200
    text = known.get_data(as_text=True)
    assert "If riley@example.com has plans here, a link is on its way; it works once, for 15 minutes." in text
    assert [(a["by_email"], a["plan_id"]) for a in board.actions("sign_in")] == [(OWNER, None)]

    unknown = ask(board, "nobody@example.com")
    assert unknown.status_code == 200
    assert unknown.get_data(as_text=True).replace("nobody@example.com", "X") == text.replace(OWNER, "X")
    assert len(board.actions("sign_in")) == 1, "no link for an address without plans"


def test_an_admin_without_plans_gets_a_link(board):
    ask(board, ADMIN)
    assert [a["by_email"] for a in board.actions("sign_in")] == [ADMIN]


def test_at_most_three_links_in_the_window_then_more_after_it(board):
    for _ in range(5):
        assert ask(board, OWNER).status_code == 200
    assert len(board.actions("sign_in")) == 3
    board.now += timedelta(minutes=16)
    ask(board, OWNER)
    assert len(board.actions("sign_in")) == 4


def test_the_link_page_uses_nothing_and_its_button_signs_in_once(board, tmp_path):
    ask(board, OWNER)
    token = link_token(board)
    browser = board.app.test_client()
    for _ in range(2):  # a mail scanner, then the owner
        page = browser.get(f"/sign-in/{token}")
        assert page.status_code == 200
        assert "Continue to your plans" in page.get_data(as_text=True)
    assert used(board) == [None]
    signed_in = browser.post(f"/sign-in/{token}", data={"csrf": form_token(browser)})
    assert signed_in.status_code == 303
    assert signed_in.headers["Location"].endswith("/plans")
    assert used(board) != [None]
    plans = browser.get("/plans")
    assert plans.status_code == 200
    assert "ACME Corp - Q4 expansion" in plans.get_data(as_text=True)

    again = board.app.test_client()
    refused = again.post(f"/sign-in/{token}", data={"csrf": form_token(again)})
    assert refused.status_code == 410
    assert "used or has expired" in refused.get_data(as_text=True)
    assert again.get("/plans").status_code == 302
    assert again.get(f"/sign-in/{token}").status_code == 410, "the page says so too once it is used"


def test_a_link_past_its_minutes_is_refused(board):
    ask(board, OWNER)
    token = link_token(board)
    board.now += timedelta(minutes=16)
    assert board.client.get(f"/sign-in/{token}").status_code == 410
    refused = board.client.post(f"/sign-in/{token}", data={"csrf": form_token(board.client)})
    assert refused.status_code == 410
    assert "Ask for a new link" in refused.get_data(as_text=True)
    assert used(board) == [None]
    assert board.client.get("/plans").status_code == 302


def test_a_tampered_link_is_a_404(board):
    ask(board, OWNER)
    token = link_token(board)
    nonce, _, signature = token.partition(".")
    other = "y" if nonce.startswith("x") else "x"  # a nonce is random: it may start with either
    for forged in (f"{nonce}.{'a' * len(signature)}", f"{other}{nonce[1:]}.{signature}", nonce, "nonsense"):
        assert board.client.get(f"/sign-in/{forged}").status_code == 404
        assert board.client.post(f"/sign-in/{forged}", data={"csrf": form_token(board.client)}).status_code == 404
    assert used(board) == [None]
    assert board.client.get("/plans").status_code == 302


def test_without_a_base_url_sign_in_by_link_is_not_set_up(tmp_path):
    board = make_board(tmp_path / "ws", base_url="")
    try:
        assert "Sign-in by link is not set up here" in board.client.get("/sign-in").get_data(as_text=True)
        answer = ask(board, OWNER)
        assert "Sign-in by link is not set up here" in answer.get_data(as_text=True)
        assert board.actions("sign_in") == []
    finally:
        board.close()


def test_the_header_is_trusted_only_when_configured(board, tmp_path):
    header = {"X-Forwarded-Email": OWNER}
    assert board.client.get("/plans", headers=header).status_code == 302, "user_header is not set"
    trusting = make_board(tmp_path / "trusting", user_header="X-Forwarded-Email")
    try:
        page = trusting.client.get("/plans", headers=header)
        assert page.status_code == 200
        assert "ACME Corp - Q4 expansion" in page.get_data(as_text=True)
        assert trusting.client.get("/plans").status_code == 302, "no header, no session: not signed in"
        assert trusting.client.get("/plans", headers={"X-Other": OWNER}).status_code == 302
    finally:
        trusting.close()


def test_signing_out_clears_the_session(board):
    board.sign_in(OWNER)
    assert board.client.get("/plans").status_code == 200
    out = board.post("/sign-out")
    assert out.status_code == 303
    assert board.client.get("/plans").status_code == 302


def test_pages_need_a_sign_in(board):
    for url in ("/plans", "/plans/acme-q4", "/plans/acme-q4/download", "/upload"):
        response = board.client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/sign-in"), url
    assert board.client.get("/").headers["Location"].endswith("/sign-in")
    board.sign_in(OWNER)
    assert board.client.get("/").headers["Location"].endswith("/plans")


def test_a_post_without_the_forms_token_is_refused_and_queues_nothing(board):
    board.client.get("/sign-in")
    assert board.client.post("/sign-in", data={"email": OWNER}).status_code == 403
    assert board.client.post("/sign-in", data={"email": OWNER, "csrf": "wrong"}).status_code == 403
    assert board.actions("sign_in") == []
    board.sign_in(OWNER)
    assert board.client.post("/sign-out").status_code == 403
    assert board.client.post("/sign-out", data={"csrf": CSRF + "x"}).status_code == 403
    assert board.client.get("/plans").status_code == 200, "still signed in"


def test_every_response_carries_the_content_security_policy(board):
    ask(board, OWNER)
    token = link_token(board)
    responses = [
        board.client.get("/sign-in"),
        board.client.get(f"/sign-in/{token}"),
        board.client.get("/sign-in/forged.aaaa"),
        board.client.get("/plans"),
    ]
    board.sign_in(OWNER)
    responses += [
        board.client.get(url)
        for url in (
            "/plans",
            "/plans/acme-q4",
            "/plans/olive-deal",
            "/plans/nope",
            "/upload",
            "/plans/acme-q4/download",
        )
    ]
    responses += [board.post("/sign-out"), board.client.post("/sign-out")]
    assert {r.status_code for r in responses} >= {200, 302, 303, 403, 404}
    for response in responses:
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src" not in response.headers["Content-Security-Policy"]
