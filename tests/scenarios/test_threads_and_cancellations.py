"""Mail threads per ask, and cancellations that say what they are.

Everything that follows a request to one person about one version of their ask names the same
thread root in In-Reply-To and References and keeps the request's subject behind "Re: ", so
Gmail, Outlook and Thunderbird show one conversation; a new version starts another. A meeting
CANCEL is worded as one ("Cancelled: ..." for the whole event, "You no longer need to attend:
..." for people taken off), in every shipped language, and a whole-event CANCEL lists every
attendee, the owner as CHAIR.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from followthru.config import Config, Sender
from followthru.decisions import Decisions, Invite, Send
from followthru.drafting.drafter import Drafter
from followthru.drafting.messages import Composer
from followthru.drafting.render import Renderer
from followthru.plan import Plan
from followthru.planfile import load_plan
from followthru.states import PlanState
from support.workspace import EXAMPLE, Workspace, find, invitation, summary

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
SECRET = b"k" * 32
OWNER = "riley@example.com"
FOLLOWERS = ["reminder", "last_call", "due_reminder", "counter_approved", "released"]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE).plan


def drafter(secret: bytes = SECRET) -> Drafter:
    config = Config(sender=Sender(email="followthru@example.com"))
    return Drafter(config, Composer(config, Renderer(), secret))


def to_resource(kind: str, resource_id: str, ask: str, stands_in_for: str | None = None, **facts) -> Send:
    """A send as the engine makes it (``Engine._to_resource``)."""
    return Send(
        kind,
        f"resource:{resource_id}",
        NOW,
        about=resource_id,
        facts={"stands_in_for": stands_in_for, "agreed_due": None, "deadline": None, "ask": ask, **facts},
    )


def drafted(
    plan: Plan, sends: list[Send] = (), invites: list[Invite] = (), secret: bytes = SECRET
) -> list[EmailMessage]:
    decisions = Decisions(PlanState(plan.id), list(sends), list(invites))
    return [d.message.parsed() for d in drafter(secret).draft(plan, decisions, NOW)]


def owner_copies(plan: Plan, invites: list[Invite]) -> list[EmailMessage]:
    """The first copy of each invitation: the one for the owner's language and timezone, or for the
    first recipient's when the owner is not one."""
    return [drafted(plan, invites=[invite])[0] for invite in invites]


def root_of(message: EmailMessage) -> str:
    return message["References"].split()[0]


def conversation_subject(message: EmailMessage) -> str:
    """The subject Gmail and Outlook group by: without Re:/Fwd: prefixes."""
    subject = str(message["Subject"])
    while subject[:3].lower() in ("re:", "fw:") or subject[:4].lower() == "fwd:":
        subject = subject.split(":", 1)[1].lstrip()
    return subject


def test_every_follower_of_a_request_replies_to_its_thread_under_its_subject(plan):
    request, *followers = drafted(
        plan,
        [
            to_resource("request", "sam", "v1"),
            to_resource("reminder", "sam", "v1", requested_on=NOW),
            to_resource("last_call", "sam", "v1", requested_on=NOW),
            to_resource("due_reminder", "sam", "v1"),
            to_resource("counter_approved", "sam", "v1", agreed_due=datetime(2026, 12, 11, 17, 0)),
            to_resource("released", "sam", "v1", reason="removed"),
        ],
    )
    root = root_of(request)
    assert request["In-Reply-To"] is None and request["References"] == root
    assert root.startswith("<ask-") and root.endswith("@example.com>")
    assert str(request["Subject"]).startswith("Can you commit? ACME Corp - Q4 expansion")
    assert [m["X-Followthru-Kind"] for m in followers] == FOLLOWERS
    for follower in followers:
        assert follower["In-Reply-To"] == root and follower["References"] == root
        assert str(follower["Subject"]) == "Re: " + str(request["Subject"])
        assert conversation_subject(follower) == conversation_subject(request)
    ids = [m["Message-ID"] for m in [request, *followers]]
    assert len(set(ids)) == len(ids) and root not in ids  # Message-IDs stay random: no outbox collision
    # The agreed due date is in the words, not in the subject the thread started with.
    assert "Fri 11 Dec 2026" in followers[3].get_body(("plain",)).get_content()


def test_a_new_ask_version_or_another_person_starts_another_thread(plan):
    first, again, other = drafted(
        plan,
        [to_resource("request", "sam", "v1"), to_resource("request", "sam", "v2"), to_resource("request", "lee", "v1")],
    )
    assert len({root_of(first), root_of(again), root_of(other)}) == 3
    remade = drafted(plan, [to_resource("reminder", "sam", "v1", requested_on=NOW)])[0]
    assert remade["In-Reply-To"] == root_of(first)  # drafted again (another process): the same root
    foreign = drafted(plan, [to_resource("request", "sam", "v1")], secret=b"s" * 32)[0]
    assert root_of(foreign) != root_of(first)  # not guessable without the workspace's secret


def test_a_backups_reminder_follows_their_backup_request(plan):
    request, reminder = drafted(
        plan,
        [
            to_resource(
                "backup_request", "pat", "b1", stands_in_for="sam", replaces={"name": "Sam", "reason": "declined"}
            ),
            to_resource("reminder", "pat", "b1", stands_in_for="sam", requested_on=NOW),
        ],
    )
    assert str(request["Subject"]).startswith("Can you step in?")
    assert reminder["In-Reply-To"] == root_of(request)
    assert str(reminder["Subject"]) == "Re: " + str(request["Subject"])


def test_a_german_reader_gets_the_german_request_subject_back(plan):
    request, last_call = drafted(
        plan, [to_resource("request", "sol", "v1"), to_resource("last_call", "sol", "v1", requested_on=NOW)]
    )
    assert str(request["Subject"]).startswith("Kannst du zusagen?")
    assert str(last_call["Subject"]) == "Re: " + str(request["Subject"])


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_content())


def attendees(message: EmailMessage) -> dict[str, str]:
    event = calendar_of(message).walk("VEVENT")[0]
    listed = event.get("ATTENDEE", [])
    listed = listed if isinstance(listed, list) else [listed]
    return {str(a).removeprefix("mailto:").lower(): a.params["ROLE"] for a in listed}


@pytest.mark.parametrize(
    "language, cancelled, removed, invited, asked",
    [
        ("en", "Cancelled: ", "You no longer need to attend: ", "Invitation: ", "accept or decline"),
        ("de", "Abgesagt: ", "Du musst nicht mehr teilnehmen: ", "Einladung: ", "sag im Kalender zu oder ab"),
    ],
)
def test_cancellations_say_so_in_every_shipped_language(plan, language, cancelled, removed, invited, asked):
    plan = plan.model_copy(
        update={
            "owner": plan.owner.model_copy(update={"language": language}),
            "resources": [r.model_copy(update={"language": language}) for r in plan.resources],
        }
    )
    people = (OWNER, "sam.security@example.com", "lee.legal@example.com")
    whole, off, update = owner_copies(
        plan,
        [
            Invite("review", "CANCEL", 2, people, people, NOW),
            Invite("review", "CANCEL", 1, ("sol.engineer@example.com",), ("sol.engineer@example.com",), NOW),
            Invite("review", "REQUEST", 1, people, people, NOW),
        ],
    )
    assert str(whole["Subject"]).startswith(cancelled + "ACME Q4 expansion - review")
    assert str(off["Subject"]).startswith(removed + "ACME Q4 expansion - review")
    assert str(update["Subject"]).startswith(invited)
    for message, heading in ((whole, cancelled), (off, removed)):
        text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
        assert heading.rstrip(": ") in html and asked not in text and asked not in html
        event = calendar_of(message).walk("VEVENT")[0]
        assert asked not in str(event["DESCRIPTION"])  # the calendar's copy of the words too
    assert asked in update.get_body(("plain",)).get_content()


def test_each_attendee_reads_the_invitation_in_their_language_and_all_hold_one_event(plan):
    people = (OWNER, "sam.security@example.com", "lee.legal@example.com", "sol.engineer@example.com")
    copies = drafted(plan, invites=[Invite("review", "REQUEST", 0, people, people, NOW)])
    to = [[a.addr_spec for a in m["To"].addresses] for m in copies]
    assert sorted(sum(to, [])) == sorted(people) and to[0][0] == OWNER  # each once, the owner's copy first
    sol = next(m for m in copies if "sol.engineer@example.com" in str(m["To"]))
    assert [a.addr_spec for a in sol["To"].addresses] == ["sol.engineer@example.com"]  # the only German reader
    # In Sol's language and timezone (Berlin), in the message and in the calendar's description.
    assert str(sol["Subject"]).startswith("Einladung: ") and "16. Dez. 2026, 20:00 CET" in str(sol["Subject"])
    assert "Wann: Mi., 16. Dez. 2026, 20:00 CET" in str(calendar_of(sol).walk("VEVENT")[0]["DESCRIPTION"])
    assert all(not str(m["Subject"]).startswith("Einladung") for m in copies if m is not sol)
    events = [calendar_of(m).walk("VEVENT")[0] for m in copies]
    assert len({(str(e["UID"]), int(e["SEQUENCE"]), e.decoded("DTSTART")) for e in events}) == 1
    assert len({tuple(sorted(attendees(m).items())) for m in copies}) == 1  # the same people on every copy


def test_a_whole_event_cancel_lists_every_attendee_and_the_owner_as_chair(plan):
    people = (OWNER, "sam.security@example.com", "lee.legal@example.com")
    whole, off = owner_copies(
        plan,
        [
            Invite("review", "CANCEL", 2, people, people, NOW),
            Invite("review", "CANCEL", 1, ("sol.engineer@example.com",), ("sol.engineer@example.com",), NOW),
        ],
    )
    assert calendar_of(whole)["METHOD"] == "CANCEL"
    assert attendees(whole) == {
        OWNER: "CHAIR",
        "sam.security@example.com": "REQ-PARTICIPANT",
        "lee.legal@example.com": "REQ-PARTICIPANT",
    }
    assert attendees(off) == {"sol.engineer@example.com": "REQ-PARTICIPANT"}  # just whom it takes off


def test_through_the_cli_reminders_stay_in_the_request_thread_and_cancels_say_so(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.config.write_text(
        ws.config.read_text().replace('email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"')
    )
    ws.drop_plan(EXAMPLE.read_text())
    started = ws.tick("2026-11-30T15:00:00+00:00")
    lee = find(started, "request", "lee")
    ws.answer(find(started, "request", "sol"), "sol.engineer@example.com", "DECLINE\nIch bin im Urlaub.")
    declined = ws.tick("2026-11-30T16:00:00+00:00")
    off = next(
        m
        for m in declined
        if m["X-Followthru-Kind"] == "meeting" and m["To"].addresses[0].addr_spec == "sol.engineer@example.com"
    )
    assert str(off["Subject"]).startswith("Du musst nicht mehr teilnehmen: ")  # in Sol's language
    assert attendees(off) == {"sol.engineer@example.com": "REQ-PARTICIPANT"}
    followers = ws.tick("2026-12-01T15:00:00+00:00") + ws.tick("2026-12-02T18:00:00+00:00")
    for kind in ("reminder", "last_call"):
        message = find(followers, kind, "lee")
        assert message["In-Reply-To"] == root_of(lee) and root_of(lee) in message["References"].split()
        assert conversation_subject(message) == conversation_subject(lee)
    ws.drop_plan(EXAMPLE.read_text().replace("[plan]\n", '[plan]\nstatus = "cancelled"\n'))
    cancelled = ws.tick("2026-12-03T16:00:00+00:00")
    assert find(cancelled, "released", "lee")["In-Reply-To"] == root_of(lee)
    cancels = [m for m in cancelled if m["X-Followthru-Kind"] == "meeting"]
    # One copy per language and timezone, each in its readers' language.
    assert cancels and all(
        str(m["Subject"]).startswith("Cancelled: ") for m in cancels if "sol.engineer@example.com" not in str(m["To"])
    )
    for message in cancels:
        method, _ = invitation(message)
        assert method == "CANCEL" and attendees(message)["riley@example.com"] == "CHAIR"
    assert ("meeting", "riley@example.com") in summary(cancels)


def test_a_backup_asked_again_stays_a_backup_request_and_its_reminder_keeps_the_subject(plan):
    from followthru.engine import Engine
    from followthru.states import Answer

    config = Config(sender=Sender(email="followthru@example.com"))
    engine = Engine(config)
    state = engine.start(plan, NOW).state
    state = engine.reply(plan, state, "sol", Answer("decline"), NOW).state  # Kim is asked instead
    moved = plan.model_copy(
        update={
            "resources": [
                r.model_copy(update={"due": r.due.replace(day=9)}) if r.id == "sol" else r for r in plan.resources
            ]
        }
    )
    again = engine.update(plan, moved, state, NOW)
    [reask] = [s for s in again.sends if s.to == "resource:kim"]
    assert reask.kind == "backup_request" and reask.facts["stands_in_for"] == "sol"
    reminder = Send("reminder", "resource:kim", NOW, about="kim", facts={**reask.facts, "requested_on": NOW})
    opened, followed = [
        d.message.parsed() for d in drafter().draft(moved, Decisions(again.state, [reask, reminder]), NOW)
    ]
    assert conversation_subject(followed) == conversation_subject(opened)
    assert followed["In-Reply-To"] == root_of(opened)
    assert "Sol Engineer" in opened.get_body(("plain",)).get_content()  # whom they stand in for
