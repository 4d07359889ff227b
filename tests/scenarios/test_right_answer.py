"""A recorded answer is that person's own answer to that exact ask.

Driven through the CLI with ``tick --now`` (a new process per step), on the embedded default:
answers to an earlier version of an ask, a person asked in two plans, a stranger's calendar
answer, a plan handed to another owner, a reply relayed by a mailing list, answers waiting in the
inbox while reminders fall due, a restated due date, a changed config timezone and an outage.
"""

from __future__ import annotations

import json
import sqlite3
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from support.workspace import EXAMPLE, MONDAY, Workspace, audit, drop_reply, find, states, summary

ONE_PLAN = EXAMPLE.read_text()


def fresh_mail(sender: str, subject: str, body: str, to: str = "followthru@example.com") -> EmailMessage:
    """A new message (no thread headers, no token), as someone writing from scratch would send."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(body)
    return message


def store(ws: Workspace) -> sqlite3.Connection:
    connection = sqlite3.connect(ws.root / "followthru.sqlite3")
    connection.row_factory = sqlite3.Row
    return connection


def plan_states(ws: Workspace) -> dict[str, dict[str, str]]:
    plans = json.loads(ws.cli("status", "--json").stdout)["plans"]
    return {p["id"]: states(p) for p in plans}


# -- 2. replies reach only the ask they answer -------------------------------------------------------
def test_an_answer_threaded_to_an_earlier_version_of_the_ask_does_not_commit_to_the_new_one(ws):
    ws.drop_plan(ONE_PLAN)
    first = find(ws.tick(MONDAY), "request", "sam")
    ws.drop_plan(ONE_PLAN.replace("142 questions", "160 questions"))
    second = ws.tick("2026-11-30T16:00:00+00:00")
    assert summary(second) == [("request", "sam.security@example.com")]

    ws.answer(first, "sam.security@example.com", "Yes, I'm in. Count on me.")
    notices = ws.tick("2026-11-30T17:00:00+00:00")
    assert states(ws.status())["sam"] == "requested"  # still asked: the old yes is not a yes to this
    notice = find(notices, "owner_unmatched")
    assert notice["To"].addresses[0].addr_spec == "riley@example.com"
    text = notice.get_body(("plain",)).get_content()
    assert "earlier version" in text and "version 1 of the plan" in text and "from version 2" in text
    assert "to version 1 of the ask, not the current one (version 2): not applied" in audit(ws)

    ws.answer(find(second, "request", "sam"), "sam.security@example.com", "Yes, I'm in. Count on me.")
    ws.tick("2026-11-30T18:00:00+00:00")
    assert states(ws.status())["sam"] == "accepted"


def test_an_answer_carrying_the_token_of_an_earlier_version_does_not_commit_to_the_new_one(ws):
    ws.drop_plan(ONE_PLAN)
    first = find(ws.tick(MONDAY), "request", "lee")
    ws.drop_plan(ONE_PLAN.replace("Review ACME's redlines", "Review ACME's second redlines"))
    second = find(ws.tick("2026-11-30T16:00:00+00:00"), "request", "lee")
    assert first["Reply-To"].addresses[0].addr_spec != second["Reply-To"].addresses[0].addr_spec

    # No thread headers: only the token in the plus-address ties it to the first version.
    old = fresh_mail("lee.legal@example.com", "ACME", "ACCEPT", to=str(first["Reply-To"]))
    drop_reply(ws, old)
    ws.tick("2026-11-30T17:00:00+00:00")
    assert states(ws.status())["lee"] == "requested"
    assert "not the current one" in audit(ws)

    drop_reply(ws, fresh_mail("lee.legal@example.com", "ACME", "ACCEPT", to=str(second["Reply-To"])))
    ws.tick("2026-11-30T18:00:00+00:00")
    assert states(ws.status())["lee"] == "accepted"


def test_an_out_of_office_to_an_earlier_version_still_counts(ws):
    """Being away is a fact about the person, not an answer to one version of the ask."""
    ws.drop_plan(ONE_PLAN)
    first = find(ws.tick(MONDAY), "request", "lee")
    ws.drop_plan(ONE_PLAN.replace("Review ACME's redlines", "Review ACME's second redlines"))
    ws.tick("2026-11-30T16:00:00+00:00")
    ws.answer(
        first,
        "lee.legal@example.com",
        "I am out of the office until 1 December 2026 with limited access.",
        Auto_Submitted="auto-replied",
        Subject="Automatic reply: " + first["Subject"],
    )
    ws.tick("2026-11-30T17:00:00+00:00")
    assert states(ws.status())["lee"] == "away"


def two_plans(ws: Workspace) -> None:
    alpha = ONE_PLAN.replace('id = "acme-q4"', 'id = "alpha"').replace("ACME Corp - Q4 expansion", "Plan alpha")
    beta = ONE_PLAN.replace('id = "acme-q4"', 'id = "beta"').replace("ACME Corp - Q4 expansion", "Plan beta")
    ws.drop_plan(alpha, "alpha.toml")
    ws.drop_plan(beta, "beta.toml")
    sent = ws.tick(MONDAY)
    assert sum(1 for m in sent if m["X-Followthru-Kind"] == "request") == 6


def test_a_person_in_two_plans_whose_subject_names_one_plan_answers_that_plan_only(ws):
    two_plans(ws)
    drop_reply(ws, fresh_mail("sam.security@example.com", "Re: Plan beta - count me in", "ACCEPT"))
    ws.tick("2026-11-30T17:00:00+00:00")
    assert plan_states(ws)["beta"]["sam"] == "accepted"
    assert plan_states(ws)["alpha"]["sam"] == "requested"


def test_a_person_in_two_plans_answering_without_thread_token_or_plan_name_changes_neither(ws):
    two_plans(ws)
    drop_reply(ws, fresh_mail("sam.security@example.com", "Re: count me in", "ACCEPT"))
    notices = ws.tick("2026-11-30T17:00:00+00:00")
    assert plan_states(ws)["alpha"]["sam"] == "requested"
    assert plan_states(ws)["beta"]["sam"] == "requested"
    told = [m for m in notices if m["X-Followthru-Kind"] == "owner_unmatched"]
    assert len(told) == 1  # both plans are Riley's: one notice naming both
    text = told[0].get_body(("plain",)).get_content()
    assert "Plan alpha" in text and "Plan beta" in text and "counted it for none" in text
    assert audit(ws).count("could be for 2 open plans: not applied") == 2


def calendar_answer(uid: str, attendee: str, method: str = "REPLY", partstat: str = "ACCEPTED") -> EmailMessage:
    ics = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Example//Mail//EN",
            f"METHOD:{method}",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "SEQUENCE:0",
            "DTSTAMP:20261130T170000Z",
            "DTSTART:20261209T160000Z",
            "DTEND:20261209T170000Z",
            "ORGANIZER:mailto:followthru@example.com",
            f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = "followthru@example.com"
    message["Subject"] = "Accepted: ACME review"
    message["Message-ID"] = make_msgid(domain="evil.example")
    message.set_content("Accepted")
    message.add_attachment(ics.encode(), maintype="text", subtype="calendar", params={"method": method})
    return message


@pytest.mark.parametrize("method", ["REPLY", "COUNTER"])
def test_a_calendar_answer_from_someone_not_invited_is_not_recorded(ws, method):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    meeting = ws.status()["meetings"][0]
    assert meeting["rsvps"] == {}
    drop_reply(ws, calendar_answer(meeting["uid"], "mallory@evil.example", method))
    ws.tick("2026-11-30T17:00:00+00:00")
    assert ws.status()["meetings"][0]["rsvps"] == {}
    assert "mallory@evil.example, who is not invited" in audit(ws)

    # The same answer from an attendee counts.
    drop_reply(ws, calendar_answer(meeting["uid"], "lee.legal@example.com", method))
    ws.tick("2026-11-30T17:30:00+00:00")
    assert "lee.legal@example.com" in ws.status()["meetings"][0]["rsvps"]


def test_a_reply_relayed_by_a_mailing_list_is_not_applied_and_the_owner_is_told(ws):
    ws.drop_plan(ONE_PLAN)
    request = find(ws.tick(MONDAY), "request", "sam")
    ws.answer(
        request,
        "sam.security@example.com",
        "Yes, I'm in.",
        List_Id="Security team <security.lists.example.com>",
        X_Original_From="Sam Security <sam.security@example.com>",
        Precedence="list",
    )
    notices = ws.tick("2026-11-30T17:00:00+00:00")
    assert states(ws.status())["sam"] == "requested"
    text = find(notices, "owner_unmatched").get_body(("plain",)).get_content()
    assert "mailing list" in text
    assert "relayed by a list" in audit(ws)


# -- 3. a plan keeps its owner ------------------------------------------------------------------------
def test_a_new_version_naming_another_owner_is_rejected_and_the_owner_is_told(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    taken = ONE_PLAN.replace('email = "riley@example.com"', 'email = "eve@example.com"')
    ws.drop_plan(taken)
    notices = ws.tick("2026-11-30T16:00:00+00:00")
    errors = (ws.root / "plans" / "rejected" / "acme-q4.toml.errors.txt").read_text()
    line = next(n for n, row in enumerate(taken.splitlines(), 1) if "eve@example.com" in row)
    assert f"acme-q4.toml:{line}: owner.email: plan 'acme-q4' belongs to riley@example.com" in errors
    assert summary(notices) == [("owner_rejected", "riley@example.com")]
    assert "riley@example.com" in (ws.root / "plans" / "active" / "acme-q4.toml").read_text()
    assert ws.status()["version"] == 1


# -- 9. order within a pass ---------------------------------------------------------------------------
def test_answers_waiting_in_the_inbox_are_applied_before_any_reminder_is_decided(ws):
    ws.drop_plan(ONE_PLAN)
    sent = ws.tick(MONDAY)
    # Both answers wait in the inbox when the reminders fall due (a business day after the request).
    ws.answer(find(sent, "request", "lee"), "lee.legal@example.com", "Yes, I'm in.")
    time.sleep(0.01)
    ws.answer(find(sent, "request", "sam"), "sam.security@example.com", "Sorry, I have to decline this one.")
    later = ws.tick("2026-12-01T16:00:00+00:00")
    reminded = {m["X-Followthru-Resource"] for m in later if m["X-Followthru-Kind"] == "reminder"}
    assert "sam" not in reminded and "lee" not in reminded
    assert ("backup_request", "pat.backup@example.com") in summary(later)
    assert states(ws.status())["sam"] == "replaced"


# -- 10. dates in replies ------------------------------------------------------------------------------
def test_restating_ones_own_due_date_in_an_accept_is_an_accept(ws):
    ws.drop_plan(ONE_PLAN)
    request = find(ws.tick(MONDAY), "request", "lee")  # Lee's due date is Thu 10 Dec
    ws.answer(request, "lee.legal@example.com", "Yes, I commit. Redlines back by the 10th.")
    ws.tick("2026-11-30T17:00:00+00:00")
    assert states(ws.status())["lee"] == "accepted"


# -- 6. deadlines are instants ------------------------------------------------------------------------
def test_a_changed_config_timezone_does_not_move_a_promised_deadline(ws):
    plan = ONE_PLAN.replace('timezone = "America/New_York"\n', "")
    ws.drop_plan(plan)
    ws.tick(MONDAY)  # config timezone UTC: Sam answers by Wed 2 Dec 12:00 UTC
    config = ws.config.read_text()
    assert '\ntimezone = "UTC"' in config
    ws.config.write_text(config.replace('\ntimezone = "UTC"', '\ntimezone = "Pacific/Auckland"', 1))
    # 12:00 in Auckland on 2 Dec is 23:00 UTC on 1 Dec: a moved deadline would have passed by now.
    ws.tick("2026-12-02T00:30:00+00:00")
    assert states(ws.status())["sam"] == "requested"
    ws.tick("2026-12-02T12:30:00+00:00")
    assert states(ws.status())["sam"] == "replaced"  # the promised 12:00 UTC, not earlier


# -- 7. catching up after an outage -------------------------------------------------------------------
def test_after_an_outage_nobody_is_asked_by_a_date_already_past_and_the_owner_gets_one_notice(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    with store(ws) as connection:  # the daemon's loop made its last pass on Monday, then stopped
        connection.execute(
            "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('pass.last', ?)",
            (json.dumps({"at": MONDAY, "by": "run"}),),
        )
    now = "2026-12-04T15:00:00+00:00"  # Friday: every reply deadline (Wed 2 Dec) passed meanwhile
    sent = ws.tick(now)
    kinds = [m["X-Followthru-Kind"] for m in sent]
    assert kinds.count("owner_lapsed") == 1 and "owner_no_answer" not in kinds
    assert {m["To"].addresses[0].addr_spec for m in sent if m["X-Followthru-Kind"] == "backup_request"} == {
        "pat.backup@example.com",
        "kim.standby@example.com",
    }
    with store(ws) as connection:
        deadlines = [
            row[0] for row in connection.execute("SELECT deadline FROM commitments WHERE resource_id IN ('pat', 'kim')")
        ]
    assert deadlines and all(d is not None and d > now for d in deadlines)
    # The next pass is an ordinary one: nothing more lapsed, nothing sent twice.
    assert ws.tick("2026-12-04T15:30:00+00:00") == []


def test_handover_gives_the_plan_to_another_owner_and_tells_both(ws):
    ws.drop_plan(ONE_PLAN)
    ws.tick(MONDAY)
    ws.cli("handover", "acme-q4", "jo@example.com", "--name", "Jo Rep", "--now", "2026-11-30T16:00:00+00:00")
    mail = ws.new_mail()
    told = [m for m in mail if m["X-Followthru-Kind"] == "owner_handed_over"]
    assert sorted(m["To"].addresses[0].addr_spec for m in told) == ["jo@example.com", "riley@example.com"]
    # The new owner chairs the meetings now; the old one is taken off them.
    methods = {
        a.addr_spec: m["X-Followthru-Meeting"]
        for m in mail
        if m["X-Followthru-Kind"] == "meeting"
        for a in m["To"].addresses
    }  # one copy per language and timezone
    assert methods.pop("jo@example.com") == "update" and methods.pop("riley@example.com") == "remove"
    assert methods and set(methods.values()) == {"update"}  # the others: the new chair's update
    assert states(ws.status())["sam"] == "requested"  # nobody asked again
    # From now on a version naming the new owner is taken; one naming the old owner is refused.
    ws.drop_plan(
        ONE_PLAN.replace('email = "riley@example.com"', 'email = "jo@example.com"').replace(
            'name = "Riley Rep"', 'name = "Jo Rep"'
        )
    )
    ws.tick("2026-11-30T17:00:00+00:00")
    assert not (ws.root / "plans" / "rejected" / "acme-q4.toml").exists()
    ws.drop_plan(ONE_PLAN)
    ws.tick("2026-11-30T18:00:00+00:00")
    assert "belongs to jo@example.com" in (ws.root / "plans" / "rejected" / "acme-q4.toml.errors.txt").read_text()


def test_a_request_queued_before_an_outage_does_not_go_out_once_its_deadline_passed(ws):
    # Saturday: the requests wait for Monday's send window; the daemon is then down until Friday.
    ws.drop_plan(ONE_PLAN.replace("respond_by = 2026-12-02T12:00:00", "respond_by = 2026-12-01T12:00:00"))
    ws.tick("2026-11-28T15:00:00+00:00")
    with store(ws) as connection:
        waiting = [
            row[0]
            for row in connection.execute(
                "SELECT resource_id FROM outbox WHERE kind = 'request' AND status = 'pending'"
            )
        ]
        connection.execute(
            "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('pass.last', ?)",
            (json.dumps({"at": "2026-11-28T15:00:00+00:00", "by": "run"}),),
        )
    assert sorted(waiting) == ["lee", "sam", "sol"]
    sent = ws.tick("2026-12-04T15:00:00+00:00")
    assert not [m for m in sent if m["X-Followthru-Kind"] == "request"]  # every deadline passed meanwhile
    assert {m["To"].addresses[0].addr_spec for m in sent if m["X-Followthru-Kind"] == "backup_request"} == {
        "pat.backup@example.com",
        "kim.standby@example.com",
    }
    assert audit(ws).count("request not sent: the request is") == 3
