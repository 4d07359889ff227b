"""The Microsoft Graph backend (mail and calendar of Microsoft 365) at the HTTP boundary.

Everything above the HTTP connection is the real code: MSAL reads the tenant's OpenID
configuration, asks the token endpoint and keeps its token cache, the backend builds its Graph
requests, retries and explains. Only ``followthru.backends.graph.auth.http_session``, the function that
makes the backend's ``requests.Session``, is wrapped: the session it makes gets the stateful fake
in ``tests/support/fake_graph.py`` mounted as its transport adapter, which checks every request against
what Microsoft documents and answers the way Graph and the identity platform do.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import logging
import os
import re
import stat
import threading
import time
import tomllib
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import tomli_w
from click.testing import CliRunner

import followthru.backends.graph.auth as graph_auth
import followthru.backends.graph.mail as graph_mail
from followthru.backends.base import CalendarAnswer, SendError, Unavailable
from followthru.backends.graph import GraphCalendar, GraphMail, authorize
from followthru.backends.graph.calendar import UID_PROPERTY, event_body
from followthru.backends.graph.recurrence import recurrence
from followthru.cli import main
from followthru.config import ConfigError, init_workspace, load_config
from support.fake_graph import FakeGraph, Invalid, check_event
from support.loop import GraphLoop
from support.service_inputs import CHECK_IN, CHECK_IN_UID, ME, REVIEW, REVIEW_UID, meeting, message

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
SECRET_ENV = "FOLLOWTHRU_TEST_GRAPH_SECRET"


class State(dict):
    """A SyncState kept in memory (the daemon's is the store)."""

    def get_sync(self, key: str) -> str | None:
        return self.get(key)

    def put_sync(self, key: str, value: str) -> None:
        self[key] = value


class Tenant:
    """A workspace whose mail and calendar are Microsoft 365's, and the fake Microsoft behind it."""

    def __init__(self, root: Path, monkeypatch, **graph):
        self.root = root
        self.config_path = init_workspace(root)
        self.fake = FakeGraph(ME)
        self.secret = next(iter(self.fake.app.secrets))
        monkeypatch.setenv(SECRET_ENV, self.secret)
        self.configure(
            graph={
                "tenant_id": self.fake.tenant_id,
                "client_id": self.fake.app.client_id,
                "client_secret_env": SECRET_ENV,
                **graph,
            }
        )
        self.slept: list[float] = []
        self.state = State()
        self.sessions: list[requests.Session] = []
        made = graph_auth.http_session

        def session(timeout: float) -> requests.Session:
            made_session = made(timeout)
            made_session.mount("https://", self.fake)
            self.sessions.append(made_session)
            return made_session

        monkeypatch.setattr(graph_auth, "http_session", session)

    def configure(self, mail: str = "graph", calendar: str = "graph", graph: dict | None = None) -> None:
        data = tomllib.loads(self.config_path.read_text())
        data["sender"]["email"] = ME
        data["mail"]["backend"] = mail
        data["calendar"]["backend"] = calendar
        data.setdefault("graph", {}).update(graph or {})
        self.config_path.write_text(tomli_w.dumps(data))

    def config(self):
        return load_config(self.config_path)

    def mail(self) -> GraphMail:
        backend = GraphMail(self.config(), self.state)
        backend.graph.sleep = self.slept.append
        return backend

    def calendar(self) -> GraphCalendar:
        backend = GraphCalendar(self.config(), self.state)
        backend.graph.sleep = self.slept.append
        return backend


@pytest.fixture
def tenant(tmp_path, monkeypatch):
    workspace = Tenant(tmp_path / "ws", monkeypatch)
    yield workspace
    assert workspace.fake.invalid == []  # no request Microsoft does not document, swallowed or not


def graph_calls(fake: FakeGraph) -> list[tuple[str, str]]:
    """(route, status) of every Graph call, the sign-in left out."""
    return [(c.name, c.status) for c in fake.calls if c.name not in ("openid-configuration", "token")]


# -- sending ---------------------------------------------------------------------------------------------
def test_send_posts_the_mime_as_base64_after_looking_in_the_sent_items(tenant):
    raw = message(
        ME,
        "Hello Sam",
        "sam.security@example.com",
        Message_ID="<req-1@example.com>",
        In_Reply_To="<earlier@example.com>",
        References="<first@example.com> <earlier@example.com>",
        Reply_To="followthru+tok@example.com",
    )
    mail = tenant.mail()
    assert mail.send("<req-1@example.com>", ["sam.security@example.com"], raw, "followthru+tok@example.com") == []
    discovery, token, search, send = tenant.fake.calls
    assert discovery.name == "openid-configuration" and discovery.method == "GET"
    assert (
        discovery.url == f"https://login.microsoftonline.com/{tenant.fake.tenant_id}/v2.0/.well-known/"
        "openid-configuration"
    )
    assert token.name == "token" and token.body["grant_type"] == "client_credentials"
    assert token.body["scope"] == "https://graph.microsoft.com/.default"
    assert token.body["client_id"] == tenant.fake.app.client_id and token.body["client_secret"] == tenant.secret
    assert search.name == "messages.list" and search.path["folder"] == "sentitems" and search.method == "GET"
    assert search.query == {"$filter": "internetMessageId eq '<req-1@example.com>'", "$select": "id"}
    assert send.name == "sendMail" and send.method == "POST" and send.status == 202
    assert send.url == "https://graph.microsoft.com/v1.0/users/followthru%40example.com/sendMail"
    assert send.headers["content-type"] == "text/plain"
    assert base64.b64decode(send.body) == raw  # byte for byte: every header kept
    assert (
        send.headers["authorization"] == search.headers["authorization"] == "Bearer " + next(iter(tenant.fake.tokens))
    )
    [arrived] = tenant.fake.sent_to("sam.security@example.com")
    assert arrived["Message-ID"] == "<req-1@example.com>" and arrived["In-Reply-To"] == "<earlier@example.com>"
    assert arrived["References"] == "<first@example.com> <earlier@example.com>"
    assert arrived["Reply-To"] == "followthru+tok@example.com"
    assert set(tenant.fake.timeouts) == {60.0}  # graph.timeout on every request, MSAL's too
    # The daemon's next try after a lost answer: it is in the Sent Items, so nobody gets it twice.
    assert mail.send("<req-1@example.com>", ["sam.security@example.com"], raw, ME) == []
    assert len(tenant.fake.calls_of("sendMail")) == 1 and len(tenant.fake.sent_to("sam.security@example.com")) == 1


def test_a_large_message_goes_as_a_draft_with_an_upload_session(tenant, monkeypatch):
    monkeypatch.setattr(graph_mail, "UPLOAD_CHUNK", 2 * 320 * 1024)
    big, small = os.urandom(3_400_000), b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    outgoing = EmailMessage()
    outgoing["From"], outgoing["To"], outgoing["Subject"] = ME, "lee.legal@example.com", "The redlines"
    outgoing["Message-ID"], outgoing["In-Reply-To"] = "<big-1@example.com>", "<earlier@example.com>"
    outgoing.set_content("The redlines are attached.")
    outgoing.add_attachment(big, maintype="application", subtype="pdf", filename="redlines.pdf")
    outgoing.add_attachment(small, maintype="text", subtype="calendar", filename="invite.ics")
    tenant.fake.fail("message.send", 503, "ServiceUnavailable", "Service Unavailable", lost=True)
    mail = tenant.mail()
    with pytest.raises(Unavailable, match="503 ServiceUnavailable"):
        mail.send("<big-1@example.com>", ["lee.legal@example.com"], outgoing.as_bytes(), ME)
    assert mail.send("<big-1@example.com>", ["lee.legal@example.com"], outgoing.as_bytes(), ME) == []  # next try
    names = [c.name for c in tenant.fake.calls if c.name not in ("openid-configuration", "token")]
    assert names == ["messages.list", "messages.list", "message.createDraft", "message.createUploadSession"] + [
        "upload"
    ] * 6 + ["message.addAttachment", "message.send", "messages.list"]
    assert "sendMail" not in names  # over one request's size
    draft = tenant.fake.calls_of("message.createDraft")[0]
    assert draft.headers["content-type"] == "text/plain"
    first_part = email.message_from_bytes(base64.b64decode(draft.body), policy=email.policy.default)
    assert first_part["Message-ID"] == "<big-1@example.com>" and not list(first_part.iter_attachments())
    [session] = tenant.fake.calls_of("message.createUploadSession")
    assert session.body == {
        "AttachmentItem": {
            "attachmentType": "file",
            "name": "redlines.pdf",
            "size": len(big),
            "contentType": "application/pdf",
        }
    }
    uploads = tenant.fake.calls_of("upload")
    assert [c.headers["content-range"] for c in uploads][:2] == [
        "bytes 0-655359/3400000",
        "bytes 655360-1310719/3400000",
    ]
    assert all("authorization" not in c.headers for c in uploads) and sum(c.body for c in uploads) == len(big)
    [attached] = tenant.fake.calls_of("message.addAttachment")
    assert attached.body["@odata.type"] == "#microsoft.graph.fileAttachment" and attached.body["name"] == "invite.ics"
    assert base64.b64decode(attached.body["contentBytes"]) == small
    [arrived] = tenant.fake.sent_to("lee.legal@example.com")
    assert arrived["Message-ID"] == "<big-1@example.com>" and arrived["In-Reply-To"] == "<earlier@example.com>"
    assert [p.get_content() for p in arrived.iter_attachments() if p.get_filename() == "redlines.pdf"] == [big]
    assert tenant.fake.in_folder("drafts") == []


def test_a_message_too_large_without_attachments_fails_for_good(tenant):
    raw = message(ME, "x" * 3_000_000, "lee.legal@example.com", Message_ID="<huge@example.com>")
    with pytest.raises(SendError, match=r"without its attachments still more than one Graph request takes") as raised:
        tenant.mail().send("<huge@example.com>", ["lee.legal@example.com"], raw, ME)
    assert raised.value.permanent and tenant.fake.delivered == []


@pytest.mark.parametrize(
    "status, code, text, permanent",
    [
        (400, "ErrorInvalidRecipients", "At least one recipient isn't valid.", True),
        (
            403,
            "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right",
            None,
        ),
    ],
)
def test_a_refused_message_fails_and_a_refused_sender_pauses(tenant, status, code, text, permanent):
    tenant.fake.fail("sendMail", status, code, text)
    raw = message(ME, to="sam.security@example.com", Message_ID="<bad@example.com>")
    expected = SendError if permanent else Unavailable
    with pytest.raises(expected) as raised:
        tenant.mail().send("<bad@example.com>", ["sam.security@example.com"], raw, ME)
    assert text in str(raised.value)
    if permanent:
        assert raised.value.permanent
    else:
        assert "may not send as sender.email" in str(raised.value) and "Send As" in str(raised.value)


# -- reading -------------------------------------------------------------------------------------------
def test_replies_are_read_with_a_delta_query_oldest_first_and_moved(tenant, monkeypatch):
    monkeypatch.setattr(graph_mail, "PAGE_SIZE", 2)
    fake = tenant.fake
    ids = [fake.deliver(message(text=f"reply {n}")) for n in range(3)]
    mail = tenant.mail()
    found = list(mail.fetch_new())  # the first run reads what the inbox holds
    assert [i.ref for i in found] == ids and [b"reply 0" in i.raw for i in found] == [True, False, False]
    first, second = fake.calls_of("messages.delta")
    assert first.url.startswith(
        "https://graph.microsoft.com/v1.0/users/followthru%40example.com/mailFolders/inbox/messages/delta?"
    )
    assert first.query == {"$select": "receivedDateTime"} and first.headers["prefer"] == "odata.maxpagesize=2"
    assert second.url.partition("?")[2].startswith("$skiptoken=")  # the nextLink, as Graph gave it
    values = fake.calls_of("message.value")
    assert [c.path["id"] for c in values] == ids and values[0].url.endswith("%3D/$value")  # ids are quoted
    assert tenant.state[f"graph:{ME}:inbox"].startswith(
        "https://graph.microsoft.com/v1.0/users/followthru%40example.com/mailFolders/inbox/messages/delta?$deltatoken="
    )
    for incoming in found:
        mail.done(incoming)
    folder = fake.folder_named("Followthru")
    assert folder is not None and len(fake.in_folder(folder["id"])) == 3 and fake.in_folder("inbox") == []
    [lookup] = fake.calls_of("mailFolders.list")
    assert lookup.query == {"$filter": "displayName eq 'Followthru'", "$select": "id,displayName"}
    [made] = fake.calls_of("mailFolders.create")
    assert made.body == {"displayName": "Followthru", "isHidden": False}
    assert [c.body for c in fake.calls_of("message.move")] == [{"destinationId": folder["id"]}] * 3
    assert list(mail.fetch_new()) == []  # the moves come back as @removed entries: nothing to read
    before = len(fake.calls)
    assert list(mail.fetch_new()) == []  # nothing new: one small request, whatever the mailbox holds
    assert [c.name for c in fake.calls[before:]] == ["messages.delta"]
    assert fake.calls[-1].url.partition("?")[2].startswith("$deltatoken=")
    later = fake.deliver(message(text="later"))
    assert [i.ref for i in mail.fetch_new()] == [later]


def test_an_expired_delta_link_means_reading_the_inbox_again(tenant, caplog):
    fake, mail = tenant.fake, tenant.mail()
    for incoming in mail.fetch_new():
        mail.done(incoming)
    fake.expire_delta_links()  # Exchange's cache of delta tokens let go of ours
    waiting = fake.deliver(message(text="while we were away"))
    with caplog.at_level(logging.WARNING):
        found = list(mail.fetch_new())
    assert [i.ref for i in found] == [waiting]
    statuses = [c.status for c in fake.calls_of("messages.delta")]
    assert statuses[-2:] == [410, 200] and "$deltatoken" not in fake.calls_of("messages.delta")[-1].url
    assert "Graph no longer knows the inbox's delta link (410 syncStateNotFound" in caplog.text
    mail.done(found[0])
    assert list(mail.fetch_new()) == []  # incremental again, from the new link
    assert fake.calls[-1].name == "messages.delta" and "$deltatoken" in fake.calls[-1].url


def test_a_backlog_is_read_over_several_passes(tenant, monkeypatch):
    monkeypatch.setattr(graph_mail, "MAX_PER_CHECK", 2)
    ids = [tenant.fake.deliver(message(text=f"number {n}")) for n in range(5)]
    mail, passes = tenant.mail(), []
    while len(passes) < 5:
        found = list(mail.fetch_new())
        if not found:
            break
        passes.append([i.ref for i in found])
        for incoming in found:
            mail.done(incoming)
    assert passes == [ids[0:2], ids[2:4], ids[4:5]]


def test_exchange_meeting_responses_are_filed_away_unread(tenant):
    tenant.calendar().publish(meeting())
    tenant.fake.respond(REVIEW_UID, "sam.security@example.com", "accepted")  # Exchange drops a response in the inbox
    kept = tenant.fake.deliver(message(text="ACCEPT"))
    mail = tenant.mail()
    assert [i.ref for i in mail.fetch_new()] == [kept]
    assert [m["subject"] for m in tenant.fake.in_folder(tenant.fake.folder_named("Followthru")["id"])] == [
        f"Accepted: {REVIEW}"
    ]


def test_watching_asks_graph_every_poll_interval_only(tenant):
    # A second between polls: room for a loaded machine between the two reads that must not ask Graph.
    tenant.configure(graph={"poll_seconds": 1.0})
    mail, woken = tenant.mail(), threading.Event()
    mail.watch(woken.set, lambda folder: None)
    try:
        list(mail.fetch_new())
        before = len(tenant.fake.calls)
        assert list(mail.fetch_new()) == [] and len(tenant.fake.calls) == before  # between polls: no request
        assert woken.wait(10)
        time.sleep(0.2)
        list(mail.fetch_new())
        assert len(tenant.fake.calls) == before + 1
    finally:
        mail.close()


def test_change_notifications_wake_the_daemon_and_the_delta_still_reads(tenant, monkeypatch):
    public = "https://followthru.example.com/graph/notifications"
    tenant.configure(graph={"notification_url": public, "notification_listen": "127.0.0.1:0", "poll_seconds": 3600})
    mail, woken = tenant.mail(), threading.Event()
    mail.watch(woken.set, lambda folder: None)
    try:
        tenant.fake.proxy[public] = f"http://127.0.0.1:{mail.notifications.port}/graph/notifications"
        list(mail.fetch_new())  # the first pass subscribes: Graph validates the URL through the proxy
        [made] = tenant.fake.calls_of("subscriptions.create")
        assert made.url == "https://graph.microsoft.com/v1.0/subscriptions" and made.status == 201
        assert made.body["changeType"] == "created" and made.body["notificationUrl"] == public
        assert made.body["resource"] == f"users/{ME}/mailFolders('inbox')/messages"
        expires = datetime.fromisoformat(made.body["expirationDateTime"][:19] + "+00:00")
        assert timedelta(days=5) < expires - datetime.now(timezone.utc) <= timedelta(minutes=10080)
        assert len(made.body["clientState"]) >= 24
        before = len(tenant.fake.calls)
        assert list(mail.fetch_new()) == [] and len(tenant.fake.calls) == before  # no news: no request
        arrived = tenant.fake.deliver(message(text="ACCEPT"))  # Graph posts a notification
        assert woken.wait(5)
        assert [i.ref for i in mail.fetch_new()] == [arrived]  # read at once, through the delta query
        # A notification without the clientState (forged, or of another subscription) wakes nobody.
        woken.clear()
        forged = {"value": [{**tenant.fake.notifications_sent[-1]["value"][0], "clientState": "guess"}]}
        answer = requests.post(tenant.fake.proxy[public], json=forged, timeout=5)
        assert answer.status_code == 202 and not woken.wait(0.3)
        # A day before it ends, the subscription is renewed, not made again.
        saved = json.loads(tenant.state[f"graph:{ME}:subscription"])
        saved["expirationDateTime"] = (datetime.now(timezone.utc) + timedelta(hours=20)).strftime(
            "%Y-%m-%dT%H:%M:%S.0000000Z"
        )
        mail.notifications.subscription = saved
        woken.clear()
        tenant.fake.deliver(message(text="one more"))
        assert woken.wait(5)
        list(mail.fetch_new())
        [renewal] = tenant.fake.calls_of("subscription.update")
        assert renewal.path["id"] == made_id(tenant) and set(renewal.body) == {"expirationDateTime"}
        assert len(tenant.fake.calls_of("subscriptions.create")) == 1
    finally:
        mail.close()


def made_id(tenant: Tenant) -> str:
    return next(iter(tenant.fake.subscriptions))


def test_a_notification_url_graph_cannot_validate_leaves_polling(tenant, monkeypatch, caplog):
    public = "https://followthru.example.com/graph/notifications"
    tenant.configure(graph={"notification_url": public, "notification_listen": "127.0.0.1:0"})
    mail = tenant.mail()
    mail.watch(lambda: None, lambda folder: None)
    try:
        tenant.fake.proxy[public] = "http://127.0.0.1:9/nothing-listens-here"
        with caplog.at_level(logging.WARNING):
            list(mail.fetch_new())
        assert "no change notifications" in caplog.text and "Subscription validation request failed" in caplog.text
        assert tenant.fake.calls_of("messages.delta")  # mail is read all the same
    finally:
        mail.close()


# -- throttling, expiry, refusals ---------------------------------------------------------------------------
def test_throttling_is_retried_after_the_time_graph_asks(tenant):
    tenant.fake.fail(
        "sendMail",
        429,
        "ApplicationThrottled",
        "Application is over its MailboxConcurrency limit.",
        headers={"Retry-After": "7"},
    )
    raw = message(ME, to="sam.security@example.com", Message_ID="<t1@example.com>")
    assert tenant.mail().send("<t1@example.com>", ["sam.security@example.com"], raw, ME) == []
    assert [c.status for c in tenant.fake.calls_of("sendMail")] == [429, 202]
    assert len(tenant.slept) == 1 and 7 <= tenant.slept[0] < 8
    assert len(tenant.fake.sent_to("sam.security@example.com")) == 1


def test_503_and_504_back_off_exponentially_on_reads(tenant):
    tenant.fake.fail("messages.delta", 503, "ServiceUnavailable", "Service Unavailable")
    tenant.fake.fail("messages.delta", 504, "GatewayTimeout", "Gateway Timeout")
    tenant.fake.deliver(message())
    assert len(list(tenant.mail().fetch_new())) == 1
    assert [c.status for c in tenant.fake.calls_of("messages.delta")] == [503, 504, 200]
    assert len(tenant.slept) == 2 and 1 <= tenant.slept[0] < 2 and 2 <= tenant.slept[1] < 3


def test_throttling_that_lasts_is_unavailable_never_a_crash(tenant):
    tenant.fake.fail(
        "messages.delta", 429, "TooManyRequests", "Too many requests", times=100, headers={"Retry-After": "5"}
    )
    mail = tenant.mail()
    with pytest.raises(
        Unavailable,
        match=r"Microsoft Graph mail \(followthru@example.com\) is still throttling after "
        r"\d tries",
    ):
        list(mail.fetch_new())
    assert sum(tenant.slept) <= 30 and len(tenant.fake.calls_of("messages.delta")) >= 4
    before = len(tenant.fake.calls)
    with pytest.raises(Unavailable, match="is throttling Followthru; asking again in"):
        mail.send("<t3@example.com>", [ME], message(ME, Message_ID="<t3@example.com>"), ME)
    assert len(tenant.fake.calls) == before  # left alone for the time Graph asked


@pytest.mark.parametrize("status", [503, 0], ids=["503", "timeout"])
def test_a_send_whose_answer_was_lost_is_not_repeated(tenant, status):
    tenant.fake.fail("sendMail", status, "ServiceUnavailable", "Service Unavailable", lost=True)
    mail = tenant.mail()
    raw = message(ME, to="sam.security@example.com", Message_ID="<lost@example.com>")
    with pytest.raises(Unavailable, match="Followthru tries again later"):
        mail.send("<lost@example.com>", ["sam.security@example.com"], raw, ME)
    assert mail.send("<lost@example.com>", ["sam.security@example.com"], raw, ME) == []  # the daemon's next try
    assert len(tenant.fake.calls_of("sendMail")) == 1 and tenant.slept == []
    assert len(tenant.fake.sent_to("sam.security@example.com")) == 1


def test_an_expired_token_is_renewed_once(tenant):
    mail = tenant.mail()
    list(mail.fetch_new())
    tenant.fake.expire_tokens()  # an hour later, or revoked: Graph answers 401
    tenant.fake.deliver(message())
    assert len(list(mail.fetch_new())) == 1
    assert [c.status for c in tenant.fake.calls_of("token")] == [200, 200]
    assert [c.status for c in tenant.fake.calls_of("messages.delta")] == [200, 401, 200]
    tenant.fake.fail(
        "messages.delta", 401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.", times=2
    )
    with pytest.raises(
        Unavailable,
        match=r"refused the access token twice \(401 InvalidAuthenticationToken.*check the "
        r"app's client secret",
    ):
        list(mail.fetch_new())
    assert len(tenant.fake.calls_of("token")) == 3  # one new token, not a loop


def test_a_mailbox_outside_the_access_policy_says_what_to_do(tenant):
    tenant.fake.app.allowed_mailboxes = {"someone.else@example.com"}
    with pytest.raises(Unavailable) as raised:
        list(tenant.mail().fetch_new())
    text = str(raised.value)
    assert "Blocked by tenant configured AppOnly AccessPolicy settings" in text
    assert f"Test-ApplicationAccessPolicy -Identity {ME} -AppId {tenant.fake.app.client_id}" in text
    assert "graph.mailbox" in text


def test_a_missing_permission_and_an_unknown_mailbox_name_the_fix(tenant):
    tenant.fake.app.roles = {"Mail.ReadWrite", "Mail.Send"}  # no Calendars.ReadWrite consented
    with pytest.raises(
        Unavailable,
        match=r"Access is denied.*the app needs Mail.ReadWrite, Mail.Send and "
        r"Calendars.ReadWrite on followthru@example.com: as application permissions "
        r"with admin consent.*Test-ServicePrincipalAuthorization",
    ):
        tenant.calendar().publish(meeting())
    tenant.configure(graph={"mailbox": "nobody@example.com"})
    with pytest.raises(
        Unavailable,
        match=r"nobody@example.com does not exist \(404 ErrorInvalidUser.*check "
        r"graph.mailbox",
    ):
        list(tenant.mail().fetch_new())


@pytest.mark.parametrize(
    "problem, expected",
    [
        (
            "secret",
            r"AADSTS7000215: Invalid client secret provided\.\); the client secret is wrong: put the secret's "
            r"Value \(not its Secret ID\).* into graph.client_secret_env \(FOLLOWTHRU_TEST_GRAPH_SECRET\)",
        ),
        ("tenant", r"does not know the tenant 'contoso-typo.onmicrosoft.com'.*check graph.tenant_id"),
        (
            "client",
            r"AADSTS700016: Application with identifier '.*' was not found in the directory.*check "
            r"graph.client_id and graph.tenant_id",
        ),
    ],
    ids=["secret", "tenant", "client"],
)
def test_a_refused_sign_in_names_the_key_to_change(tenant, problem, expected):
    if problem == "secret":
        tenant.fake.app.secrets = {"another-secret"}
    elif problem == "tenant":
        tenant.configure(graph={"tenant_id": "contoso-typo.onmicrosoft.com"})
    else:
        tenant.configure(graph={"client_id": str(uuid.uuid4())})
    with pytest.raises(Unavailable, match=expected):
        list(tenant.mail().fetch_new())


def test_an_unavailable_sign_in_is_tried_again_later(tenant):
    tenant.fake.fail("token", 503, "temporarily_unavailable", "The service is temporarily unavailable.")
    with pytest.raises(
        Unavailable,
        match=r"Microsoft's sign-in \(login.microsoftonline.com\) answered with no token "
        r"\(HTTP Error: 503\); Followthru tries again later",
    ):
        list(tenant.mail().fetch_new())
    assert tenant.fake.calls_of("messages.delta") == []


def test_a_missing_secret_or_id_is_a_config_error(tenant, monkeypatch):
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(ConfigError, match=f"graph.client_secret: the environment variable {SECRET_ENV} is not set"):
        tenant.mail()
    tenant.configure(graph={"client_id": ""})
    with pytest.raises(ConfigError, match="graph.client_id: not set; copy the Application"):
        tenant.mail()
    assert tenant.fake.calls == []  # nothing went over the network


# -- the calendar ----------------------------------------------------------------------------------------
def test_a_new_meeting_is_an_event_with_attendees_and_a_transaction_id(tenant):
    fake, calendar = tenant.fake, tenant.calendar()
    calendar.publish(meeting(rrule="FREQ=WEEKLY;COUNT=3"))
    lookup, create = [c for c in fake.calls if c.name not in ("openid-configuration", "token")]
    assert lookup.name == "events.list" and lookup.query["$filter"] == (
        f"singleValueExtendedProperties/Any(ep: ep/id eq '{UID_PROPERTY}' and ep/value eq '{REVIEW_UID}')"
    )
    assert lookup.headers["prefer"] == 'outlook.timezone="UTC", outlook.body-content-type="text"'
    assert create.name == "events.create" and create.method == "POST" and create.status == 201
    body = create.body
    assert body["subject"] == REVIEW and body["body"] == {"contentType": "text", "content": "An hour on the plan."}
    assert body["start"] == {"dateTime": "2026-12-16T14:00:00", "timeZone": "Eastern Standard Time"}
    assert body["end"] == {"dateTime": "2026-12-16T15:00:00", "timeZone": "Eastern Standard Time"}
    assert body["location"] == {"displayName": "https://meet.example.com/acme-review"}
    assert body["attendees"] == [
        {"emailAddress": {"address": "riley@example.com", "name": "Riley Rep"}, "type": "required"},
        {"emailAddress": {"address": "sam.security@example.com", "name": "Sam.Security"}, "type": "required"},
        {"emailAddress": {"address": "lee.legal@example.com", "name": "Lee.Legal"}, "type": "required"},
    ]
    assert body["recurrence"] == {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["wednesday"], "firstDayOfWeek": "monday"},
        "range": {"type": "numbered", "startDate": "2026-12-16", "numberOfOccurrences": 3},
    }
    assert str(uuid.UUID(body["transactionId"])) == body["transactionId"]
    assert body["singleValueExtendedProperties"] == [{"id": UID_PROPERTY, "value": REVIEW_UID}]
    assert body["allowNewTimeProposals"] is True and body["responseRequested"] is True
    assert sorted(fake.notified) == [
        ("invitation", a, REVIEW) for a in ("lee.legal@example.com", "riley@example.com", "sam.security@example.com")
    ]
    event = fake.event_for(REVIEW_UID)
    assert tenant.state[f"graph:{ME}:calendar:event:{REVIEW_UID}"] == event["id"]
    # The same update again (the daemon's retry): found by its id, nothing differs, nobody is mailed.
    fake.notified.clear()
    before = len(fake.calls)
    calendar.publish(meeting(rrule="FREQ=WEEKLY;COUNT=3"))
    assert [c.name for c in fake.calls[before:]] == ["event.get"] and fake.notified == []


def test_a_create_whose_answer_was_lost_makes_one_event(tenant):
    tenant.fake.fail("events.create", 504, "GatewayTimeout", "Gateway Timeout", lost=True)
    tenant.calendar().publish(meeting())
    assert [c.status for c in tenant.fake.calls_of("events.create")] == [504, 201]
    creates = tenant.fake.calls_of("events.create")
    assert creates[0].body["transactionId"] == creates[1].body["transactionId"]
    assert len(tenant.fake.events) == 1 and len(tenant.fake.notified) == 3  # invited once


def test_updates_patch_only_what_changed_and_keep_answers(tenant):
    fake, calendar = tenant.fake, tenant.calendar()
    calendar.publish(meeting())
    fake.respond(REVIEW_UID, "sam.security@example.com", "accepted")
    fake.notified.clear()
    three = ("sam.security@example.com", "lee.legal@example.com", "kim.standby@example.com")
    calendar.publish(meeting(attendees=three))
    [patch] = fake.calls_of("event.update")
    assert set(patch.body) == {"attendees"} and len(patch.body["attendees"]) == 4
    assert fake.notified == [("invitation", "kim.standby@example.com", REVIEW)]
    statuses = {a["emailAddress"]["address"]: a["status"]["response"] for a in fake.event_for(REVIEW_UID)["attendees"]}
    assert statuses["sam.security@example.com"] == "accepted" and statuses["kim.standby@example.com"] == "none"
    fake.notified.clear()
    calendar.publish(meeting(attendees=three, start=datetime(2026, 12, 17, 9, 0)))
    moved = fake.calls_of("event.update")[-1]
    assert moved.body == {
        "start": {"dateTime": "2026-12-17T09:00:00", "timeZone": "Eastern Standard Time"},
        "end": {"dateTime": "2026-12-17T10:00:00", "timeZone": "Eastern Standard Time"},
    }
    assert sorted(k for k, _, _ in fake.notified) == ["update"] * 4
    calendar.publish(meeting(attendees=three, start=datetime(2026, 12, 17, 9, 0), description="A new agenda."))
    assert fake.calls_of("event.update")[-1].body == {"body": {"contentType": "text", "content": "A new agenda."}}
    assert len(fake.events) == 1


def test_remove_takes_people_off_and_cancel_cancels_with_a_comment(tenant):
    fake, calendar = tenant.fake, tenant.calendar()
    calendar.publish(meeting())
    fake.respond(REVIEW_UID, "lee.legal@example.com", "tentativelyAccepted")
    fake.notified.clear()
    calendar.publish(meeting("remove", attendees=("sam.security@example.com",)))
    assert fake.notified == [("cancellation", "sam.security@example.com", REVIEW)]
    [patch] = fake.calls_of("event.update")
    assert patch.body == {
        "attendees": [
            {"emailAddress": {"address": "riley@example.com", "name": "Riley Rep"}, "type": "required"},
            {"emailAddress": {"address": "lee.legal@example.com", "name": "Lee.Legal"}, "type": "required"},
        ]
    }
    assert {a["emailAddress"]["address"]: a["status"]["response"] for a in fake.event_for(REVIEW_UID)["attendees"]} == {
        "riley@example.com": "none",
        "lee.legal@example.com": "tentativelyAccepted",
    }
    fake.notified.clear()
    event_id = fake.event_for(REVIEW_UID)["id"]
    calendar.publish(meeting("cancel", description="The review is off."))
    [cancel] = fake.calls_of("event.cancel")
    assert cancel.path["id"] == event_id and cancel.body == {"comment": "The review is off."} and cancel.status == 202
    assert sorted(fake.notified) == [
        ("cancellation", "lee.legal@example.com", REVIEW),
        ("cancellation", "riley@example.com", REVIEW),
    ]
    assert fake.events == {} and fake.deleted_events[event_id]["isCancelled"]
    calendar.publish(meeting("cancel"))  # again, after a lost answer: nothing more happens
    assert len(fake.calls_of("event.cancel")) == 1
    fake.notified.clear()
    calendar.publish(meeting(sequence=3))  # the meeting is back on: a new event, everyone invited again
    assert len(fake.events) == 1 and sorted(k for k, _, _ in fake.notified) == ["invitation"] * 3


def test_answers_are_read_once_from_the_calendar_view_delta(tenant, caplog):
    fake, calendar = tenant.fake, tenant.calendar()
    calendar.publish(meeting())
    assert list(calendar.answers()) == []  # invited, no answer yet
    [first] = fake.calls_of("calendarView.delta")
    start, end = (
        datetime.fromisoformat(first.query[k].replace("Z", "+00:00")) for k in ("startDateTime", "endDateTime")
    )
    now = datetime.now(timezone.utc)
    assert start < now - timedelta(days=29) and end > now + timedelta(days=729)
    assert first.headers["prefer"] == 'outlook.timezone="UTC", outlook.body-content-type="text"'
    fake.respond(REVIEW_UID, "sam.security@example.com", "accepted")
    fake.respond(REVIEW_UID, "lee.legal@example.com", "declined")
    fake.respond(
        REVIEW_UID,
        "riley@example.com",
        "tentativelyAccepted",
        proposed=datetime(2026, 12, 17, 15, 0, tzinfo=timezone.utc),
    )
    assert sorted(calendar.answers(), key=lambda a: a.attendee) == [
        CalendarAnswer(REVIEW_UID, "lee.legal@example.com", "DECLINED"),
        CalendarAnswer(
            REVIEW_UID, "riley@example.com", "TENTATIVE", datetime(2026, 12, 17, 15, 0, tzinfo=timezone.utc)
        ),
        CalendarAnswer(REVIEW_UID, "sam.security@example.com", "ACCEPTED"),
    ]
    assert fake.calls_of("calendarView.delta")[-1].url.partition("?")[2].startswith("$deltatoken=")
    assert list(calendar.answers()) == []
    fake.expire_delta_links()
    fake.respond(REVIEW_UID, "lee.legal@example.com", "tentativelyAccepted")
    with caplog.at_level(logging.WARNING):
        assert list(calendar.answers()) == [CalendarAnswer(REVIEW_UID, "lee.legal@example.com", "TENTATIVE")]
    assert "the delta link has expired" in caplog.text
    assert [c.status for c in fake.calls_of("calendarView.delta")][-2:] == [410, 200]
    assert list(calendar.answers()) == []


def test_answers_to_a_series_come_from_its_occurrences_once(tenant):
    fake, calendar = tenant.fake, tenant.calendar()
    calendar.publish(meeting(uid=CHECK_IN_UID, summary=CHECK_IN, rrule="FREQ=WEEKLY;COUNT=3"))
    fake.respond(CHECK_IN_UID, "sam.security@example.com", "accepted")
    # The view gives the three occurrences, each naming its series: one answer.
    assert list(calendar.answers()) == [CalendarAnswer(CHECK_IN_UID, "sam.security@example.com", "ACCEPTED")]
    assert list(calendar.answers()) == []


@pytest.mark.parametrize(
    "rule, expected",
    [
        (
            "FREQ=DAILY;INTERVAL=2;UNTIL=20261231T235959Z",
            {
                "pattern": {"type": "daily", "interval": 2},
                "range": {"type": "endDate", "startDate": "2026-12-03", "endDate": "2026-12-31"},
            },
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR",
            {
                "pattern": {"type": "relativeMonthly", "daysOfWeek": ["friday"], "index": "last", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2026-12-03"},
            },
        ),
        (
            "FREQ=YEARLY",
            {
                "pattern": {"type": "absoluteYearly", "dayOfMonth": 3, "month": 12, "interval": 1},
                "range": {"type": "noEnd", "startDate": "2026-12-03"},
            },
        ),
    ],
)
def test_repeat_rules_become_documented_recurrences(rule, expected):
    start = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    assert recurrence(rule, start) == expected
    check_event({"recurrence": expected}, "event")  # as the event documentation requires


def test_a_rule_the_calendar_cannot_hold_fails_that_meeting_for_good(tenant):
    with pytest.raises(SendError, match="BYSETPOS, which Microsoft 365 cannot express") as raised:
        tenant.calendar().publish(meeting(rrule="FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1"))
    assert raised.value.permanent and tenant.fake.events == {}


def test_a_zone_windows_lacks_goes_in_utc():
    detroit = ZoneInfo("America/Detroit")
    body = event_body(
        replace(
            meeting(),
            timezone="America/Detroit",
            start=datetime(2026, 12, 16, 14, 0, tzinfo=detroit),
            end=datetime(2026, 12, 16, 15, 0, tzinfo=detroit),
        )
    )
    assert body["start"] == {"dateTime": "2026-12-16T19:00:00", "timeZone": "UTC"}


def test_the_fake_catches_a_wrong_event():
    """The checks the tests rely on: a property the event lacks, one Graph sets, a wrong zone."""
    with pytest.raises(Invalid, match="not a property of event"):
        check_event({"subject": "x", "organizerEmail": "a@example.com"}, "event")
    with pytest.raises(Invalid, match="set by Graph"):
        check_event(
            {"attendees": [{"emailAddress": {"address": "a@example.com"}, "status": {"response": "accepted"}}]}, "event"
        )
    with pytest.raises(Invalid, match="not a time zone the calendar takes"):
        check_event({"start": {"dateTime": "2026-12-16T14:00:00", "timeZone": "Eastern Time"}}, "event")
    with pytest.raises(Invalid, match="is a wall time"):
        check_event({"start": {"dateTime": "2026-12-16T14:00:00-05:00", "timeZone": "UTC"}}, "event")


# -- doctor, the sign-in, the logs ------------------------------------------------------------------------
def doctor(tenant) -> tuple[int, dict[str, str]]:
    result = CliRunner().invoke(main, ["-c", str(tenant.config_path), "doctor"], catch_exceptions=False)
    lines = {}
    for line in result.output.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("ok", "FAIL"):
            lines[parts[1]] = f"{parts[0]} {parts[2]}"
    return result.exit_code, lines


def test_doctor_signs_in_and_reads_without_writing(tenant):
    code, lines = doctor(tenant)
    assert lines["graph"] == (
        f"ok app {tenant.fake.app.client_id} of tenant {tenant.fake.tenant_id}; Inbox of {ME}: 0 "
        "messages, processed mail moves to 'Followthru' (made on first use); calendar 'Calendar' "
        "writable"
    )
    assert "calendar" not in lines and code == 0
    assert tenant.fake.folder_named("Followthru") is None  # nothing made, nothing sent
    assert [c for c in tenant.fake.calls if c.method != "GET" and c.name != "token"] == []
    assert {c.name for c in tenant.fake.calls} == {
        "openid-configuration",
        "token",
        "mailFolder.get",
        "mailFolders.list",
        "calendar.get",
    }


@pytest.mark.parametrize(
    "problem, expected",
    [
        (
            "secret",
            "FAIL Microsoft's sign-in (login.microsoftonline.com) refused a token (invalid_client: AADSTS7000215: "
            "Invalid client secret provided.); the client secret is wrong: put the secret's Value (not its Secret "
            f"ID) from the app's Certificates & secrets into graph.client_secret_env ({SECRET_ENV})",
        ),
        (
            "policy",
            f"FAIL Microsoft Graph mail ({ME}): the application access policy does not let the app open {ME} "
            "(403 ErrorAccessDenied: Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly "
            "AccessPolicy settings.); add the mailbox to the policy's group",
        ),
        ("cache", "FAIL graph.token_cache_file: {cache} can be read by other users; run: chmod 600 {cache}"),
    ],
    ids=["secret", "policy", "cache"],
)
def test_doctor_says_what_to_fix(tenant, problem, expected):
    cache = tenant.root / "graph-token.json"
    if problem == "secret":
        tenant.fake.app.secrets = {"the-secret-id-not-its-value"}
    elif problem == "policy":
        tenant.fake.app.allowed_mailboxes = {"shared@example.com"}
    else:
        cache.write_text("{}")
        cache.chmod(0o644)
        tenant.configure(graph={"auth": "device-code"})
    code, lines = doctor(tenant)
    assert code == 1 and lines["graph"].startswith(expected.format(cache=cache))


def test_auth_microsoft_runs_the_device_code_flow_and_keeps_the_cache_private(tenant):
    tenant.configure(graph={"auth": "device-code"})
    said = []

    def user(text: str) -> None:
        """The user reads the code, opens the page and signs in; MSAL's first poll finds it pending."""
        said.append(text)
        code = re.search(r"enter the code (\S+) to authenticate", text)
        if code:
            tenant.fake.sign_in_with_code(code.group(1), ME, polls_before=1)

    started = time.monotonic()
    path = authorize(tenant.config(), user)
    assert time.monotonic() - started < 10
    assert "https://microsoft.com/devicelogin" in said[0] and f"Sign in as {ME}" in said[0]
    assert path == tenant.root / "graph-token.json" and stat.S_IMODE(path.stat().st_mode) == 0o600
    [device] = tenant.fake.calls_of("devicecode")
    assert set(device.body["scope"].split()) == {
        "https://graph.microsoft.com/Mail.ReadWrite",
        "https://graph.microsoft.com/Mail.Send",
        "https://graph.microsoft.com/Calendars.ReadWrite",
        "offline_access",
        "openid",
        "profile",
    }
    polls = tenant.fake.calls_of("token")
    assert [c.status for c in polls] == [400, 200]
    assert {c.body["grant_type"] for c in polls} == {"urn:ietf:params:oauth:grant-type:device_code"}
    cache = json.loads(path.read_text())
    [refresh] = cache["RefreshToken"].values()
    assert refresh["secret"] in tenant.fake.refresh_tokens
    # The daemon then works from the cache: the access token MSAL holds, a refresh once it is refused.
    mail = tenant.mail()
    tenant.fake.deliver(message())
    assert len(list(mail.fetch_new())) == 1 and len(tenant.fake.calls_of("token")) == 2
    tenant.fake.expire_tokens()
    tenant.fake.deliver(message())
    assert len(list(mail.fetch_new())) == 1
    assert tenant.fake.calls_of("token")[-1].body["grant_type"] == "refresh_token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and json.loads(path.read_text()) != cache  # rewritten
    assert "signed in as followthru@example.com" in mail.graph.sign_in.who


def test_auth_microsoft_says_what_to_fix(tenant):
    with pytest.raises(ConfigError, match="graph.auth is 'app'"):
        authorize(tenant.config(), print)
    tenant.configure(graph={"auth": "device-code"})
    tenant.fake.app.public_client = False  # Authentication > Allow public client flows is off
    result = CliRunner().invoke(main, ["-c", str(tenant.config_path), "auth", "microsoft"])
    assert result.exit_code == 1 and "enter the code FAKE" in result.output
    assert "AADSTS7000218" in result.output and "turn on Authentication > Allow public client flows" in result.output
    assert not (tenant.root / "graph-token.json").exists()
    with pytest.raises(
        ConfigError, match="graph.token_cache_file: .* does not exist; run 'followthru auth microsoft' once to sign in"
    ):
        tenant.mail()


def test_no_secret_or_token_reaches_the_logs(tenant, caplog):
    caplog.set_level(logging.DEBUG)
    mail = tenant.mail()
    tenant.fake.deliver(message())
    list(mail.fetch_new())
    tenant.fake.expire_tokens()
    list(mail.fetch_new())
    tenant.fake.app.secrets = {"rotated"}
    with pytest.raises(Unavailable) as refused:
        list(tenant.mail().fetch_new())
    tenant.configure(graph={"auth": "device-code"})

    def user(text: str) -> None:
        tenant.fake.sign_in_with_code(re.search(r"enter the code (\S+)", text).group(1), ME)

    said: list[str] = []
    authorize(tenant.config(), lambda text: (said.append(text), user(text)))
    delegated = tenant.mail()
    list(delegated.fetch_new())
    tenant.fake.expire_tokens()
    list(delegated.fetch_new())
    tenant.fake.refresh_tokens.clear()  # the user's sign-in was revoked
    tenant.fake.expire_tokens()
    with pytest.raises(Unavailable, match="run 'followthru auth microsoft' again") as revoked:
        list(delegated.fetch_new())
    issued = list(tenant.fake.tokens)
    refresh = json.loads((tenant.root / "graph-token.json").read_text())["RefreshToken"]
    secrets = [tenant.secret, *issued, *(r["secret"] for r in refresh.values())]
    written = caplog.text + str(refused.value) + str(revoked.value) + "".join(said)
    assert "DEBUG" in caplog.text and len(issued) >= 4
    assert [s for s in secrets if s in written] == []


def test_an_upload_sessions_token_is_hidden_from_urllib3s_debug_log(caplog):
    caplog.set_level(logging.DEBUG)
    url = "/api/v2.0/Users('x')/Messages('y')/AttachmentSessions('z')?authtoken=eyJhbGciOiJSUzI1NiJ9.secret-part"
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s', "https", "outlook.office.com", 443, "PUT", url, "HTTP/1.1", 200, 0
    )
    assert "AttachmentSessions('z')?authtoken=[hidden]" in caplog.text and "secret-part" not in caplog.text


def test_a_counter_proposal_in_outlook_reaches_the_plan(tmp_path, monkeypatch):
    graph = GraphLoop(tmp_path / "loop", monkeypatch)
    graph.drop_plan(EXAMPLE.read_text())
    graph.tick("2026-11-30T15:00:00+00:00")
    graph.answer_meeting(
        REVIEW_UID, "lee.legal@example.com", "tentative", proposed=datetime(2026, 12, 17, 15, 0, tzinfo=timezone.utc)
    )
    graph.tick("2026-11-30T16:00:00+00:00")
    rsvps = next(m for m in graph.status()["meetings"] if m["key"] == "review")["rsvps"]
    assert rsvps == {"lee.legal@example.com": "COUNTER"}
    assert graph.fake.in_folder("inbox") == []  # Exchange's "New Time Proposed" notice was filed away unread
    graph.finish()
