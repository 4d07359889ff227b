"""The whole loop, written once and run on every backend: a plan is dropped, requests go out,
replies come back and are read, reminders and last calls follow, the deadline passes, everyone
commits, the plan changes and is cancelled, with the meetings kept in step all along.

Each step is a new daemon (a new process for the mail backends, a new Followthru in this process
where the vendor is a fake at the HTTP boundary), so nothing may be lost or done twice across
restarts. ``WholeLoopTests`` holds the scenario; each ``Test<Backend>`` class below supplies the
backend through the ``backend`` fixture, an adapter from tests/support/loop.py. To add a backend,
write its adapter there and a class here (see docs/development.md).
"""

from __future__ import annotations

from collections import Counter

import pytest

from support.loop import (
    CHECK_IN,
    CHECK_IN_UID,
    REVIEW,
    REVIEW_UID,
    ExchangeLoop,
    GoogleLoop,
    GraphLoop,
    LoopBackend,
    MaildirLoop,
    SmtpImapLoop,
    Step,
)
from support.workspace import EXAMPLE, find, states, summary

EVERYONE_ON_THE_CHECK_IN = {
    "riley@example.com",
    "sam.security@example.com",
    "kim.standby@example.com",
    "lee.legal@example.com",
}


def step(backend: LoopBackend, name: str, now: str) -> Step:
    """A pass at ``now``, with the backend's own checks around it."""
    backend.before(name)
    result = backend.tick(now)
    backend.after(name, result)
    return result


def changes(result: Step) -> list[tuple[str, str, str]]:
    """The meeting notices that invite or release someone."""
    return [notice for notice in result.notices if notice[0] != "update"]


def updates(result: Step) -> list[tuple[str, str, str]]:
    return [notice for notice in result.notices if notice[0] == "update"]


def rsvps(backend: LoopBackend, meeting: str) -> dict[str, str]:
    return next(m for m in backend.status()["meetings"] if m["key"] == meeting)["rsvps"]


class WholeLoopTests:
    """The scenario; a subclass provides the ``backend`` fixture."""

    @pytest.fixture
    def backend(self) -> LoopBackend:
        raise NotImplementedError

    def test_the_whole_loop(self, backend):
        # Monday 10:00 in New York: the plan starts.
        backend.drop_plan(EXAMPLE.read_text())
        started = step(backend, "start", "2026-11-30T15:00:00+00:00")
        assert summary(started.mail) == [
            ("request", "lee.legal@example.com"),
            ("request", "sam.security@example.com"),
            ("request", "sol.engineer@example.com"),
            ("stakeholder_update", "casey.csm@example.com"),
            ("stakeholder_update", "morgan.manager@example.com"),
        ]
        # The review invites everyone asked, the rep too.
        assert started.notices == [
            ("invitation", a, REVIEW)
            for a in (
                "lee.legal@example.com",
                "riley@example.com",
                "sam.security@example.com",
                "sol.engineer@example.com",
            )
        ]
        assert all(
            m["Reply-To"].addresses[0].username.startswith("followthru+")
            for m in started.mail
            if m["X-Followthru-Kind"] == "request"
        )  # replies find their way back by token
        assert (backend.root / "plans" / "active" / "acme-q4.toml").exists()
        assert not any((backend.root / "plans" / "incoming").iterdir())
        restarted = step(backend, "restart", "2026-11-30T15:05:00+00:00")
        assert (restarted.mail, restarted.notices) == ([], [])  # restarted: nothing again

        # Sam accepts; Sol declines (Kim, the backup, is asked).
        backend.answer(
            find(started.mail, "request", "sam"), "Sam Security <sam.security@example.com>", "ACCEPT - happy to help"
        )
        backend.answer(
            find(started.mail, "request", "sol"), "sol.engineer@example.com", "DECLINE\nIch bin in der Woche im Urlaub."
        )
        replied = step(backend, "first_replies", "2026-11-30T16:00:00+00:00")
        assert summary(replied.mail) == [
            ("backup_request", "kim.standby@example.com"),
            ("owner_declined", "riley@example.com"),
            ("stakeholder_update", "morgan.manager@example.com"),
        ]
        # Sol is off the review, Kim on it; the check-in is new, for those who committed.
        assert changes(replied) == [
            ("cancellation", "sol.engineer@example.com", REVIEW),
            ("invitation", "kim.standby@example.com", REVIEW),
            ("invitation", "riley@example.com", CHECK_IN),
            ("invitation", "sam.security@example.com", CHECK_IN),
        ]
        # The others get the update (the review's roster changed), where the service tells them.
        assert updates(replied) == [
            ("update", a, REVIEW)
            for a in ("lee.legal@example.com", "riley@example.com", "sam.security@example.com")
            if backend.updates_reach_everyone
        ]
        assert states(backend.status()) == {
            "sam": "accepted",
            "lee": "requested",
            "sol": "replaced",
            "kim": "requested",
        }
        assert backend.replies_waiting() == 0  # both replies read and filed away

        if backend.answers_in_calendar:
            # Riley accepts the review in the calendar: that answer comes from the calendar, not the inbox.
            backend.answer_meeting(REVIEW_UID, "riley@example.com", "accepted")

        # Lee stays silent: a reminder a business day later, a last call, then the deadline.
        # (The rep's daily digest goes out each business morning too.)
        reminded = step(backend, "reminder", "2026-12-01T15:00:00+00:00")
        assert summary(reminded.mail) == [("digest", "riley@example.com"), ("reminder", "lee.legal@example.com")]
        assert reminded.notices == []
        if backend.answers_in_calendar:
            assert rsvps(backend, "review") == {"riley@example.com": "ACCEPTED"} and rsvps(backend, "check-in") == {}
        last_call = step(backend, "last_call", "2026-12-02T18:00:00+00:00")
        assert summary(last_call.mail) == [
            ("digest", "riley@example.com"),
            ("last_call", "kim.standby@example.com"),
            ("last_call", "lee.legal@example.com"),
        ]
        assert last_call.notices == []
        backend.answer(find(replied.mail, "backup_request"), "kim.standby@example.com", "Yes, count me in.")
        agreed = step(backend, "backup_agrees", "2026-12-02T19:00:00+00:00")
        assert agreed.mail == [] and changes(agreed) == [("invitation", "kim.standby@example.com", CHECK_IN)]
        assert updates(agreed) == [
            ("update", a, CHECK_IN)
            for a in ("riley@example.com", "sam.security@example.com")
            if backend.updates_reach_everyone
        ]
        deadline = step(backend, "deadline", "2026-12-02T22:01:00+00:00")  # 17:01 in New York
        assert summary(deadline.mail) == [
            ("owner_no_answer", "riley@example.com"),
            ("stakeholder_update", "morgan.manager@example.com"),
        ]
        assert deadline.notices == []
        assert states(backend.status())["lee"] == "expired"
        assert any("lee" in item for item in backend.status()["needs_attention"])

        # Lee answers late; everyone has committed, and Lee joins the check-in. Sam and Kim answer
        # the review in their calendars.
        backend.answer(find(started.mail, "request", "lee"), "lee.legal@example.com", "Sorry, was out. ACCEPT.")
        if backend.answers_in_calendar:
            backend.answer_meeting(REVIEW_UID, "sam.security@example.com", "accepted")
            backend.answer_meeting(REVIEW_UID, "kim.standby@example.com", "tentative")
        done = step(backend, "all_committed", "2026-12-03T14:00:00+00:00")
        expected = [
            ("all_committed", "casey.csm@example.com"),
            ("all_committed", "kim.standby@example.com"),
            ("all_committed", "lee.legal@example.com"),
            ("all_committed", "morgan.manager@example.com"),
            ("all_committed", "riley@example.com"),
            ("all_committed", "sam.security@example.com"),
            ("digest", "riley@example.com"),
        ]
        if backend.answers_in_calendar:
            expected.append(("owner_meeting_answer", "riley@example.com"))  # Kim: tentative
        assert summary(done.mail) == expected
        assert changes(done) == [("invitation", "lee.legal@example.com", CHECK_IN)]
        assert updates(done) == [
            ("update", a, CHECK_IN)
            for a in ("kim.standby@example.com", "riley@example.com", "sam.security@example.com")
            if backend.updates_reach_everyone
        ]
        assert backend.attendees(CHECK_IN_UID) == EVERYONE_ON_THE_CHECK_IN
        assert backend.status()["state"] == "committed"
        if backend.answers_in_calendar:
            assert rsvps(backend, "review") == {
                "riley@example.com": "ACCEPTED",
                "sam.security@example.com": "ACCEPTED",
                "kim.standby@example.com": "TENTATIVE",
            }

        # A plan update that moves Lee's due date contacts only Lee.
        backend.drop_plan(EXAMPLE.read_text().replace("due = 2026-12-10T17:00:00", "due = 2026-12-11T17:00:00"))
        update = step(backend, "update", "2026-12-03T15:00:00+00:00")
        assert summary(update.mail) == [("request", "lee.legal@example.com")] and update.notices == []
        text = update.mail[0].get_body(("plain",)).get_content()
        assert "Fri 11 Dec 2026" in text
        assert "Mon 7 Dec 2026, 09:00 CST" in text  # the plan's deadline has passed: two business days to answer
        assert len(list((backend.root / "plans" / "archive").iterdir())) == 1

        # Cancelling cancels both meetings for everyone on them and releases everyone.
        backend.drop_plan(EXAMPLE.read_text().replace("[plan]\n", '[plan]\nstatus = "cancelled"\n'))
        cancelled = step(backend, "cancelled", "2026-12-03T16:00:00+00:00")
        assert Counter(m["X-Followthru-Kind"] for m in cancelled.mail)["released"] == 3
        assert Counter((change, title) for change, _, title in cancelled.notices) == {
            ("cancellation", CHECK_IN): 4,
            ("cancellation", REVIEW): 4,
        }
        assert {to for _, to, title in cancelled.notices if title == CHECK_IN} == EVERYONE_ON_THE_CHECK_IN
        assert backend.status()["state"] == "cancelled"

        # Across all these restarts every message went out once.
        everything = backend.all_sent()
        ids = [m["Message-ID"] for m in everything]
        assert len(ids) == len(set(ids))
        requests = Counter(m["X-Followthru-Resource"] for m in everything if m["X-Followthru-Kind"] == "request")
        assert requests == {"sam": 1, "sol": 1, "lee": 2}
        if not backend.invitations_by_mail:
            assert "meeting" not in {m["X-Followthru-Kind"] for m in everything}  # the calendar service invites
        log = backend.log("acme-q4")
        assert "reply: decline" in log and "expired" in log and "plan cancelled" in log
        if backend.answers_in_calendar:
            assert "RSVP ACCEPTED from sam.security@example.com for review" in log
        backend.after("end", Step(everything, []))

    def test_a_broken_plan_is_rejected_with_its_errors_and_the_owner_is_told(self, backend):
        backend.drop_plan(EXAMPLE.read_text().replace('backups = ["pat"]', 'backups = ["pet"]'), "broken.toml")
        sent = backend.tick("2026-11-30T15:00:00+00:00")
        rejected = backend.root / "plans" / "rejected"
        assert (rejected / "broken.toml").exists()
        errors = (rejected / "broken.toml.errors.txt").read_text()
        assert "resources[0].backups[0]: no resource has the id 'pet'" in errors
        assert summary(sent.mail) == [("owner_rejected", "riley@example.com")] and sent.notices == []
        assert "no resource has the id 'pet'" in sent.mail[0].get_body(("plain",)).get_content()

    def test_a_reply_from_someone_else_changes_nothing(self, backend):
        backend.drop_plan(EXAMPLE.read_text())
        started = backend.tick("2026-11-30T15:00:00+00:00")
        backend.answer(find(started.mail, "request", "sam"), "mallory@evil.example", "ACCEPT")
        notice = backend.tick("2026-11-30T16:00:00+00:00")
        assert summary(notice.mail) == [("owner_unmatched", "riley@example.com")]
        assert states(backend.status())["sam"] == "requested"

    def test_counter_proposal_and_the_owners_decision(self, backend):
        backend.drop_plan(EXAMPLE.read_text())
        started = backend.tick("2026-11-30T15:00:00+00:00")
        backend.answer(
            find(started.mail, "request", "sam"),
            "sam.security@example.com",
            "I can't make Dec 9, but I can do it by Dec 11 instead.",
        )
        notice = backend.tick("2026-11-30T16:00:00+00:00")
        assert summary(notice.mail) == [("owner_counter", "riley@example.com")]
        assert states(backend.status())["sam"] == "countered"
        backend.answer(notice.mail[0], "riley@example.com", "APPROVE")
        approved = backend.tick("2026-11-30T17:00:00+00:00")
        assert ("counter_approved", "sam.security@example.com") in summary(approved.mail)
        assert states(backend.status())["sam"] == "accepted"
        assert "Fri 11 Dec 2026" in find(approved.mail, "counter_approved").get_body(("plain",)).get_content()


class CalendarAnswerTests:
    """For backends where people answer meetings in their calendar (``answers_in_calendar``)."""

    def test_a_calendar_answer_keeps_the_reminders_coming(self, backend):
        backend.drop_plan(EXAMPLE.read_text())
        backend.tick("2026-11-30T15:00:00+00:00")
        backend.answer_meeting(REVIEW_UID, "sam.security@example.com", "accepted")
        backend.tick("2026-11-30T16:00:00+00:00")
        reminders = summary(backend.tick("2026-12-01T15:00:00+00:00").mail)
        assert ("reminder", "lee.legal@example.com") in reminders


def finished(backend: LoopBackend):
    yield backend
    backend.finish()


class TestMaildir(WholeLoopTests):
    @pytest.fixture
    def backend(self, tmp_path):
        yield from finished(MaildirLoop(tmp_path / "ws"))


class TestSmtpImap(WholeLoopTests):
    @pytest.fixture
    def backend(self, tmp_path, mail_stack):
        yield from finished(SmtpImapLoop(tmp_path / "ws", mail_stack))


class TestExchange(WholeLoopTests, CalendarAnswerTests):
    @pytest.fixture
    def backend(self, tmp_path, monkeypatch):
        yield from finished(ExchangeLoop(tmp_path / "ws", monkeypatch))


class TestGoogle(WholeLoopTests, CalendarAnswerTests):
    @pytest.fixture
    def backend(self, tmp_path, monkeypatch):
        yield from finished(GoogleLoop(tmp_path / "ws", monkeypatch))


class TestGraph(WholeLoopTests, CalendarAnswerTests):
    @pytest.fixture
    def backend(self, tmp_path, monkeypatch):
        yield from finished(GraphLoop(tmp_path / "ws", monkeypatch))
