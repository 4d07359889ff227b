"""A stateful fake of Microsoft Graph v1.0 and the Microsoft identity platform, at the HTTP level.

:class:`FakeGraph` is a requests transport adapter: mounted on the backend's ``requests.Session``
it answers everything the backend sends -- MSAL's sign-in requests and the Graph calls -- while
the backend's own code and MSAL run unchanged above it. Every request is checked against what
Microsoft documents; anything else fails the test with :class:`Invalid`:

- the identity platform (learn.microsoft.com/entra/identity-platform: "OAuth 2.0 client
  credentials flow", "OAuth 2.0 device authorization grant", "OpenID Connect discovery"): the
  tenant's ``/v2.0/.well-known/openid-configuration``, ``/oauth2/v2.0/token`` (grants
  ``client_credentials``, ``urn:ietf:params:oauth:grant-type:device_code``, ``refresh_token``) and
  ``/oauth2/v2.0/devicecode``, form-encoded, with errors shaped ``{"error", "error_description":
  "AADSTS...", "error_codes": [...], "trace_id", "correlation_id", "timestamp", "error_uri"}``;
- Graph (learn.microsoft.com/graph/api: user-sendmail, message-delta, opaque-media-type
  ``$value``, message-move, user-post-mailfolders, user-post-messages, attachment-createuploadsession,
  message-send, user-post-events, event-update, event-cancel, event-delta, user-get-calendar,
  subscription-post-subscriptions, subscription-update; resources message, event, attendee,
  dateTimeTimeZone, patternedRecurrence, singleValueLegacyExtendedProperty, mailFolder,
  attachmentItem, subscription): the path and method of each route, its query parameters, the
  ``$select`` fields and the ``$filter`` forms used, the Content-Type, and JSON bodies field by
  field -- a property the resource lacks or Graph sets itself, a wrong type, a value outside its
  enumeration, a time zone the calendar does not take. Answers have Graph's shapes:
  ``@odata.context``, ``value``, ``@odata.nextLink``/``@odata.deltaLink`` paging with
  ``$skiptoken``/``$deltatoken``, ``@removed`` entries, and errors ``{"error": {"code",
  "message", "innerError": {"date", "request-id", "client-request-id"}}}``.

State: one tenant with one app registration, one mailbox (folders, messages with their MIME, a
change log behind delta tokens), its calendar (events, occurrences of series, a change log) and
its subscriptions. Tests make things happen the way the service would: :meth:`FakeGraph.deliver`
puts a message in the inbox (and notifies subscribers), :meth:`FakeGraph.respond` is an attendee
answering in Outlook (the event's attendee status changes and Exchange's meeting response lands
in the inbox), :meth:`FakeGraph.fail` scripts error answers (429 with Retry-After...),
:meth:`FakeGraph.expire_tokens` and :meth:`FakeGraph.expire_delta_links` age what Microsoft ages.
Exchange's own mail about meetings is recorded in :attr:`FakeGraph.notified`.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import itertools
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests
from dateutil import rrule
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

LOGIN = "login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com/v1.0"
UPLOADS = "https://outlook.office.com/api/v2.0"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"
APP_PERMISSIONS = {"Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite"}
POLICY_DENIED = "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."
RESERVED_SCOPES = {"openid", "profile", "offline_access"}
MAX_REQUEST = 4 * 1024 * 1024


class Invalid(AssertionError):
    """The backend made a request Microsoft does not document."""


# -- what Microsoft documents: resources, field by field ----------------------------------------------------
@dataclass(frozen=True)
class Enum:
    values: frozenset

    def __init__(self, *values: str):
        object.__setattr__(self, "values", frozenset(values))


@dataclass(frozen=True)
class Type:
    """A complex type or resource: its properties, and those Graph sets itself."""

    name: str
    properties: dict
    read_only: frozenset = frozenset()
    nullable: frozenset = frozenset()


WINDOWS_ZONES = set(WINDOWS_TO_OLSON)
# dateTimeTimeZone: "any of the time zones currently supported by Windows, and the additional time
# zones" -- a list of IANA names, one for each Windows zone.
CALENDAR_ZONES = WINDOWS_ZONES | set(WINDOWS_TO_OLSON.values()) | {"UTC"}

EMAIL_ADDRESS = Type("emailAddress", {"address": "String", "name": "String"})
ITEM_BODY = Type("itemBody", {"contentType": Enum("text", "html"), "content": "String"})
DATE_TIME_TIME_ZONE = Type("dateTimeTimeZone", {"dateTime": "LocalDateTime", "timeZone": "TimeZone"})
TIME_SLOT = Type("timeSlot", {"start": DATE_TIME_TIME_ZONE, "end": DATE_TIME_TIME_ZONE})
RESPONSE_STATUS = Type(
    "responseStatus",
    {
        "response": Enum("none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"),
        "time": "DateTimeOffset",
    },
)
# status and proposedNewTime are the attendee's to set: an organizer's write of them is a mistake here.
ATTENDEE = Type(
    "attendee",
    {
        "emailAddress": EMAIL_ADDRESS,
        "type": Enum("required", "optional", "resource"),
        "status": RESPONSE_STATUS,
        "proposedNewTime": TIME_SLOT,
    },
    read_only=frozenset({"status", "proposedNewTime"}),
)
PHYSICAL_ADDRESS = Type(
    "physicalAddress", {k: "String" for k in ("city", "countryOrRegion", "postalCode", "state", "street")}
)
LOCATION = Type(
    "location",
    {
        "displayName": "String",
        "locationEmailAddress": "String",
        "address": PHYSICAL_ADDRESS,
        "locationUri": "String",
        "uniqueId": "String",
        "uniqueIdType": "String",
        "locationType": Enum(
            "default",
            "conferenceRoom",
            "homeAddress",
            "businessAddress",
            "geoCoordinates",
            "streetAddress",
            "hotel",
            "restaurant",
            "localBusiness",
            "postalAddress",
        ),
    },
)
DAY_OF_WEEK = Enum("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
RECURRENCE_PATTERN = Type(
    "recurrencePattern",
    {
        "type": Enum("daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"),
        "interval": "Int32",
        "month": "Int32",
        "dayOfMonth": "Int32",
        "daysOfWeek": [DAY_OF_WEEK],
        "firstDayOfWeek": DAY_OF_WEEK,
        "index": Enum("first", "second", "third", "fourth", "last"),
    },
)
RECURRENCE_RANGE = Type(
    "recurrenceRange",
    {
        "type": Enum("endDate", "noEnd", "numbered"),
        "startDate": "Date",
        "endDate": "Date",
        "recurrenceTimeZone": "String",
        "numberOfOccurrences": "Int32",
    },
)
PATTERNED_RECURRENCE = Type("patternedRecurrence", {"pattern": RECURRENCE_PATTERN, "range": RECURRENCE_RANGE})
EXTENDED_PROPERTY = Type("singleValueLegacyExtendedProperty", {"id": "String", "value": "String"})
EVENT = Type(
    "event",
    {
        "allowNewTimeProposals": "Boolean",
        "attendees": [ATTENDEE],
        "body": ITEM_BODY,
        "categories": ["String"],
        "end": DATE_TIME_TIME_ZONE,
        "hideAttendees": "Boolean",
        "importance": Enum("low", "normal", "high"),
        "isAllDay": "Boolean",
        "isOnlineMeeting": "Boolean",
        "isReminderOn": "Boolean",
        "location": LOCATION,
        "locations": [LOCATION],
        "onlineMeetingProvider": Enum("unknown", "teamsForBusiness", "skypeForBusiness", "skypeForConsumer"),
        "recurrence": PATTERNED_RECURRENCE,
        "reminderMinutesBeforeStart": "Int32",
        "responseRequested": "Boolean",
        "sensitivity": Enum("normal", "personal", "private", "confidential"),
        "showAs": Enum("free", "tentative", "busy", "oof", "workingElsewhere", "unknown"),
        "start": DATE_TIME_TIME_ZONE,
        "subject": "String",
        "transactionId": "String",
        "singleValueExtendedProperties": [EXTENDED_PROPERTY],
        # Graph's own:
        "id": "String",
        "createdDateTime": "DateTimeOffset",
        "lastModifiedDateTime": "DateTimeOffset",
        "changeKey": "String",
        "iCalUId": "String",
        "isCancelled": "Boolean",
        "isDraft": "Boolean",
        "isOrganizer": "Boolean",
        "organizer": "recipient",
        "originalStartTimeZone": "String",
        "originalEndTimeZone": "String",
        "responseStatus": RESPONSE_STATUS,
        "seriesMasterId": "String",
        "type": Enum("singleInstance", "occurrence", "exception", "seriesMaster"),
        "webLink": "String",
        "onlineMeeting": "onlineMeetingInfo",
        "bodyPreview": "String",
        "hasAttachments": "Boolean",
        "originalStart": "DateTimeOffset",
        "cancelledOccurrences": ["String"],
        "occurrenceId": "String",
    },
    read_only=frozenset(
        {
            "id",
            "createdDateTime",
            "lastModifiedDateTime",
            "changeKey",
            "iCalUId",
            "isCancelled",
            "isDraft",
            "isOrganizer",
            "organizer",
            "originalStartTimeZone",
            "originalEndTimeZone",
            "responseStatus",
            "seriesMasterId",
            "type",
            "webLink",
            "onlineMeeting",
            "bodyPreview",
            "hasAttachments",
            "originalStart",
            "cancelledOccurrences",
            "occurrenceId",
        }
    ),
    nullable=frozenset({"recurrence"}),
)
MESSAGE_FIELDS = {
    "bccRecipients",
    "body",
    "bodyPreview",
    "categories",
    "ccRecipients",
    "changeKey",
    "conversationId",
    "conversationIndex",
    "createdDateTime",
    "flag",
    "from",
    "hasAttachments",
    "id",
    "importance",
    "inferenceClassification",
    "internetMessageHeaders",
    "internetMessageId",
    "isDeliveryReceiptRequested",
    "isDraft",
    "isRead",
    "isReadReceiptRequested",
    "lastModifiedDateTime",
    "parentFolderId",
    "receivedDateTime",
    "replyTo",
    "sender",
    "sentDateTime",
    "subject",
    "toRecipients",
    "uniqueBody",
    "webLink",
}
MAIL_FOLDER = Type(
    "mailFolder",
    {
        "displayName": "String",
        "isHidden": "Boolean",
        "id": "String",
        "parentFolderId": "String",
        "childFolderCount": "Int32",
        "unreadItemCount": "Int32",
        "totalItemCount": "Int32",
    },
    read_only=frozenset({"id", "parentFolderId", "childFolderCount", "unreadItemCount", "totalItemCount"}),
)
CALENDAR_FIELDS = {
    "allowedOnlineMeetingProviders",
    "canEdit",
    "canShare",
    "canViewPrivateItems",
    "changeKey",
    "color",
    "defaultOnlineMeetingProvider",
    "hexColor",
    "id",
    "isDefaultCalendar",
    "isRemovable",
    "isTallyingResponses",
    "name",
    "owner",
}
FILE_ATTACHMENT = Type(
    "fileAttachment",
    {
        "@odata.type": Enum("#microsoft.graph.fileAttachment"),
        "name": "String",
        "contentType": "String",
        "contentBytes": "Binary",
        "isInline": "Boolean",
        "contentId": "String",
        "contentLocation": "String",
        "id": "String",
        "size": "Int32",
        "lastModifiedDateTime": "DateTimeOffset",
    },
    read_only=frozenset({"id", "size", "lastModifiedDateTime"}),
)
ATTACHMENT_ITEM = Type(
    "attachmentItem",
    {
        "attachmentType": Enum("file", "item", "reference"),
        "name": "String",
        "size": "Int64",
        "contentType": "String",
        "isInline": "Boolean",
        "contentId": "String",
    },
)
SUBSCRIPTION = Type(
    "subscription",
    {
        "changeType": "String",
        "notificationUrl": "String",
        "resource": "String",
        "expirationDateTime": "DateTimeOffset",
        "clientState": "String",
        "latestSupportedTlsVersion": Enum("v1_0", "v1_1", "v1_2", "v1_3"),
        "lifecycleNotificationUrl": "String",
        "includeResourceData": "Boolean",
        "encryptionCertificate": "String",
        "encryptionCertificateId": "String",
        "notificationQueryOptions": "String",
        "notificationUrlAppId": "String",
        "id": "String",
        "applicationId": "String",
        "creatorId": "String",
    },
    read_only=frozenset({"id", "applicationId", "creatorId"}),
)
# Action parameters (the request body of a POST to an action).
MOVE = Type("move parameters", {"destinationId": "String"})
CANCEL = Type("cancel parameters", {"comment": "String"})
UPLOAD_SESSION = Type("createUploadSession parameters", {"AttachmentItem": ATTACHMENT_ITEM})
SUBSCRIPTION_RENEWAL = Type("subscription update", {"expirationDateTime": "DateTimeOffset"})
EVENT_SELECT = set(EVENT.properties) - {"transactionId"}


def check_value(value: Any, spec: Any, where: str) -> None:
    """Raise :class:`Invalid` when ``value`` is not what Graph documents for ``spec``."""
    if isinstance(spec, Type):
        if not isinstance(value, dict):
            raise Invalid(f"{where} is not an object ({spec.name})")
        for key, item in value.items():
            if key not in spec.properties:
                raise Invalid(f"{where}.{key} is not a property of {spec.name}")
            if key in spec.read_only:
                raise Invalid(f"{where}.{key} is set by Graph, not by the client ({spec.name})")
            if item is None:
                if key not in spec.nullable:
                    raise Invalid(f"{where}.{key} may not be null")
                continue
            check_value(item, spec.properties[key], f"{where}.{key}")
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise Invalid(f"{where} is not a collection")
        for index, item in enumerate(value):
            check_value(item, spec[0], f"{where}[{index}]")
    elif isinstance(spec, Enum):
        if value not in spec.values:
            raise Invalid(f"{where}={value!r} is not one of {sorted(spec.values)}")
    elif spec == "String":
        if not isinstance(value, str):
            raise Invalid(f"{where} is not a string")
    elif spec == "Boolean":
        if not isinstance(value, bool):
            raise Invalid(f"{where} is not a boolean")
    elif spec in ("Int32", "Int64"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(f"{where} is not an integer")
    elif spec == "Binary":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise Invalid(f"{where} is not base64") from None
    elif spec == "Date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            raise Invalid(f"{where}={value!r} is not a date like 2026-12-03")
    elif spec == "DateTimeOffset":
        try:
            moment = datetime.fromisoformat(_six_decimals(value).replace("Z", "+00:00"))
        except (ValueError, TypeError, AttributeError):
            raise Invalid(f"{where}={value!r} is not an ISO 8601 date and time") from None
        if moment.tzinfo is None:
            raise Invalid(f"{where}={value!r} has no offset (DateTimeOffset is in UTC with Z)")
    elif spec == "LocalDateTime":
        try:
            moment = datetime.fromisoformat(_six_decimals(value))
        except (ValueError, TypeError):
            raise Invalid(f"{where}={value!r} is not a date and time like 2026-12-16T14:00:00") from None
        if moment.tzinfo is not None:
            raise Invalid(f"{where}={value!r}: dateTimeTimeZone.dateTime is a wall time; the zone goes in timeZone")
    elif spec == "TimeZone":
        if value not in CALENDAR_ZONES:
            raise Invalid(f"{where}={value!r} is not a time zone the calendar takes")
    else:
        raise Invalid(f"{where}: the fake does not take {spec} in requests")


def check_event(body: dict, where: str) -> None:
    """Rules the event documentation states beyond the types."""
    check_value(body, EVENT, where)
    recurrence = body.get("recurrence")
    if recurrence:
        pattern, span = recurrence.get("pattern", {}), recurrence.get("range", {})
        needs = {
            "daily": {"interval"},
            "weekly": {"interval", "daysOfWeek"},
            "absoluteMonthly": {"interval", "dayOfMonth"},
            "relativeMonthly": {"interval", "daysOfWeek"},
            "absoluteYearly": {"interval", "dayOfMonth", "month"},
            "relativeYearly": {"interval", "daysOfWeek", "month"},
        }.get(pattern.get("type"), {"type"})
        if not needs <= set(pattern):
            raise Invalid(f"{where}.recurrence.pattern of type {pattern.get('type')} needs {sorted(needs)}")
        range_needs = {
            "endDate": {"startDate", "endDate"},
            "noEnd": {"startDate"},
            "numbered": {"startDate", "numberOfOccurrences"},
        }.get(span.get("type"), {"type"})
        if not range_needs <= set(span):
            raise Invalid(f"{where}.recurrence.range of type {span.get('type')} needs {sorted(range_needs)}")
    for index, prop in enumerate(body.get("singleValueExtendedProperties", [])):
        if not re.fullmatch(r"String \{[0-9a-fA-F-]{36}\} Name \w+|String 0x[0-9a-fA-F]{4}", prop["id"]):
            raise Invalid(
                f"{where}.singleValueExtendedProperties[{index}].id={prop['id']!r} is not an id of a String property"
            )


# -- the routes ------------------------------------------------------------------------------------------
M = r"/users/(?P<user>[^/]+)"
ID = r"(?P<id>[^/]+)"


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    pattern: re.Pattern
    query: frozenset = frozenset()  # the query parameters it takes
    body: Any = None  # a Type (JSON), "mime" (base64 text/plain), or None (no body)
    needs: str = ""  # the permission it needs: "Mail.ReadWrite"...


def route(name: str, method: str, path: str, query: tuple = (), body: Any = None, needs: str = "") -> Route:
    return Route(name, method, re.compile(path + "$"), frozenset(query), body, needs)


ODATA_LIST = ("$filter", "$select", "$top", "$skip", "$orderby", "$count", "$expand", "$search")
ROUTES = [
    route("sendMail", "POST", M + r"/sendMail", body="mime", needs="Mail.Send"),
    route(
        "messages.delta",
        "GET",
        M + r"/mailFolders/(?P<folder>[^/]+)/messages/delta",
        ("$select", "$filter", "$orderby", "$top", "$expand", "$deltatoken", "$skiptoken", "changeType"),
        needs="Mail.ReadWrite",
    ),
    route("messages.list", "GET", M + r"/mailFolders/(?P<folder>[^/]+)/messages", ODATA_LIST, needs="Mail.ReadWrite"),
    route("message.value", "GET", M + r"/messages/" + ID + r"/\$value", needs="Mail.ReadWrite"),
    route("message.move", "POST", M + r"/messages/" + ID + r"/move", body=MOVE, needs="Mail.ReadWrite"),
    route("message.delete", "DELETE", M + r"/messages/" + ID, needs="Mail.ReadWrite"),
    route("message.createDraft", "POST", M + r"/messages", body="mime", needs="Mail.ReadWrite"),
    route(
        "message.addAttachment",
        "POST",
        M + r"/messages/" + ID + r"/attachments",
        body=FILE_ATTACHMENT,
        needs="Mail.ReadWrite",
    ),
    route(
        "message.createUploadSession",
        "POST",
        M + r"/messages/" + ID + r"/attachments/createUploadSession",
        body=UPLOAD_SESSION,
        needs="Mail.ReadWrite",
    ),
    route("message.send", "POST", M + r"/messages/" + ID + r"/send", needs="Mail.Send"),
    route(
        "mailFolders.list", "GET", M + r"/mailFolders", ODATA_LIST + ("includeHiddenFolders",), needs="Mail.ReadWrite"
    ),
    route("mailFolders.create", "POST", M + r"/mailFolders", body=MAIL_FOLDER, needs="Mail.ReadWrite"),
    route(
        "mailFolder.get", "GET", M + r"/mailFolders/(?P<folder>[^/]+)", ("$select", "$expand"), needs="Mail.ReadWrite"
    ),
    route("calendar.get", "GET", M + r"/calendar", ("$select",), needs="Calendars.ReadWrite"),
    route("events.create", "POST", M + r"/events", body=EVENT, needs="Calendars.ReadWrite"),
    route("events.list", "GET", M + r"/events", ODATA_LIST, needs="Calendars.ReadWrite"),
    route("event.get", "GET", M + r"/events/" + ID, ("$select", "$expand"), needs="Calendars.ReadWrite"),
    route("event.update", "PATCH", M + r"/events/" + ID, body=EVENT, needs="Calendars.ReadWrite"),
    route("event.cancel", "POST", M + r"/events/" + ID + r"/cancel", body=CANCEL, needs="Calendars.ReadWrite"),
    route(
        "calendarView.delta",
        "GET",
        M + r"/calendarView/delta",
        ("startDateTime", "endDateTime", "$deltatoken", "$skiptoken"),
        needs="Calendars.ReadWrite",
    ),
    route("subscriptions.create", "POST", r"/subscriptions", body=SUBSCRIPTION, needs="Mail.ReadWrite"),
    route("subscription.update", "PATCH", r"/subscriptions/" + ID, body=SUBSCRIPTION_RENEWAL, needs="Mail.ReadWrite"),
]


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it."""

    name: str  # "sendMail", "events.create", "token", "openid-configuration", "upload"...
    method: str
    url: str
    path: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class Fault:
    name: str
    status: int
    code: str
    message: str
    times: int
    headers: dict[str, str]
    lost: bool  # carried out first, as if only the answer went wrong; status 0 is a timeout


class _GraphError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class _TokenError(Exception):
    def __init__(self, status: int, error: str, number: int, text: str):
        super().__init__(error)
        self.status, self.error, self.number, self.text = status, error, number, text


@dataclass
class App:
    """The app registration, its secrets, and what the tenant granted it."""

    client_id: str = "5b7e9c1d-2a3f-4e6b-8c9d-0e1f2a3b4c5d"
    secrets: set[str] = field(default_factory=lambda: {"Xq~8Q~fake.client-secret-value_0123456789abcdef"})
    roles: set[str] = field(default_factory=lambda: set(APP_PERMISSIONS))  # application permissions consented
    public_client: bool = True  # Authentication > Allow public client flows
    allowed_mailboxes: set[str] | None = None  # the application access policy; None: every mailbox


class FakeGraph(BaseAdapter):
    """The identity platform and Graph for one tenant and one mailbox (a requests adapter)."""

    def __init__(
        self, mailbox: str = "followthru@example.com", tenant_id: str = "8a1f6c2e-3b4d-4f5a-9e6b-7c8d9e0f1a2b"
    ):
        super().__init__()
        self.mailbox = mailbox.lower()
        self.tenant_id = tenant_id
        self.tenant_names = {tenant_id, "example.onmicrosoft.com"}
        self.app = App()
        self.user_oid = "0f6d8e2a-1b3c-4d5e-8f9a-0b1c2d3e4f5a"
        self.send_as: set[str] = {self.mailbox}  # addresses the mailbox may send as
        self.calls: list[Call] = []
        self.invalid: list[str] = []  # requests not as documented, swallowed by the backend or not
        self.faults: list[Fault] = []
        self.tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user
        self.device_codes: dict[str, dict] = {}
        self.proxy: dict[str, str] = {}  # public notification URL -> where the reverse proxy sends it
        self.timeouts: list[float | None] = []
        self._ids = itertools.count(1)
        self._clock = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
        # mailbox
        self.folders: dict[str, dict] = {}
        for well_known, name in (
            ("msgfolderroot", "Top of Information Store"),
            ("inbox", "Inbox"),
            ("sentitems", "Sent Items"),
            ("drafts", "Drafts"),
            ("deleteditems", "Deleted Items"),
        ):
            self._folder(name, "" if well_known == "msgfolderroot" else self.folder_id("msgfolderroot"), well_known)
        self.messages: dict[str, dict] = {}
        self.mail_changes: list[tuple[int, str, str, str]] = []  # (number, folder id, message id, added|removed)
        self.generation = 0  # delta and skip tokens of an older generation are forgotten
        self.delivered: list[tuple[str, bytes]] = []  # (recipient, raw) for every message Exchange sent
        self.uploads: dict[str, dict] = {}
        # calendar
        self.events: dict[str, dict] = {}
        self.deleted_events: dict[str, dict] = {}
        self.calendar_changes = 0
        self.removed_events: list[tuple[int, str]] = []
        self.notified: list[tuple[str, str, str]] = []  # (kind, attendee, subject): Exchange's meeting mail
        self.subscriptions: dict[str, dict] = {}
        self.notifications_sent: list[dict] = []

    # -- what tests do --------------------------------------------------------------------------------
    def fail(
        self,
        name: str,
        status: int,
        code: str,
        message: str = "",
        times: int = 1,
        headers: dict[str, str] | None = None,
        lost: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of route ``name`` ("sendMail", "token"...) with an error."""
        self.faults.append(Fault(name, status, code, message or code, times, headers or {}, lost))

    def expire_tokens(self) -> None:
        for token in self.tokens.values():
            token["expired"] = True

    def expire_delta_links(self) -> None:
        """The delta tokens given so far are forgotten (Exchange's cache of them is full)."""
        self.generation += 1

    def deliver(self, raw: bytes) -> str:
        """A message arrives in the inbox, as Exchange's transport would put it there; subscribers
        are notified."""
        message_id = self._store(raw, self.folder_id("inbox"))
        for subscription in list(self.subscriptions.values()):
            if subscription["resource"].lower() == f"users/{self.mailbox}/mailfolders('inbox')/messages":
                self._notify_subscriber(subscription, message_id)
        return message_id

    def respond(self, uid: str, attendee: str, response: str, proposed: datetime | None = None) -> None:
        """``attendee`` answers the meeting of the Followthru ``uid`` in Outlook: the event's
        attendee status changes, and Exchange puts the meeting response in the organizer's inbox."""
        event = self.event_for(uid)
        for person in event["attendees"]:
            if person["emailAddress"]["address"] == attendee:
                person["status"] = {"response": response, "time": self._now()}
                if proposed is not None:
                    end = proposed + (_instant(event["end"]) - _instant(event["start"]))
                    person["proposedNewTime"] = {"start": _utc_dtz(proposed), "end": _utc_dtz(end)}
        self._changed(event)
        notice = EmailMessage()
        notice["From"] = attendee
        notice["To"] = self.mailbox
        word = {"accepted": "Accepted", "declined": "Declined", "tentativelyAccepted": "Tentative"}.get(
            response, "Response"
        )
        notice["Subject"] = f"{'New Time Proposed' if proposed else word}: {event['subject']}"
        notice["Message-ID"] = make_msgid(domain="example.com")
        notice.set_content(f"{attendee} has answered.")
        partstat = {"accepted": "ACCEPTED", "declined": "DECLINED"}.get(response, "TENTATIVE")
        notice.add_alternative(
            f"BEGIN:VCALENDAR\r\nMETHOD:{'COUNTER' if proposed else 'REPLY'}\r\nPRODID:Microsoft Exchange Server 2010"
            f"\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{event['iCalUId']}\r\nATTENDEE;PARTSTAT={partstat}:mailto:"
            f"{attendee}\r\nSUMMARY:{notice['Subject']}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            subtype="calendar",
            params={"method": "COUNTER" if proposed else "REPLY"},
        )
        self.deliver(notice.as_bytes())

    def event_for(self, uid: str) -> dict:
        """The live event of a Followthru UID (by its extended property)."""
        return next(e for e in self.events.values() if uid in e["_ext"].values())

    def sent_to(self, address: str) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for to, raw in self.delivered
            if to == address.lower()
        ]

    def calls_of(self, *names: str) -> list[Call]:
        return [c for c in self.calls if c.name in names]

    def folder_id(self, well_known: str) -> str:
        return next(f["id"] for f in self.folders.values() if f.get("_wellKnown") == well_known)

    def folder_named(self, name: str) -> dict | None:
        return next((f for f in self.folders.values() if f["displayName"] == name), None)

    def in_folder(self, well_known_or_id: str) -> list[dict]:
        folder = next(f["id"] for f in self.folders.values() if well_known_or_id in (f["id"], f.get("_wellKnown")))
        return [m for m in self.messages.values() if m["folder"] == folder]

    # -- requests' adapter ----------------------------------------------------------------------------
    def close(self) -> None:
        pass

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        self.timeouts.append(timeout)
        parts = urlsplit(request.url)
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        try:
            if parts.netloc == LOGIN:
                status, answer, extra = self._identity(request.method, parts, headers, body)
            elif request.url.startswith(GRAPH + "/"):
                status, answer, extra = self._graph(request.method, request.url, headers, body)
            elif request.url.startswith(UPLOADS + "/"):
                status, answer, extra = self._upload(request.method, request.url, headers, body)
            else:
                raise Invalid(f"no Microsoft endpoint is {request.method} {request.url}")
        except Invalid as error:
            self.invalid.append(str(error))  # the backend may swallow it: the fixture's teardown won't
            raise
        except requests.Timeout:
            raise
        return _response(request, status, answer, extra)

    # -- the identity platform --------------------------------------------------------------------------------
    def _identity(self, method: str, parts, headers: dict, body: bytes) -> tuple[int, Any, dict]:
        found = re.fullmatch(
            r"/(?P<tenant>[^/]+)/(?P<rest>v2\.0/\.well-known/openid-configuration|"
            r"oauth2/v2\.0/token|oauth2/v2\.0/devicecode)",
            parts.path,
        )
        if not found:
            raise Invalid(f"no identity platform endpoint is {method} {parts.path} (instance discovery is off)")
        tenant, rest = found.group("tenant"), found.group("rest")
        name = {"oauth2/v2.0/token": "token", "oauth2/v2.0/devicecode": "devicecode"}.get(rest, "openid-configuration")
        if name == "openid-configuration":
            if method != "GET":
                raise Invalid("the OpenID configuration is read with GET")
            self.calls.append(Call(name, method, parts.geturl(), {"tenant": tenant}, {}, headers, None, 200))
            if tenant not in self.tenant_names:
                self._set_status(400)
                return (
                    400,
                    _token_error(
                        "invalid_tenant",
                        90002,
                        f"Tenant '{tenant}' not found. Check to make sure "
                        "you have the correct tenant ID and are signing into the correct cloud.",
                    ),
                    {},
                )
            return 200, self._openid_configuration(), {}
        if method != "POST" or not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise Invalid(f"{name}: a form-encoded POST")
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.calls.append(Call(name, method, parts.geturl(), {"tenant": tenant}, {}, headers, form, 200))
        try:
            self._fault(name)
            if tenant not in self.tenant_names:
                raise _TokenError(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
            if form.get("client_id") != self.app.client_id:
                raise _TokenError(
                    400,
                    "unauthorized_client",
                    700016,
                    f"Application with identifier '{form.get('client_id')}' was not found in the "
                    f"directory '{tenant}'. This can happen if the application has not been installed by "
                    "the administrator of the tenant or consented to by any user in the tenant.",
                )
            return 200, (self._token(form) if name == "token" else self._device_code(form)), {}
        except _TokenError as error:
            self._set_status(error.status)
            return error.status, _token_error(error.error, error.number, error.text), {}

    def _openid_configuration(self) -> dict:
        base = f"https://{LOGIN}/{self.tenant_id}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"https://{LOGIN}/{self.tenant_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def _token(self, form: dict[str, str]) -> dict:
        grant = form.get("grant_type")
        if grant == "client_credentials":
            if form.get("client_secret") not in self.app.secrets:
                raise _TokenError(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the "
                    "client secret value, not the client secret ID, for a secret added to app "
                    f"'{self.app.client_id}'.",
                )
            if form.get("scope") != "https://graph.microsoft.com/.default":
                raise _TokenError(
                    400,
                    "invalid_scope",
                    1002012,
                    f"The provided value for scope {form.get('scope')} "
                    "is not valid. Client credential flows must have a scope value with /.default "
                    "suffixed to the resource identifier (application ID URI).",
                )
            return self._issue({"kind": "app", "roles": set(self.app.roles)})
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            if not self.app.public_client:
                raise _TokenError(
                    401,
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                )
            flow = self.device_codes.get(form.get("device_code", ""))
            if flow is None:
                raise _TokenError(400, "bad_verification_code", 70019, "Verification code expired.")
            if flow["answer"] == "pending" or flow["polls_before"] > 0:
                flow["polls_before"] -= 1
                raise _TokenError(
                    400,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )
            if flow["answer"] == "declined":
                raise _TokenError(400, "authorization_declined", 70000, "The user declined the sign-in.")
            del self.device_codes[form["device_code"]]
            return self._user_tokens(flow["user"], flow["scopes"])
        if grant == "refresh_token":
            user = self.refresh_tokens.get(form.get("refresh_token", ""))
            if user is None:
                raise _TokenError(
                    400,
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity. "
                    "The token was issued on 2026-08-01T09:00:00.0000000Z and was inactive for "
                    "90.00:00:00.",
                )
            return self._user_tokens(user, _scopes(form.get("scope", "")))
        raise _TokenError(
            400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'."
        )

    def _device_code(self, form: dict[str, str]) -> dict:
        scopes = _scopes(form.get("scope", ""))
        unknown = [s for s in scopes - RESERVED_SCOPES if not s.startswith("https://graph.microsoft.com/")]
        if unknown:
            raise Invalid(f"devicecode: scopes not of Graph: {unknown}")
        code = f"FAKE{next(self._ids):05d}"
        flow = {
            "user_code": code,
            "device_code": "DAQABAAEAAA" + secrets.token_urlsafe(40),
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and "
            f"enter the code {code} to authenticate.",
        }
        self.device_codes[flow["device_code"]] = {
            "user_code": code,
            "scopes": scopes,
            "answer": "pending",
            "user": None,
            "polls_before": 0,
        }
        return flow

    def sign_in_with_code(self, user_code: str, user: str, answer: str = "signed-in", polls_before: int = 0) -> None:
        """The user types ``user_code`` at the device login page and signs in as ``user`` (or
        declines), which the token endpoint tells the ``polls_before``-th poll on."""
        flow = next(f for f in self.device_codes.values() if f["user_code"] == user_code)
        flow.update(answer=answer, user=user.lower(), polls_before=polls_before)

    def _user_tokens(self, user: str, scopes: set[str]) -> dict:
        refresh = "0.AXkA" + secrets.token_urlsafe(48)
        self.refresh_tokens[refresh] = user
        claims = {
            "aud": self.app.client_id,
            "iss": f"https://{LOGIN}/{self.tenant_id}/v2.0",
            "iat": 1795000000,
            "nbf": 1795000000,
            "exp": 4102444800,
            "name": "Followthru",
            "oid": self.user_oid,
            "preferred_username": user,
            "sub": "fake-subject",
            "tid": self.tenant_id,
            "ver": "2.0",
        }
        header = {"typ": "JWT", "alg": "none"}  # MSAL reads the claims; it checks no signature
        id_token = ".".join(_b64url(json.dumps(part).encode()) for part in (header, claims)) + "."
        granted = {s for s in scopes if s not in RESERVED_SCOPES}
        return {
            **self._issue({"kind": "user", "user": user, "scopes": granted}),
            "refresh_token": refresh,
            "id_token": id_token,
            "scope": " ".join(sorted(granted)),
            "client_info": _b64url(json.dumps({"uid": self.user_oid, "utid": self.tenant_id}).encode()),
        }

    def _issue(self, grant: dict) -> dict:
        token = "eyJ0eXAiOiJKV1Qi.fake-access-token-" + secrets.token_urlsafe(24)
        self.tokens[token] = {**grant, "expired": False}
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    # -- Graph ------------------------------------------------------------------------------------------
    def _graph(self, method: str, url: str, headers: dict, body: bytes) -> tuple[int, Any, dict]:
        parts = urlsplit(url)
        path = parts.path.removeprefix("/v1.0")
        found = None
        for candidate in ROUTES:
            match = candidate.pattern.fullmatch(path)
            if match and candidate.method == method:
                found = (candidate, {k: unquote(v) for k, v in match.groupdict().items()})
                break
        if found is None:
            raise Invalid(f"no Graph v1.0 method is {method} {path}")
        spec, where = found
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        for name in parse_qs(parts.query, keep_blank_values=True):
            if name not in spec.query:
                raise Invalid(f"{spec.name}: no query parameter {name!r}")
        data = self._body(spec, headers, body)
        self.calls.append(Call(spec.name, method, url, where, query, headers, data, 200))
        try:
            self._authorize(spec, where, headers)
            fault = self._fault(spec.name)
            if fault is not None and not fault.lost:
                raise _GraphError(fault.status, fault.code, fault.message, fault.headers)
            status, answer, extra = getattr(self, "_" + spec.name.replace(".", "_"))(where, query, data, headers)
            self._set_status(status)
            if fault is not None:
                if fault.status == 0:
                    raise requests.Timeout("Read timed out. (read timeout=60)")
                raise _GraphError(fault.status, fault.code, fault.message, fault.headers)
            return status, answer, extra
        except _GraphError as error:
            self._set_status(error.status)
            return (
                error.status,
                {
                    "error": {
                        "code": error.code,
                        "message": error.message,
                        "innerError": {
                            "date": self._now(),
                            "request-id": str(uuid.uuid4()),
                            "client-request-id": str(uuid.uuid4()),
                        },
                    }
                },
                error.headers,
            )

    def _body(self, spec: Route, headers: dict, body: bytes) -> Any:
        kind = headers.get("content-type", "")
        if spec.body is None:
            if body:
                raise Invalid(f"{spec.name} takes no body")
            return None
        if spec.body == "mime":
            if not kind.startswith("text/plain"):
                raise Invalid(f"{spec.name}: MIME content goes as text/plain, base64-encoded (not {kind!r})")
            return body
        if not kind.startswith("application/json"):
            raise Invalid(f"{spec.name}: the body is JSON (Content-Type application/json, not {kind!r})")
        data = json.loads(body)
        if spec.body is EVENT:
            check_event(data, spec.name)
        else:
            check_value(data, spec.body, spec.name)
        return data

    def _authorize(self, spec: Route, where: dict, headers: dict) -> None:
        token = self.tokens.get(headers.get("authorization", "").removeprefix("Bearer "))
        if token is None or not headers.get("authorization", "").startswith("Bearer "):
            raise _GraphError(
                401,
                "InvalidAuthenticationToken",
                "IDX14100: JWT is not well formed, there are no dots (.).",
                {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
            )
        if token["expired"]:
            raise _GraphError(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
                {
                    "WWW-Authenticate": f'Bearer realm="", authorization_uri="https://{LOGIN}/common/'
                    f'oauth2/authorize", client_id="{GRAPH_APP}"'
                },
            )
        user = where.get("user", self.mailbox).lower()
        if user != self.mailbox:
            raise _GraphError(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        if token["kind"] == "app":
            if spec.needs not in token["roles"]:
                raise _GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            if self.app.allowed_mailboxes is not None and user not in self.app.allowed_mailboxes:
                raise _GraphError(403, "ErrorAccessDenied", POLICY_DENIED)
        else:
            if token["user"] != user:
                raise _GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            if f"https://graph.microsoft.com/{spec.needs}" not in token["scopes"]:
                raise _GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")

    def _fault(self, name: str) -> Fault | None:
        for fault in self.faults:
            if fault.name == name and fault.times > 0:
                fault.times -= 1
                if name in ("token", "devicecode"):
                    raise _TokenError(fault.status, fault.code, 0, fault.message)
                return fault
        return None

    def _set_status(self, status: int) -> None:
        self.calls[-1] = replace(self.calls[-1], status=status)

    def _now(self) -> str:
        return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _context(self, what: str) -> str:
        return f"{GRAPH}/$metadata#{what}"

    # -- mail --------------------------------------------------------------------------------------------
    def _folder(self, name: str, parent: str, well_known: str | None = None) -> dict:
        folder = {
            "id": "AAMkAGVmMDEz" + _b64url(f"folder-{next(self._ids)}".encode()) + "AAA=",
            "displayName": name,
            "parentFolderId": parent,
            "childFolderCount": 0,
            "unreadItemCount": 0,
            "totalItemCount": 0,
            "isHidden": False,
            "_wellKnown": well_known,
        }
        self.folders[folder["id"]] = folder
        return folder

    def _folder_of(self, name: str) -> dict:
        for folder in self.folders.values():
            if name.lower() == (folder.get("_wellKnown") or "") or name == folder["id"]:
                return folder
        raise _GraphError(
            404,
            "ErrorInvalidIdMalformed" if "=" not in name else "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )

    def _store(self, raw: bytes, folder: str, draft: bool = False) -> str:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = "AAMkAGI2TG93AAA" + _b64url(f"message-{next(self._ids)}".encode()) + "="
        self._clock += timedelta(seconds=1)
        self.messages[message_id] = {
            "id": message_id,
            "folder": folder,
            "raw": raw,
            "receivedDateTime": self._now(),
            "internetMessageId": str(parsed.get("Message-ID", "")).strip(),
            "subject": str(parsed.get("Subject", "")),
            "isDraft": draft,
            "attachments": [],
        }
        self.mail_changes.append((len(self.mail_changes) + 1, folder, message_id, "added"))
        return message_id

    def _public_message(self, message: dict, select: list[str] | None = None) -> dict:
        full = {
            "@odata.etag": f'W/"CQAAABYAAAB{message["id"][-8:]}"',
            "id": message["id"],
            "receivedDateTime": message["receivedDateTime"],
            "subject": message["subject"],
            "internetMessageId": message["internetMessageId"],
            "parentFolderId": message["folder"],
            "isDraft": message["isDraft"],
            "isRead": False,
            "hasAttachments": bool(message["attachments"]),
        }
        return full if select is None else {k: v for k, v in full.items() if k in ("@odata.etag", "id", *select)}

    def _message(self, where: dict) -> dict:
        message = self.messages.get(where["id"])
        if message is None:
            raise _GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return message

    def _recipients(self, parsed: EmailMessage) -> list[str]:
        return [
            a.lower()
            for _, a in getaddresses(parsed.get_all("To", []) + parsed.get_all("Cc", []) + parsed.get_all("Bcc", []))
            if a
        ]

    def _mime(self, body: bytes) -> bytes:
        if len(body) > MAX_REQUEST:
            raise _GraphError(413, "RequestBodyTooLarge", "The maximum request length supported is 4MB.")
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise _GraphError(
                400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content."
            ) from None

    def _check_sender(self, parsed: EmailMessage) -> None:
        senders = [a.lower() for _, a in getaddresses(parsed.get_all("From", []))]
        if senders and senders[0] not in self.send_as:
            raise _GraphError(
                403,
                "ErrorSendAsDenied",
                "The user account which was used to submit this request does "
                "not have the right to send mail on behalf of the specified sending account., Cannot "
                "submit message.",
            )

    def _hand_over(self, raw: bytes) -> None:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self._check_sender(parsed)
        recipients = self._recipients(parsed)
        if not recipients:
            raise _GraphError(
                400,
                "ErrorInvalidRecipients",
                "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
            )
        if "Message-ID" not in parsed:
            raise Invalid("Followthru sends every message with its own Message-ID")
        self._store(raw, self.folder_id("sentitems"))
        self.delivered.extend((recipient, raw) for recipient in recipients)

    def _sendMail(self, where, query, body, headers):
        self._hand_over(self._mime(body))
        return 202, None, {}

    def _message_createDraft(self, where, query, body, headers):
        raw = self._mime(body)
        self._check_sender(email.message_from_bytes(raw, policy=email.policy.default))
        message_id = self._store(raw, self.folder_id("drafts"), draft=True)
        return (
            201,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/messages/$entity"),
                **self._public_message(self.messages[message_id]),
            },
            {},
        )

    def _message_addAttachment(self, where, query, body, headers):
        message = self._message(where)
        if not message["isDraft"]:
            raise _GraphError(400, "ErrorInvalidRequest", "Attachments can only be added to drafts here.")
        content = base64.b64decode(body["contentBytes"])
        if len(content) > 3 * 1024 * 1024:
            raise _GraphError(
                413,
                "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
                "Attachments over 3 MB go through an upload session.",
            )
        message["attachments"].append((body["name"], body.get("contentType", "application/octet-stream"), content))
        return (
            201,
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "id": f"AAMkAtt{next(self._ids)}=",
                "name": body["name"],
                "contentType": body.get("contentType"),
                "size": len(content),
                "isInline": False,
            },
            {},
        )

    def _message_createUploadSession(self, where, query, body, headers):
        message = self._message(where)
        item = body["AttachmentItem"]
        if item.get("attachmentType") != "file" or "name" not in item or "size" not in item:
            raise Invalid("createUploadSession: AttachmentItem needs attachmentType file, name and size")
        if item["size"] < 3 * 1024 * 1024:
            raise _GraphError(
                400,
                "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
                "Attachment size must be greater than the minimum size.",
            )
        session = secrets.token_urlsafe(12)
        self.uploads[session] = {"message": message["id"], "item": item, "data": b"", "done": False}
        url = (
            f"{UPLOADS}/Users('{self.mailbox}')/Messages('{message['id']}')/AttachmentSessions('{session}')"
            f"?authtoken={secrets.token_urlsafe(32)}"
        )
        return (
            201,
            {
                "@odata.context": self._context("microsoft.graph.uploadSession"),
                "uploadUrl": url,
                "expirationDateTime": (self._clock + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
                "nextExpectedRanges": ["0-"],
            },
            {},
        )

    def _upload(self, method: str, url: str, headers: dict, body: bytes) -> tuple[int, Any, dict]:
        found = re.search(r"AttachmentSessions\('([^']+)'\)\?authtoken=", url)
        session = self.uploads.get(found.group(1)) if found else None
        self.calls.append(Call("upload", method, url, {}, {}, headers, len(body), 200))
        if method != "PUT" or session is None:
            raise Invalid(f"no upload session is {method} {url}")
        if "authorization" in headers:
            raise Invalid("upload: the session URL carries its token; no Authorization header may go there")
        if not headers.get("content-type", "").startswith("application/octet-stream"):
            raise Invalid("upload: the bytes go as application/octet-stream")
        ranged = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", headers.get("content-range", ""))
        if not ranged:
            raise Invalid(f"upload: Content-Range {headers.get('content-range')!r} is not 'bytes first-last/total'")
        first, last, total = (int(n) for n in ranged.groups())
        if (
            first != len(session["data"])
            or last - first + 1 != len(body)
            or total != session["item"]["size"]
            or int(headers.get("content-length", -1)) != len(body)
            or len(body) > MAX_REQUEST
        ):
            raise Invalid(
                f"upload: range {first}-{last}/{total} does not follow on {len(session['data'])} bytes "
                f"with {len(body)} bytes in this request"
            )
        session["data"] += body
        if len(session["data"]) < total:
            return (
                200,
                {
                    "expirationDateTime": "2026-11-30T18:00:00.0000000Z",
                    "nextExpectedRanges": [f"{len(session['data'])}-"],
                },
                {},
            )
        item = session["item"]
        self.messages[session["message"]]["attachments"].append(
            (item["name"], item.get("contentType", "application/octet-stream"), session["data"])
        )
        session["done"] = True
        return (
            201,
            None,
            {
                "Location": f"{GRAPH}/users('{self.mailbox}')/messages('{session['message']}')/"
                f"attachments('{found.group(1)}')"
            },
        )

    def _message_send(self, where, query, body, headers):
        message = self._message(where)
        if not message["isDraft"]:
            raise _GraphError(400, "ErrorInvalidRequest", "Only drafts can be sent.")
        parsed = email.message_from_bytes(message["raw"], policy=email.policy.default)
        for name, kind, content in message["attachments"]:
            if not parsed.is_multipart():
                parsed.make_mixed()
            maintype, _, subtype = kind.partition("/")
            parsed.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
        raw = parsed.as_bytes()
        del self.messages[message["id"]]
        self._hand_over(raw)
        return 202, None, {}

    def _message_delete(self, where, query, body, headers):
        message = self._message(where)
        del self.messages[message["id"]]
        self.mail_changes.append((len(self.mail_changes) + 1, message["folder"], message["id"], "removed"))
        return 204, None, {}

    def _message_value(self, where, query, body, headers):
        return 200, self._message(where)["raw"], {"Content-Type": "text/plain"}

    def _message_move(self, where, query, body, headers):
        message = self._message(where)
        target = self._folder_of(body["destinationId"])
        old_id, old_folder = message["id"], message["folder"]
        del self.messages[old_id]
        new_id = "AAMkAGI2TG93AAA" + _b64url(f"moved-{next(self._ids)}".encode()) + "="  # a move gives a new id
        self.messages[new_id] = {**message, "id": new_id, "folder": target["id"]}
        self.mail_changes.append((len(self.mail_changes) + 1, old_folder, old_id, "removed"))
        self.mail_changes.append((len(self.mail_changes) + 1, target["id"], new_id, "added"))
        return (
            201,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/messages/$entity"),
                **self._public_message(self.messages[new_id]),
            },
            {},
        )

    def _select(self, query: dict, allowed: set[str], what: str) -> list[str] | None:
        if "$select" not in query:
            return None
        fields = [f.strip() for f in query["$select"].split(",")]
        unknown = [f for f in fields if f not in allowed]
        if unknown:
            raise Invalid(f"{what}: $select of {unknown}, which are not properties")
        return fields

    def _messages_list(self, where, query, body, headers):
        folder = self._folder_of(where["folder"])
        select = self._select(query, MESSAGE_FIELDS, "messages.list")
        wanted = _filter_eq(query.get("$filter"), "internetMessageId")
        found = [
            m
            for m in self.messages.values()
            if m["folder"] == folder["id"] and (wanted is None or m["internetMessageId"] == wanted)
        ]
        return (
            200,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/mailFolders('{where['folder']}')/messages"),
                "value": [self._public_message(m, select) for m in found],
            },
            {},
        )

    def _messages_delta(self, where, query, body, headers):
        """message: delta. A page is at most odata.maxpagesize (Prefer) items; the round is fixed
        by its first request, its state carried by $skiptoken links, its end by a $deltatoken."""
        folder = self._folder_of(where["folder"])
        base = f"{GRAPH}/users/{quote(where['user'])}/mailFolders/{where['folder']}/messages/delta"
        size = _page_size(headers, 10)
        if "$skiptoken" in query or "$deltatoken" in query:
            if len(query) > 1:
                raise Invalid("messages.delta: a next or delta link is used as it is, with no parameters added")
            state = _untoken(query.get("$skiptoken") or query["$deltatoken"])
            if state["generation"] != self.generation:
                raise _GraphError(
                    410,
                    "syncStateNotFound",
                    "The sync state generation is not found. The delta token "
                    "is expired and data must be synchronized again.",
                    {"Location": base + "?$deltatoken=latest"},
                )
        else:
            if "$top" in query:
                raise Invalid("messages.delta: the page size is asked with Prefer: odata.maxpagesize, not $top")
            state = {
                "since": None,
                "upto": len(self.mail_changes),
                "offset": 0,
                "generation": self.generation,
                "select": self._select(query, MESSAGE_FIELDS, "messages.delta"),
            }
        if "$deltatoken" in query:
            state = {**state, "upto": len(self.mail_changes), "offset": 0}
        changed: dict[str, str] = {}
        for number, folder_id, message_id, kind in self.mail_changes[state["since"] or 0 : state["upto"]]:
            if folder_id == folder["id"]:
                changed[message_id] = kind
        if state["since"] is None:  # the first round: what the folder holds
            changed = {k: v for k, v in changed.items() if v == "added"}
        rows = []
        for message_id, kind in reversed(changed.items()):  # no set order: here the newest first
            message = self.messages.get(message_id)
            if kind == "added" and message is not None and message["folder"] == folder["id"]:
                rows.append(
                    {"@odata.type": "#microsoft.graph.message", **self._public_message(message, state["select"])}
                )
            elif state["since"] is not None:
                rows.append(
                    {"@odata.type": "#microsoft.graph.message", "id": message_id, "@removed": {"reason": "deleted"}}
                )
        page = rows[state["offset"] : state["offset"] + size]
        answer = {"@odata.context": self._context("Collection(message)"), "value": page}
        if state["offset"] + size < len(rows):
            answer["@odata.nextLink"] = base + "?$skiptoken=" + _token({**state, "offset": state["offset"] + size})
        else:
            answer["@odata.deltaLink"] = base + "?$deltatoken=" + _token({**state, "since": state["upto"], "offset": 0})
        return 200, answer, {}

    def _mailFolders_list(self, where, query, body, headers):
        select = self._select(query, set(MAIL_FOLDER.properties), "mailFolders.list")
        wanted = _filter_eq(query.get("$filter"), "displayName")
        root = self.folder_id("msgfolderroot")
        found = [
            f
            for f in self.folders.values()
            if f["parentFolderId"] == root and (wanted is None or f["displayName"].lower() == wanted.lower())
        ]
        return (
            200,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/mailFolders"),
                "value": [_public(f, select) for f in found],
            },
            {},
        )

    def _mailFolders_create(self, where, query, body, headers):
        root = self.folder_id("msgfolderroot")
        if any(
            f["displayName"].lower() == body["displayName"].lower() and f["parentFolderId"] == root
            for f in self.folders.values()
        ):
            raise _GraphError(
                409, "ErrorFolderExists", "A folder with the specified name already exists., EWS:ErrorFolderExists"
            )
        folder = self._folder(body["displayName"], root)
        folder["isHidden"] = body.get("isHidden", False)
        return (
            201,
            {"@odata.context": self._context(f"users('{self.mailbox}')/mailFolders/$entity"), **_public(folder)},
            {},
        )

    def _mailFolder_get(self, where, query, body, headers):
        folder = self._folder_of(where["folder"])
        select = self._select(query, set(MAIL_FOLDER.properties), "mailFolder.get")
        counted = {**folder, "totalItemCount": sum(m["folder"] == folder["id"] for m in self.messages.values())}
        return (
            200,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/mailFolders/$entity"),
                **_public(counted, select),
            },
            {},
        )

    # -- calendar ----------------------------------------------------------------------------------------
    def _calendar_get(self, where, query, body, headers):
        select = self._select(query, CALENDAR_FIELDS, "calendar.get")
        calendar = {
            "id": "AAMkAGViNDU7zAAA=",
            "name": "Calendar",
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": True,
            "changeKey": "nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==",
            "canShare": True,
            "canViewPrivateItems": True,
            "canEdit": True,
            "isTallyingResponses": True,
            "isRemovable": False,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "owner": {"name": "Followthru", "address": self.mailbox},
        }
        return (
            200,
            {"@odata.context": self._context(f"users('{self.mailbox}')/calendar/$entity"), **_public(calendar, select)},
            {},
        )

    def _changed(self, event: dict) -> None:
        self.calendar_changes += 1
        event["_change"] = self.calendar_changes
        self._clock += timedelta(seconds=1)
        event["lastModifiedDateTime"] = self._clock.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        event["changeKey"] = _b64url(f"change-{self.calendar_changes}".encode())

    def _notify(self, kind: str, people: list[dict], event: dict) -> None:
        for person in people:
            self.notified.append((kind, person["emailAddress"]["address"], event["subject"]))

    def _attendees(self, given: list[dict], before: list[dict] | None = None) -> list[dict]:
        """Exchange's copy of an attendee list: each has a status; those who stay keep theirs."""
        kept = {a["emailAddress"]["address"].lower(): a for a in before or []}
        people = []
        for attendee in given:
            address = attendee["emailAddress"]["address"].lower()
            old = kept.get(address, {})
            people.append(
                {
                    "type": attendee.get("type", "required"),
                    "status": old.get("status", {"response": "none", "time": "0001-01-01T00:00:00Z"}),
                    "emailAddress": {"name": attendee["emailAddress"].get("name", address), "address": address},
                    **({"proposedNewTime": old["proposedNewTime"]} if "proposedNewTime" in old else {}),
                }
            )
        return people

    def _events_create(self, where, query, body, headers):
        for key in ("subject", "start", "end"):
            if key not in body:
                raise _GraphError(400, "ErrorInvalidRequest", f"The event needs {key}.")
        transaction = body.get("transactionId")
        if transaction:
            again = next((e for e in self.events.values() if e["transactionId"] == transaction), None)
            if again is not None:  # the client's retry: the event it made already
                return 201, self._public_event(again, headers), {}
        event_id = "AAMkAGI2THVSAAA" + _b64url(f"event-{next(self._ids)}".encode()) + "="
        self._clock += timedelta(seconds=1)
        event = {
            "id": event_id,
            "createdDateTime": self._clock.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "iCalUId": "040000008200E00074C5B7101A82E00800000000" + secrets.token_hex(28).upper(),
            "isOrganizer": True,
            "isCancelled": False,
            "isDraft": False,
            "responseRequested": True,
            "allowNewTimeProposals": True,
            "type": "seriesMaster" if body.get("recurrence") else "singleInstance",
            "seriesMasterId": None,
            "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
            "organizer": {"emailAddress": {"name": "Followthru", "address": self.mailbox}},
            "location": {"displayName": "", "locationType": "default"},
            "recurrence": None,
            "body": {"contentType": "text", "content": ""},
            "transactionId": transaction,
            **{k: v for k, v in body.items() if k not in ("singleValueExtendedProperties",)},
            "_ext": {p["id"]: p["value"] for p in body.get("singleValueExtendedProperties", [])},
        }
        event["attendees"] = self._attendees(body.get("attendees", []))
        self.events[event_id] = event
        self._changed(event)
        self._notify("invitation", event["attendees"], event)
        return (
            201,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/events/$entity"),
                **self._public_event(event, headers),
            },
            {},
        )

    def _event(self, where: dict) -> dict:
        event = self.events.get(where["id"])
        if event is None:
            raise _GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return event

    def _event_get(self, where, query, body, headers):
        select = self._select(query, EVENT_SELECT, "event.get")
        return (
            200,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/events/$entity"),
                **self._public_event(self._event(where), headers, select),
            },
            {},
        )

    def _events_list(self, where, query, body, headers):
        select = self._select(query, EVENT_SELECT, "events.list")
        text = query.get("$filter", "")
        found = re.fullmatch(
            r"singleValueExtendedProperties/Any\(ep: ep/id eq '((?:[^']|'')*)' and ep/value eq "
            r"'((?:[^']|'')*)'\)",
            text,
        )
        if not found:
            raise Invalid(f"events.list: the fake knows the extended property $filter only, not {text!r}")
        prop, value = (g.replace("''", "'") for g in found.groups())
        matches = [e for e in self.events.values() if e["_ext"].get(prop) == value]
        return (
            200,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/events"),
                "value": [self._public_event(e, headers, select) for e in matches],
            },
            {},
        )

    def _event_update(self, where, query, body, headers):
        event = self._event(where)
        if "transactionId" in body:
            raise Invalid("event.update: transactionId cannot be changed after the event is made")
        before = {
            k: json.dumps(event.get(k), sort_keys=True)
            for k in ("start", "end", "location", "subject", "body", "recurrence")
        }
        old_people = {a["emailAddress"]["address"]: a for a in event.get("attendees", [])}
        for key, value in body.items():
            if key == "singleValueExtendedProperties":
                event["_ext"].update({p["id"]: p["value"] for p in value})
            elif key != "attendees":
                event[key] = value
        if "attendees" in body:
            event["attendees"] = self._attendees(body["attendees"], event.get("attendees"))
        event["type"] = "seriesMaster" if event.get("recurrence") else "singleInstance"
        significant = [k for k, v in before.items() if json.dumps(event.get(k), sort_keys=True) != v]
        if {"start", "end", "recurrence"} & set(significant):
            for person in event["attendees"]:  # a new time asks everyone again
                person["status"] = {"response": "none", "time": "0001-01-01T00:00:00Z"}
                person.pop("proposedNewTime", None)
        self._changed(event)
        people = {a["emailAddress"]["address"]: a for a in event.get("attendees", [])}
        self._notify("cancellation", [a for e, a in old_people.items() if e not in people], event)
        self._notify("invitation", [a for e, a in people.items() if e not in old_people], event)
        if significant:
            self._notify("update", [a for e, a in people.items() if e in old_people], event)
        return (
            200,
            {
                "@odata.context": self._context(f"users('{self.mailbox}')/events/$entity"),
                **self._public_event(event, headers),
            },
            {},
        )

    def _event_cancel(self, where, query, body, headers):
        event = self._event(where)
        if not event["isOrganizer"]:
            raise _GraphError(
                400,
                "ErrorAccessDenied",
                "Your request can't be completed. You need to be an organizer to cancel a meeting.",
            )
        self._notify("cancellation", event.get("attendees", []), event)
        event["cancelComment"] = body.get("comment", "")
        event["isCancelled"] = True
        self._changed(event)
        self.deleted_events[event["id"]] = self.events.pop(event["id"])  # to Deleted Items
        self.removed_events.append((self.calendar_changes, event["id"]))
        return 202, None, {}

    def _public_event(self, event: dict, headers: dict, select: list[str] | None = None) -> dict:
        preferences = _preferences(headers)
        public = {
            k: v
            for k, v in event.items()
            if not k.startswith("_") and k != "cancelComment" and not (k == "transactionId" and v is None)
        }
        public["@odata.etag"] = f'W/"{event["changeKey"]}"'
        if preferences.get("outlook.timezone"):
            zone = preferences["outlook.timezone"]
            public["start"], public["end"] = (_in_zone(event[k], zone) for k in ("start", "end"))
        if preferences.get("outlook.body-content-type") != "text":
            text = event.get("body", {}).get("content", "")
            public["body"] = {
                "contentType": "html",
                "content": "<html><body><div>"
                + text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>")
                + "</div></body></html>",
            }
        if select is not None:
            public = {k: v for k, v in public.items() if k in ("@odata.etag", "id", *select)}
        return public

    def _occurrences(self, event: dict, first: datetime, last: datetime) -> list[dict]:
        """A series' occurrences in the window, as the calendar view gives them (daily and weekly)."""
        start, end = _instant(event["start"]), _instant(event["end"])
        zone = _zone(event["start"]["timeZone"])
        pattern, span = event["recurrence"]["pattern"], event["recurrence"]["range"]
        days = [getattr(rrule, d[:2].upper()) for d in pattern.get("daysOfWeek", [])]
        frequency = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY}.get(pattern["type"])
        if frequency is None:
            raise Invalid(f"the fake expands daily and weekly series only, not {pattern['type']}")
        limits = (
            {"count": span["numberOfOccurrences"]}
            if span["type"] == "numbered"
            else {"until": datetime.combine(date.fromisoformat(span["endDate"]), datetime.max.time())}
            if span["type"] == "endDate"
            else {}
        )
        local = start.astimezone(zone).replace(tzinfo=None)
        moments = rrule.rrule(
            frequency, dtstart=local, interval=pattern.get("interval", 1), byweekday=days or None, **limits
        )
        found = []
        for number, moment in enumerate(itertools.islice(moments, 500)):
            when = moment.replace(tzinfo=zone)
            if first <= when <= last:
                found.append(
                    {
                        **event,
                        "id": f"{event['id']}_{number}",
                        "type": "occurrence",
                        "seriesMasterId": event["id"],
                        "recurrence": None,
                        "start": _utc_dtz(when),
                        "end": _utc_dtz(when + (end - start)),
                    }
                )
        return found

    def _calendarView_delta(self, where, query, body, headers):
        """event: delta on a calendarView: single instances and occurrences in the window."""
        base = f"{GRAPH}/users/{quote(where['user'])}/calendarView/delta"
        size = _page_size(headers, 10)
        if "$skiptoken" in query or "$deltatoken" in query:
            if len(query) > 1:
                raise Invalid("calendarView.delta: a next or delta link is used as it is, with no parameters added")
            state = _untoken(query.get("$skiptoken") or query["$deltatoken"])
            if state["generation"] != self.generation:
                raise _GraphError(
                    410,
                    "syncStateNotFound",
                    "The sync state generation is not found. The delta token "
                    "is expired and data must be synchronized again.",
                )
            if "$deltatoken" in query:
                state = {**state, "upto": self.calendar_changes, "offset": 0}
        else:
            if not {"startDateTime", "endDateTime"} <= set(query):
                raise Invalid("calendarView.delta: the first request names startDateTime and endDateTime")
            for key in ("startDateTime", "endDateTime"):
                check_value(query[key], "DateTimeOffset", f"calendarView.delta {key}")
            state = {
                "since": None,
                "upto": self.calendar_changes,
                "offset": 0,
                "generation": self.generation,
                "first": query["startDateTime"],
                "last": query["endDateTime"],
            }
        first, last = (datetime.fromisoformat(state[k].replace("Z", "+00:00")) for k in ("first", "last"))
        rows = []
        for event in sorted(self.events.values(), key=lambda e: e["_change"]):
            if not (state["since"] or 0) < event["_change"] <= state["upto"]:
                continue
            items = (
                self._occurrences(event, first, last)
                if event.get("recurrence")
                else [event]
                if first <= _instant(event["start"]) <= last
                else []
            )
            rows.extend({"@odata.type": "#microsoft.graph.event", **self._public_event(e, headers)} for e in items)
        if state["since"] is not None:
            rows.extend(
                {"@odata.type": "#microsoft.graph.event", "id": event_id, "@removed": {"reason": "deleted"}}
                for number, event_id in self.removed_events
                if state["since"] < number <= state["upto"]
            )
        page = rows[state["offset"] : state["offset"] + size]
        answer = {"@odata.context": self._context("Collection(event)"), "value": page}
        if state["offset"] + size < len(rows):
            answer["@odata.nextLink"] = base + "?$skiptoken=" + _token({**state, "offset": state["offset"] + size})
        else:
            answer["@odata.deltaLink"] = base + "?$deltatoken=" + _token({**state, "since": state["upto"], "offset": 0})
        return 200, answer, {}

    # -- subscriptions -----------------------------------------------------------------------------------
    def _subscriptions_create(self, where, query, body, headers):
        for key in ("changeType", "notificationUrl", "resource", "expirationDateTime"):
            if key not in body:
                raise Invalid(f"subscriptions.create: {key} is required")
        if not set(body["changeType"].split(",")) <= {"created", "updated", "deleted"}:
            raise Invalid(f"subscriptions.create: changeType {body['changeType']!r}")
        if not body["notificationUrl"].startswith("https://"):
            raise _GraphError(400, "ValidationError", "The notification URL must use HTTPS.")
        if not re.fullmatch(r"(users/[^/]+|me)/mailFolders\('[^']+'\)/messages", body["resource"]):
            raise Invalid(f"subscriptions.create: resource {body['resource']!r} is not a mail folder's messages")
        expires = datetime.fromisoformat(_six_decimals(body["expirationDateTime"]).replace("Z", "+00:00"))
        if expires - datetime.now(timezone.utc) > timedelta(minutes=10080):
            raise _GraphError(400, "InvalidRequest", "Subscription expiration can only be 10080 minutes in the future.")
        if len(body.get("clientState", "")) > 128:
            raise Invalid("subscriptions.create: clientState is at most 128 characters")
        token = "Validation: Testing client application reachability for subscription Request-Id: " + str(uuid.uuid4())
        try:
            answer = requests.post(
                self._proxied(body["notificationUrl"]) + "?" + urlencode({"validationToken": token}),
                headers={"Content-Type": "text/plain; charset=utf-8"},
                timeout=10,
            )
            valid = (
                answer.status_code == 200
                and answer.text == token
                and answer.headers.get("Content-Type", "").startswith("text/plain")
            )
        except requests.RequestException:
            valid = False
        if not valid:
            raise _GraphError(
                400,
                "InvalidRequest",
                "Subscription validation request failed. Notification endpoint "
                "must respond with 200 OK to validation request.",
            )
        subscription = {
            "id": str(uuid.uuid4()),
            "applicationId": self.app.client_id,
            "creatorId": self.user_oid,
            "latestSupportedTlsVersion": "v1_2",
            "includeResourceData": False,
            **body,
        }
        self.subscriptions[subscription["id"]] = subscription
        return 201, {"@odata.context": self._context("subscriptions/$entity"), **subscription}, {}

    def _subscription_update(self, where, query, body, headers):
        subscription = self.subscriptions.get(where["id"])
        if subscription is None:
            raise _GraphError(404, "ResourceNotFound", f"The object was not found. Subscription id {where['id']}")
        subscription["expirationDateTime"] = body["expirationDateTime"]
        return 200, {"@odata.context": self._context("subscriptions/$entity"), **subscription}, {}

    def _proxied(self, url: str) -> str:
        if url not in self.proxy:
            raise Invalid(f"the test gave no reverse proxy for {url}")
        return self.proxy[url]

    def _notify_subscriber(self, subscription: dict, message_id: str) -> None:
        notification = {
            "value": [
                {
                    "subscriptionId": subscription["id"],
                    "subscriptionExpirationDateTime": subscription["expirationDateTime"],
                    "changeType": "created",
                    "resource": f"Users/{self.user_oid}/Messages/{message_id}",
                    "resourceData": {
                        "@odata.type": "#Microsoft.Graph.Message",
                        "@odata.id": f"Users/{self.user_oid}/Messages/{message_id}",
                        "@odata.etag": 'W/"CQAAABYAAAB"',
                        "id": message_id,
                    },
                    "clientState": subscription.get("clientState"),
                    "tenantId": self.tenant_id,
                }
            ]
        }
        self.notifications_sent.append(notification)
        try:
            requests.post(self._proxied(subscription["notificationUrl"]), json=notification, timeout=3)
        except requests.RequestException:
            pass  # Graph drops a notification the endpoint does not take


# -- helpers ---------------------------------------------------------------------------------------------
def _response(request: requests.PreparedRequest, status: int, answer: Any, extra: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.request = request
    response.url = request.url
    response.reason = {
        200: "OK",
        201: "Created",
        202: "Accepted",
        204: "No Content",
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        410: "Gone",
        413: "Request Entity Too Large",
        429: "Too Many Requests",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }.get(status, "")
    if isinstance(answer, bytes):
        content, kind = answer, "text/plain"
    elif answer is None:
        content, kind = b"", None
    else:
        content, kind = json.dumps(answer).encode(), "application/json; odata.metadata=minimal; charset=utf-8"
    headers = {"request-id": str(uuid.uuid4()), "client-request-id": str(uuid.uuid4())}
    if kind:
        headers["Content-Type"] = kind
    response.headers = CaseInsensitiveDict({**headers, **extra, "Content-Length": str(len(content))})
    response._content = content
    response.encoding = "utf-8"
    return response


def _token_error(error: str, number: int, text: str) -> dict:
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    return {
        "error": error,
        "error_description": f"AADSTS{number}: {text} Trace ID: {trace} Correlation ID: "
        f"{correlation} Timestamp: 2026-11-30 12:00:00Z",
        "error_codes": [number],
        "timestamp": "2026-11-30 12:00:00Z",
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://{LOGIN}/error?code={number}",
    }


def _scopes(text: str) -> set[str]:
    return set(text.split())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _token(state: dict) -> str:
    return _b64url(json.dumps(state, sort_keys=True).encode())


def _untoken(text: str) -> dict:
    try:
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):
        raise _GraphError(400, "BadRequest", "Invalid delta or skip token.") from None


def _page_size(headers: dict, default: int) -> int:
    found = re.search(r"odata\.maxpagesize=(\d+)", headers.get("prefer", ""))
    return int(found.group(1)) if found else default


def _preferences(headers: dict) -> dict[str, str]:
    """``Prefer: outlook.timezone="UTC", outlook.body-content-type="text"`` as a dict."""
    found = {}
    for part in headers.get("prefer", "").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            if key not in ("outlook.timezone", "outlook.body-content-type", "odata.maxpagesize", "IdType"):
                raise Invalid(f"Prefer: {key} is not a preference Graph's Outlook API takes")
            found[key] = value.strip('"')
    return found


def _filter_eq(text: str | None, prop: str) -> str | None:
    """The value of ``prop eq '...'``, the one $filter form the fake evaluates for this list."""
    if text is None:
        return None
    found = re.fullmatch(rf"{prop} eq '((?:[^']|'')*)'", text)
    if not found:
        raise Invalid(f"the fake evaluates $filter={prop} eq '...' here, not {text!r}")
    return found.group(1).replace("''", "'")


def _public(item: dict, select: list[str] | None = None) -> dict:
    public = {k: v for k, v in item.items() if not k.startswith("_")}
    return public if select is None else {k: v for k, v in public.items() if k in ("id", *select)}


def _six_decimals(text: str) -> str:
    """Python reads at most six decimals of a second; Graph writes seven."""
    return re.sub(r"(\.\d{6})\d+", r"\1", text)


def _zone(name: str):
    return timezone.utc if name == "UTC" else ZoneInfo(WINDOWS_TO_OLSON.get(name, name))


def _instant(when: dict) -> datetime:
    return datetime.fromisoformat(_six_decimals(when["dateTime"])).replace(tzinfo=_zone(when["timeZone"]))


def _utc_dtz(moment: datetime) -> dict:
    return {"dateTime": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


def _in_zone(when: dict, zone: str) -> dict:
    if zone != "UTC":
        raise Invalid('the fake answers outlook.timezone="UTC" only')
    return _utc_dtz(_instant(when))
