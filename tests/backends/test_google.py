"""The Google backend (Gmail API, Calendar API) at the HTTP boundary.

Everything above the HTTP connection is the real code: googleapiclient builds the requests from
its own bundled discovery documents, google-auth signs the service account's JWT and fetches and
refreshes tokens, the backend retries and explains. Only ``followthru.backends.google.auth.transport``,
the function that makes the plain HTTP connection, is replaced: by googleapiclient's
``HttpMockSequence`` to check requests one by one, or by the stateful fake in
``tests/support/fake_google.py``, which checks every request against the discovery documents and answers
the way Google documents.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import stat
import threading
import time
import tomllib
import urllib.request
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import tomli_w
from click.testing import CliRunner
from googleapiclient.http import HttpMockSequence

import followthru.backends.google.auth as google_auth
import followthru.backends.google.gmail as gmail
from followthru.backends.base import CalendarAnswer, SendError, Unavailable
from followthru.backends.google import GmailMail, GoogleCalendar, authorize
from followthru.backends.google.calendar import event_id
from followthru.cli import main
from followthru.config import ConfigError, init_workspace, load_config
from support.fake_google import (
    CALENDAR_SCOPE,
    GMAIL_SCOPE,
    TOKEN_URI,
    FakeGoogle,
    Invalid,
    OAuthClient,
    ServiceAccount,
    identify,
    make_service_account,
)
from support.service_inputs import ME, meeting, message

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
EVENTS = "https://www.googleapis.com/calendar/v3/calendars/primary/events"


class State(dict):
    """A SyncState kept in memory (the daemon's is the store)."""

    def get_sync(self, key: str) -> str | None:
        return self.get(key)

    def put_sync(self, key: str, value: str) -> None:
        self[key] = value


class Google:
    """A workspace whose mail and calendar are Google's, and the fake Google behind it."""

    def __init__(self, root: Path, account: ServiceAccount, monkeypatch, **google):
        self.root = root
        self.config_path = init_workspace(root)
        self.key_file = root / "service-account.json"
        self.key_file.write_text(json.dumps(account.info))
        self.key_file.chmod(0o600)
        self.configure(google={"service_account_file": self.key_file.name, **google})
        self.fake = FakeGoogle(ME, service_account=account)
        self.http = self.fake
        self.timeouts: list[float] = []
        self.slept: list[float] = []
        self.state = State()
        monkeypatch.setattr(google_auth, "transport", self.transport)

    def transport(self, timeout: float):
        self.timeouts.append(timeout)
        return self.http

    def configure(self, mail: str = "google", calendar: str = "google", google: dict | None = None) -> None:
        data = tomllib.loads(self.config_path.read_text())
        data["sender"]["email"] = ME
        data["mail"]["backend"] = mail
        data["calendar"]["backend"] = calendar
        data.setdefault("google", {}).update(google or {})
        self.config_path.write_text(tomli_w.dumps(data))

    def config(self):
        return load_config(self.config_path)

    def mail(self) -> GmailMail:
        backend = GmailMail(self.config(), self.state)
        backend.api.sleep = self.slept.append
        return backend

    def calendar(self) -> GoogleCalendar:
        backend = GoogleCalendar(self.config(), self.state)
        backend.api.sleep = self.slept.append
        return backend


@pytest.fixture(scope="module")
def account() -> ServiceAccount:
    return make_service_account()


@pytest.fixture
def google(tmp_path, account, monkeypatch):
    workspace = Google(tmp_path / "ws", account, monkeypatch)
    yield workspace
    assert workspace.fake.invalid == []  # no request the discovery documents do not allow, swallowed or not


class Sequence(HttpMockSequence):
    """googleapiclient's request-by-request mock; the backend closes its connection."""

    def close(self) -> None:
        pass

    def requests(self):
        """(call checked against the discovery document, headers) for each request made."""
        return [
            (identify(uri, method, body.decode() if isinstance(body, bytes) else body), headers)
            for uri, method, body, headers in self.request_sequence
        ]


def ok(body) -> tuple[dict, str]:
    return {"status": "200"}, json.dumps(body)


def error(status: int, reason: str, message: str, **headers: str) -> tuple[dict, str]:
    return {"status": str(status), **headers}, json.dumps(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
                "status": {
                    400: "INVALID_ARGUMENT",
                    403: "PERMISSION_DENIED",
                    404: "NOT_FOUND",
                    429: "RESOURCE_EXHAUSTED",
                }.get(status, "UNKNOWN"),
            }
        }
    )


TOKEN = ok({"access_token": "ya29.sequence-token", "expires_in": 3599, "token_type": "Bearer"})


# -- request by request, against the discovery documents ------------------------------------------------
def test_send_searches_the_sent_mail_then_posts_the_raw_message(google):
    google.http = Sequence(
        [TOKEN, ok({"resultSizeEstimate": 0}), ok({"id": "18c2d5e9a1", "threadId": "18c2d5e9a1", "labelIds": ["SENT"]})]
    )
    raw = message(
        ME,
        "Hello Sam",
        Message_ID="<req-1@example.com>",
        In_Reply_To="<earlier@example.com>",
        References="<earlier@example.com>",
        Reply_To="followthru+tok@example.com",
    )
    assert google.mail().send("<req-1@example.com>", ["sam.security@example.com"], raw, ME) == []
    (token, _), (search, search_headers), (send, send_headers) = google.http.requests()
    assert token.method_id == "token" and token.body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert search.method_id == "gmail.users.messages.list" and search.path == {"userId": "me"}
    assert search.query["q"] == ["rfc822msgid:req-1@example.com"] and search.query["labelIds"] == ["SENT"]
    assert search.query["includeSpamTrash"] == ["true"]
    assert send.method_id == "gmail.users.messages.send" and send.http_method == "POST"
    assert set(send.body) == {"raw"}
    assert base64.urlsafe_b64decode(send.body["raw"]) == raw  # byte for byte: every header kept
    assert send_headers["authorization"] == search_headers["authorization"] == "Bearer ya29.sequence-token"
    assert [urlsplit(uri).path for uri, *_ in google.http.request_sequence] == [
        "/token",
        "/gmail/v1/users/me/messages",
        "/gmail/v1/users/me/messages/send",
    ]
    assert google.timeouts == [google_auth.TIMEOUT_SECONDS]  # the one seam, with the timeout


def test_reading_asks_history_since_the_stored_position_and_files_away(google):
    raw = message()
    google.state.put_sync(f"gmail:{ME}:history", json.dumps({"history_id": "41000"}))
    google.http = Sequence(
        [
            TOKEN,
            ok(
                {
                    "history": [
                        {
                            "id": "41002",
                            "messages": [{"id": "m1", "threadId": "t1"}],
                            "messagesAdded": [
                                {"message": {"id": "m1", "threadId": "t1", "labelIds": ["INBOX", "UNREAD"]}}
                            ],
                        }
                    ],
                    "historyId": "41005",
                }
            ),
            ok(
                {
                    "id": "m1",
                    "threadId": "t1",
                    "labelIds": ["INBOX", "UNREAD"],
                    "snippet": "ACCEPT",
                    "sizeEstimate": len(raw),
                    "historyId": "41002",
                    "internalDate": "1795000000000",
                    "raw": base64.urlsafe_b64encode(raw).decode(),
                }
            ),
            ok(
                {
                    "labels": [
                        {"id": "INBOX", "name": "INBOX", "type": "system"},
                        {"id": "Label_7", "name": "Followthru", "type": "user"},
                    ]
                }
            ),
            ok({"id": "m1", "threadId": "t1", "labelIds": ["UNREAD", "Label_7"]}),
        ]
    )
    mail = google.mail()
    [incoming] = list(mail.fetch_new())
    assert incoming.raw == raw and incoming.ref == "m1"
    mail.done(incoming)
    _, (history, _), (get, _), (labels, _), (modify, _) = google.http.requests()
    assert history.method_id == "gmail.users.history.list"
    assert history.query == {
        "startHistoryId": ["41000"],
        "historyTypes": ["messageAdded"],
        "labelId": ["INBOX"],
        "alt": ["json"],
    }
    assert get.method_id == "gmail.users.messages.get" and get.path["id"] == "m1" and get.query["format"] == ["raw"]
    assert labels.method_id == "gmail.users.labels.list"
    assert modify.method_id == "gmail.users.messages.modify" and modify.path["id"] == "m1"
    assert modify.body == {"removeLabelIds": ["INBOX"], "addLabelIds": ["Label_7"]}
    assert json.loads(google.state[f"gmail:{ME}:history"]) == {"history_id": "41005"}


def test_a_new_meeting_is_inserted_with_a_deterministic_id_and_invitations(google):
    google.http = Sequence([TOKEN, error(404, "notFound", "Not Found"), ok({"id": "x", "status": "confirmed"})])
    google.calendar().publish(meeting(rrule="FREQ=WEEKLY;COUNT=3"))
    _, (get, _), (insert, _) = google.http.requests()
    uid = "followthru-acme-q4-review@example.com"
    assert [(method, uri.partition("?")[0]) for uri, method, *_ in google.http.request_sequence[1:]] == [
        ("GET", f"{EVENTS}/{event_id(uid)}"),
        ("POST", EVENTS),
    ]
    assert get.method_id == "calendar.events.get" and get.path == {"calendarId": "primary", "eventId": event_id(uid)}
    assert insert.method_id == "calendar.events.insert" and insert.query["sendUpdates"] == ["all"]
    body = insert.body
    assert re.fullmatch(r"[a-v0-9]{52}", body["id"]) and body["id"] == event_id(uid)
    assert [a["email"] for a in body["attendees"]] == [
        "riley@example.com",
        "sam.security@example.com",
        "lee.legal@example.com",
    ]
    assert body["attendees"][0]["displayName"] == "Riley Rep" and "responseStatus" not in body["attendees"][1]
    assert body["start"] == {"dateTime": "2026-12-16T14:00:00-05:00", "timeZone": "America/New_York"}
    assert body["end"] == {"dateTime": "2026-12-16T15:00:00-05:00", "timeZone": "America/New_York"}
    assert body["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=3"]
    assert body["extendedProperties"] == {"private": {"followthruUid": uid}}
    assert (body["summary"], body["location"], body["status"]) == (
        "ACME Q4 expansion - review",
        "https://meet.example.com/acme-review",
        "confirmed",
    )


def test_answers_are_read_with_the_sync_token(google):
    uid = "followthru-acme-q4-review@example.com"
    event = {
        "kind": "calendar#event",
        "id": event_id(uid),
        "status": "confirmed",
        "summary": "Review",
        "extendedProperties": {"private": {"followthruUid": uid}},
        "organizer": {"email": ME, "self": True},
        "attendees": [
            {"email": ME, "organizer": True, "self": True, "responseStatus": "accepted"},
            {"email": "Sam.Security@example.com", "responseStatus": "accepted"},
            {"email": "lee.legal@example.com", "responseStatus": "declined"},
            {"email": "kim.standby@example.com", "responseStatus": "tentative"},
            {"email": "sol.engineer@example.com", "responseStatus": "needsAction"},
        ],
    }
    google.http = Sequence(
        [
            TOKEN,
            ok({"kind": "calendar#events", "items": [event], "nextSyncToken": "sync-1"}),
            ok({"kind": "calendar#events", "items": [], "nextSyncToken": "sync-2"}),
        ]
    )
    calendar = google.calendar()
    assert sorted(calendar.answers(), key=lambda a: a.attendee) == [
        CalendarAnswer(uid, "kim.standby@example.com", "TENTATIVE"),
        CalendarAnswer(uid, "lee.legal@example.com", "DECLINED"),
        CalendarAnswer(uid, "sam.security@example.com", "ACCEPTED"),
    ]
    assert list(calendar.answers()) == []
    _, (full, _), (incremental, _) = google.http.requests()
    assert full.method_id == incremental.method_id == "calendar.events.list"
    assert "syncToken" not in full.query and incremental.query["syncToken"] == ["sync-1"]
    assert google.state[f"gcal:{ME}:primary:sync"] == "sync-2"


def test_the_discovery_documents_catch_a_wrong_request():
    """The checks the tests rely on: a field the schema lacks, a read-only field, an unknown parameter."""
    events = "https://www.googleapis.com/calendar/v3/calendars/primary/events"
    with pytest.raises(Invalid, match="read-only"):
        identify(
            f"{events}/abc12?sendUpdates=all",
            "PATCH",
            json.dumps({"attendees": [{"email": "a@example.com", "self": True}]}),
        )
    with pytest.raises(Invalid, match="not a field of Message"):
        identify(
            "https://gmail.googleapis.com/gmail/v1/users/me/messages/send",
            "POST",
            json.dumps({"raw": "eA", "envelopeFrom": "x@example.com"}),
        )
    with pytest.raises(Invalid, match="not one of"):
        identify(f"{events}?sendUpdates=everyone", "POST", json.dumps({"summary": "x"}))
    with pytest.raises(Invalid, match="no query parameter 'since'"):
        identify("https://gmail.googleapis.com/gmail/v1/users/me/history?since=4", "GET")
    assert identify(f"{events}/abc12?sendUpdates=all", "DELETE").method_id == "calendar.events.delete"


# -- mail through the stateful fake -------------------------------------------------------------------------
def test_a_sent_message_arrives_with_its_headers_and_is_not_sent_twice(google):
    raw = message(
        ME,
        "Hello Sam",
        "sam.security@example.com",
        Message_ID="<req-2@example.com>",
        In_Reply_To="<earlier@example.com>",
        References="<first@example.com> <earlier@example.com>",
        Reply_To="followthru+tok@example.com",
    )
    mail = google.mail()
    assert mail.send("<req-2@example.com>", ["sam.security@example.com"], raw, ME) == []
    assert mail.send("<req-2@example.com>", ["sam.security@example.com"], raw, ME) == []  # the daemon's retry
    [arrived] = google.fake.sent_to("sam.security@example.com")
    assert arrived["Message-ID"] == "<req-2@example.com>" and arrived["In-Reply-To"] == "<earlier@example.com>"
    assert arrived["References"] == "<first@example.com> <earlier@example.com>"
    assert arrived["Reply-To"] == "followthru+tok@example.com"
    assert len(google.fake.calls_of("gmail.users.messages.send")) == 1


def test_replies_are_read_once_oldest_first_and_leave_the_inbox(google):
    fake = google.fake
    first, second = fake.deliver(message(text="first")), fake.deliver(message(text="second"))
    mail = google.mail()
    found = list(mail.fetch_new())  # the first run reads what the INBOX holds
    assert [i.ref for i in found] == [first, second]
    for incoming in found:
        mail.done(incoming)
    label = fake.label_named("Followthru")
    assert label is not None and label["type"] == "user"
    assert all(fake.messages[i]["labelIds"] == ["UNREAD", label["id"]] for i in (first, second))
    third = fake.deliver(message(text="third"))
    before = len(fake.calls)
    [incoming] = list(mail.fetch_new())
    assert incoming.ref == third
    assert [c.method_id for c in fake.calls[before:]] == ["gmail.users.history.list", "gmail.users.messages.get"]
    mail.done(incoming)
    before = len(fake.calls)
    assert list(mail.fetch_new()) == []  # nothing new: one small request, whatever the mailbox holds
    assert [c.method_id for c in fake.calls[before:]] == ["gmail.users.history.list"]
    assert len(fake.calls_of("gmail.users.labels.create")) == 1


def test_an_expired_history_id_means_reading_the_inbox_again(google, caplog):
    fake, mail = google.fake, google.mail()
    list(mail.fetch_new())
    fake.expire_history()  # a week later Google has forgotten the position
    waiting = fake.deliver(message(text="while we were away"))
    with caplog.at_level(logging.WARNING):
        found = list(mail.fetch_new())
    assert [i.ref for i in found] == [waiting]
    assert [c.status for c in fake.calls_of("gmail.users.history.list")][-1] == 404
    assert "no longer has the history" in caplog.text
    mail.done(found[0])
    assert list(mail.fetch_new()) == []  # back to incremental, from the new position
    assert fake.calls[-1].method_id == "gmail.users.history.list" and fake.calls[-1].status == 200


def test_a_backlog_is_read_over_several_passes(google, monkeypatch):
    monkeypatch.setattr(gmail, "MAX_PER_CHECK", 2)
    ids = [google.fake.deliver(message(text=f"number {n}")) for n in range(5)]
    mail, passes = google.mail(), []
    while len(passes) < 5:
        found = list(mail.fetch_new())
        if not found:
            break
        passes.append([i.ref for i in found])
        for incoming in found:
            mail.done(incoming)
    assert passes == [ids[0:2], ids[2:4], ids[4:5]]


def test_google_calendar_notices_of_answers_are_filed_away_unread(google):
    uid = event_id("followthru-acme-q4-review@example.com") + "@google.com"
    notice = EmailMessage()
    notice["From"] = "Sam Security <sam.security@example.com>"
    notice["To"] = ME
    notice["Subject"] = "Accepted: ACME Q4 expansion - review"
    notice["Message-ID"] = "<calendar-notice@google.com>"
    notice.set_content("Sam Security has accepted this invitation.")
    notice.add_alternative(
        f"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:sam.security@example.com\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        subtype="calendar",
        params={"method": "REPLY"},
    )
    skipped = google.fake.deliver(notice.as_bytes())
    kept = google.fake.deliver(message(text="ACCEPT"))
    assert [i.ref for i in google.mail().fetch_new()] == [kept]
    assert "INBOX" not in google.fake.messages[skipped]["labelIds"]


def test_watching_asks_gmail_every_poll_interval_only(google):
    google.configure(google={"poll_seconds": 0.2})
    mail, woken = google.mail(), threading.Event()
    mail.watch(woken.set, lambda folder: None)
    try:
        list(mail.fetch_new())
        before = len(google.fake.calls)
        assert list(mail.fetch_new()) == [] and len(google.fake.calls) == before  # between polls: no request
        assert woken.wait(5)
        time.sleep(0.2)
        list(mail.fetch_new())
        assert len(google.fake.calls) == before + 1
    finally:
        mail.close()


# -- throttling, quota, expiry ------------------------------------------------------------------------------
def test_throttling_is_retried_after_the_time_google_asks(google):
    google.fake.fail(
        "gmail.users.messages.send", 429, "rateLimitExceeded", "Rate Limit Exceeded", headers={"Retry-After": "7"}
    )
    mail = google.mail()
    raw = message(ME, to="sam.security@example.com", Message_ID="<t1@example.com>")
    assert mail.send("<t1@example.com>", ["sam.security@example.com"], raw, ME) == []
    assert [c.status for c in google.fake.calls_of("gmail.users.messages.send")] == [429, 200]
    assert len(google.slept) == 1 and 7 <= google.slept[0] < 8
    assert len(google.fake.sent_to("sam.security@example.com")) == 1


def test_calendar_rate_limits_back_off_exponentially(google):
    google.fake.fail("calendar.events.insert", 403, "rateLimitExceeded", "Rate Limit Exceeded", times=2)
    google.fake.fail("calendar.events.get", 503, "backendError", "Backend Error", domain="global")
    google.calendar().publish(meeting())
    assert [c.status for c in google.fake.calls_of("calendar.events.insert")] == [403, 403, 200]
    assert len(google.slept) == 3 and 1 <= google.slept[0] < 2 and 1 <= google.slept[1] < 2 and 2 <= google.slept[2] < 3


def test_throttling_that_lasts_is_unavailable_never_a_crash(google):
    google.fake.fail("gmail.users.history.list", 429, "userRateLimitExceeded", "User-rate limit exceeded", times=100)
    mail = google.mail()
    mail.state.put_sync(f"gmail:{ME}:history", json.dumps({"history_id": "41000"}))
    with pytest.raises(Unavailable, match=r"Gmail API \(followthru@example.com\) is still throttling after 5 tries"):
        list(mail.fetch_new())
    assert len(google.fake.calls_of("gmail.users.history.list")) == 5 and sum(google.slept) <= 30
    before = len(google.fake.calls)
    with pytest.raises(Unavailable, match="is throttling Followthru; asking again in"):
        mail.send("<t3@example.com>", [ME], message(ME, Message_ID="<t3@example.com>"), ME)
    assert len(google.fake.calls) == before  # left alone for the time Google asked


def test_gmail_retry_after_time_beyond_the_budget_is_unavailable_at_once(google):
    later = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    google.fake.fail(
        "gmail.users.messages.send", 429, "rateLimitExceeded", f"User-rate limit exceeded.  Retry after {later}"
    )
    with pytest.raises(Unavailable, match=r"still throttling after 1 try .*Followthru asks again in 7\d\d\d s"):
        google.mail().send("<t2@example.com>", [ME], message(ME, Message_ID="<t2@example.com>"), ME)
    assert google.slept == []


@pytest.mark.parametrize(
    "method_id, reason, text, backend",
    [
        ("gmail.users.messages.send", "dailyLimitExceeded", "Daily Limit Exceeded", "mail"),
        ("calendar.events.get", "quotaExceeded", "Calendar usage limits exceeded.", "calendar"),
    ],
)
def test_an_exhausted_quota_is_named_and_not_retried(google, method_id, reason, text, backend):
    google.fake.fail(method_id, 403, reason, text)
    with pytest.raises(Unavailable) as raised:
        if backend == "mail":
            google.mail().send("<q@example.com>", [ME], message(ME, Message_ID="<q@example.com>"), ME)
        else:
            google.calendar().publish(meeting())
    assert f"the {reason} quota is used up ({text})" in str(raised.value)
    assert "Quotas" in str(raised.value) and len(google.fake.calls_of(method_id)) == 1 and google.slept == []


@pytest.mark.parametrize("status", [503, 0], ids=["5xx", "timeout"])
def test_a_send_whose_answer_was_lost_is_not_repeated(google, status):
    google.fake.fail("gmail.users.messages.send", status, "backendError", "Backend Error", domain="global", lost=True)
    mail = google.mail()
    raw = message(ME, to="sam.security@example.com", Message_ID="<lost@example.com>")
    with pytest.raises(Unavailable):
        mail.send("<lost@example.com>", ["sam.security@example.com"], raw, ME)
    assert mail.send("<lost@example.com>", ["sam.security@example.com"], raw, ME) == []  # the daemon's next try
    assert len(google.fake.calls_of("gmail.users.messages.send")) == 1 and google.slept == []
    assert len(google.fake.sent_to("sam.security@example.com")) == 1


def test_a_refused_message_is_a_permanent_send_error(google):
    google.fake.fail("gmail.users.messages.send", 400, "invalidArgument", "Invalid To header", domain="global")
    with pytest.raises(SendError, match="Invalid To header") as raised:
        google.mail().send("<bad@example.com>", [ME], message(ME, Message_ID="<bad@example.com>"), ME)
    assert raised.value.permanent


def test_an_expired_access_token_is_refreshed(google):
    mail = google.mail()
    list(mail.fetch_new())
    google.fake.expire_tokens()  # an hour later
    google.fake.deliver(message())
    assert len(list(mail.fetch_new())) == 1
    assert [c.status for c in google.fake.calls_of("token")] == [200, 200]
    assert [c.status for c in google.fake.calls_of("gmail.users.history.list")] == [401, 200]


def test_an_oauth_sign_in_refreshes_with_its_refresh_token(google):
    client = OAuthClient()
    google.fake.oauth = client
    token_file = google.root / "google-token.json"
    token_file.write_text(
        json.dumps(
            {
                "token": "ya29.stale",
                "refresh_token": client.refresh_token,
                "token_uri": TOKEN_URI,
                "client_id": client.client_id,
                "client_secret": client.client_secret,
                "scopes": [GMAIL_SCOPE, CALENDAR_SCOPE],
            }
        )
    )
    token_file.chmod(0o600)
    google.configure(google={"auth": "oauth"})
    mail = google.mail()
    assert list(mail.fetch_new()) == []
    [refresh] = google.fake.calls_of("token")
    assert refresh.body["grant_type"] == "refresh_token" and refresh.body["refresh_token"] == client.refresh_token
    client.refresh_token = "1//0another"  # the user revoked the access
    google.fake.expire_tokens()
    with pytest.raises(
        Unavailable,
        match=r"invalid_grant: Token has been expired or revoked.*run 'followthru auth "
        r"google' again",
    ):
        list(mail.fetch_new())


def test_delegation_not_granted_says_what_the_admin_must_do(google, account):
    google.fake.delegation = False
    with pytest.raises(Unavailable) as raised:
        list(google.mail().fetch_new())
    text = str(raised.value)
    assert "unauthorized_client" in text and "domain-wide delegation is not granted" in text
    assert f"client ID {account.client_id} ({account.email})" in text
    assert f"for the scopes {GMAIL_SCOPE},{CALENDAR_SCOPE}" in text
    assert "Security > Access and data control > API controls > Manage Domain Wide Delegation" in text


def test_a_failed_precondition_from_gmail_names_the_delegation_fix(google, account):
    google.fake.fail("gmail.users.getProfile", 400, "failedPrecondition", "Precondition check failed.", domain="global")
    with pytest.raises(
        Unavailable,
        match=rf"Precondition check failed.*may not act as {ME}.*client ID "
        rf"{account.client_id}",
    ):
        list(google.mail().fetch_new())


def test_an_unknown_subject_names_the_key(google):
    google.configure(google={"subject": "nobody@example.com"})
    with pytest.raises(Unavailable, match=r"no such user nobody@example.com; check google.subject"):
        list(google.mail().fetch_new())


def test_only_the_scopes_in_use_are_asked_for(google):
    google.configure(calendar="imip")
    google.fake.granted_scopes = {GMAIL_SCOPE}  # the admin granted Gmail only
    list(google.mail().fetch_new())
    claims = json.loads(
        base64.urlsafe_b64decode(google.fake.calls_of("token")[0].body["assertion"].split(".")[1] + "==")
    )
    assert claims["scope"] == GMAIL_SCOPE and claims["sub"] == ME


def test_no_secret_reaches_the_logs(google, account, caplog):
    client = OAuthClient()
    google.fake.oauth = client
    caplog.set_level(logging.DEBUG)
    mail = google.mail()
    list(mail.fetch_new())
    google.fake.expire_tokens()
    list(mail.fetch_new())
    google.fake.delegation = False
    google.fake.expire_tokens()
    with pytest.raises(Unavailable) as refused:
        list(mail.fetch_new())
    token_file = google.root / "google-token.json"
    token_file.write_text(
        json.dumps(
            {
                "refresh_token": client.refresh_token,
                "token_uri": TOKEN_URI,
                "client_id": client.client_id,
                "client_secret": client.client_secret,
            }
        )
    )
    token_file.chmod(0o600)
    google.configure(google={"auth": "oauth"})
    oauth_mail = google.mail()
    list(oauth_mail.fetch_new())
    client.refresh_token = "1//0revoked"
    google.fake.expire_tokens()
    with pytest.raises(Unavailable) as revoked:
        list(oauth_mail.fetch_new())
    issued = [c for c in google.fake.tokens]
    secrets = [client.client_secret, "1//0fake-refresh-token", *issued, *account.info["private_key"].splitlines()[1:-1]]
    written = caplog.text + str(refused.value) + str(revoked.value)
    assert "DEBUG" in caplog.text and len(issued) == 3
    assert [s for s in secrets if s in written] == []


# -- the calendar through the stateful fake -----------------------------------------------------------------
def test_updates_keep_answers_and_mail_only_what_changed(google):
    fake, calendar = google.fake, google.calendar()
    uid = "followthru-acme-q4-review@example.com"
    calendar.publish(meeting())
    assert sorted(fake.notified) == [
        ("invitation", a, "ACME Q4 expansion - review")
        for a in ("lee.legal@example.com", "riley@example.com", "sam.security@example.com")
    ]
    fake.respond(uid, "sam.security@example.com", "accepted")
    fake.notified.clear()
    calendar.publish(
        meeting(attendees=("sam.security@example.com", "lee.legal@example.com", "kim.standby@example.com"))
    )
    assert fake.notified == [("invitation", "kim.standby@example.com", "ACME Q4 expansion - review")]
    event = fake.event_for(uid)
    assert {a["email"]: a["responseStatus"] for a in event["attendees"]}["sam.security@example.com"] == "accepted"
    fake.notified.clear()
    patches = len(fake.calls_of("calendar.events.patch"))
    calendar.publish(
        meeting(attendees=("sam.security@example.com", "lee.legal@example.com", "kim.standby@example.com"))
    )
    assert len(fake.calls_of("calendar.events.patch")) == patches and fake.notified == []  # a retry mails nobody
    calendar.publish(
        meeting(
            start=datetime(2026, 12, 17, 9, 0),
            attendees=("sam.security@example.com", "lee.legal@example.com", "kim.standby@example.com"),
        )
    )
    assert sorted(k for k, _, _ in fake.notified) == ["update"] * 4
    assert event["start"] == {"dateTime": "2026-12-17T09:00:00-05:00", "timeZone": "America/New_York"}
    assert [e["id"] for e in fake.events.values()] == [event_id(uid)]


def test_remove_takes_people_off_and_cancel_deletes(google):
    fake, calendar = google.fake, google.calendar()
    uid = "followthru-acme-q4-review@example.com"
    calendar.publish(meeting())
    fake.respond(uid, "lee.legal@example.com", "tentative")
    fake.notified.clear()
    calendar.publish(meeting("remove", attendees=("sam.security@example.com",)))
    assert fake.notified == [("cancellation", "sam.security@example.com", "ACME Q4 expansion - review")]
    [patch] = fake.calls_of("calendar.events.patch")
    assert patch.query["sendUpdates"] == ["all"] and set(patch.body) == {"attendees"}
    assert {a["email"]: a["responseStatus"] for a in fake.event_for(uid)["attendees"]} == {
        "riley@example.com": "needsAction",
        "lee.legal@example.com": "tentative",
    }
    fake.notified.clear()
    calendar.publish(meeting("cancel", attendees=("riley@example.com", "lee.legal@example.com")))
    assert sorted(fake.notified) == [
        ("cancellation", "lee.legal@example.com", "ACME Q4 expansion - review"),
        ("cancellation", "riley@example.com", "ACME Q4 expansion - review"),
    ]
    [delete] = fake.calls_of("calendar.events.delete")
    assert delete.query["sendUpdates"] == ["all"] and delete.path["eventId"] == event_id(uid)
    assert fake.event_for(uid)["status"] == "cancelled"
    calendar.publish(meeting("cancel"))  # again, after a lost answer: Google says 410, nothing more happens
    assert fake.calls_of("calendar.events.delete")[-1].status == 410
    calendar.publish(meeting())  # the meeting is back on: the event is restored, everyone invited again
    assert fake.event_for(uid)["status"] == "confirmed"


def test_an_insert_whose_answer_was_lost_is_not_made_twice(google):
    fake = google.fake
    calendar = google.calendar()
    calendar.publish(meeting())
    fake.events[event_id("followthru-acme-q4-review@example.com")]["status"] = "cancelled"
    fake.fail("calendar.events.get", 404, "notFound", "Not Found", domain="global")  # as for a deleted event
    calendar.publish(meeting(attendees=("sam.security@example.com",)))
    assert [c.status for c in fake.calls_of("calendar.events.insert")] == [200, 409]
    assert len(fake.events) == 1 and fake.calls[-1].method_id == "calendar.events.patch"


def test_answers_are_reported_once_and_survive_an_expired_sync_token(google, caplog):
    fake, calendar = google.fake, google.calendar()
    uid = "followthru-acme-q4-review@example.com"
    calendar.publish(meeting())
    assert list(calendar.answers()) == []  # invited, no answer yet
    fake.respond(uid, "sam.security@example.com", "accepted")
    fake.respond(uid, "lee.legal@example.com", "declined")
    assert sorted(calendar.answers(), key=lambda a: a.attendee) == [
        CalendarAnswer(uid, "lee.legal@example.com", "DECLINED"),
        CalendarAnswer(uid, "sam.security@example.com", "ACCEPTED"),
    ]
    assert list(calendar.answers()) == []
    fake.expire_sync_tokens()
    fake.respond(uid, "lee.legal@example.com", "tentative")
    with caplog.at_level(logging.WARNING):
        assert list(calendar.answers()) == [CalendarAnswer(uid, "lee.legal@example.com", "TENTATIVE")]
    assert "sync token has expired" in caplog.text
    statuses = [c.status for c in fake.calls_of("calendar.events.list")]
    assert statuses[-2:] == [410, 200] and "syncToken" not in fake.calls_of("calendar.events.list")[-1].query
    assert list(calendar.answers()) == []


def test_a_refused_event_fails_that_meeting_and_a_refused_calendar_pauses(google):
    google.fake.fail("calendar.events.insert", 400, "invalid", "Invalid attendee email.", domain="global")
    with pytest.raises(
        SendError, match="refused the update of 'ACME Q4 expansion - review'.*Invalid attendee"
    ) as raised:
        google.calendar().publish(meeting())
    assert raised.value.permanent
    google.fake.fail(
        "calendar.events.get",
        403,
        "requiredAccessLevel",
        "You need to have writer access to this calendar.",
        domain="calendar",
    )
    with pytest.raises(Unavailable, match="writer access.*check google.calendar_id"):
        google.calendar().publish(meeting())


def test_a_wrong_calendar_id_names_the_key(google):
    google.configure(google={"calendar_id": "team@group.calendar.google.com"})
    calendar = google.calendar()
    with pytest.raises(Unavailable, match="google.calendar_id"):
        calendar.publish(meeting())
    with pytest.raises(Unavailable, match="google.calendar_id"):
        list(calendar.answers())


# -- doctor and the sign-in ------------------------------------------------------------------------------------
def doctor(google) -> tuple[int, dict[str, str]]:
    result = CliRunner().invoke(main, ["-c", str(google.config_path), "doctor"], catch_exceptions=False)
    lines = {}
    for line in result.output.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("ok", "FAIL"):
            lines[parts[1]] = f"{parts[0]} {parts[2]}"
    return result.exit_code, lines


def test_doctor_signs_in_and_reads_without_writing(google, account):
    code, lines = doctor(google)
    assert lines["google"] == (
        f"ok service account {account.email} acting as {ME}; Gmail {ME}: 0 messages, "
        "processed mail gets the label 'Followthru' (made on first use); calendar 'primary' "
        f"({ME}, America/New_York) readable"
    )
    assert "calendar" not in lines and code == 0
    assert google.fake.label_named("Followthru") is None  # nothing made, nothing sent
    writes = [c for c in google.fake.calls if c.http_method != "GET" and c.method_id != "token"]
    assert writes == []


@pytest.mark.parametrize(
    "problem, expected",
    [
        ("missing", "FAIL google.service_account_file: {key} does not exist; make a key for the service account"),
        ("readable", "FAIL google.service_account_file: {key} can be read by other users; run: chmod 600 {key}"),
        (
            "delegation",
            (
                "FAIL Gmail API (followthru@example.com): Google refused a token (unauthorized_client: Client "
                "is unauthorized"
            ),
        ),
    ],
    ids=["missing", "readable", "delegation"],
)
def test_doctor_says_what_to_fix(google, problem, expected):
    if problem == "missing":
        google.key_file.unlink()
    elif problem == "readable":
        google.key_file.chmod(0o644)
    else:
        google.fake.delegation = False
    code, lines = doctor(google)
    assert code == 1 and lines["google"].startswith(expected.format(key=google.key_file))
    if problem == "delegation":
        assert "a Workspace administrator must authorize client ID" in lines["google"]


def test_a_readable_key_is_warned_about_by_the_daemon(google, caplog):
    google.key_file.chmod(0o640)
    with caplog.at_level(logging.WARNING):
        google.mail()
    assert f"chmod 600 {google.key_file}" in caplog.text


class TokenEndpoint(BaseHTTPRequestHandler):
    """Google's token endpoint on loopback, for google-auth-oauthlib (which speaks HTTP through requests)."""

    fake: FakeGoogle

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        response, content = self.fake.request(TOKEN_URI, "POST", body, dict(self.headers))
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


def test_auth_google_runs_the_installed_app_flow_once_and_keeps_the_token_private(google, monkeypatch):
    client = OAuthClient()
    google.fake.oauth = client
    server = HTTPServer(("127.0.0.1", 0), type("Endpoint", (TokenEndpoint,), {"fake": google.fake}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the stand-in token endpoint is plain HTTP
    secrets = google.root / "client_secret.json"
    secrets.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": client.client_id,
                    "client_secret": client.client_secret,
                    "project_id": "followthru-test",
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": f"http://127.0.0.1:{server.server_port}/token",
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    google.configure(google={"auth": "oauth", "client_secrets_file": secrets.name})
    said = []

    def browser(text: str) -> None:
        """The user: opens the address, consents; Google sends the browser back with a code."""
        said.append(text)
        url = re.search(r"https://accounts\.google\.com/\S+", text).group(0)
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        client.codes["4/0fake-code"] = query["scope"].split()
        answer = {"state": query["state"], "code": "4/0fake-code", "scope": query["scope"]}
        back = f"{query['redirect_uri']}?{urlencode(answer)}"
        threading.Thread(target=urllib.request.urlopen, args=(back,), daemon=True).start()

    try:
        path = authorize(google.config(), browser)
    finally:
        server.shutdown()
    query = parse_qs(urlsplit(re.search(r"https://\S+", said[0]).group(0)).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"] and query["login_hint"] == [ME]
    assert set(query["scope"][0].split()) == {GMAIL_SCOPE, CALENDAR_SCOPE}
    assert "ssh -L" in said[0]
    assert path == google.root / "google-token.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["refresh_token"] == client.refresh_token and stored["client_id"] == client.client_id
    [exchange] = google.fake.calls_of("token")
    assert exchange.body["grant_type"] == "authorization_code" and exchange.body["code"] == "4/0fake-code"
    assert "code_verifier" in exchange.body  # PKCE


def test_auth_google_needs_oauth_and_a_client_file(google):
    with pytest.raises(ConfigError, match="a service account needs no sign-in"):
        authorize(google.config(), print)
    google.configure(google={"auth": "oauth"})
    result = CliRunner().invoke(main, ["-c", str(google.config_path), "auth", "google"])
    assert result.exit_code != 0 and "google.client_secrets_file: not set" in result.output
