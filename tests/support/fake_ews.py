"""A stateful Exchange server for the tests: EWS (SOAP over HTTP), and the Microsoft identity
platform's token endpoint, behind the requests transport adapter that exchangelib documents as
its hook (``exchangelib.protocol.BaseProtocol.HTTP_ADAPTER_CLS``).

Every request Followthru makes for Exchange goes through that adapter class: exchangelib's EWS
calls, its OAuth token requests, and MSAL's (Followthru mounts the same class on MSAL's session).
:class:`FakeAdapter` hands each one to the :class:`FakeExchange` in ``FakeAdapter.server``.

What the fake checks, from Microsoft's EWS reference: the SOAP envelope and its header
(``RequestServerVersion``, and ``ExchangeImpersonation/ConnectingSID/PrimarySmtpAddress`` for
app tokens), each operation's required attributes and their allowed values, the elements of
every operation Followthru uses and their order where the schema fixes it. A request that breaks
them is answered with an ``ErrorSchemaValidation`` fault and kept in :attr:`FakeExchange.violations`,
which the tests' fixture asserts empty. Answers are shaped like the reference's examples:
``<m:XResponse><m:ResponseMessages><m:XResponseMessage ResponseClass=...>`` with ``ResponseCode``
(and ``MessageText`` on errors); throttling is the SOAP fault Exchange sends with HTTP 500 and
``MessageXml/Value Name="BackOffMilliseconds"``.

State: mailboxes with folders and items (messages as MIME, calendar items with attendees and
their responses), change logs for ``SyncFolderItems``, issued access and refresh tokens, and
what the server sent on the mailbox owner's behalf (:attr:`FakeExchange.sent` for mail,
:attr:`FakeExchange.invitations` for meeting requests, updates and cancellations).
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import io
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import getaddresses
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import requests
import requests.adapters
import spnego
from lxml import etree
from requests.structures import CaseInsensitiveDict

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
NS = {"s": SOAP, "m": M, "t": T}

HOST = "mail.example.com"
ENDPOINT = f"https://{HOST}/EWS/Exchange.asmx"
LOGIN = "https://login.microsoftonline.com"
TENANT = "8f3e2a5c-1b7d-4e0a-9c6f-2d4b5a7e9f10"
CLIENT_ID = "5d1c9a4e-3f2b-4a8c-b7e6-0a9d8c7b6e5f"
APP_SCOPE = "https://outlook.office365.com/.default"
USER_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All"
API_VERSIONS = {
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
    "V2017_04_14",
    "V2017_07_11",
}
MESSAGE_DISPOSITIONS = {"SaveOnly", "SendOnly", "SendAndSaveCopy"}
SEND_INVITATIONS = {"SendToNone", "SendOnlyToAll", "SendToAllAndSaveCopy"}
SEND_UPDATES = {"SendToNone", "SendOnlyToAll", "SendOnlyToChanged", "SendToAllAndSaveCopy", "SendToChangedAndSaveCopy"}
CONFLICT_RESOLUTIONS = {"NeverOverwrite", "AutoResolve", "AlwaysOverwrite"}
DELETE_TYPES = {"HardDelete", "SoftDelete", "MoveToDeletedItems"}
BASE_SHAPES = {"IdOnly", "Default", "AllProperties"}
DISTINGUISHED = {
    "root": (None, "Root", ""),
    "msgfolderroot": ("root", "Top of Information Store", "IPF.Note"),
    "inbox": ("msgfolderroot", "Inbox", "IPF.Note"),
    "sentitems": ("msgfolderroot", "Sent Items", "IPF.Note"),
    "deleteditems": ("msgfolderroot", "Deleted Items", "IPF.Note"),
    "drafts": ("msgfolderroot", "Drafts", "IPF.Note"),
    "calendar": ("msgfolderroot", "Calendar", "IPF.Appointment"),
}
BUSY_TEXT = "The server cannot service this request right now. Try again later."
CLOCK_SKEW = 1.0  # seconds an expired token is still taken (real servers allow minutes)
# The element sequences of ItemType, MessageType and CalendarItemType in the EWS schema (types.xsd).
ITEM_ELEMENTS = [
    "MimeContent",
    "ItemId",
    "ParentFolderId",
    "ItemClass",
    "Subject",
    "Sensitivity",
    "Body",
    "Attachments",
    "DateTimeReceived",
    "Size",
    "Categories",
    "Importance",
    "InReplyTo",
    "IsSubmitted",
    "IsDraft",
    "IsFromMe",
    "IsResend",
    "IsUnmodified",
    "InternetMessageHeaders",
    "DateTimeSent",
    "DateTimeCreated",
    "ResponseObjects",
    "ReminderDueBy",
    "ReminderIsSet",
    "ReminderNextTime",
    "ReminderMinutesBeforeStart",
    "DisplayCc",
    "DisplayTo",
    "HasAttachments",
    "ExtendedProperty",
    "Culture",
    "EffectiveRights",
    "LastModifiedName",
    "LastModifiedTime",
    "IsAssociated",
    "WebClientReadFormQueryString",
    "WebClientEditFormQueryString",
    "ConversationId",
    "UniqueBody",
    "Flag",
    "StoreEntryId",
    "InstanceKey",
    "NormalizedBody",
    "EntityExtractionResult",
    "PolicyTag",
    "ArchiveTag",
    "RetentionDate",
    "Preview",
    "RightsManagementLicenseData",
    "PredictedActionReasons",
    "IsClutter",
    "BlockStatus",
    "HasBlockedImages",
    "TextBody",
    "IconIndex",
    "SearchKey",
    "SortKey",
    "Hashtags",
    "Mentions",
    "MentionedMe",
    "MentionsPreview",
    "MentionsEx",
    "AppliedHashtags",
    "AppliedHashtagsPreview",
    "Likes",
    "LikesPreview",
    "PendingSocialActivityTagIds",
    "AtAllMention",
    "CanDelete",
    "InferenceClassification",
]
MESSAGE_ELEMENTS = ITEM_ELEMENTS + [
    "Sender",
    "ToRecipients",
    "CcRecipients",
    "BccRecipients",
    "IsReadReceiptRequested",
    "IsDeliveryReceiptRequested",
    "ConversationIndex",
    "ConversationTopic",
    "From",
    "InternetMessageId",
    "IsRead",
    "IsResponseRequested",
    "References",
    "ReplyTo",
    "ReceivedBy",
    "ReceivedRepresenting",
    "ApprovalRequestData",
    "VotingInformation",
    "ReminderMessageData",
]
CALENDAR_ELEMENTS = ITEM_ELEMENTS + [
    "UID",
    "RecurrenceId",
    "DateTimeStamp",
    "Start",
    "End",
    "OriginalStart",
    "IsAllDayEvent",
    "LegacyFreeBusyStatus",
    "Location",
    "When",
    "IsMeeting",
    "IsCancelled",
    "IsRecurring",
    "MeetingRequestWasSent",
    "IsResponseRequested",
    "CalendarItemType",
    "MyResponseType",
    "Organizer",
    "RequiredAttendees",
    "OptionalAttendees",
    "Resources",
    "ConflictingMeetingCount",
    "AdjacentMeetingCount",
    "ConflictingMeetings",
    "AdjacentMeetings",
    "Duration",
    "TimeZone",
    "AppointmentReplyTime",
    "AppointmentSequenceNumber",
    "AppointmentState",
    "Recurrence",
    "FirstOccurrence",
    "LastOccurrence",
    "ModifiedOccurrences",
    "DeletedOccurrences",
    "MeetingTimeZone",
    "StartTimeZone",
    "EndTimeZone",
    "ConferenceType",
    "AllowNewTimeProposal",
    "IsOnlineMeeting",
    "MeetingWorkspaceUrl",
    "NetShowUrl",
    "EnhancedLocation",
    "StartWallClock",
    "EndWallClock",
    "StartTimeZoneId",
    "EndTimeZoneId",
    "IntendedFreeBusyStatus",
    "JoinOnlineMeetingUrl",
    "OnlineMeetingSettings",
    "IsOrganizer",
    "CalendarActivityData",
    "DoNotForwardMeeting",
]
PATTERNS = {
    "RelativeYearlyRecurrence",
    "AbsoluteYearlyRecurrence",
    "RelativeMonthlyRecurrence",
    "AbsoluteMonthlyRecurrence",
    "WeeklyRecurrence",
    "DailyRecurrence",
}
RANGES = {"NoEndRecurrence", "EndDateRecurrence", "NumberedRecurrence"}


def q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def ews_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Violation(Exception):
    """The request breaks the EWS reference (or the OAuth protocol); the test should fail."""


class Failure(Exception):
    """One element of a request failed the way Exchange reports it: a ResponseCode and its text."""

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


class Fault(Exception):
    """The whole request failed with a SOAP fault (HTTP 500)."""

    def __init__(self, code: str, text: str, back_off_ms: int | None = None):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text
        self.back_off_ms = back_off_ms


# -- the mailbox model -----------------------------------------------------------------------------------
@dataclass
class Attendee:
    email: str
    name: str = ""
    response: str = "Unknown"
    last_response: datetime | None = None
    proposed_start: datetime | None = None
    proposed_end: datetime | None = None


@dataclass
class Folder:
    id: str
    name: str
    parent: str | None
    distinguished: str = ""
    folder_class: str = "IPF.Note"


@dataclass
class Item:
    id: str
    kind: str  # the element name: Message, CalendarItem, MeetingResponse...
    folder: str
    version: int = 1
    entered: int = 0  # change sequence when it came into its folder
    modified: int = 0
    mime: bytes = b""
    subject: str = ""
    message_id: str = ""
    received: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    uid: str = ""
    body: str = ""
    location: str = ""
    start: datetime | None = None
    end: datetime | None = None
    start_zone: str = ""
    recurrence: etree._Element | None = None
    attendees: list[Attendee] = field(default_factory=list)
    named: dict[str, str] = field(default_factory=dict)  # extended properties by PropertyName
    cancelled: bool = False
    sequence: int = 0

    @property
    def changekey(self) -> str:
        return base64.b64encode(f"CQAAABYAAAD{self.version:08d}".encode()).decode()

    def attendee(self, address: str) -> Attendee:
        return next(a for a in self.attendees if a.email.lower() == address.lower())


@dataclass(frozen=True)
class Sent:
    """A message the server sent for a mailbox, and the recipients it took from the MIME headers."""

    mailbox: str
    raw: bytes
    recipients: tuple[str, ...]

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass(frozen=True)
class Invitation:
    """A meeting message the server sent: ``kind`` is request (new attendee), update or cancel."""

    mailbox: str
    to: str
    kind: str
    uid: str
    subject: str


class Mailbox:
    def __init__(self, server: FakeExchange, address: str):
        self.server = server
        self.address = address
        self.folders: dict[str, Folder] = {}
        self.items: dict[str, Item] = {}
        self.gone: dict[str, tuple[str, int]] = {}  # item id -> (folder it left, change sequence)
        for name, (parent, display, folder_class) in DISTINGUISHED.items():
            folder_id = self._id("folder", name)
            parent_id = self._id("folder", parent) if parent else None
            self.folders[folder_id] = Folder(folder_id, display, parent_id, name, folder_class)

    def _id(self, kind: str, key: str | int) -> str:
        return base64.b64encode(f"AAMk{kind}:{self.address}:{key}".encode()).decode()

    def folder(self, distinguished: str) -> Folder:
        return self.folders[self._id("folder", distinguished)]

    def new_folder(self, name: str, parent: str) -> Folder:
        folder_id = self._id("folder", next(self.server.counter))
        self.folders[folder_id] = Folder(folder_id, name, parent)
        return self.folders[folder_id]

    def add(self, kind: str, folder: str, **fields) -> Item:
        item = Item(self._id("item", next(self.server.counter)), kind, folder, **fields)
        item.entered = item.modified = self.server.tick()
        self.items[item.id] = item
        return item

    def deliver(self, raw: bytes, folder: str = "inbox", kind: str = "Message") -> Item:
        """Put a message into a folder, the way the transport delivers it; ``kind`` is the item's
        type (``MeetingResponse`` for an attendee's answer to the organizer)."""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        return self.add(
            kind,
            self.folder(folder).id,
            mime=raw,
            subject=str(message["Subject"] or ""),
            message_id=str(message["Message-ID"] or ""),
        )

    def move(self, item: Item, folder: str) -> Item:
        """Items get a new id when they move, as in Exchange."""
        self.remove(item)
        moved = self.add(
            item.kind,
            folder,
            **{
                k: v
                for k, v in vars(item).items()
                if k not in ("id", "kind", "folder", "entered", "modified", "version")
            },
        )
        return moved

    def remove(self, item: Item) -> None:
        del self.items[item.id]
        self.gone[item.id] = (item.folder, self.server.tick())

    def touch(self, item: Item) -> None:
        item.version += 1
        item.modified = self.server.tick()

    def in_folder(self, folder: str) -> list[Item]:
        return sorted((i for i in self.items.values() if i.folder == folder), key=lambda i: i.entered)

    def calendar_item(self, uid: str) -> Item:
        return next(i for i in self.items.values() if i.kind == "CalendarItem" and i.uid == uid)


@dataclass
class Token:
    kind: str  # "app" or "user"
    subject: str  # the client id, or the user's address
    expires: float
    revoked: bool = False


@dataclass
class Call:
    """One EWS request as the fake received it."""

    operation: str
    element: etree._Element
    header: etree._Element | None
    headers: dict[str, str]

    @property
    def attrs(self) -> dict[str, str]:
        return dict(self.element.attrib)

    def find(self, path: str) -> etree._Element | None:
        return self.element.find(path, NS)

    def findall(self, path: str) -> list[etree._Element]:
        return self.element.findall(path, NS)


# -- the server ------------------------------------------------------------------------------------------
class FakeExchange:
    """Exchange 2019 (build 15.2.1544.4) at :data:`ENDPOINT`, and a Microsoft Entra tenant.

    ``users`` maps NTLM/basic user names (``CORP\\\\svc``) to their password and the mailboxes they
    may open as delegates; ``app_secret`` is the client secret of the app registration
    :data:`CLIENT_ID` in :data:`TENANT`, which has the EWS permission ``full_access_as_app``.
    """

    def __init__(
        self,
        mailboxes: list[str],
        users: dict[str, tuple[str, set[str]]] | None = None,
        app_secret: str = "",
        schemes: tuple[str, ...] = ("Negotiate", "NTLM"),
    ):
        self.counter = itertools.count(1)
        self._sequence = itertools.count(1)
        self.mailboxes = {a.lower(): Mailbox(self, a.lower()) for a in mailboxes}
        self.users = users or {}
        self.app_secret = app_secret
        self.schemes = schemes
        self.token_lifetime = 3599
        self.unauthorized = 0  # 401 answers given
        self.logins: list[str] = []  # the Authorization header of every EWS request, answered or not
        self.calls: list[Call] = []
        self.token_requests: list[dict[str, str]] = []
        self.violations: list[str] = []
        self.sent: list[Sent] = []
        self.invitations: list[Invitation] = []
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user
        self.codes: dict[str, tuple[str, str, str]] = {}  # code -> (user, code_challenge, redirect_uri)
        self._busy: list[tuple[str | None, int]] = []
        self._lose: list[str] = []
        self._sync_epoch = 0
        self._key = secrets.token_bytes(16)
        self.max_message_bytes = 35_000_000

    def tick(self) -> int:
        return next(self._sequence)

    def mailbox(self, address: str) -> Mailbox:
        return self.mailboxes[address.lower()]

    # -- what tests do to the server ---------------------------------------------------------------
    def throttle(self, times: int, back_off_ms: int = 20, operation: str | None = None) -> None:
        """Answer the next ``times`` EWS requests (of ``operation``, if given) with ErrorServerBusy."""
        self._busy.extend([(operation, back_off_ms)] * times)

    def lose_answer(self, operation: str) -> None:
        """Do the next ``operation``, then drop the connection before answering."""
        self._lose.append(operation)

    def forget_sync_states(self) -> None:
        """Every SyncState issued so far is refused from now on (as after a mailbox move)."""
        self._sync_epoch += 1

    def expire_tokens(self) -> None:
        """Every access token issued so far is refused with 401 from now on."""
        for token in self.tokens.values():
            token.revoked = True

    def revoke_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    def respond(
        self, mailbox: str, uid: str, attendee: str, response: str, proposed_start: datetime | None = None
    ) -> None:
        """An attendee answers: the organizer's calendar item records it, as Exchange's calendar
        attendant does when the meeting response arrives."""
        box = self.mailbox(mailbox)
        item = box.calendar_item(uid)
        person = item.attendee(attendee)
        person.response = response
        person.last_response = datetime.now(timezone.utc).replace(microsecond=0)
        person.proposed_start = proposed_start
        person.proposed_end = proposed_start + (item.end - item.start) if proposed_start else None
        box.touch(item)

    def sign_in(self, authorize_url: str, user: str) -> str:
        """The user signs in at the authorize URL and consents; returns the address the browser is
        sent to, with the authorization code."""
        parts = urlsplit(authorize_url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if not parts.path.endswith("/oauth2/v2.0/authorize") or parts.netloc != "login.microsoftonline.com":
            raise Violation(f"not the v2.0 authorize endpoint: {authorize_url}")
        for key in ("client_id", "response_type", "redirect_uri", "scope", "state", "code_challenge"):
            if key not in query:
                raise Violation(f"the authorize request lacks {key}")
        if query["response_type"] != "code" or USER_SCOPE not in query["scope"].split():
            raise Violation(f"unexpected authorize request {query}")
        code = secrets.token_urlsafe(24)
        self.codes[code] = (user.lower(), query["code_challenge"], query["redirect_uri"])
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state'], 'session_state': 'a1b2'})}"

    # -- HTTP ------------------------------------------------------------------------------------------
    def handle(self, request: requests.PreparedRequest, connection: FakeAdapter) -> tuple[int, dict, bytes]:
        url = urlsplit(request.url)
        if url.netloc == "login.microsoftonline.com":
            return self._identity(request, url)
        if request.url.split("?")[0].lower() != ENDPOINT.lower() or request.method != "POST":
            return 404, {"Content-Type": "text/html"}, b"<html><body>404 Not Found</body></html>"
        self.logins.append(request.headers.get("Authorization", ""))
        who = self._authenticate(request, connection)
        if isinstance(who, tuple):
            self.unauthorized += 1
            return who
        return self._ews(request, who)

    # -- authentication --------------------------------------------------------------------------------
    def _authenticate(self, request, connection):
        """Who sent the request (a :class:`Token`), or the 401 answer (status, headers, body)."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme == "Bearer":
            token = self.tokens.get(value)
            if token is None or token.revoked or token.expires + CLOCK_SKEW < time.time():
                return (
                    401,
                    {
                        "WWW-Authenticate": 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
                        'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
                        'token_types="app_asserted_user_v1 service_asserted_app_v1", '
                        f'authorization_uri="{LOGIN}/common/oauth2/authorize", '
                        'error="invalid_token"',
                        "x-ms-diagnostics": '2000003;reason="The token has expired.";error_category="invalid_token"',
                    },
                    b"",
                )
            return token
        if scheme == "Basic" and "Basic" in self.schemes:
            user, _, password = base64.b64decode(value).decode().partition(":")
            if self.users.get(user, ("",))[0] == password and password:
                return Token("user", user, float("inf"))
            return self._challenge()
        if scheme in ("NTLM", "Negotiate") and "NTLM" in self.schemes:
            if connection.ntlm is None:
                connection.ntlm = spnego.server(protocol="ntlm", hostname=HOST, service="http")
            try:
                answer = connection.ntlm.step(base64.b64decode(value))
            except spnego.exceptions.SpnegoError:
                connection.ntlm = None
                return self._challenge()
            if not connection.ntlm.complete:
                return 401, {"WWW-Authenticate": f"{scheme} {base64.b64encode(answer).decode()}"}, b""
            connection.user = connection.ntlm.client_principal
            connection.ntlm = None
        if connection.user is not None:  # an NTLM-authenticated connection stays logged in
            return Token("user", connection.user, float("inf"))
        return self._challenge()

    def _challenge(self):
        headers = CaseInsensitiveDict()
        offered = [s if s != "Basic" else f'Basic realm="{HOST}"' for s in self.schemes]
        headers["WWW-Authenticate"] = ", ".join(offered)
        return 401, headers, b""

    # -- the identity platform ---------------------------------------------------------------------------
    def _identity(self, request, url):
        path = url.path
        if request.method == "GET" and path.endswith("/v2.0/.well-known/openid-configuration"):
            tenant = path.split("/")[1]
            return self._json(
                200,
                {
                    "token_endpoint": f"{LOGIN}/{tenant}/oauth2/v2.0/token",
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_post",
                        "private_key_jwt",
                        "client_secret_basic",
                    ],
                    "jwks_uri": f"{LOGIN}/{tenant}/discovery/v2.0/keys",
                    "response_modes_supported": ["query", "fragment", "form_post"],
                    "subject_types_supported": ["pairwise"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                    "scopes_supported": ["openid", "profile", "email", "offline_access"],
                    "issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
                    "request_uri_parameter_supported": False,
                    "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                    "authorization_endpoint": f"{LOGIN}/{tenant}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{LOGIN}/{tenant}/oauth2/v2.0/devicecode",
                    "http_logout_supported": True,
                    "frontchannel_logout_supported": True,
                    "end_session_endpoint": f"{LOGIN}/{tenant}/oauth2/v2.0/logout",
                    "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "ver"],
                    "kerberos_endpoint": f"{LOGIN}/{tenant}/kerberos",
                    "tenant_region_scope": "EU",
                    "cloud_instance_name": "microsoftonline.com",
                    "cloud_graph_host_name": "graph.windows.net",
                    "msgraph_host": "graph.microsoft.com",
                    "rbac_url": "https://pas.windows.net",
                },
            )
        if request.method == "POST" and path.endswith("/oauth2/v2.0/token"):
            return self._token(path.split("/")[1], request)
        return self._json(404, {"error": "not_found"})

    def _token(self, tenant: str, request):
        if request.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            self.violations.append("the token request is not form-encoded")
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        form = dict(parse_qsl(body))
        self.token_requests.append(form)
        grant = form.get("grant_type")
        if tenant not in (TENANT, "organizations", "common"):
            return self._aad_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("client_id") != CLIENT_ID:
            return self._aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the directory '{tenant}'.",
            )
        if grant == "client_credentials":
            if form.get("scope") != APP_SCOPE:
                self.violations.append(f"client credentials with scope {form.get('scope')!r}")
            if not self.app_secret or form.get("client_secret") != self.app_secret:
                return self._aad_error(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the "
                    f"request is the client secret value, not the client secret ID, for a "
                    f"secret added to app '{CLIENT_ID}'.",
                )
            return self._json(
                200,
                {
                    "token_type": "Bearer",
                    "expires_in": self.token_lifetime,
                    "ext_expires_in": self.token_lifetime,
                    "access_token": self._issue("app", CLIENT_ID),
                },
            )
        if grant == "authorization_code":
            code = self.codes.pop(form.get("code", ""), None)
            if code is None:
                return self._aad_error(400, "invalid_grant", 70000, "The provided authorization code is invalid.")
            user, challenge, redirect_uri = code
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != challenge or form.get("redirect_uri") != redirect_uri:
                return self._aad_error(
                    400,
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                )
            return self._user_tokens(user, form)
        if grant == "refresh_token":
            if not form.get("refresh_token"):
                return self._aad_error(
                    400,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'refresh_token'.",
                )
            user = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if user is None:
                return self._aad_error(
                    400,
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity. The token was issued on "
                    "2026-01-05T10:00:00Z and was inactive for 90.00:00:00.",
                )
            return self._user_tokens(user, form)
        return self._aad_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")

    def _user_tokens(self, user: str, form: dict[str, str]):
        scopes = form.get("scope", "").split()
        if USER_SCOPE not in scopes:
            self.violations.append(f"delegated token without {USER_SCOPE}: {scopes}")
        refresh = "0.AXkA" + secrets.token_urlsafe(48)
        self.refresh_tokens[refresh] = user
        return self._json(
            200,
            {
                "token_type": "Bearer",
                "scope": f"{USER_SCOPE} openid profile",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": self._issue("user", user),
                "refresh_token": refresh,
            },
        )

    def _issue(self, kind: str, subject: str) -> str:
        value = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48)
        self.tokens[value] = Token(kind, subject, time.time() + self.token_lifetime)
        return value

    def _aad_error(self, status: int, error: str, code: int, text: str):
        return self._json(
            status,
            {
                "error": error,
                "error_description": f"AADSTS{code}: {text} Trace ID: 0e1f Correlation ID: "
                "9a8b Timestamp: 2026-11-30 15:00:00Z",
                "error_codes": [code],
                "timestamp": "2026-11-30 15:00:00Z",
                "trace_id": "0e1f",
                "correlation_id": "9a8b",
            },
        )

    @staticmethod
    def _json(status: int, data: dict):
        return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(data).encode()

    # -- EWS ---------------------------------------------------------------------------------------------
    def _ews(self, request, who: Token):
        body = request.body.encode() if isinstance(request.body, str) else request.body or b""
        try:
            envelope = etree.fromstring(body)
        except etree.XMLSyntaxError as error:
            return self._fault("ErrorSchemaValidation", f"The request failed schema validation: {error}")
        header = envelope.find(q("s", "Header"))
        body = envelope.find(q("s", "Body"))
        if envelope.tag != q("s", "Envelope") or body is None or len(body) != 1 or body[0].tag.split("}")[0][1:] != M:
            return self._violation("the body must hold one operation in the messages namespace")
        operation = body[0]
        name = etree.QName(operation).localname
        call = Call(name, operation, header, dict(request.headers))
        self.calls.append(call)
        if request.headers.get("Content-Type", "").split(";")[0] != "text/xml":
            return self._violation(f"{name}: Content-Type {request.headers.get('Content-Type')!r}, not text/xml")
        try:
            self._check_header(header, who, request)
            for index, (only, back_off) in enumerate(self._busy):
                if only in (None, name):
                    del self._busy[index]
                    raise Fault("ErrorServerBusy", BUSY_TEXT, back_off)
            handler = getattr(self, f"_op_{name}", None)
            if handler is None:
                raise Violation(f"the fake does not implement {name}")
            messages = handler(operation, who, self._target(header, operation))
            if name in self._lose:
                self._lose.remove(name)
                raise requests.exceptions.ConnectionError(
                    "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
                    request=request,
                )
        except Violation as error:
            return self._violation(f"{name}: {error}")
        except Fault as fault:
            return self._fault(fault.code, fault.text, fault.back_off_ms)
        return self._answer(name, messages)

    def _check_header(self, header, who: Token, request) -> None:
        if header is None:
            raise Violation("no SOAP header: RequestServerVersion is required")
        version = header.find(q("t", "RequestServerVersion"))
        if version is None or version.get("Version") not in API_VERSIONS:
            raise Violation("RequestServerVersion/@Version missing or unknown")
        impersonation = header.find(q("t", "ExchangeImpersonation"))
        if who.kind == "app":
            sid = impersonation.find(q("t", "ConnectingSID")) if impersonation is not None else None
            address = sid.find(q("t", "PrimarySmtpAddress")) if sid is not None else None
            if address is None or not address.text:
                raise Violation("an app-only token needs ExchangeImpersonation/ConnectingSID/PrimarySmtpAddress")
            if request.headers.get("X-AnchorMailbox", "").lower() != address.text.lower():
                raise Violation("X-AnchorMailbox should name the impersonated mailbox")
        elif impersonation is not None:
            raise Fault(
                "ErrorImpersonateUserDenied", "The account does not have permission to impersonate the requested user."
            )

    def _target(self, header, operation) -> Mailbox:
        """The mailbox a request acts on: the impersonated one, else the one its folders name."""
        impersonated = header.find(".//t:ConnectingSID/t:PrimarySmtpAddress", NS)
        address = impersonated.text if impersonated is not None else None
        if address is None:
            named = operation.find(".//t:DistinguishedFolderId/t:Mailbox/t:EmailAddress", NS)
            address = named.text if named is not None else None
        if address is None:
            ids = (
                operation.findall(".//t:FolderId", NS)
                + operation.findall(".//t:ItemId", NS)
                + operation.findall(".//t:ReferenceItemId", NS)
            )
            if ids:
                address = self._decode(ids[0].get("Id"))[1]
        if address is None:
            return None
        box = self.mailboxes.get(address.lower())
        if box is None:
            raise Fault("ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it.")
        return box

    def _authorize(self, who: Token, box: Mailbox | None) -> Mailbox:
        if box is None:
            raise Violation("the request names no mailbox")
        if who.kind == "app":
            return box
        password, allowed = self.users.get(who.subject, (None, {who.subject.lower()}))
        if box.address not in {a.lower() for a in allowed}:
            raise Failure("ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        return box

    # -- operations -------------------------------------------------------------------------------------------
    def _op_ConvertId(self, operation, who, box):
        # exchangelib's version probe converts a dummy id; Exchange refuses the id but tells its version.
        return [("ConvertIdResponseMessage", Failure("ErrorInvalidIdMalformed", "Id is malformed."), None)]

    def _op_GetFolder(self, operation, who, box):
        self._shape(operation, "FolderShape")
        ids = self._children(operation, "FolderIds")
        messages = []
        for ref in ids:
            try:
                folder = self._folder(self._authorize(who, box), ref)
                found = self._wrap("Folders", self._folder_xml(box, folder))
                messages.append(("GetFolderResponseMessage", None, found))
            except Failure as failure:
                messages.append(("GetFolderResponseMessage", failure, None))
        return messages

    def _op_FindFolder(self, operation, who, box):
        box = self._authorize(who, box)
        if operation.get("Traversal") not in ("Shallow", "Deep", "SoftDeleted"):
            raise Violation("FindFolder needs Traversal = Shallow, Deep or SoftDeleted")
        self._order(
            operation,
            ["FolderShape", "IndexedPageFolderView", "FractionalPageFolderView", "Restriction", "ParentFolderIds"],
        )
        self._shape(operation, "FolderShape")
        parents = [self._folder(box, ref) for ref in self._children(operation, "ParentFolderIds")]
        wanted = None
        restriction = operation.find("m:Restriction", NS)
        if restriction is not None:
            equal = restriction.find("t:IsEqualTo", NS)
            if equal is None or equal.find("t:FieldURI", NS).get("FieldURI") != "folder:DisplayName":
                raise Violation("the fake only answers FindFolder restricted by IsEqualTo folder:DisplayName")
            wanted = equal.find("t:FieldURIOrConstant/t:Constant", NS).get("Value")
        found = [
            f
            for f in box.folders.values()
            if any(f.parent == p.id for p in parents) and (wanted is None or f.name.lower() == wanted.lower())
        ]
        root = etree.Element(q("m", "RootFolder"), TotalItemsInView=str(len(found)), IncludesLastItemInRange="true")
        folders = etree.SubElement(root, q("t", "Folders"))
        folders.extend(self._folder_xml(box, f) for f in found)
        return [("FindFolderResponseMessage", None, root)]

    def _op_CreateFolder(self, operation, who, box):
        box = self._authorize(who, box)
        self._order(operation, ["ParentFolderId", "Folders"])
        parent = self._folder(box, self._only(operation.find("m:ParentFolderId", NS)))
        messages = []
        for element in self._children(operation, "Folders"):
            name = element.findtext("t:DisplayName", namespaces=NS)
            if not name:
                raise Violation("CreateFolder: every folder needs a DisplayName")
            if any(f.parent == parent.id and f.name.lower() == name.lower() for f in box.folders.values()):
                messages.append(
                    (
                        "CreateFolderResponseMessage",
                        Failure("ErrorFolderExists", "A folder with the specified name already exists."),
                        None,
                    )
                )
                continue
            folder = box.new_folder(name, parent.id)
            folder.folder_class = element.findtext("t:FolderClass", default="IPF.Note", namespaces=NS)
            made = etree.Element(q("t", "Folder"))
            etree.SubElement(made, q("t", "FolderId"), Id=folder.id, ChangeKey="AQAAAA==")
            messages.append(("CreateFolderResponseMessage", None, self._wrap("Folders", made)))
        return messages

    def _op_SyncFolderItems(self, operation, who, box):
        box = self._authorize(who, box)
        self._order(operation, ["ItemShape", "SyncFolderId", "SyncState", "Ignore", "MaxChangesReturned", "SyncScope"])
        properties = self._shape(operation, "ItemShape")
        folder = self._folder(box, self._only(operation.find("m:SyncFolderId", NS)))
        limit = operation.findtext("m:MaxChangesReturned", namespaces=NS)
        if limit is None or not limit.isdigit() or not 1 <= int(limit) <= 512:
            raise Violation("SyncFolderItems needs MaxChangesReturned between 1 and 512")
        state = operation.findtext("m:SyncState", namespaces=NS)
        try:
            known = self._read_sync_state(state, folder.id) if state else {}
        except Failure as failure:  # shaped like the reference's error example
            last = etree.Element(q("m", "IncludesLastItemInRange"))
            last.text = "true"
            return [("SyncFolderItemsResponseMessage", failure, [etree.Element(q("m", "SyncState")), last])]
        changes = []
        for item in box.in_folder(folder.id):
            if item.id not in known:
                changes.append((item.entered, "Create", item))
            elif item.modified > known[item.id]:
                changes.append((item.modified, "Update", item))
        for item_id in known:
            if item_id not in box.items or box.items[item_id].folder != folder.id:
                changes.append((box.gone.get(item_id, ("", 0))[1], "Delete", item_id))
        changes.sort(key=lambda c: c[0])
        included, last = changes[: int(limit)], len(changes) <= int(limit)
        for _, change, item in included:
            if change == "Delete":
                known.pop(item, None)
            else:
                known[item.id] = item.modified
        response = [
            etree.Element(q("m", "SyncState")),
            etree.Element(q("m", "IncludesLastItemInRange")),
            etree.Element(q("m", "Changes")),
        ]
        response[0].text = self._write_sync_state(known, folder.id)
        response[1].text = "true" if last else "false"
        for _, change, item in included:
            element = etree.SubElement(response[2], q("t", change))
            if change == "Delete":
                etree.SubElement(element, q("t", "ItemId"), Id=item, ChangeKey="AAAAAA==")
            else:
                element.append(self._item_xml(item, properties))
        return [("SyncFolderItemsResponseMessage", None, response)]

    def _op_GetItem(self, operation, who, box):
        box = self._authorize(who, box)
        self._order(operation, ["ItemShape", "ItemIds"])
        properties = self._shape(operation, "ItemShape")
        messages = []
        for ref in self._children(operation, "ItemIds"):
            try:
                item = self._item(box, ref)
                messages.append(("GetItemResponseMessage", None, self._wrap("Items", self._item_xml(item, properties))))
            except Failure as failure:
                messages.append(("GetItemResponseMessage", failure, None))
        return messages

    def _op_FindItem(self, operation, who, box):
        box = self._authorize(who, box)
        if operation.get("Traversal") not in ("Shallow", "SoftDeleted", "Associated"):
            raise Violation("FindItem needs Traversal = Shallow, SoftDeleted or Associated")
        self._order(
            operation,
            [
                "ItemShape",
                "IndexedPageItemView",
                "FractionalPageItemView",
                "CalendarView",
                "ContactsView",
                "GroupBy",
                "DistinguishedGroupBy",
                "Restriction",
                "SortOrder",
                "ParentFolderIds",
                "QueryString",
            ],
        )
        properties = self._shape(operation, "ItemShape")
        parents = [self._folder(box, ref).id for ref in self._children(operation, "ParentFolderIds")]
        test: Callable[[Item], bool] = lambda item: True  # noqa: E731
        restriction = operation.find("m:Restriction", NS)
        if restriction is not None:
            equal = restriction.find("t:IsEqualTo", NS)
            constant = equal.find("t:FieldURIOrConstant/t:Constant", NS) if equal is not None else None
            uri, named = (
                (equal.find("t:FieldURI", NS), equal.find("t:ExtendedFieldURI", NS))
                if equal is not None
                else (None, None)
            )
            if constant is None or (uri is None) == (named is None):
                raise Violation("the fake answers FindItem restricted by IsEqualTo a property and a constant")
            wanted = constant.get("Value")
            if named is not None:
                test = lambda item: item.named.get(named.get("PropertyName")) == wanted  # noqa: E731
            elif uri.get("FieldURI") == "message:InternetMessageId":
                test = lambda item: item.message_id == wanted  # noqa: E731
            else:
                raise Violation(f"the fake cannot search {uri.get('FieldURI')} (EWS cannot search calendar:UID)")
        found = [i for i in box.items.values() if i.folder in parents and test(i)]
        view = operation.find("m:IndexedPageItemView", NS)
        limit = int(view.get("MaxEntriesReturned", len(found) or 1)) if view is not None else len(found)
        root = etree.Element(
            q("m", "RootFolder"),
            IndexedPagingOffset=str(min(limit, len(found))),
            TotalItemsInView=str(len(found)),
            IncludesLastItemInRange="true" if limit >= len(found) else "false",
        )
        items = etree.SubElement(root, q("t", "Items"))
        items.extend(self._item_xml(i, properties) for i in found[:limit])
        return [("FindItemResponseMessage", None, root)]

    def _op_MoveItem(self, operation, who, box):
        box = self._authorize(who, box)
        self._order(operation, ["ToFolderId", "ItemIds", "ReturnNewItemIds"])
        target = self._folder(box, self._only(operation.find("m:ToFolderId", NS)))
        messages = []
        for ref in self._children(operation, "ItemIds"):
            try:
                moved = box.move(self._item(box, ref), target.id)
                element = etree.Element(q("t", moved.kind))
                etree.SubElement(element, q("t", "ItemId"), Id=moved.id, ChangeKey=moved.changekey)
                messages.append(("MoveItemResponseMessage", None, self._wrap("Items", element)))
            except Failure as failure:
                messages.append(("MoveItemResponseMessage", failure, None))
        return messages

    def _op_CreateItem(self, operation, who, box):
        box = self._authorize(who, box)
        self._order(operation, ["SavedItemFolderId", "Items"])
        disposition = operation.get("MessageDisposition")
        invitations = operation.get("SendMeetingInvitations")
        if disposition is not None and disposition not in MESSAGE_DISPOSITIONS:
            raise Violation(f"MessageDisposition {disposition!r}")
        if invitations is not None and invitations not in SEND_INVITATIONS:
            raise Violation(f"SendMeetingInvitations {invitations!r}")
        saved = operation.find("m:SavedItemFolderId", NS)
        if saved is not None and disposition == "SendOnly":
            raise Violation("SavedItemFolderId with MessageDisposition SendOnly")
        messages = []
        for element in self._children(operation, "Items"):
            kind = etree.QName(element).localname
            try:
                if kind == "Message":
                    if disposition is None:
                        raise Violation("CreateItem of a Message needs MessageDisposition")
                    made = self._create_message(
                        box,
                        element,
                        disposition,
                        self._folder(box, self._only(saved))
                        if saved is not None
                        else box.folder("sentitems" if disposition != "SaveOnly" else "drafts"),
                    )
                elif kind == "CalendarItem":
                    if invitations is None:
                        raise Violation("CreateItem of a CalendarItem needs SendMeetingInvitations")
                    folder = self._folder(box, self._only(saved)) if saved is not None else box.folder("calendar")
                    made = self._create_event(box, element, invitations, folder)
                elif kind == "CancelCalendarItem":
                    if disposition not in ("SendOnly", "SendAndSaveCopy"):
                        raise Violation("CancelCalendarItem is sent: MessageDisposition SendOnly or SendAndSaveCopy")
                    made = self._cancel_event(box, element)
                else:
                    raise Violation(f"the fake does not create {kind} items")
            except Failure as failure:
                messages.append(("CreateItemResponseMessage", failure, None))
                continue
            messages.append(("CreateItemResponseMessage", None, self._wrap("Items", *made)))
        return messages

    def _create_message(self, box: Mailbox, element, disposition: str, folder: Folder) -> list:
        self._order(element, MESSAGE_ELEMENTS, namespace="t")
        mime = element.find("t:MimeContent", NS)
        if mime is None:
            raise Violation("the fake expects messages as MimeContent")
        try:
            raw = base64.b64decode(mime.text or "", validate=True)
        except ValueError:
            raise Violation("MimeContent is not base64") from None
        if len(raw) > self.max_message_bytes:
            raise Failure("ErrorMessageSizeExceeded", "The message exceeds the maximum supported size.")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        recipients = tuple(
            a for _, a in getaddresses([str(v) for h in ("To", "Cc", "Bcc") for v in message.get_all(h, [])]) if a
        )
        if not recipients:
            raise Failure("ErrorInvalidRecipients", "At least one recipient isn't valid.")
        if disposition != "SaveOnly":
            self.sent.append(Sent(box.address, raw, recipients))
            for address in recipients:
                if address.lower() in self.mailboxes:
                    self.mailbox(address).deliver(raw)
        if disposition != "SendOnly":
            copy = box.add(
                "Message",
                folder.id,
                mime=raw,
                subject=str(message["Subject"] or ""),
                message_id=str(message["Message-ID"] or ""),
            )
            if disposition == "SaveOnly":
                return [self._id_only(copy)]
        return []

    def _create_event(self, box: Mailbox, element, invitations: str, folder: Folder) -> list:
        self._order(element, CALENDAR_ELEMENTS, namespace="t")
        item = box.add("CalendarItem", folder.id)
        self._apply_event_fields(item, element)
        if item.start is None or item.end is None:
            raise Violation("a CalendarItem needs Start and End")
        if invitations != "SendToNone":
            for person in item.attendees:
                self._invite(box, item, person.email, "request")
        return [self._id_only(item)]

    def _cancel_event(self, box: Mailbox, element) -> list:
        ref = element.find("t:ReferenceItemId", NS)
        if ref is None:
            raise Violation("CancelCalendarItem needs ReferenceItemId")
        item = self._item(box, ref)
        for person in item.attendees:
            self._invite(box, item, person.email, "cancel")
        item.cancelled = True
        box.move(item, box.folder("deleteditems").id)
        return []

    def _op_UpdateItem(self, operation, who, box):
        box = self._authorize(who, box)
        resolution = operation.get("ConflictResolution")
        if resolution not in CONFLICT_RESOLUTIONS:
            raise Violation("UpdateItem needs ConflictResolution = NeverOverwrite, AutoResolve or AlwaysOverwrite")
        invitations = operation.get("SendMeetingInvitationsOrCancellations")
        if invitations is not None and invitations not in SEND_UPDATES:
            raise Violation(f"SendMeetingInvitationsOrCancellations {invitations!r}")
        self._order(operation, ["SavedItemFolderId", "ItemChanges"])
        messages = []
        for change in self._children(operation, "ItemChanges"):
            self._order(change, ["ItemId", "Updates"], namespace="t")
            try:
                item = self._item(box, change.find("t:ItemId", NS))
                if (
                    change.find("t:ItemId", NS).get("ChangeKey") not in (None, item.changekey)
                    and resolution == "NeverOverwrite"
                ):
                    raise Failure(
                        "ErrorIrresolvableConflict",
                        "The send or update operation could not be "
                        "performed because the change key passed in the "
                        "request does not match the current change key for "
                        "the item.",
                    )
                if item.kind == "CalendarItem" and invitations is None:
                    raise Violation("updating a CalendarItem needs SendMeetingInvitationsOrCancellations")
                self._update(box, item, change.find("t:Updates", NS), invitations or "SendToNone")
            except Failure as failure:
                messages.append(("UpdateItemResponseMessage", failure, None))
                continue
            results = etree.Element(q("m", "ConflictResults"))
            etree.SubElement(results, q("t", "Count")).text = "0"
            messages.append(("UpdateItemResponseMessage", None, [self._wrap("Items", self._id_only(item)), results]))
        return messages

    def _update(self, box: Mailbox, item: Item, updates, invitations: str) -> None:
        before = {a.email.lower() for a in item.attendees}
        moved = False
        for update in updates:
            kind = etree.QName(update).localname
            if kind not in ("SetItemField", "AppendToItemField", "DeleteItemField"):
                raise Violation(f"Updates may not hold {kind}")
            uri = update.find("t:FieldURI", NS)
            if uri is None:
                raise Violation(f"{kind} needs a FieldURI (the fake knows no indexed or extended fields here)")
            if kind == "DeleteItemField":
                if uri.get("FieldURI") in ("calendar:Start", "calendar:End", "calendar:UID"):
                    raise Failure("ErrorInvalidPropertyDelete", "Object cannot be deleted.")
                continue
            holder = update.find(f"t:{item.kind}", NS)
            if holder is None or len(holder) != 1:
                raise Violation(f"{kind} of {uri.get('FieldURI')} needs a {item.kind} with exactly that property")
            if uri.get("FieldURI") in ("calendar:Start", "calendar:End", "item:Location", "calendar:Location"):
                moved = True
            self._apply_event_fields(item, holder)
        box.touch(item)
        item.sequence += 1
        after = {a.email.lower() for a in item.attendees}
        if invitations == "SendToNone":
            return
        for address in sorted(before - after):
            self._invite(box, item, address, "cancel")
        everyone = invitations in ("SendOnlyToAll", "SendToAllAndSaveCopy") or moved
        for person in item.attendees:
            if person.email.lower() not in before:
                self._invite(box, item, person.email, "request")
            elif everyone:
                self._invite(box, item, person.email, "update")

    def _op_DeleteItem(self, operation, who, box):
        box = self._authorize(who, box)
        if operation.get("DeleteType") not in DELETE_TYPES:
            raise Violation("DeleteItem needs DeleteType = HardDelete, SoftDelete or MoveToDeletedItems")
        cancellations = operation.get("SendMeetingCancellations")
        messages = []
        for ref in self._children(operation, "ItemIds"):
            try:
                item = self._item(box, ref)
            except Failure as failure:
                messages.append(("DeleteItemResponseMessage", failure, None))
                continue
            if item.kind == "CalendarItem":
                if cancellations not in SEND_INVITATIONS:
                    raise Violation("deleting a CalendarItem needs SendMeetingCancellations")
                if cancellations != "SendToNone":
                    for person in item.attendees:
                        self._invite(box, item, person.email, "cancel")
            box.remove(item)
            messages.append(("DeleteItemResponseMessage", None, None))
        return messages

    # -- items and folders -----------------------------------------------------------------------------------
    def _apply_event_fields(self, item: Item, element) -> None:
        for child in element:
            name = etree.QName(child).localname
            if name == "Subject":
                item.subject = child.text or ""
            elif name == "Body":
                if child.get("BodyType") not in ("Text", "HTML"):
                    raise Violation("Body needs BodyType Text or HTML")
                item.body = child.text or ""
            elif name == "UID":
                item.uid = child.text or ""
            elif name in ("Start", "End"):
                moment = datetime.fromisoformat(child.text)
                if moment.tzinfo is None:
                    raise Violation(f"{name} without a time zone offset")
                setattr(item, name.lower(), moment.astimezone(timezone.utc))
            elif name == "Location":
                item.location = child.text or ""
            elif name == "RequiredAttendees":
                previous = {a.email.lower(): a for a in item.attendees}
                people = []
                for attendee in child.findall("t:Attendee", NS):
                    address = attendee.findtext("t:Mailbox/t:EmailAddress", namespaces=NS)
                    if not address:
                        raise Violation("an Attendee needs Mailbox/EmailAddress")
                    people.append(
                        previous.get(address.lower())
                        or Attendee(address, attendee.findtext("t:Mailbox/t:Name", default="", namespaces=NS))
                    )
                item.attendees = people
            elif name == "Recurrence":
                names = [etree.QName(c).localname for c in child]
                if len(names) != 2 or names[0] not in PATTERNS or names[1] not in RANGES:
                    raise Violation(f"Recurrence holds a pattern and then a range, not {names}")
                item.recurrence = child
            elif name == "StartTimeZone":
                item.start_zone = child.get("Id", "")
            elif name == "ExtendedProperty":
                uri = child.find("t:ExtendedFieldURI", NS)
                if (
                    uri is None
                    or not uri.get("PropertyName")
                    or uri.get("DistinguishedPropertySetId") is None
                    and uri.get("PropertySetId") is None
                    or not uri.get("PropertyType")
                ):
                    raise Violation("a named ExtendedFieldURI needs a property set, PropertyName and PropertyType")
                item.named[uri.get("PropertyName")] = child.findtext("t:Value", default="", namespaces=NS)
            elif name in (
                "EndTimeZone",
                "IsAllDayEvent",
                "LegacyFreeBusyStatus",
                "ReminderIsSet",
                "ReminderMinutesBeforeStart",
                "Sensitivity",
                "Importance",
                "IsResponseRequested",
                "Culture",
                "ConferenceType",
                "AllowNewTimeProposal",
                "IsOnlineMeeting",
                "MeetingTimeZone",
                "OptionalAttendees",
                "Resources",
                "Categories",
            ):
                continue
            else:
                raise Violation(f"the fake does not expect {name} on a calendar item")

    def _invite(self, box: Mailbox, item: Item, address: str, kind: str) -> None:
        self.invitations.append(Invitation(box.address, address.lower(), kind, item.uid, item.subject))

    def _item_xml(self, item: Item, properties: set[str]):
        element = etree.Element(q("t", item.kind))
        if "item:MimeContent" in properties:
            etree.SubElement(element, q("t", "MimeContent"), CharacterSet="UTF-8").text = base64.b64encode(
                item.mime
            ).decode()
        etree.SubElement(element, q("t", "ItemId"), Id=item.id, ChangeKey=item.changekey)
        if "item:Subject" in properties:
            etree.SubElement(element, q("t", "Subject")).text = item.subject
        if "item:DateTimeReceived" in properties:
            etree.SubElement(element, q("t", "DateTimeReceived")).text = ews_time(item.received)
        if "message:InternetMessageId" in properties and item.kind == "Message":
            etree.SubElement(element, q("t", "InternetMessageId")).text = item.message_id
        if item.kind != "CalendarItem":
            return element
        if "calendar:UID" in properties:
            etree.SubElement(element, q("t", "UID")).text = item.uid
        if "calendar:Start" in properties:
            etree.SubElement(element, q("t", "Start")).text = ews_time(item.start)
        if "calendar:End" in properties:
            etree.SubElement(element, q("t", "End")).text = ews_time(item.end)
        if "calendar:IsCancelled" in properties:
            etree.SubElement(element, q("t", "IsCancelled")).text = "true" if item.cancelled else "false"
        if "calendar:Location" in properties:
            etree.SubElement(element, q("t", "Location")).text = item.location
        if "calendar:RequiredAttendees" in properties and item.attendees:
            people = etree.SubElement(element, q("t", "RequiredAttendees"))
            for person in item.attendees:
                attendee = etree.SubElement(people, q("t", "Attendee"))
                mailbox = etree.SubElement(attendee, q("t", "Mailbox"))
                etree.SubElement(mailbox, q("t", "Name")).text = person.name or person.email
                etree.SubElement(mailbox, q("t", "EmailAddress")).text = person.email
                etree.SubElement(mailbox, q("t", "RoutingType")).text = "SMTP"
                etree.SubElement(mailbox, q("t", "MailboxType")).text = "OneOff"
                etree.SubElement(attendee, q("t", "ResponseType")).text = person.response
                if person.last_response:
                    etree.SubElement(attendee, q("t", "LastResponseTime")).text = ews_time(person.last_response)
                if person.proposed_start:
                    etree.SubElement(attendee, q("t", "ProposedStart")).text = ews_time(person.proposed_start)
                    etree.SubElement(attendee, q("t", "ProposedEnd")).text = ews_time(person.proposed_end)
        return element

    @staticmethod
    def _id_only(item: Item):
        element = etree.Element(q("t", item.kind))
        etree.SubElement(element, q("t", "ItemId"), Id=item.id, ChangeKey=item.changekey)
        return element

    def _folder_xml(self, box: Mailbox, folder: Folder):
        tag = "CalendarFolder" if folder.folder_class == "IPF.Appointment" else "Folder"
        element = etree.Element(q("t", tag))
        etree.SubElement(element, q("t", "FolderId"), Id=folder.id, ChangeKey="AQAAABYAAAA=")
        if folder.parent:
            etree.SubElement(element, q("t", "ParentFolderId"), Id=folder.parent, ChangeKey="AQAAAA==")
        if folder.folder_class:
            etree.SubElement(element, q("t", "FolderClass")).text = folder.folder_class
        etree.SubElement(element, q("t", "DisplayName")).text = folder.name
        if tag == "Folder":
            items = box.in_folder(folder.id)
            etree.SubElement(element, q("t", "TotalCount")).text = str(len(items))
        etree.SubElement(element, q("t", "ChildFolderCount")).text = str(
            sum(f.parent == folder.id for f in box.folders.values())
        )
        if tag == "Folder":
            etree.SubElement(element, q("t", "UnreadCount")).text = "0"
        if folder.distinguished:
            etree.SubElement(element, q("t", "DistinguishedFolderId")).text = folder.distinguished
        return element

    def _folder(self, box: Mailbox, ref) -> Folder:
        name = etree.QName(ref).localname
        if name == "DistinguishedFolderId":
            named = ref.findtext("t:Mailbox/t:EmailAddress", namespaces=NS)
            if named is not None and named.lower() != box.address:
                raise Violation("a request may act on one mailbox only")
            if ref.get("Id") not in DISTINGUISHED:
                raise Failure("ErrorFolderNotFound", "The specified folder could not be found in the store.")
            return box.folder(ref.get("Id"))
        if name != "FolderId":
            raise Violation(f"{name} where a FolderId or DistinguishedFolderId belongs")
        folder = box.folders.get(ref.get("Id"))
        if folder is None:
            raise Failure("ErrorFolderNotFound", "The specified folder could not be found in the store.")
        return folder

    def _item(self, box: Mailbox, ref) -> Item:
        if ref is None or etree.QName(ref).localname not in ("ItemId", "ReferenceItemId") or not ref.get("Id"):
            raise Violation("an ItemId with an Id attribute belongs here")
        item = box.items.get(ref.get("Id"))
        if item is None:
            raise Failure("ErrorItemNotFound", "The specified object was not found in the store.")
        return item

    def _read_sync_state(self, value: str, folder: str) -> dict[str, int]:
        try:
            data = json.loads(base64.b64decode(value))
            expected = self._mac(data["known"], data["folder"], data["epoch"])
            valid = (
                hmac.compare_digest(data["mac"], expected)
                and data["epoch"] == self._sync_epoch
                and data["folder"] == folder
            )
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise Failure("ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid.")
        return data["known"]

    def _write_sync_state(self, known: dict[str, int], folder: str) -> str:
        data = {
            "known": known,
            "folder": folder,
            "epoch": self._sync_epoch,
            "mac": self._mac(known, folder, self._sync_epoch),
        }
        return base64.b64encode(json.dumps(data, sort_keys=True).encode()).decode()

    def _mac(self, known, folder, epoch) -> str:
        return hmac.new(self._key, json.dumps([known, folder, epoch], sort_keys=True).encode(), "sha256").hexdigest()

    def _decode(self, value: str) -> tuple[str, str, str]:
        try:
            kind, address, key = base64.b64decode(value).decode().removeprefix("AAMk").split(":")
        except ValueError:
            raise Failure("ErrorInvalidIdMalformed", "Id is malformed.") from None
        return kind, address, key

    # -- shapes and structure ------------------------------------------------------------------------------------
    def _shape(self, operation, name: str) -> set[str]:
        shape = operation.find(f"m:{name}", NS)
        if shape is None:
            raise Violation(f"{name} is required")
        base = shape.findtext("t:BaseShape", namespaces=NS)
        if base not in BASE_SHAPES:
            raise Violation(f"{name}/BaseShape must be IdOnly, Default or AllProperties")
        self._order(
            shape,
            [
                "BaseShape",
                "IncludeMimeContent",
                "BodyType",
                "UniqueBodyType",
                "NormalizedBodyType",
                "FilterHtmlContent",
                "ConvertHtmlCodePageToUTF8",
                "InlineImageUrlTemplate",
                "BlockExternalImages",
                "AddBlankTargetToLinks",
                "MaximumBodySize",
                "AdditionalProperties",
            ],
            namespace="t",
        )
        uris = {u.get("FieldURI") for u in shape.findall("t:AdditionalProperties/t:FieldURI", NS)}
        if shape.findtext("t:IncludeMimeContent", namespaces=NS) == "true":
            uris.add("item:MimeContent")
        return uris

    def _children(self, operation, name: str) -> list:
        container = operation.find(f"m:{name}", NS)
        if container is None or not len(container):
            raise Violation(f"{name} with at least one element is required")
        return list(container)

    @staticmethod
    def _only(container):
        if container is None or len(container) != 1:
            raise Violation("a folder reference holds exactly one FolderId or DistinguishedFolderId")
        return container[0]

    @staticmethod
    def _order(element, names: list[str], namespace: str = "m") -> None:
        """The children must appear in the schema's sequence."""
        seen = [etree.QName(c).localname for c in element]
        positions = []
        for name in seen:
            if name not in names:
                raise Violation(f"{etree.QName(element).localname} may not contain {name}")
            positions.append(names.index(name))
        if positions != sorted(positions):
            raise Violation(f"{etree.QName(element).localname}: children out of order {seen}")

    @staticmethod
    def _wrap(name: str, *children):
        container = etree.Element(q("m", name))
        container.extend(children)
        return container

    # -- answers ---------------------------------------------------------------------------------------------
    def _answer(self, operation: str, messages: list) -> tuple[int, dict, bytes]:
        envelope, body = self._envelope()
        response = etree.SubElement(body, q("m", f"{operation}Response"), nsmap={"m": M, "t": T})
        container = etree.SubElement(response, q("m", "ResponseMessages"))
        for tag, failure, content in messages:
            message = etree.SubElement(container, q("m", tag), ResponseClass="Error" if failure else "Success")
            if failure:
                etree.SubElement(message, q("m", "MessageText")).text = failure.text
                etree.SubElement(message, q("m", "ResponseCode")).text = failure.code
                etree.SubElement(message, q("m", "DescriptiveLinkKey")).text = "0"
            else:
                etree.SubElement(message, q("m", "ResponseCode")).text = "NoError"
            if content is None:
                continue
            message.extend(content if isinstance(content, list) else [content])
        return self._xml(200, envelope)

    def _envelope(self):
        envelope = etree.Element(q("s", "Envelope"), nsmap={"s": SOAP})
        header = etree.SubElement(envelope, q("s", "Header"))
        etree.SubElement(
            header,
            f"{{{T}}}ServerVersionInfo",
            nsmap={"h": T},
            MajorVersion="15",
            MinorVersion="2",
            MajorBuildNumber="1544",
            MinorBuildNumber="4",
            Version="V2017_07_11",
        )
        return envelope, etree.SubElement(envelope, q("s", "Body"))

    def _fault(self, code: str, text: str, back_off_ms: int | None = None):
        envelope = etree.Element(q("s", "Envelope"), nsmap={"s": SOAP})
        body = etree.SubElement(envelope, q("s", "Body"))
        fault = etree.SubElement(body, q("s", "Fault"))
        etree.SubElement(fault, "faultcode", nsmap={"a": T}).text = f"a:{code}"
        etree.SubElement(fault, "faultstring").text = text
        fault[-1].set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
        detail = etree.SubElement(fault, "detail")
        etree.SubElement(detail, f"{{{E}}}ResponseCode", nsmap={"e": E}).text = code
        etree.SubElement(detail, f"{{{E}}}Message", nsmap={"e": E}).text = text
        if back_off_ms is not None:
            xml = etree.SubElement(detail, q("t", "MessageXml"), nsmap={"t": T})
            etree.SubElement(xml, q("t", "Value"), Name="BackOffMilliseconds").text = str(back_off_ms)
        return self._xml(500, envelope)

    def _violation(self, text: str):
        self.violations.append(text)
        return self._fault("ErrorSchemaValidation", f"The request failed schema validation: {text}")

    @staticmethod
    def _xml(status: int, envelope) -> tuple[int, dict, bytes]:
        return (
            status,
            {"Content-Type": "text/xml; charset=utf-8"},
            etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
        )

    # -- looking at what happened --------------------------------------------------------------------------------
    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]

    def calls_of(self, operation: str) -> list[Call]:
        return [c for c in self.calls if c.operation == operation]


class _Raw(io.BytesIO):
    """What requests and requests_ntlm expect of ``Response.raw``."""

    decode_content = False

    def release_conn(self) -> None:
        pass


class FakeAdapter(requests.adapters.HTTPAdapter):
    """A requests transport that answers from :attr:`server` instead of the network. One adapter is
    one connection: an NTLM login holds for the adapter it was made on, as on a real connection."""

    server: FakeExchange | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ntlm = None
        self.user: str | None = None

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if self.server is None:
            raise requests.exceptions.ConnectionError("[Errno 111] Connection refused", request=request)
        status, headers, body = self.server.handle(request, self)
        response = requests.Response()
        response.status_code = status
        response.reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}.get(
            status, ""
        )
        response.headers = CaseInsensitiveDict(headers)
        response.headers["Content-Length"] = str(len(body))
        response._content = body
        response.raw = _Raw(body)
        response.url = request.url
        response.request = request
        response.connection = self
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        return response
