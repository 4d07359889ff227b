"""The board's pages over HTTP: the plan list (each owner their own, an admin all, what needs the
owner first), one plan's page (who committed, who is waited on and what comes next, who dropped out
and which backup was asked, counter-proposals with their buttons, questions with the person's words),
decisions queued once, another owner's plan as a 404, and every text of a plan escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from .conftest import ADMIN, EXAMPLE, OTHER, OWNER, START, make_board

SVG = "{http://www.w3.org/2000/svg}"


def page(board, url: str, who: str = OWNER) -> str:
    board.sign_in(who)
    response = board.client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def rows(html: str) -> list[str]:
    """The plan ids of the plan list, in its order."""
    return re.findall(r'<a href="/plans/([a-z0-9-]+)"><strong>', html)


def decide(board, about: str, decision: str, form: str = "form-one-two-three"):
    return board.post("/plans/acme-q4/decide", {"about": about, "decision": decision, "form": form})


def decisions(board) -> list[tuple]:
    return [(a["plan_id"], a["resource_id"], a["by_email"], a["payload"]) for a in board.actions("decide")]


def svg_of(html: str) -> ET.Element:
    return ET.fromstring(html[html.index("<svg") : html.index("</svg>") + len("</svg>")])


def test_an_owner_sees_their_own_plans_and_an_admin_sees_all(board):
    own = page(board, "/plans")
    assert rows(own) == ["acme-q4"]
    assert "Olive" not in own and OTHER not in own
    assert "<th>Owner</th>" not in own
    everything = page(board, "/plans", ADMIN)
    assert sorted(rows(everything)) == ["acme-q4", "olive-deal"]
    assert "<th>Owner</th>" in everything and OWNER in everything and OTHER in everything
    olive = page(board, "/plans", OTHER)
    assert rows(olive) == ["olive-deal"]


def test_the_list_is_searched_and_leaves_ended_plans_out_until_asked(board):
    assert rows(page(board, "/plans?q=acme+q4", ADMIN)) == ["acme-q4"]
    assert rows(page(board, "/plans?q=ACME%20nothing", ADMIN)) == []
    assert rows(page(board, f"/plans?owner={OTHER}", ADMIN)) == ["olive-deal"]
    assert rows(page(board, f"/plans?owner={OTHER}")) == ["acme-q4"], "only an admin filters by owner"
    board.drop(EXAMPLE.read_text().replace('title = "ACME', 'status = "cancelled"\ntitle = "ACME', 1), "acme-q4.toml")
    board.tick(START + timedelta(hours=1))
    html = page(board, "/plans")
    assert rows(html) == [] and "1 closed or cancelled not shown" in html
    assert rows(page(board, "/plans?ended=1")) == ["acme-q4"]
    assert 'value="&lt;b&gt;"' in page(board, "/plans?q=<b>")


def test_the_list_shows_state_counts_and_the_next_step(board):
    html = page(board, "/plans")
    assert '<span class="state state-active">active</span>' in html
    assert "0 of 3" in html, "three asked (the standbys are not), nobody committed yet"
    assert "reminder · Lee Legal" in html  # all three are reminded at once; the first by id
    assert "Tue 01 Dec, 10:00 EST (in 24 hours)" in html


def test_what_needs_the_owner_comes_first_then_active_committed_closed(board):
    board.answer("sam", "commit")
    board.answer("lee", "commit")
    board.answer("sol", "commit")
    board.tick(START + timedelta(hours=1))
    committed = page(board, "/plans", ADMIN)
    assert rows(committed) == ["olive-deal", "acme-q4"], "active, then committed"
    assert '<span class="state state-committed">committed</span>' in committed
    assert "3 of 3" in committed

    board.answer("lee", "question", "Which MSA version?")
    board.tick(START + timedelta(hours=2))
    html = page(board, "/plans", ADMIN)
    assert rows(html) == ["acme-q4", "olive-deal"], "the plan with a question for its owner first"
    assert '<span class="attention">Lee Legal: asked a question</span>' in html


def test_the_plan_page_shows_who_committed_who_is_waited_on_and_who_dropped_out(answered):
    board = answered
    board.answer("kim", "commit")
    board.tick(START + timedelta(hours=2))
    html = page(board, "/plans/acme-q4")
    people = html[html.index("<h2>People</h2>") : html.index("<h2>Timeline</h2>")]
    order = re.findall(r"<strong>([^<]+)</strong>", people)
    assert order == ["Sam Security", "Lee Legal", "Kim Standby", "Sol Engineer"]
    assert "standing in for Sol Engineer" in people
    assert '<span class="state state-accepted">accepted</span>' in people
    assert "Kim Standby asked instead" in people
    assert '<span class="state state-replaced">replaced</span> <span class="small muted">(declined)</span>' in people
    assert "waits on you" in people
    assert "proposed Mon 14 Dec 2026" in people
    assert "Tue 08 Dec 2026" in people, "Kim's due date is Sol's"


def test_a_waiting_person_shows_their_next_step_and_when(board):
    html = page(board, "/plans/acme-q4")
    people = html[html.index("<h2>People</h2>") : html.index("<h2>Timeline</h2>")]
    assert people.count("reminder<br>") == 3
    assert "Tue 01 Dec, 10:00 EST (in 24 hours)" in people


def test_a_counter_proposal_has_buttons_and_a_question_the_persons_words(answered):
    html = page(answered, "/plans/acme-q4")
    waits = html[html.index("<h2>Waits on you</h2>") : html.index("<h2>People</h2>")]
    assert "Lee Legal proposes other terms" in waits
    assert "Done by <strong>Mon 14 Dec 2026</strong>, instead of Thu 10 Dec 2026." in waits
    assert "I can do it by the 14th." in waits
    assert waits.count('name="about" value="lee"') == 2
    assert 'value="approve"' in waits and 'value="reject"' in waits
    assert "Sam Security asks" in waits
    assert "Is SSO &lt;script&gt;alert(&#39;words&#39;)&lt;/script&gt; in scope?" in waits
    assert 'href="mailto:sam.security@example.com?subject=Re%3A%20ACME%20Corp%20-%20Q4%20expansion"' in waits
    assert 'name="about" value="sam"' not in waits, "a question is answered by mail, not decided"


def test_a_decision_sent_twice_is_queued_once_and_the_daemon_applies_it(answered):
    board = answered
    board.sign_in(OWNER)
    first = decide(board, "lee", "approve")
    assert first.status_code == 200
    assert "Decision sent (approve); it is applied within a minute." in first.get_data(as_text=True)
    again = decide(board, "lee", "approve")
    assert "Decision sent (approve)" in again.get_data(as_text=True)
    other_form = decide(board, "lee", "reject", form="another-form-entirely")
    assert "Decision sent (approve)" in other_form.get_data(as_text=True), "the waiting decision stands"
    assert decisions(board) == [("acme-q4", "lee", OWNER, '{"approve": true}')]

    html = page(board, "/plans/acme-q4")
    waits = html[html.index("<h2>Waits on you</h2>") : html.index("<h2>People</h2>")]
    assert "Decision sent (approve); it is applied within a minute." in waits
    assert 'name="about" value="lee"' not in waits, "no buttons while a decision waits"

    board.tick(START + timedelta(hours=2))
    assert board.store.commitment_state("acme-q4", "lee") == "accepted"
    late = decide(board, "lee", "reject", form="a-third-form-here")
    assert late.status_code == 409
    assert len(decisions(board)) == 1


def test_a_decision_needs_a_counter_proposal_a_valid_form_and_the_forms_token(answered):
    board = answered
    board.sign_in(OWNER)
    assert decide(board, "sam", "approve").status_code == 409, "a question is not decided"
    assert decide(board, "lee", "maybe").status_code == 400
    assert decide(board, "lee", "approve", form="short").status_code == 400
    fields = {"about": "lee", "decision": "approve", "form": "form-one-two-three"}
    assert board.client.post("/plans/acme-q4/decide", data=fields).status_code == 403
    assert board.client.post("/plans/acme-q4/decide", data={**fields, "csrf": "wrong"}).status_code == 403
    assert decisions(board) == []
    assert board.post("/plans/acme-q4/decide", fields).status_code == 200
    assert len(decisions(board)) == 1


def test_a_meeting_time_proposed_waits_for_a_decision(answered):
    board = answered
    # An attendee's calendar proposed a new time for the review (as engine_meetings notes it).
    attention = '["meeting review: sam.security@example.com proposed 2026-12-17T19:00:00+00:00"]'
    board.store.connection.execute("UPDATE plans SET attention = ? WHERE id = 'acme-q4'", (attention,))
    html = page(board, "/plans/acme-q4")
    assert "A new time for “ACME Q4 expansion - review”" in html
    assert "sam.security@example.com proposes Thu 17 Dec, 14:00 EST" in html
    assert html.count('name="about" value="review"') == 2
    board.sign_in(OWNER)
    assert decide(board, "review", "reject").status_code == 200
    assert decisions(board) == [("acme-q4", "review", OWNER, '{"approve": false}')]


@pytest.mark.parametrize("url", ["/plans/olive-deal", "/plans/olive-deal/download"])
def test_another_owners_plan_is_the_same_404_as_a_missing_one(board, url):
    board.sign_in(OWNER)
    theirs = board.client.get(url)
    missing = board.client.get(url.replace("olive-deal", "no-such-plan"))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_data() == missing.get_data()
    assert "Olive" not in theirs.get_data(as_text=True) and "olive" not in theirs.get_data(as_text=True)


def test_nobody_decides_on_another_owners_plan(answered):
    board = answered
    board.sign_in(OTHER)
    refused = decide(board, "lee", "approve")
    assert refused.status_code == 404
    assert "ACME" not in refused.get_data(as_text=True)
    assert decisions(board) == []
    board.sign_in(ADMIN)
    assert decide(board, "lee", "approve").status_code == 200
    assert decisions(board) == [("acme-q4", "lee", ADMIN, '{"approve": true}')]


def test_the_page_shows_meetings_queued_messages_the_plan_and_the_log_newest_first(answered):
    board = answered
    html = page(board, "/plans/acme-q4")
    meetings = html[html.index("<h2>Meetings</h2>") : html.index("<h2>Queued messages</h2>")]
    assert "ACME Q4 expansion - review" in meetings
    assert "kim.standby@example.com" in meetings and "no answer yet" in meetings
    assert "No invitation sent yet." in meetings, "the check-in goes to who committed: nobody yet"
    plan = html[html.index("<h2>The plan</h2>") : html.index("<h2>What happened</h2>")]
    assert "Close the 500-seat expansion before ACME&#39;s budget freeze on Dec 15" in plan
    assert "Security questionnaire returned to ACME" in plan and "(Sam Security, Mon 07 Dec 2026)" in plan
    log = html[html.index("<h2>What happened</h2>") :]
    events = re.findall(r'<td data-label="What">([^<]+)</td>', log)
    assert events[0] != "plan started (version with 5 resources)"
    assert events[-1] == "plan started (version with 5 resources)"
    assert "answered on the web by lee.legal@example.com: propose" in events


def test_queued_messages_are_listed_with_when_and_why(board):
    board.answer("sam", "commit")
    board.tick(START + timedelta(hours=10))  # 5 in the evening in New York: outside the send window
    html = page(board, "/plans/acme-q4")
    queued = html[html.index("<h2>Queued messages</h2>") : html.index("<h2>The plan</h2>")]
    assert "Nothing waiting to go out." not in queued
    assert "waiting for its send window" in queued


def test_plan_text_with_markup_is_escaped_everywhere(board):
    for who, url in ((OTHER, "/plans"), (ADMIN, "/plans"), (OTHER, "/plans/olive-deal"), (ADMIN, "/plans/olive-deal")):
        html = page(board, url, who)
        assert "<script" not in html, url
        assert "<b>Bold</b>" not in html and "<i>Owner</i>" not in html and "<em>Engineer</em>" not in html
        assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    html = page(board, "/plans/olive-deal", OTHER)
    for text in ("name", "priority", "step"):
        assert f"&lt;script&gt;alert(&#39;{text}&#39;)&lt;/script&gt;" in html, text
    svg_of(html)  # escaped in the picture too: it parses as XML


def test_the_timeline_is_svg_with_one_row_per_person(answered):
    html = page(answered, "/plans/acme-q4")
    svg = svg_of(html)
    assert svg.tag == f"{SVG}svg" and svg.get("class") == "timeline"
    people = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "person"]
    assert [g.find(f"{SVG}text").find(f"{SVG}title").text for g in people] == [
        "Sam Security (Security engineer, question)",
        "Lee Legal (Commercial counsel, countered)",
        "Sol Engineer (Solutions engineer, replaced)",
        "Kim Standby (Solutions engineer, requested)",
    ]
    hovers = {t.text for g in people for t in g.iter(f"{SVG}title")}
    assert "declined on the web — Mon 30 Nov 2026, 10:30 EST" in hovers
    assert "request (as backup) sent — Mon 30 Nov 2026, 11:00 EST" in hovers
    assert "work due — Tue 08 Dec 2026, 23:59 EST" in hovers
    meetings = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "meetings"]
    assert len(meetings) == 1 and len(list(meetings[0].iter(f"{SVG}path"))) == 4, "3 check-ins and the review"
    assert not [e for e in svg.iter() if e.get("style") is not None or e.tag.endswith("script")]


def test_answers_by_mail_and_reminders_sent_are_on_the_timeline(board):
    from support.daemon_pass import deliver, reply, request_to

    request = request_to(board.daemon, "lee")
    deliver(board.daemon, reply("lee.legal@example.com", request["Reply-To"], "Yes, I commit.", request["Message-ID"]))
    board.tick(START + timedelta(hours=1))
    board.tick(START + timedelta(days=1, hours=1))  # the reminders go out to Sam and Sol
    hovers = [t.text for t in svg_of(page(board, "/plans/acme-q4")).iter(f"{SVG}title")]
    assert "committed — Mon 30 Nov 2026, 11:00 EST" in hovers
    assert sum(1 for text in hovers if text.startswith("reminder sent — Tue 01 Dec 2026")) == 2
    assert board.store.commitment_state("acme-q4", "lee") == "accepted"


def test_the_board_reads_a_postgresql_store(tmp_path, monkeypatch):
    from support import postgres

    server = postgres.server()
    monkeypatch.setenv("PGPASSWORD", server.password)
    board = make_board(tmp_path / "ws", store=server.new_database())
    try:
        assert board.store.dialect == "postgresql"
        board.answer("lee", "propose", "The 14th works.", date(2026, 12, 14))
        board.tick(START + timedelta(hours=1))
        html = page(board, "/plans", ADMIN)
        assert sorted(rows(html)) == ["acme-q4", "olive-deal"]
        assert "ACME Corp</span>" in html and "reminder · Sam Security" in html
        assert '<span class="attention">Lee Legal: proposed other terms</span>' in html
        plan = page(board, "/plans/acme-q4")
        assert "Lee Legal proposes other terms" in plan and "The 14th works." in plan
        svg_of(plan)
        board.sign_in(OWNER)
        assert decide(board, "lee", "approve").status_code == 200
        assert decisions(board) == [("acme-q4", "lee", OWNER, '{"approve": true}')]
    finally:
        board.close()
