"""Webhooks (followthru.webhooks): the events a decision makes, found by comparing a plan before and
after it; and end to end through the command line with time travel: queued in the outbox with the
decision, posted signed to a receiver on loopback (support.receiver), retried while the receiver
answers 5xx, 429 or nothing, given up on any other answer, and never in the way of the mail."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from email.message import EmailMessage
from pathlib import Path

import pytest

from followthru.states import Commitment, PlanState
from followthru.webhooks import Before, Event, events
from support.preforked import run_followthru
from support.receiver import Received, Receiver
from support.workspace import Workspace, audit, find, maildir_workspace

SECRET_ENV = "FOLLOWTHRU_TEST_WEBHOOK_SECRET"
SECRET = "whsec-d41d8cd98f00b204e9800998ecf8427e"
START = "2026-11-30T15:00:00+00:00"  # Monday 10:00 in New York: the plan starts
REPLIES = "2026-11-30T16:00:00+00:00"
ACCEPT = "ACCEPT - happy to help"
DECLINE = "DECLINE - sorry, I cannot take this on."
COUNTER = "I can do it, but only by the 14th of December."

PLAN = """\
[plan]
id = "deal"
title = "Deal with Customer"
customer = "Customer"
timezone = "America/New_York"
respond_by = 2026-12-02T17:00:00

[owner]
name = "Riley Rep"
email = "riley@example.com"

[[resources]]
id = "sam"
name = "Sam Security"
email = "sam.security@example.com"
asks = ["Complete the security questionnaire"]
due = 2026-12-09

[[resources]]
id = "lee"
name = "Lee Legal"
email = "lee.legal@example.com"
asks = ["Review the redlines"]
due = 2026-12-10
"""


# -- events(), a pure function ---------------------------------------------------------------------------
def state(plan_state: str = "active", attention: list[str] | None = None, **commitments: str) -> PlanState:
    return PlanState(
        "deal",
        plan_state,
        {rid: Commitment(rid, s) for rid, s in commitments.items()},
        attention=list(attention or []),
    )


def was(plan_state: str | None = "active", attention: list[str] | None = None, **commitments: str) -> Before:
    return Before(plan_state, dict(commitments), list(attention or []))


def test_a_plan_newly_committed_or_closed_is_an_event():
    assert events(
        was("active", sam="accepted", lee="requested"), state("committed", sam="accepted", lee="accepted")
    ) == [Event("plan_committed")]
    assert events(was("committed", sam="accepted"), state("closed", sam="accepted")) == [Event("plan_closed")]
    assert events(was(None), state("committed", sam="accepted")) == [Event("plan_committed")]  # not stored before


def test_a_commitment_newly_declined_or_countered_is_an_event_about_its_resource():
    found = events(was(sam="requested", lee="requested"), state(sam="declined", lee="countered"))
    assert found == [Event("commitment_countered", "lee"), Event("commitment_declined", "sam")]
    # A backup asked for the first time and declining at once is new too.
    assert events(was(sam="declined"), state(sam="declined", pat="declined")) == [Event("commitment_declined", "pat")]


def test_needs_attention_carries_only_the_lines_newly_added():
    before = was(attention=["sam: asked a question"])
    after = state(attention=["sam: asked a question", "lee: proposed other terms", "lee: unclear answer"])
    assert events(before, after) == [
        Event("needs_attention", attention=("lee: proposed other terms", "lee: unclear answer"))
    ]
    assert events(before, state(attention=[])) == []  # lines that went away are no event


def test_nothing_changed_or_nothing_new_is_no_event():
    assert events(was(sam="requested"), state(sam="requested")) == []
    assert events(was("committed", sam="accepted"), state("committed", sam="accepted")) == []
    assert events(was(sam="declined", lee="countered"), state(sam="declined", lee="countered")) == []
    assert events(was(attention=["sam: x"]), state(attention=["sam: x"])) == []
    # States that are no event: accepted, tentative, question, expired, bounced, replaced, withdrawn.
    quiet = ("accepted", "tentative", "question", "expired", "bounced", "replaced", "withdrawn")
    assert (
        events(was(**{f"r{i}": "requested" for i in range(7)}), state(**{f"r{i}": s for i, s in enumerate(quiet)}))
        == []
    )


def test_the_order_is_stable_plan_then_resources_by_id_then_attention():
    after = PlanState("deal", "closed", attention=["z: one", "a: two"])
    for rid, s in (("zed", "declined"), ("mia", "countered"), ("amy", "declined")):  # not in id order
        after.commitments[rid] = Commitment(rid, s)
    expected = [
        Event("plan_closed"),
        Event("commitment_declined", "amy"),
        Event("commitment_countered", "mia"),
        Event("commitment_declined", "zed"),
        Event("needs_attention", attention=("z: one", "a: two")),  # in the plan's own order
    ]
    assert events(was("committed"), after) == expected
    assert events(was("committed"), after) == expected  # the same again


# -- end to end through the command line ------------------------------------------------------------------
@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


def hook(
    ws: Workspace,
    url: str,
    events: list[str] | None = None,
    secret_env: str | None = SECRET_ENV,
    secret_file: Path | None = None,
) -> None:
    """One more ``[[web.webhooks]]`` at the end of the workspace's config."""
    lines = ["", "[[web.webhooks]]", f'url = "{url}"']
    if events is not None:
        lines.append(f"events = {json.dumps(events)}")
    if secret_env:
        lines.append(f'secret_env = "{secret_env}"')
    if secret_file:
        lines.append(f'secret_file = "{secret_file}"')
    ws.config.write_text(ws.config.read_text() + "\n".join(lines) + "\n")


@pytest.fixture
def hooked(ws, receiver, monkeypatch) -> Workspace:
    """The Maildir workspace with one webhook for every event; its secret in the environment the
    commands inherit."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    hook(ws, receiver.url)
    return ws


def start(ws: Workspace) -> list[EmailMessage]:
    """The plan dropped and started: the two requests."""
    ws.drop_plan(PLAN, "deal.toml")
    sent = ws.tick(START)
    assert sorted(m["X-Followthru-Kind"] for m in sent) == ["request", "request"]
    return sent


def answer(ws: Workspace, sent: list[EmailMessage], sam: str = ACCEPT, lee: str = ACCEPT) -> None:
    ws.answer(find(sent, "request", "sam"), "sam.security@example.com", sam)
    ws.answer(find(sent, "request", "lee"), "lee.legal@example.com", lee)


def body(post: Received) -> dict:
    return json.loads(post.body)


def told(posts: list[Received]) -> list[tuple[str, str | None]]:
    """(event, resource id) of each post, in order."""
    return [(body(p)["event"], (body(p)["resource"] or {}).get("id")) for p in posts]


def signature(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def query(ws: Workspace, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(f"file:{ws.root / 'followthru.sqlite3'}?mode=ro", uri=True) as store:
        return store.execute(sql, args).fetchall()


def webhook_rows(ws: Workspace) -> list[tuple]:
    """(status, attempts, not_before, error) of each queued webhook event, oldest first."""
    return query(ws, "SELECT status, attempts, not_before, error FROM outbox WHERE kind = 'webhook' ORDER BY id")


def tick(ws: Workspace, now: str) -> subprocess.CompletedProcess:
    """A pass at ``now`` that must not fail; its output."""
    result = ws.cli("tick", "--now", now)
    assert "error:" not in result.stderr, result.stderr
    return result


def test_everyone_accepting_posts_one_plan_committed_signed_with_the_secret(hooked, receiver):
    answer(hooked, start(hooked))
    mail = hooked.tick(REPLIES)
    assert sorted(m["X-Followthru-Kind"] for m in mail) == ["all_committed"] * 3  # the mail as ever
    [post] = receiver.posts()
    sent = body(post)
    assert sent == {
        "id": sent["id"],
        "event": "plan_committed",
        "at": REPLIES,
        "plan": {
            "id": "deal",
            "title": "Deal with Customer",
            "customer": "Customer",
            "state": "committed",
            "version": 1,
            "owner": "riley@example.com",
            "url": None,
        },
        "resource": None,
        "attention": [],
    }
    assert re.fullmatch(r"evt_[0-9a-f]{32}", sent["id"])
    assert post.header("X-Followthru-Signature") == signature(post.body)
    assert post.header("X-Followthru-Delivery") == sent["id"]
    assert post.header("X-Followthru-Event") == "plan_committed"
    assert post.header("Content-Type") == "application/json"
    assert (post.method, post.path) == ("POST", "/hook")
    assert webhook_rows(hooked) == [("sent", 1, REPLIES, None)]
    assert f"webhook sent to {receiver.url}" in audit(hooked)
    # Later passes post nothing again.
    tick(hooked, "2026-11-30T17:00:00+00:00")
    tick(hooked, "2026-12-01T15:00:00+00:00")
    assert receiver.posts() == [post]


def test_a_decline_posts_commitment_declined_with_the_resource_and_what_needs_the_owner(hooked, receiver):
    answer(hooked, start(hooked), lee=DECLINE)
    tick(hooked, REPLIES)
    declined, attention = receiver.posts()
    assert told([declined, attention]) == [("commitment_declined", "lee"), ("needs_attention", None)]
    assert body(declined)["resource"] == {
        "id": "lee",
        "name": "Lee Legal",
        "email": "lee.legal@example.com",
        "state": "declined",
        "proposed": None,
    }
    assert body(declined)["plan"]["state"] == "active"
    assert body(attention)["attention"] == ["lee: declined, no backup left"]
    for post in (declined, attention):
        assert post.header("X-Followthru-Signature") == signature(post.body)
        assert post.header("X-Followthru-Delivery") == body(post)["id"]
    assert body(declined)["id"] != body(attention)["id"]


def test_a_counter_proposal_posts_commitment_countered_and_needs_attention(hooked, receiver):
    answer(hooked, start(hooked), lee=COUNTER)
    tick(hooked, REPLIES)
    countered, attention = receiver.posts()
    assert told([countered, attention]) == [("commitment_countered", "lee"), ("needs_attention", None)]
    assert body(countered)["resource"]["proposed"] == "2026-12-14"
    assert body(countered)["resource"]["state"] == "countered"
    assert body(attention)["attention"] == ["lee: proposed other terms"]
    # The owner approves: lee is accepted, everyone is, and the plan is committed.
    hooked.cli("decide", "deal", "lee", "approve", "--now", "2026-11-30T17:00:00+00:00")
    tick(hooked, "2026-11-30T17:01:00+00:00")
    assert told(receiver.posts()[2:]) == [("plan_committed", None)]


def test_a_plan_past_its_last_due_date_posts_plan_closed(hooked, receiver):
    answer(hooked, start(hooked))
    tick(hooked, REPLIES)
    for day in range(1, 14):  # a pass a day, well past the due dates
        tick(hooked, f"2026-12-{day:02d}T15:00:00+00:00")
    assert told(receiver.posts()) == [("plan_committed", None), ("plan_closed", None)]
    assert body(receiver.posts()[1])["plan"]["state"] == "closed"


def test_each_webhook_gets_its_own_copy_of_the_events_it_lists_signed_with_its_own_secret(
    ws, receiver, monkeypatch, tmp_path
):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    other_secret = "another-secret-for-the-crm"
    secret_file = tmp_path / "crm.secret"
    secret_file.write_text(other_secret + "\n")
    secret_file.chmod(0o600)
    hook(ws, receiver.url)  # every event
    hook(
        ws,
        f"{receiver.base}/crm",
        events=["commitment_countered", "plan_closed"],
        secret_env=None,
        secret_file=secret_file,
    )
    answer(ws, start(ws), lee=COUNTER)
    tick(ws, REPLIES)
    everything, crm = receiver.posts("/hook"), receiver.posts("/crm")
    assert told(everything) == [("commitment_countered", "lee"), ("needs_attention", None)]
    assert told(crm) == [("commitment_countered", "lee")]
    assert crm[0].header("X-Followthru-Signature") == signature(crm[0].body, other_secret)
    assert everything[0].header("X-Followthru-Signature") == signature(everything[0].body, SECRET)
    # Its own copy: the same event, its own id.
    assert {k: v for k, v in body(crm[0]).items() if k != "id"} == {
        k: v for k, v in body(everything[0]).items() if k != "id"
    }
    assert body(crm[0])["id"] != body(everything[0])["id"]
    assert crm[0].header("X-Followthru-Delivery") == body(crm[0])["id"]


def test_two_webhooks_at_one_address_are_refused_by_the_config(ws, receiver, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    hook(ws, receiver.url)
    hook(ws, receiver.url + "/", events=["plan_closed"])
    result = run_followthru("-c", str(ws.config), "tick", "--now", START)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "two webhooks have the address" in result.stderr and receiver.url in result.stderr


def test_a_webhook_address_with_a_password_is_refused_by_the_config(ws, receiver, monkeypatch):
    """It would never be sent as a login, and would be shown in every log line about the webhook."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    hook(ws, receiver.url.replace("http://", "http://crm:hunter2@"))
    result = run_followthru("-c", str(ws.config), "tick", "--now", START)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "holds no user name or password" in result.stderr and "hunter2" not in result.stderr


def test_several_answers_in_one_pass_each_tell_their_own_events(hooked, receiver):
    """Counter-proposals of two dates and an unsure answer between, read in one pass: every answer is
    applied, and each counter-proposal is posted with its own id (same name, person and second)."""
    sent = start(hooked)
    request = find(sent, "request", "lee")
    for text in (COUNTER, "Maybe, I will confirm tomorrow.", "I can do it, but only by the 16th of December."):
        hooked.answer(request, "lee.legal@example.com", text)
        time.sleep(0.002)  # the inbox's files keep their order
    hooked.answer(find(sent, "request", "sam"), "sam.security@example.com", ACCEPT)
    tick(hooked, REPLIES)
    assert audit(hooked).count("lee: reply: ") == 3
    countered = [body(p) for p in receiver.posts() if body(p)["event"] == "commitment_countered"]
    assert [c["resource"]["proposed"] for c in countered] == ["2026-12-14", "2026-12-16"]
    assert len({body(p)["id"] for p in receiver.posts()}) == len(receiver.posts())
    assert all(status == "sent" for status, *_ in webhook_rows(hooked))


def test_the_same_event_twice_in_one_second_is_posted_once(hooked, receiver):
    sent = start(hooked)
    request = find(sent, "request", "lee")
    for text in (COUNTER, "Maybe, I will confirm tomorrow.", COUNTER):
        hooked.answer(request, "lee.legal@example.com", text)
        time.sleep(0.002)
    tick(hooked, REPLIES)
    assert audit(hooked).count("lee: reply: ") == 3  # every answer applied
    assert [e for e in told(receiver.posts()) if e[0] == "commitment_countered"] == [("commitment_countered", "lee")]


def test_a_store_put_back_from_a_backup_posts_no_event_again_and_queues_one_not_yet_posted(hooked, receiver, tmp_path):
    """The journal tells the store put back what was decided and posted since the backup: the same
    decisions make the same events, under the same ids; those posted are marked so, the others go."""
    sent = start(hooked)
    store, copy = hooked.root / "followthru.sqlite3", tmp_path / "backup.sqlite3"
    with closing(sqlite3.connect(store)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)  # the nightly backup, before the answers
    hooked.answer(find(sent, "request", "lee"), "lee.legal@example.com", COUNTER)
    tick(hooked, REPLIES)
    receiver.down()
    hooked.answer(find(sent, "request", "sam"), "sam.security@example.com", DECLINE)
    tick(hooked, "2026-11-30T16:10:00+00:00")
    posted = receiver.posts()
    assert told(posted) == [("commitment_countered", "lee"), ("needs_attention", None)]
    waiting = query(hooked, "SELECT message_id FROM outbox WHERE kind = 'webhook' AND status = 'pending'")
    assert len(waiting) == 2  # sam's decline and what it leaves the owner
    for suffix in ("-wal", "-shm"):
        store.with_name(store.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(copy, store)
    receiver.up()
    tick(hooked, "2026-11-30T16:30:00+00:00")
    assert receiver.posts()[:2] == posted  # not again
    assert told(receiver.posts()[2:]) == [("commitment_declined", "sam"), ("needs_attention", None)]
    assert {f"<{p.header('X-Followthru-Delivery')}@webhook.followthru>" for p in receiver.posts()[2:]} == {
        row[0] for row in waiting
    }
    assert [row[0] for row in webhook_rows(hooked)] == ["sent"] * 4
    tick(hooked, "2026-11-30T17:00:00+00:00")
    assert len(receiver.posts()) == 4


# -- failures ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_a_receiver_answering_later_please_gets_the_event_again_after_the_back_off_once(hooked, receiver, status):
    answer(hooked, start(hooked))
    receiver.answer(status)
    tick(hooked, REPLIES)
    [refused] = receiver.posts()
    assert refused.status == status
    [(row_status, attempts, not_before, error)] = webhook_rows(hooked)
    assert (row_status, attempts, not_before) == ("pending", 1, "2026-11-30T16:01:00+00:00")  # a minute later
    assert f"the receiver answered HTTP {status}" in error
    tick(hooked, "2026-11-30T16:00:30+00:00")  # inside the back-off: nothing
    assert len(receiver.posts()) == 1
    tick(hooked, "2026-11-30T16:05:00+00:00")
    refused_again, taken = receiver.posts()[0], receiver.posts()[1]
    assert taken.status == 204 and taken.body == refused_again.body  # the same bytes, the same id
    assert taken.header("X-Followthru-Delivery") == refused.header("X-Followthru-Delivery")
    assert taken.header("X-Followthru-Signature") == signature(taken.body)
    assert webhook_rows(hooked)[0][0] == "sent"
    tick(hooked, "2026-11-30T17:00:00+00:00")
    assert len(receiver.posts()) == 2 and len(receiver.taken()) == 1


def test_a_4xx_is_given_up_with_an_audit_line_and_the_mail_goes_on(hooked, receiver):
    answer(hooked, start(hooked))
    receiver.answer(400)
    mail = hooked.tick(REPLIES)
    assert sorted(m["X-Followthru-Kind"] for m in mail) == ["all_committed"] * 3
    [(row_status, _, _, error)] = webhook_rows(hooked)
    assert row_status == "failed" and "the receiver answered HTTP 400" in error
    assert f"webhook not delivered to {receiver.url}: 550 the receiver answered HTTP 400" in audit(hooked)
    tick(hooked, "2026-11-30T17:00:00+00:00")
    tick(hooked, "2026-12-01T17:00:00+00:00")
    assert len(receiver.posts()) == 1  # given up: never again
    # Nobody is mailed about a receiver; the owner's digest is the only other mail.
    assert [m["X-Followthru-Kind"] for m in hooked.new_mail()] == ["digest"]


def test_a_receiver_that_is_down_gets_the_event_once_it_is_back(hooked, receiver):
    answer(hooked, start(hooked))
    receiver.down()
    mail = hooked.tick(REPLIES)
    assert len(mail) == 3  # the mail went
    [(row_status, attempts, _, error)] = webhook_rows(hooked)
    assert (row_status, attempts) == ("pending", 1) and "no answer from the receiver" in error
    tick(hooked, "2026-11-30T16:05:00+00:00")  # still down: the back-off doubles
    assert webhook_rows(hooked)[0][:3] == ("pending", 2, "2026-11-30T16:07:00+00:00")
    receiver.up()
    tick(hooked, "2026-11-30T16:10:00+00:00")
    [post] = receiver.posts()
    assert body(post)["event"] == "plan_committed" and post.header("X-Followthru-Signature") == signature(post.body)
    assert webhook_rows(hooked)[0][0] == "sent"


def test_an_answer_that_is_not_http_is_tried_again_and_the_pass_goes_on(hooked, receiver):
    answer(hooked, start(hooked))
    receiver.garble()
    mail = hooked.tick(REPLIES)
    assert len(mail) == 3
    [(row_status, attempts, _, error)] = webhook_rows(hooked)
    assert (row_status, attempts) == ("pending", 1) and "no answer from the receiver" in error
    tick(hooked, "2026-11-30T16:05:00+00:00")
    assert [p.status for p in receiver.posts()] == [0, 204]
    assert webhook_rows(hooked)[0][0] == "sent"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(hooked, receiver):
    answer(hooked, start(hooked))
    receiver.answer(302, Location=f"{receiver.base}/elsewhere")
    tick(hooked, REPLIES)
    assert [(r.method, r.path) for r in receiver.requests] == [("POST", "/hook")]
    [(row_status, _, _, error)] = webhook_rows(hooked)
    assert row_status == "failed" and "the receiver answered HTTP 302" in error
    tick(hooked, "2026-11-30T17:00:00+00:00")
    assert len(receiver.requests) == 1


def test_a_missing_secret_keeps_the_event_until_it_is_set(hooked, receiver, monkeypatch):
    answer(hooked, start(hooked))
    monkeypatch.delenv(SECRET_ENV)
    assert len(hooked.tick(REPLIES)) == 3  # the mail went
    [(row_status, _, _, error)] = webhook_rows(hooked)
    assert row_status == "pending" and f"the environment variable {SECRET_ENV} is not set" in error
    assert receiver.requests == []
    monkeypatch.setenv(SECRET_ENV, SECRET)
    tick(hooked, "2026-11-30T16:05:00+00:00")
    [post] = receiver.posts()
    assert post.header("X-Followthru-Signature") == signature(post.body)


def test_a_webhook_removed_from_the_config_fails_its_queued_events_clearly(hooked, receiver):
    answer(hooked, start(hooked))
    receiver.down()
    tick(hooked, REPLIES)
    assert webhook_rows(hooked)[0][0] == "pending"
    text = hooked.config.read_text()
    hooked.config.write_text(text[: text.rindex("[[web.webhooks]]")])
    receiver.up()
    tick(hooked, "2026-11-30T16:05:00+00:00")
    assert receiver.requests == []
    [(row_status, _, _, error)] = webhook_rows(hooked)
    assert row_status == "failed" and "this webhook is no longer in the config" in error
    assert f"webhook not delivered to {receiver.url}: 550 this webhook is no longer in the config" in audit(hooked)


@pytest.mark.parametrize(
    "change",
    [
        ("[plan]\n", '[plan]\nstatus = "cancelled"\n'),  # every pending message of the plan withdrawn
        ('asks = ["Review the redlines"]', 'asks = ["Review the redlines and the DPA"]'),  # lee asked again
    ],
    ids=["plan cancelled", "ask changed"],
)
def test_events_waiting_for_the_receiver_outlive_the_next_version_of_the_plan(hooked, receiver, change):
    answer(hooked, start(hooked), lee=COUNTER)
    receiver.down()
    tick(hooked, REPLIES)
    assert [row[0] for row in webhook_rows(hooked)] == ["pending", "pending"]
    hooked.drop_plan(PLAN.replace(*change), "deal.toml")
    tick(hooked, "2026-11-30T16:30:00+00:00")
    receiver.up()
    tick(hooked, "2026-11-30T17:00:00+00:00")
    assert told(receiver.posts())[:2] == [("commitment_countered", "lee"), ("needs_attention", None)]
    assert [row[0] for row in webhook_rows(hooked)] == ["sent"] * len(webhook_rows(hooked))


def test_no_secret_in_any_output_of_a_verbose_daemon(ws, receiver, monkeypatch, tmp_path):
    """``followthru run -v`` on the real clock, the receiver refusing for a while: the log says what
    failed, and neither the webhook's secret nor the token secret is in it, or in the store's words."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    hook(ws, receiver.url)
    text = (
        ws.config.read_text()
        .replace("try_out = false", "try_out = true")
        .replace("poll_seconds = 5.0", "poll_seconds = 0.5")
    )
    ws.config.write_text(text)
    ws.drop_plan(PLAN.replace("2026-", "2030-"), "deal.toml")
    receiver.answer(400)  # the first event given up, the second tried again later
    receiver.answer(500)
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "followthru", "-c", str(ws.config), "run", "-v"], stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 30
            requests: list[EmailMessage] = []
            while len(requests) < 2:
                assert time.monotonic() < deadline and daemon.poll() is None, log.read_text()
                time.sleep(0.1)
                requests += [m for m in ws.new_mail() if m["X-Followthru-Kind"] == "request"]
            answer(ws, requests, lee=DECLINE)
            while len(receiver.posts()) < 2:
                assert time.monotonic() < deadline and daemon.poll() is None, log.read_text()
                time.sleep(0.1)
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
    said = log.read_text()
    assert "the receiver answered HTTP 500" in said and "the receiver answered HTTP 400" in said
    token_secret = (ws.root / "secret.key").read_text().strip()
    words = said + ws.cli("log").stdout + ws.cli("status").stdout + json.dumps(query(ws, "SELECT error FROM outbox"))
    for secret in (SECRET, token_secret):
        assert secret not in words


# -- the mail is the mail -----------------------------------------------------------------------------------
def normalized(raw: bytes) -> bytes:
    """A message with its random parts (Message-IDs, MIME boundaries) numbered in order of appearance."""
    names: dict[bytes, bytes] = {}

    def name(match: re.Match[bytes]) -> bytes:
        return names.setdefault(match.group(0), b"<random-%d>" % len(names))

    return re.sub(rb"<\d+\.\d+\.\d+@example\.com>|=_alt_[0-9a-f]{32}|=_mix_[0-9a-f]{32}", name, raw)


def test_the_mail_is_byte_for_byte_the_same_with_or_without_a_webhook(ws, receiver, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    root, secret = ws.root, (ws.root / "secret.key").read_bytes()

    def run(hooked: bool) -> tuple[list[tuple[str, bytes]], list[bytes]]:
        shutil.rmtree(root, ignore_errors=True)
        workspace = maildir_workspace(root)  # the same folder each time: the paths in the mail are the same
        (root / "secret.key").write_bytes(secret)
        if hooked:
            hook(workspace, receiver.url)
        answer(workspace, start(workspace), lee=COUNTER)
        tick(workspace, REPLIES)
        workspace.cli("decide", "deal", "lee", "approve", "--now", "2026-11-30T17:00:00+00:00")
        tick(workspace, "2026-11-30T17:01:00+00:00")
        for day in range(1, 20):  # a pass a day, past the due dates: digests, reminders of work due, closing
            tick(workspace, f"2026-12-{day:02d}T15:00:00+00:00")
        queued = query(workspace, "SELECT kind, raw FROM outbox WHERE kind != 'webhook' ORDER BY id")
        files = sorted(p.read_bytes() for p in (root / "mail" / "outbox" / "new").iterdir())
        return [(kind, normalized(raw)) for kind, raw in queued], sorted(normalized(f) for f in files)

    with_hook = run(True)
    assert told(receiver.posts()) == [
        ("commitment_countered", "lee"),
        ("needs_attention", None),
        ("plan_committed", None),
        ("plan_closed", None),
    ]
    without = run(False)
    assert len(receiver.posts()) == 4
    assert [kind for kind, _ in with_hook[0]] == [kind for kind, _ in without[0]]
    assert len(with_hook[0]) > 5
    assert with_hook == without
