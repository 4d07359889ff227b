"""The Exchange backend against a fake Exchange server at the HTTP boundary (tests/support/fake_ews.py).

exchangelib talks HTTP through requests and the transport adapter class its documentation names
as the hook (``BaseProtocol.HTTP_ADAPTER_CLS``); here that class hands every request to the fake,
which checks it against Microsoft's EWS reference and answers the way Exchange does. Followthru's
own code and exchangelib's Python API run unchanged.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import json
import logging
import stat
import sys
import time
import tomllib
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import tomli_w
from click.testing import CliRunner
from exchangelib import close_connections
from exchangelib.protocol import BaseProtocol

from followthru.backends.base import CalendarAnswer, Invitee, MeetingChange, SendError, Unavailable
from followthru.backends.exchange import ExchangeCalendar, ExchangeMail, authorize
from followthru.backends.exchange.recurrence import recurrence
from followthru.cli import main
from followthru.config import Config, ConfigError, init_workspace, load_config
from followthru.store import Store
from support.fake_ews import CLIENT_ID, ENDPOINT, NS, TENANT, FakeAdapter, FakeExchange

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
ME = "followthru@example.com"
USER = "CORP\\svc-followthru"
PASSWORD = "Winter-Password-4821"
APP_SECRET = "app~Secret.Value-9f8e7d6c5b"
NY = ZoneInfo("America/New_York")
UID = "followthru-acme-q4-check-in@example.com"


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """The fake server behind exchangelib's transport hook; every request must follow the reference."""
    server = FakeExchange([ME, "riley@example.com"], users={USER: (PASSWORD, {ME})}, app_secret=APP_SECRET)
    users = tmp_path / "ntlm-users"
    users.write_text(f"CORP:svc-followthru:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))  # where pyspnego's NTLM acceptor finds the password
    monkeypatch.setenv("TEST_EXCHANGE_SECRET", APP_SECRET)
    monkeypatch.setenv("TEST_EXCHANGE_PASSWORD", PASSWORD)
    monkeypatch.setattr(BaseProtocol, "HTTP_ADAPTER_CLS", FakeAdapter)
    monkeypatch.setattr(FakeAdapter, "server", server)
    yield server
    close_connections()
    assert server.violations == []


def workspace(root: Path, calendar: dict | None = None, **exchange) -> Path:
    """A workspace whose mail and calendar go through the fake Exchange; returns the config path."""
    path = init_workspace(root)
    data = tomllib.loads(path.read_text())
    data["sender"]["email"] = ME
    data["mail"]["backend"] = "exchange"
    data["calendar"]["backend"] = "exchange"
    data["calendar"].update(calendar or {})
    data["exchange"] = {
        "service_endpoint": ENDPOINT,
        "auth": "oauth-app",
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret_env": "TEST_EXCHANGE_SECRET",
    }
    data["exchange"].update(exchange)
    data["exchange"] = {key: value for key, value in data["exchange"].items() if value is not None}
    path.write_text(tomli_w.dumps(data))
    return path


def settings(tmp_path: Path, calendar: dict | None = None, **exchange) -> Config:
    return load_config(workspace(tmp_path / "ws", calendar, **exchange))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    yield store
    store.close()


def outgoing(subject: str = "ACME Q4: can you commit?", to: str = "sam.security@example.com") -> bytes:
    message = EmailMessage()
    message["From"] = f"Riley Rep via Followthru <{ME}>"
    message["To"] = to
    message["Reply-To"] = "followthru+Kx7p2@example.com"
    message["Subject"] = subject
    message["Message-ID"] = "<request.sam.1@example.com>"
    message["In-Reply-To"] = "<earlier.0@example.com>"
    message["References"] = "<earlier.0@example.com>"
    message.set_content("Could you complete the questionnaire by Dec 9?\n")
    return message.as_bytes()


def reply(number: int, body: str = "ACCEPT") -> bytes:
    message = EmailMessage()
    message["From"] = "sam.security@example.com"
    message["To"] = ME
    message["Subject"] = f"Re: request {number}"
    message["Message-ID"] = f"<reply.{number}@example.com>"
    message.set_content(body)
    return message.as_bytes()


def meeting(
    change: str = "update",
    attendees=("sam.security@example.com", "lee.legal@example.com"),
    start: datetime = datetime(2026, 12, 3, 10, 0, tzinfo=NY),
    rrule: str = "FREQ=WEEKLY;COUNT=3",
    location: str = "https://meet.example.com/acme",
) -> MeetingChange:
    return MeetingChange(
        uid=UID,
        sequence=0,
        change=change,
        summary="ACME Q4 check-in",
        description="Blockers.",
        location=location,
        start=start,
        end=start + timedelta(minutes=30),
        timezone="America/New_York",
        rrule=rrule,
        organizer=ME,
        attendees=tuple(Invitee(a, a.split("@")[0].title()) for a in attendees),
        chair=Invitee("riley@example.com", "Riley Rep") if change == "update" else None,
    )


def sent_to(fake: FakeExchange, kind: str | None = None) -> list[tuple[str, str]]:
    return sorted((i.to, i.kind) for i in fake.invitations if kind in (None, i.kind))


def test_the_fake_refuses_requests_the_reference_does_not_allow(fake):
    """The fixture fails any test whose requests break the EWS reference; this shows the fake checks."""
    session = requests.Session()
    session.mount("https://", FakeAdapter())
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header>{header}</s:Header>'
        '<s:Body><m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"><t:Mailbox>'
        f"<t:EmailAddress>{ME}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:SavedItemFolderId>"
        "<m:Items><t:Message><t:MimeContent>{mime}</t:MimeContent></t:Message></m:Items></m:CreateItem>"
        "</s:Body></s:Envelope>"
    )
    mime = base64.b64encode(outgoing()).decode()
    login = {
        "Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
        "Content-Type": "text/xml; charset=utf-8",
    }
    fake.schemes = ("Basic",)
    answer = session.post(ENDPOINT, data=envelope.format(header="", mime=mime), headers=login)
    assert answer.status_code == 500 and "ErrorSchemaValidation" in answer.text
    version = '<t:RequestServerVersion Version="Exchange2016"/>'
    answer = session.post(ENDPOINT, data=envelope.format(header=version, mime=mime), headers=login)
    assert "ErrorSchemaValidation" in answer.text  # a Message needs MessageDisposition
    assert fake.violations == [
        "CreateItem: RequestServerVersion/@Version missing or unknown",
        "CreateItem: CreateItem of a Message needs MessageDisposition",
    ]
    assert fake.sent == []
    fake.violations.clear()


# -- sending -------------------------------------------------------------------------------------------------
def test_send_hands_over_the_mime_unchanged_and_keeps_a_copy(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path), store)
    raw = outgoing()
    assert mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], raw, "followthru+x@example.com") == []
    [sent] = fake.sent
    assert sent.raw == raw and sent.recipients == ("sam.security@example.com",)
    for header in ("Message-ID", "In-Reply-To", "References", "Reply-To"):
        assert sent.message[header] == email.message_from_bytes(raw, policy=email.policy.default)[header]
    [create] = fake.calls_of("CreateItem")
    assert create.attrs["MessageDisposition"] == "SendAndSaveCopy"
    assert create.find("m:SavedItemFolderId/t:DistinguishedFolderId").get("Id") == "sentitems"
    assert base64.b64decode(create.find("m:Items/t:Message/t:MimeContent").text) == raw
    assert create.header.find("t:RequestServerVersion", NS).get("Version") == "Exchange2016"
    impersonated = create.header.find(".//{*}ExchangeImpersonation/{*}ConnectingSID/{*}PrimarySmtpAddress")
    assert impersonated.text == ME and create.headers["Authorization"].startswith("Bearer ")
    [token] = fake.token_requests
    assert token == {
        "grant_type": "client_credentials",
        "scope": "https://outlook.office365.com/.default",
        "client_id": CLIENT_ID,
        "client_secret": APP_SECRET,
    }
    copies = fake.mailbox(ME).in_folder(fake.mailbox(ME).folder("sentitems").id)
    assert [c.message_id for c in copies] == ["<request.sam.1@example.com>"]


def test_a_message_already_in_sent_items_is_not_sent_again(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path), store)
    raw = outgoing()
    mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], raw, ME)
    mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], raw, ME)  # the answer was lost, say
    assert len(fake.sent) == 1
    searches = fake.calls_of("FindItem")
    assert len(searches) == 2
    assert searches[-1].find("m:Restriction/t:IsEqualTo/t:FieldURI").get("FieldURI") == "message:InternetMessageId"
    assert (
        searches[-1].find("m:Restriction/t:IsEqualTo/t:FieldURIOrConstant/t:Constant").get("Value")
        == "<request.sam.1@example.com>"
    )


def test_a_message_the_server_refuses_fails_for_good(fake, tmp_path, store):
    fake.max_message_bytes = 100
    mail = ExchangeMail(settings(tmp_path), store)
    with pytest.raises(SendError) as refused:
        mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], outgoing(), ME)
    assert refused.value.permanent and "ErrorMessageSizeExceeded" in str(refused.value)
    assert fake.sent == []


# -- reading -------------------------------------------------------------------------------------------------
def test_new_mail_is_read_once_oldest_first_and_filed_away(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path), store)
    box = fake.mailbox(ME)
    for number in (1, 2, 3):
        box.deliver(reply(number))
    incoming = list(mail.fetch_new())
    assert [i.raw for i in incoming] == [reply(1), reply(2), reply(3)]
    for item in incoming:
        mail.done(item)
    [processed] = [f for f in box.folders.values() if f.name == "Followthru"]
    assert processed.parent == box.folder("msgfolderroot").id
    assert [i.message_id for i in box.in_folder(processed.id)] == [f"<reply.{n}@example.com>" for n in (1, 2, 3)]
    assert box.in_folder(box.folder("inbox").id) == []
    [first_sync] = fake.calls_of("SyncFolderItems")
    assert first_sync.find("m:SyncState") is None and first_sync.find("m:MaxChangesReturned").text == "512"
    [get] = fake.calls_of("GetItem")
    assert {u.get("FieldURI") for u in get.findall("m:ItemShape/t:AdditionalProperties/t:FieldURI")} == {
        "item:MimeContent"
    }
    assert len(get.findall("m:ItemIds/t:ItemId")) == 3  # one request for the batch

    mail._next_check = 0  # the poll interval has passed
    fake.calls.clear()
    assert list(mail.fetch_new()) == []
    assert fake.operations() == ["SyncFolderItems"]  # nothing new costs one request, whatever the mailbox holds
    stored = json.loads(store.get_sync(f"exchange:{ME}:inbox"))["state"]
    assert fake.calls[0].find("m:SyncState").text != stored  # the state moves on with every answer

    box.deliver(reply(4))
    mail._next_check = 0
    assert [i.raw for i in mail.fetch_new()] == [reply(4)]


def test_the_inbox_is_asked_at_most_every_poll_interval(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path, poll_seconds=3600), store)
    assert list(mail.fetch_new()) == []
    fake.mailbox(ME).deliver(reply(1))
    assert list(mail.fetch_new()) == []
    assert fake.operations().count("SyncFolderItems") == 1
    restarted = ExchangeMail(settings(tmp_path, poll_seconds=3600), store)  # a new process asks at once
    assert [i.raw for i in restarted.fetch_new()] == [reply(1)]


def test_a_sync_state_the_server_rejects_starts_over(fake, tmp_path, store, caplog):
    mail = ExchangeMail(settings(tmp_path, processed_folder="", poll_seconds=0.001), store)
    fake.mailbox(ME).deliver(reply(1))
    assert len(list(mail.fetch_new())) == 1
    fake.forget_sync_states()
    fake.mailbox(ME).deliver(reply(2))
    time.sleep(0.002)
    fake.calls.clear()
    again = [i.raw for i in mail.fetch_new()]
    assert again == [reply(1), reply(2)]  # the whole inbox: the daemon skips Message-IDs it has seen
    first, second = fake.calls_of("SyncFolderItems")
    assert first.find("m:SyncState") is not None and second.find("m:SyncState") is None
    assert "refused the stored sync state" in caplog.text
    time.sleep(0.002)
    assert list(mail.fetch_new()) == []


def test_an_interrupted_pass_loses_nothing(fake, tmp_path, store):
    config = settings(tmp_path)
    for number in (1, 2, 3):
        fake.mailbox(ME).deliver(reply(number))
    reading = ExchangeMail(config, store).fetch_new()
    assert next(reading).raw == reply(1)
    assert next(reading).raw == reply(2)  # the process dies while handling the second
    reading.close()
    fake.mailbox(ME).deliver(reply(4))
    after_restart = [i.raw for i in ExchangeMail(config, store).fetch_new()]
    assert after_restart == [reply(2), reply(3)]  # what was pending; the fourth comes with the next sync
    assert fake.operations().count("SyncFolderItems") == 1


def test_meeting_responses_are_left_to_the_calendar(fake, tmp_path, store):
    answer = EmailMessage()
    answer["From"] = "sam.security@example.com"
    answer["To"] = ME
    answer["Subject"] = "Accepted: ACME Q4 check-in"
    answer["Message-ID"] = "<accepted.1@example.com>"
    answer.set_content(
        f"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:{UID}\r\nATTENDEE;PARTSTAT=ACCEPTED:"
        "mailto:sam.security@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        subtype="calendar",
    )
    box = fake.mailbox(ME)
    box.deliver(answer.as_bytes(), kind="MeetingResponse")
    box.deliver(reply(1))
    assert [i.raw for i in ExchangeMail(settings(tmp_path), store).fetch_new()] == [reply(1)]
    [processed] = [f for f in box.folders.values() if f.name == "Followthru"]
    assert [i.kind for i in box.in_folder(processed.id)] == ["MeetingResponse"]  # filed away unread

    box.deliver(answer.as_bytes(), kind="MeetingResponse")  # with iMIP the answer is read as mail
    mail = ExchangeMail(settings(tmp_path / "imip", calendar={"backend": "imip"}), Store(tmp_path / "imip.sqlite3"))
    assert len(list(mail.fetch_new())) == 2


# -- calendar --------------------------------------------------------------------------------------------------
def test_a_meeting_is_made_with_its_uid_and_everyone_is_invited(fake, tmp_path, store):
    calendar = ExchangeCalendar(settings(tmp_path), store)
    calendar.publish(meeting())
    [create] = fake.calls_of("CreateItem")
    assert create.attrs["SendMeetingInvitations"] == "SendToAllAndSaveCopy"
    assert create.find("m:SavedItemFolderId/t:DistinguishedFolderId").get("Id") == "calendar"
    item = create.find("m:Items/t:CalendarItem")
    assert item.findtext("t:UID", namespaces=NS) == UID
    assert item.findtext("t:Start", namespaces=NS) == "2026-12-03T10:00:00-05:00"
    assert item.find("t:StartTimeZone", NS).get("Id") == "Eastern Standard Time"
    assert [a.text for a in item.findall("t:RequiredAttendees/t:Attendee/t:Mailbox/t:EmailAddress", NS)] == [
        "riley@example.com",
        "sam.security@example.com",
        "lee.legal@example.com",
    ]
    assert item.findtext("t:Recurrence/t:WeeklyRecurrence/t:DaysOfWeek", namespaces=NS) == "Thursday"
    assert item.findtext("t:Recurrence/t:NumberedRecurrence/t:NumberOfOccurrences", namespaces=NS) == "3"
    assert sent_to(fake) == [
        ("lee.legal@example.com", "request"),
        ("riley@example.com", "request"),
        ("sam.security@example.com", "request"),
    ]
    assert fake.mailbox(ME).calendar_item(UID).start == datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc)


def test_an_update_goes_to_the_attendees_it_changes(fake, tmp_path, store):
    calendar = ExchangeCalendar(settings(tmp_path), store)
    calendar.publish(meeting())
    fake.respond(ME, UID, "sam.security@example.com", "Accept")
    fake.invitations.clear()
    calendar.publish(meeting(attendees=("sam.security@example.com", "kim.standby@example.com")))
    [update] = fake.calls_of("UpdateItem")
    assert update.attrs["SendMeetingInvitationsOrCancellations"] == "SendToChangedAndSaveCopy"
    assert update.attrs["ConflictResolution"] == "AutoResolve"
    fields = update.findall("m:ItemChanges/t:ItemChange/t:Updates/t:SetItemField/t:FieldURI")
    assert [u.get("FieldURI") for u in fields] == ["calendar:RequiredAttendees"]
    assert sent_to(fake) == [("kim.standby@example.com", "request"), ("lee.legal@example.com", "cancel")]
    assert fake.mailbox(ME).calendar_item(UID).attendee("sam.security@example.com").response == "Accept"

    fake.calls.clear()
    calendar.publish(meeting(attendees=("sam.security@example.com", "kim.standby@example.com")))
    assert "UpdateItem" not in fake.operations()  # nothing changed: nobody is told anything

    fake.invitations.clear()
    calendar.publish(
        meeting(
            attendees=("sam.security@example.com", "kim.standby@example.com"),
            start=datetime(2026, 12, 3, 11, 0, tzinfo=NY),
        )
    )
    assert sent_to(fake) == [
        ("kim.standby@example.com", "update"),
        ("riley@example.com", "update"),
        ("sam.security@example.com", "update"),
    ]  # a new time concerns everyone


def test_remove_takes_only_those_attendees_off(fake, tmp_path, store):
    calendar = ExchangeCalendar(settings(tmp_path), store)
    calendar.publish(meeting())
    fake.invitations.clear()
    calendar.publish(meeting(change="remove", attendees=("lee.legal@example.com",)))
    assert sent_to(fake) == [("lee.legal@example.com", "cancel")]
    item = fake.mailbox(ME).calendar_item(UID)
    assert [a.email for a in item.attendees] == ["riley@example.com", "sam.security@example.com"]
    fake.calls.clear()
    calendar.publish(meeting(change="remove", attendees=("lee.legal@example.com",)))
    assert "UpdateItem" not in fake.operations()


def test_cancel_tells_every_attendee(fake, tmp_path, store):
    calendar = ExchangeCalendar(settings(tmp_path), store)
    calendar.publish(meeting())
    fake.invitations.clear()
    calendar.publish(meeting(change="cancel"))
    cancel = [c for c in fake.calls_of("CreateItem") if c.find("m:Items/t:CancelCalendarItem") is not None]
    assert len(cancel) == 1 and cancel[0].attrs["MessageDisposition"] == "SendAndSaveCopy"
    assert cancel[0].find("m:Items/t:CancelCalendarItem/t:ReferenceItemId").get("Id")
    assert sent_to(fake) == [
        ("lee.legal@example.com", "cancel"),
        ("riley@example.com", "cancel"),
        ("sam.security@example.com", "cancel"),
    ]
    box = fake.mailbox(ME)
    assert box.in_folder(box.folder("calendar").id) == []
    calendar.publish(meeting(change="cancel"))  # again: nothing left to cancel
    assert len(fake.invitations) == 3


def test_answers_report_each_change_once(fake, tmp_path, store):
    calendar = ExchangeCalendar(settings(tmp_path, poll_seconds=0.001), store)
    calendar.publish(meeting())
    assert list(calendar.answers()) == []  # invited, nobody answered yet
    proposal = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
    fake.respond(ME, UID, "sam.security@example.com", "Accept")
    fake.respond(ME, UID, "lee.legal@example.com", "Tentative", proposed_start=proposal)
    time.sleep(0.002)
    assert sorted(calendar.answers(), key=lambda a: a.attendee) == [
        CalendarAnswer(UID, "lee.legal@example.com", "TENTATIVE", proposal),
        CalendarAnswer(UID, "sam.security@example.com", "ACCEPTED"),
    ]
    sync = fake.calls_of("SyncFolderItems")[-1]
    assert {u.get("FieldURI") for u in sync.findall("m:ItemShape/t:AdditionalProperties/t:FieldURI")} == {
        "calendar:UID",
        "calendar:RequiredAttendees",
    }
    assert sync.find("m:SyncState") is not None
    time.sleep(0.002)
    assert list(calendar.answers()) == []
    fake.respond(ME, UID, "sam.security@example.com", "Decline")
    fake.forget_sync_states()  # and the server forgets the position: the calendar is read whole
    time.sleep(0.002)
    assert list(calendar.answers()) == [CalendarAnswer(UID, "sam.security@example.com", "DECLINED")]


def test_a_lost_answer_never_makes_a_meeting_or_a_message_twice(fake, tmp_path, store):
    calendar = ExchangeCalendar(settings(tmp_path), store)
    fake.lose_answer("CreateItem")  # Exchange made the item and invited everyone; the answer never came
    with pytest.raises(Unavailable, match="cannot reach Exchange at mail.example.com while publishing"):
        calendar.publish(meeting())
    calendar.publish(meeting())  # the daemon tries again later
    assert len(fake.calls_of("CreateItem")) == 1
    search = fake.calls_of("FindItem")[-1].find("m:Restriction/t:IsEqualTo/t:ExtendedFieldURI")
    assert (search.get("DistinguishedPropertySetId"), search.get("PropertyName")) == ("PublicStrings", "FollowthruUid")
    assert len(fake.invitations) == 3

    mail = ExchangeMail(settings(tmp_path), store)
    fake.lose_answer("CreateItem")
    with pytest.raises(Unavailable):
        mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], outgoing(), ME)
    mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], outgoing(), ME)
    assert len(fake.sent) == 1


@pytest.mark.parametrize(
    "rule, pattern, boundary",
    [
        ("FREQ=DAILY;INTERVAL=2;COUNT=5", "DailyPattern", "NumberedPattern"),
        ("FREQ=WEEKLY;BYDAY=MO,WE", "WeeklyPattern", "NoEndPattern"),
        ("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270601T000000Z", "RelativeMonthlyPattern", "EndDatePattern"),
        ("FREQ=MONTHLY", "AbsoluteMonthlyPattern", "NoEndPattern"),
        ("FREQ=YEARLY;COUNT=2", "AbsoluteYearlyPattern", "NumberedPattern"),
    ],
)
def test_repeat_rules_become_ews_recurrences(rule, pattern, boundary):
    found = recurrence(rule, datetime(2026, 12, 3, 10, 0, tzinfo=NY))
    assert (type(found.pattern).__name__, type(found.boundary).__name__) == (pattern, boundary)


def test_a_repeat_rule_exchange_cannot_express_fails_for_good(fake, tmp_path, store):
    calendar = ExchangeCalendar(settings(tmp_path), store)
    with pytest.raises(SendError) as refused:
        calendar.publish(meeting(rrule="FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"))
    assert refused.value.permanent and "BYSETPOS" in str(refused.value)
    assert "CreateItem" not in fake.operations()


# -- throttling --------------------------------------------------------------------------------------------------
def test_server_busy_is_waited_out_with_its_back_off(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path), store)
    fake.throttle(1, back_off_ms=100)  # the very first request: exchangelib's version probe
    fake.throttle(2, back_off_ms=150, operation="CreateItem")
    started = time.monotonic()
    mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], outgoing(), ME)
    assert time.monotonic() - started >= 0.4  # the 100 ms and twice the 150 ms Exchange asked for
    assert fake.operations()[:2] == ["ConvertId", "ConvertId"]
    assert fake.operations().count("CreateItem") == 3 and len(fake.sent) == 1


def test_persistent_server_busy_is_unavailable_then_quiet(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path), store)
    fake.throttle(10, back_off_ms=300, operation="SyncFolderItems")  # long enough for a loaded machine
    with pytest.raises(Unavailable) as busy:
        list(mail.fetch_new())
    assert "throttling Followthru (ErrorServerBusy)" in str(busy.value) and "4 tries" in str(busy.value)
    asked = len(fake.calls)
    with pytest.raises(Unavailable, match="slow down"):
        mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], outgoing(), ME)
    assert len(fake.calls) == asked  # during the back-off the server is not asked at all
    time.sleep(0.35)
    fake.throttle(1, back_off_ms=600_000)  # ten minutes: more than one pass may wait
    started = time.monotonic()
    with pytest.raises(Unavailable, match="600 s of quiet"):
        mail.send("<request.sam.1@example.com>", ["sam.security@example.com"], outgoing(), ME)
    assert time.monotonic() - started < 5 and fake.sent == []


# -- signing in ------------------------------------------------------------------------------------------------------
def test_an_expired_token_is_renewed_once(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path), store)
    mail.send("<one@example.com>", ["sam.security@example.com"], outgoing(), ME)
    fake.expire_tokens()  # revoked, or expired early: the server answers 401
    mail.send("<two@example.com>", ["sam.security@example.com"], outgoing(subject="Second"), ME)
    assert len(fake.sent) == 2 and len(fake.token_requests) == 2
    assert fake.unauthorized == 1


def test_a_token_past_its_lifetime_is_replaced_before_use(fake, tmp_path, store):
    fake.token_lifetime = 1
    mail = ExchangeMail(settings(tmp_path), store)
    mail.send("<one@example.com>", ["sam.security@example.com"], outgoing(), ME)
    fetched = len(fake.token_requests)
    time.sleep(1.6)  # oauthlib rounds the issue time to the second: the token is past its lifetime now
    mail.send("<two@example.com>", ["sam.security@example.com"], outgoing(subject="Second"), ME)
    assert len(fake.sent) == 2 and fake.unauthorized == 0  # never sent to the server once expired
    assert [r["grant_type"] for r in fake.token_requests[fetched - 1 :]] == ["client_credentials"] * 2


def test_a_refused_app_secret_says_what_to_fix(fake, tmp_path, store, monkeypatch):
    monkeypatch.setenv("TEST_EXCHANGE_SECRET", "not-the-secret")
    mail = ExchangeMail(settings(tmp_path), store)
    with pytest.raises(Unavailable) as refused:
        mail.send("<one@example.com>", ["sam.security@example.com"], outgoing(), ME)
    text = str(refused.value)
    assert "invalid_client: AADSTS7000215: Invalid client secret provided" in text
    assert "exchange.client_secret_env" in text and "not-the-secret" not in text and "\n" not in text


def test_a_mailbox_that_does_not_exist_names_the_key(fake, tmp_path, store):
    mail = ExchangeMail(settings(tmp_path, mailbox="nobody@example.com"), store)
    with pytest.raises(Unavailable, match="has no mailbox nobody@example.com; check exchange.mailbox"):
        list(mail.fetch_new())


def test_a_server_out_of_reach_is_unavailable(fake, tmp_path, store, monkeypatch):
    monkeypatch.setattr(FakeAdapter, "server", None)  # every connection fails
    app = ExchangeMail(settings(tmp_path / "app"), store)
    with pytest.raises(Unavailable, match="cannot reach login.microsoftonline.com for a token while sending"):
        app.send("<one@example.com>", ["sam.security@example.com"], outgoing(), ME)
    basic = ExchangeMail(
        settings(tmp_path / "basic", auth="basic", username=USER, password_env="TEST_EXCHANGE_PASSWORD"), store
    )
    with pytest.raises(Unavailable, match="cannot reach Exchange at mail.example.com while reading the inbox"):
        list(basic.fetch_new())


@pytest.mark.filterwarnings("ignore::requests_ntlm.requests_ntlm.NoCertificateRetrievedWarning")  # no TLS socket here
def test_ntlm_logs_in_with_a_challenge_and_response(fake, tmp_path, store):
    config = settings(tmp_path, auth="ntlm", username=USER, password_env="TEST_EXCHANGE_PASSWORD")
    mail = ExchangeMail(config, store)
    fake.mailbox(ME).deliver(reply(1))
    assert [i.raw for i in mail.fetch_new()] == [reply(1)]
    # The first request goes without credentials and gets 401 with "WWW-Authenticate: Negotiate, NTLM";
    # then NEGOTIATE (type 1), the server's CHALLENGE, AUTHENTICATE (type 3); then the
    # connection is logged in and later requests carry nothing.
    kinds = [base64.b64decode(h.removeprefix("NTLM "))[8:9] if h.startswith("NTLM ") else h for h in fake.logins]
    assert kinds[:3] == ["", b"\x01", b"\x03"] and set(kinds[3:]) == {""}
    assert all(c.header.find("{*}ExchangeImpersonation") is None for c in fake.calls)  # delegate access
    assert fake.unauthorized == 2

    fake.users[USER] = ("a-changed-password", {ME})
    (tmp_path / "ntlm-users").write_text("CORP:svc-followthru:a-changed-password\n")
    close_connections()
    with pytest.raises(Unavailable) as refused:
        list(ExchangeMail(config, Store(tmp_path / "other.sqlite3")).fetch_new())
    assert f"refused the login of {USER} (NTLM)" in str(refused.value)
    assert "check exchange.username and the password" in str(refused.value) and PASSWORD not in str(refused.value)


def test_basic_authentication_sends_the_user_and_password(fake, tmp_path, store):
    fake.schemes = ("Basic",)
    config = settings(tmp_path, auth="basic", username=USER, password_env="TEST_EXCHANGE_PASSWORD")
    ExchangeMail(config, store).send("<one@example.com>", ["sam.security@example.com"], outgoing(), ME)
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert {c.headers["Authorization"] for c in fake.calls} == {expected}
    assert len(fake.sent) == 1


class Browser(io.RawIOBase):
    """The person at the terminal: reads the sign-in address Followthru printed, signs in at the
    fake identity platform, and types back the address the browser ended on."""

    def __init__(self, fake: FakeExchange, printed: list[str], user: str):
        self.fake, self.printed, self.user = fake, printed, user
        self.answer: bytes | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.answer is None:
            address = next(line for line in self.printed if "/oauth2/v2.0/authorize?" in line)
            self.answer = (self.fake.sign_in(address, self.user) + "\n").encode()
        chunk, self.answer = self.answer[: len(buffer)], self.answer[len(buffer) :]
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_delegated_sign_in_keeps_and_renews_the_refresh_token(fake, tmp_path, store, monkeypatch):
    config = settings(tmp_path, auth="oauth-delegated", client_secret_env=None, username=ME, poll_seconds=0.001)
    with pytest.raises(ConfigError, match="run 'followthru auth microsoft'"):
        ExchangeMail(config, store)
    printed: list[str] = []
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Browser(fake, printed, ME))))
    path = authorize(config, printed.append)
    assert path == config.path(config.exchange.token_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = json.loads(path.read_text())["refresh_token"]
    exchanged = fake.token_requests[-1]
    assert exchanged["grant_type"] == "authorization_code" and exchanged["code_verifier"]
    assert exchanged["redirect_uri"] == "https://login.microsoftonline.com/common/oauth2/nativeclient"

    fake.token_lifetime = 1
    mail = ExchangeMail(config, store)
    fake.mailbox(ME).deliver(reply(1))
    assert len(list(mail.fetch_new())) == 1
    second = json.loads(path.read_text())["refresh_token"]
    assert second != first and fake.token_requests[-1]["grant_type"] == "refresh_token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(c.header.find("{*}ExchangeImpersonation") is None for c in fake.calls)

    time.sleep(1.6)  # the access token is past its lifetime: renewed before it is used
    fake.token_lifetime = 3599
    fake.mailbox(ME).deliver(reply(2))
    assert [i.raw for i in mail.fetch_new()] == [reply(2)]
    third = json.loads(path.read_text())["refresh_token"]
    assert third not in (first, second) and fake.unauthorized == 0

    fake.expire_tokens()  # the server refuses the access token: renewed from the stored refresh token
    time.sleep(0.002)
    list(mail.fetch_new())
    assert json.loads(path.read_text())["refresh_token"] not in (first, second, third) and fake.unauthorized == 1

    fake.revoke_refresh_tokens()
    fake.expire_tokens()
    time.sleep(0.002)
    with pytest.raises(Unavailable) as refused:
        list(mail.fetch_new())
    assert "invalid_grant: AADSTS700082" in str(refused.value)
    assert "run 'followthru auth microsoft' to sign in again" in str(refused.value)


def test_auth_microsoft_on_the_command_line(fake, tmp_path):
    path = workspace(tmp_path / "ws", auth="oauth-delegated", client_secret_env=None)
    printed: list[str] = []

    class Terminal(Browser):
        def readinto(self, buffer) -> int:
            printed.extend(sys.stdout.buffer.getvalue().decode().splitlines())  # what the person sees so far
            return super().readinto(buffer)

    result = CliRunner().invoke(
        main, ["-c", str(path), "auth", "microsoft"], input=io.BufferedReader(Terminal(fake, printed, ME))
    )
    assert result.exit_code == 0, result.output
    assert "Signed in; the refresh token is in" in result.output
    assert json.loads((tmp_path / "ws" / "exchange-token.json").read_text())["client_id"] == CLIENT_ID

    app = workspace(tmp_path / "other", auth="oauth-app")
    refused = CliRunner().invoke(main, ["-c", str(app), "auth", "microsoft"])
    assert refused.exit_code != 0 and "is for exchange.auth = 'oauth-delegated'" in refused.output


def test_secrets_never_reach_the_log(fake, tmp_path, store, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    ExchangeMail(settings(tmp_path), store).send("<one@example.com>", ["x@example.org"], outgoing(), ME)
    fake.expire_tokens()
    ExchangeMail(settings(tmp_path), store).send("<two@example.com>", ["x@example.org"], outgoing(subject="2"), ME)
    fake.schemes = ("Basic",)
    basic = settings(tmp_path / "basic", auth="basic", username=USER, password_env="TEST_EXCHANGE_PASSWORD")
    list(ExchangeMail(basic, Store(tmp_path / "basic.sqlite3")).fetch_new())
    delegated = settings(tmp_path / "delegated", auth="oauth-delegated", client_secret_env=None)
    printed: list[str] = []
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Browser(fake, printed, ME))))
    authorize(delegated, printed.append)
    list(ExchangeMail(delegated, Store(tmp_path / "delegated.sqlite3")).fetch_new())
    # The libraries did log their requests, with the secrets taken out:
    for shown in (
        "client_secret=[redacted]",
        "'Authorization': 'Bearer [redacted]'",
        "'Authorization': 'Basic [redacted]'",
        '"refresh_token": "[redacted]"',
    ):
        assert shown in caplog.text
    secrets = [
        APP_SECRET,
        PASSWORD,
        base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode().rstrip("="),
        *fake.tokens,
        *json.loads((tmp_path / "delegated" / "ws" / "exchange-token.json").read_text())["refresh_token"].split(),
    ]
    leaked = [s[:12] for s in secrets if s in caplog.text]
    assert leaked == []


# -- doctor ------------------------------------------------------------------------------------------------------
def doctor_lines(result) -> dict[str, str]:
    found = {}
    for line in result.output.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("ok", "FAIL"):
            found[parts[1]] = f"{parts[0]} {parts[2]}"
    return found


def test_doctor_logs_in_and_opens_inbox_and_calendar(fake, tmp_path):
    path = workspace(tmp_path / "ws")
    result = CliRunner().invoke(main, ["-c", str(path), "doctor"])
    assert result.exit_code == 0, result.output
    line = doctor_lines(result)["exchange"]
    assert line == (
        f"ok Exchange at mail.example.com, Exchange 15.2.1544.4, mailbox {ME} as app {CLIENT_ID} (OAuth2 "
        "client credentials), inbox (0 items) and calendar open, processed mail goes to 'Followthru' "
        "(made on first use)"
    )
    assert "CreateItem" not in fake.operations() and "CreateFolder" not in fake.operations()


def test_doctor_names_the_fix_for_a_refused_login(fake, tmp_path, monkeypatch):
    fake.schemes = ("Basic",)
    monkeypatch.setenv("TEST_EXCHANGE_PASSWORD", "wrong-password")
    path = workspace(tmp_path / "ws", auth="basic", username=USER, password_env="TEST_EXCHANGE_PASSWORD")
    result = CliRunner().invoke(main, ["-c", str(path), "doctor"])
    assert result.exit_code == 1
    line = doctor_lines(result)["exchange"]
    assert line.startswith(
        f"FAIL Exchange at mail.example.com refused the login of {USER} (basic authentication) "
        f"for {ME}; check exchange.username and the password"
    )
    assert "wrong-password" not in result.output


def test_missing_settings_are_config_errors(fake, tmp_path, store):
    with pytest.raises(ConfigError, match="exchange.tenant_id"):
        ExchangeMail(settings(tmp_path / "a", tenant_id=""), store)
    with pytest.raises(ConfigError, match="exchange.username"):
        ExchangeMail(settings(tmp_path / "b", auth="ntlm"), store)
    with pytest.raises(ConfigError, match="exchange.server"):
        ExchangeMail(settings(tmp_path / "c", service_endpoint=""), store)
