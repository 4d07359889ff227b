"""A stateful fake of Google's token endpoint, the Gmail API and the Calendar API, at the HTTP level.

:class:`FakeGoogle` stands where ``httplib2.Http`` stands: the backend's own code (googleapiclient's
request building, google-auth's token requests and refreshes, the retries) runs unchanged above
it. Every request is matched against googleapiclient's bundled discovery documents (gmail v1,
calendar v3): an unknown path, a query parameter the method does not take, a value outside its
enum, a body field the schema does not have or marks read-only, a wrong type -- each fails the
test with :class:`Invalid`. Answers have the shapes Google documents, errors included
(``{"error": {"code", "message", "errors": [{"reason", "domain", "message"}], "status"}}``).

State: one mailbox (messages with labels, a history with ids, labels) and one calendar (events,
a change counter behind sync tokens) for one user. Tests make things happen the way the service
would: :meth:`FakeGoogle.deliver` puts a message in the INBOX, :meth:`FakeGoogle.respond` sets
an attendee's answer, :meth:`FakeGoogle.fail` scripts error answers, :meth:`FakeGoogle.expire_tokens`,
:meth:`FakeGoogle.expire_history` and :meth:`FakeGoogle.expire_sync_tokens` age what Google ages.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import itertools
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import googleapiclient
import httplib2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
TOKEN_URI = "https://oauth2.googleapis.com/token"
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.modify"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"
NEEDS = {
    "gmail": {GMAIL_SCOPE, "https://mail.google.com/"},
    "calendar": {CALENDAR_SCOPE, "https://www.googleapis.com/auth/calendar"},
}
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    410: "GONE",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
SYSTEM_LABELS = (
    "INBOX",
    "SENT",
    "UNREAD",
    "DRAFT",
    "SPAM",
    "TRASH",
    "IMPORTANT",
    "STARRED",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)
DELEGATION_REFUSED = (
    "Client is unauthorized to retrieve access tokens using this method, or client not "
    "authorized for any of the scopes requested."
)


class Invalid(AssertionError):
    """The backend made a request the discovery document does not allow."""


# -- the discovery documents ----------------------------------------------------------------------------
class Discovery:
    """One bundled discovery document: which method a request is, and whether it is well formed."""

    def __init__(self, name: str):
        self.doc = json.loads((DOCUMENTS / f"{name}.json").read_text())
        self.base = self.doc["rootUrl"] + self.doc["servicePath"]
        self.methods = []
        self._collect(self.doc)
        # Literal paths first: "events/import" before "events/{eventId}".
        self.methods.sort(key=lambda m: -len(re.sub(r"\{[^}]+\}", "", m[2]["path"])))

    def _collect(self, resource: dict) -> None:
        for method in resource.get("methods", {}).values():
            pattern = re.sub(r"\\\{(?:\\\+)?(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(method["path"]))
            self.methods.append((method["httpMethod"], re.compile(re.escape(self.base) + pattern + "$"), method))
        for child in resource.get("resources", {}).values():
            self._collect(child)

    def match(self, http_method: str, url: str) -> tuple[dict, dict[str, str], dict[str, list[str]]] | None:
        parts = urlsplit(url)
        bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
        for verb, pattern, method in self.methods:
            found = pattern.match(bare)
            if found and verb == http_method:
                path = {k: unquote(v) for k, v in found.groupdict().items()}
                query = parse_qs(parts.query, keep_blank_values=True)
                self.check_query(method, query)
                return method, path, query
        return None

    def check_query(self, method: dict, query: dict[str, list[str]]) -> None:
        parameters = {**self.doc.get("parameters", {}), **method.get("parameters", {})}
        for name, values in query.items():
            spec = parameters.get(name)
            if spec is None or spec.get("location") != "query":
                raise Invalid(f"{method['id']}: no query parameter {name!r}")
            if len(values) > 1 and not spec.get("repeated"):
                raise Invalid(f"{method['id']}: {name} given {len(values)} times")
            for value in values:
                if "enum" in spec and value not in spec["enum"]:
                    raise Invalid(f"{method['id']}: {name}={value!r} is not one of {spec['enum']}")
                if spec.get("type") == "integer" and not value.isdigit():
                    raise Invalid(f"{method['id']}: {name}={value!r} is not an integer")
                if spec.get("type") == "boolean" and value not in ("true", "false"):
                    raise Invalid(f"{method['id']}: {name}={value!r} is not a boolean")
        for name, spec in method.get("parameters", {}).items():
            if spec.get("required") and spec.get("location") == "query" and name not in query:
                raise Invalid(f"{method['id']}: the required parameter {name} is missing")

    def check_body(self, method: dict, body: Any) -> None:
        request = method.get("request")
        if request is None:
            if body not in (None, b"", ""):
                raise Invalid(f"{method['id']} takes no body")
            return
        self._check(body, {"$ref": request["$ref"]}, method["id"], "body")

    def _check(self, value: Any, schema: dict, method_id: str, where: str) -> None:
        if "$ref" in schema:
            schema = self.doc["schemas"][schema["$ref"]]
        kind = schema.get("type")
        if kind == "object":
            if not isinstance(value, dict):
                raise Invalid(f"{method_id}: {where} is not an object")
            properties = schema.get("properties", {})
            for key, item in value.items():
                if key in properties:
                    if "read-only" in properties[key].get("description", "").lower():
                        raise Invalid(f"{method_id}: {where}.{key} is read-only")
                    self._check(item, properties[key], method_id, f"{where}.{key}")
                elif "additionalProperties" in schema:
                    self._check(item, schema["additionalProperties"], method_id, f"{where}.{key}")
                else:
                    raise Invalid(f"{method_id}: {where}.{key} is not a field of {schema.get('id', 'it')}")
        elif kind == "array":
            if not isinstance(value, list):
                raise Invalid(f"{method_id}: {where} is not an array")
            for index, item in enumerate(value):
                self._check(item, schema["items"], method_id, f"{where}[{index}]")
        elif kind == "string":
            if not isinstance(value, str):
                raise Invalid(f"{method_id}: {where} is not a string")
            if "enum" in schema and value not in schema["enum"]:
                raise Invalid(f"{method_id}: {where}={value!r} is not one of {schema['enum']}")
            form = schema.get("format")
            if form == "byte":
                try:
                    base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
                except (binascii.Error, ValueError):
                    raise Invalid(f"{method_id}: {where} is not base64url") from None
                if re.search(r"[^A-Za-z0-9_\-=]", value):
                    raise Invalid(f"{method_id}: {where} is not base64url (it has + / or whitespace)")
            elif form == "date-time":
                try:
                    datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    raise Invalid(f"{method_id}: {where}={value!r} is not RFC 3339") from None
            elif form == "date" and not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                raise Invalid(f"{method_id}: {where}={value!r} is not yyyy-mm-dd")
            elif form in ("int64", "uint64") and not value.isdigit():
                raise Invalid(f"{method_id}: {where}={value!r} is not a number in a string")
        elif kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
            raise Invalid(f"{method_id}: {where} is not an integer")
        elif kind == "boolean" and not isinstance(value, bool):
            raise Invalid(f"{method_id}: {where} is not a boolean")


GMAIL = Discovery("gmail.v1")
CALENDAR = Discovery("calendar.v3")


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it."""

    method_id: str  # "gmail.users.messages.send", "calendar.events.patch", "token"
    http_method: str
    path: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    status: int


def identify(uri: str, method: str = "GET", body: Any = None) -> Call:
    """Check one request against the discovery documents (for HttpMockSequence tests); raises Invalid."""
    for api in (GMAIL, CALENDAR):
        found = api.match(method, uri)
        if found:
            spec, path, query = found
            data = json.loads(body) if body else None
            api.check_body(spec, data)
            return Call(spec["id"], method, path, query, data, 0)
    if uri == TOKEN_URI and method == "POST":
        return Call("token", method, {}, {}, {k: v[0] for k, v in parse_qs(body).items()}, 0)
    raise Invalid(f"no Google API method is {method} {uri}")


# -- a service account key ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceAccount:
    email: str
    client_id: str
    key_id: str
    public_pem: bytes
    info: dict


def make_service_account(private_key: rsa.RSAPrivateKey | None = None) -> ServiceAccount:
    """A service account key like the JSON the Cloud console hands out, with a real RSA key."""
    key = private_key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    email_address = "followthru-bot@followthru-test.iam.gserviceaccount.com"
    info = {
        "type": "service_account",
        "project_id": "followthru-test",
        "private_key_id": "5f1e9c0a7d",
        "private_key": pem,
        "client_email": email_address,
        "client_id": "104242424242424242424",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/followthru-bot",
        "universe_domain": "googleapis.com",
    }
    return ServiceAccount(email_address, info["client_id"], info["private_key_id"], public, info)


@dataclass
class OAuthClient:
    """An installed-app OAuth client and the refresh token a user's consent gave it."""

    client_id: str = "1234567890-fake.apps.googleusercontent.com"
    client_secret: str = "GOCSPX-fake-client-secret-0000"
    refresh_token: str = "1//0fake-refresh-token-for-tests"
    codes: dict[str, list[str]] = field(default_factory=dict)  # authorization code -> scopes


class _Error(Exception):
    def __init__(
        self, status: int, reason: str, message: str, domain: str = "global", headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status, self.reason, self.message, self.domain = status, reason, message, domain
        self.headers = headers or {}

    def body(self) -> dict:
        return {
            "error": {
                "code": self.status,
                "message": self.message,
                "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason}],
                "status": STATUS_NAMES.get(self.status, "UNKNOWN"),
            }
        }


@dataclass
class Fault:
    method_id: str
    error: _Error
    times: int
    lost: bool  # the request is carried out, and then the answer is this error (or, status 0, a timeout)


# -- the fake ---------------------------------------------------------------------------------------------
class FakeGoogle:
    """Google for one user, at the HTTP level (the interface of ``httplib2.Http``)."""

    def __init__(
        self,
        user: str = "followthru@example.com",
        service_account: ServiceAccount | None = None,
        oauth: OAuthClient | None = None,
    ):
        self.user = user
        self.service_account = service_account
        self.oauth = oauth
        self.granted_scopes = {GMAIL_SCOPE, CALENDAR_SCOPE}  # what the admin authorized for the client
        self.delegation = True
        self.timeout = 60
        self.follow_redirects = True
        self.connections: dict = {}
        self.calls: list[Call] = []
        self.invalid: list[str] = []  # requests the discovery documents do not allow
        self.tokens: dict[str, dict] = {}
        self.faults: list[Fault] = []
        self._ids = itertools.count(1)
        # mailbox
        self.messages: dict[str, dict] = {}
        self.labels = {
            name: {
                "id": name,
                "name": name,
                "type": "system",
                "messageListVisibility": "hide",
                "labelListVisibility": "labelShow",
            }
            for name in SYSTEM_LABELS
        }
        self.history: list[dict] = []
        self.history_id = 41_000
        self.history_floor = 0
        self.delivered: list[tuple[str, bytes]] = []  # (recipient, raw) for every message sent
        self._clock = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
        # calendar
        self.events: dict[str, dict] = {}
        self.changes = 0
        self.sync_floor = 0
        self.notified: list[tuple[str, str, str]] = []  # (kind, attendee, event summary): Google's own mail

    # -- what tests do --------------------------------------------------------------------------------
    def fail(
        self,
        method_id: str,
        status: int,
        reason: str,
        message: str = "",
        times: int = 1,
        headers: dict[str, str] | None = None,
        domain: str = "usageLimits",
        lost: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method_id`` ("gmail.users.messages.send", "token") with an
        error. ``lost``: carry the request out first, as if only its answer went wrong; status 0 is a timeout."""
        self.faults.append(Fault(method_id, _Error(status, reason, message or reason, domain, headers), times, lost))

    def expire_tokens(self) -> None:
        for token in self.tokens.values():
            token["expired"] = True

    def expire_history(self) -> None:
        """Google forgets the history so far: older startHistoryIds answer 404."""
        self.history_floor = self.history_id + 1
        self._record_history({})

    def expire_sync_tokens(self) -> None:
        self.sync_floor = self.changes + 1

    def deliver(self, raw: bytes, labels: tuple[str, ...] = ("INBOX", "UNREAD")) -> str:
        """A message arrives in the mailbox, as Gmail's SMTP side would put it there."""
        return self._store(raw, list(labels))

    def respond(self, uid: str, attendee: str, status: str) -> None:
        """``attendee`` answers the event of the Followthru ``uid`` in their calendar client."""
        event = self.event_for(uid)
        for person in event["attendees"]:
            if person["email"] == attendee:
                person["responseStatus"] = status
        self._changed(event)

    def event_for(self, uid: str) -> dict:
        return next(
            e
            for e in self.events.values()
            if e.get("extendedProperties", {}).get("private", {}).get("followthruUid") == uid
        )

    def sent_to(self, address: str) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for to, raw in self.delivered
            if to == address.lower()
        ]

    def calls_of(self, *method_ids: str) -> list[Call]:
        return [c for c in self.calls if c.method_id in method_ids]

    def label_named(self, name: str) -> dict | None:
        return next((l for l in self.labels.values() if l["name"] == name), None)

    # -- httplib2.Http ----------------------------------------------------------------------------------
    def close(self) -> None:
        pass

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: dict | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        try:
            if uri == TOKEN_URI:
                form = {k: v[0] for k, v in parse_qs(body or "").items()}
                self.calls.append(Call("token", method, {}, {}, form, 200))
                self._fault("token")
                return _answer(200, self._token(form, headers.get("authorization", "")))
            api = GMAIL if uri.startswith(GMAIL.base) else CALENDAR
            found = api.match(method, uri)
            if found is None:
                raise Invalid(f"no Google API method is {method} {uri}")
            spec, path, query = found
            data = None
            if body:
                if not headers.get("content-type", "").startswith("application/json"):
                    raise Invalid(f"{spec['id']}: the body is not sent as JSON")
                data = json.loads(body)
            api.check_body(spec, data)
            call = Call(spec["id"], method, path, query, data, 200)
            self.calls.append(call)
            self._authorize(headers, "gmail" if api is GMAIL else "calendar")
            fault = self._fault(spec["id"])
            if fault is not None and not fault.lost:
                raise fault.error
            handler = getattr(self, "_" + spec["id"].split(".", 1)[1].replace(".", "_"))
            status, answer = handler(
                path, {k: v if k in ("labelIds", "historyTypes") else v[0] for k, v in query.items()}, data
            )
            if fault is not None:
                if fault.error.status == 0:
                    raise TimeoutError("timed out")
                raise fault.error
            return _answer(status, answer)
        except Invalid as error:
            self.invalid.append(str(error))  # the daemon would swallow it: the fixture's teardown won't
            raise
        except _Error as error:
            self.calls[-1] = replace(self.calls[-1], status=error.status)
            return _answer(error.status, error.body(), error.headers)
        except _TokenError as error:
            self.calls[-1] = replace(self.calls[-1], status=error.status)
            return _answer(error.status, error.body)

    def _fault(self, method_id: str) -> Fault | None:
        for fault in self.faults:
            if fault.method_id == method_id and fault.times > 0:
                fault.times -= 1
                if method_id == "token":
                    raise _TokenError(
                        fault.error.status, {"error": fault.error.reason, "error_description": fault.error.message}
                    )
                return fault
        return None

    # -- tokens ------------------------------------------------------------------------------------------
    def _token(self, form: dict[str, str], authorization: str) -> dict:
        grant = form.get("grant_type")
        if authorization.startswith("Basic "):  # client_secret_basic (RFC 6749 2.3.1), as requests-oauthlib sends it
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            form = {**form, "client_id": unquote(client_id), "client_secret": unquote(secret)}
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            account = self.service_account
            claims = jwt.decode(form["assertion"], certs=account.public_pem, audience=TOKEN_URI)
            scopes = set(claims.get("scope", "").split())
            if claims["iss"] != account.email:
                raise _TokenError(
                    401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
                )
            if not self.delegation or not scopes <= self.granted_scopes or not claims.get("sub"):
                raise _TokenError(401, {"error": "unauthorized_client", "error_description": DELEGATION_REFUSED})
            if claims["sub"] != self.user:
                raise _TokenError(400, {"error": "invalid_grant", "error_description": "Invalid email or User ID"})
            return self._issue(scopes)
        if grant == "refresh_token":
            client = self.oauth
            if (
                client is None
                or form.get("client_id") != client.client_id
                or form.get("client_secret") != client.client_secret
            ):
                raise _TokenError(401, {"error": "invalid_client", "error_description": "Unauthorized"})
            if form.get("refresh_token") != client.refresh_token:
                raise _TokenError(
                    400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
                )
            return {
                **self._issue(set(form.get("scope", "").split()) or self.granted_scopes),
                "refresh_token_expires_in": 604799,
            }
        if grant == "authorization_code":
            client = self.oauth
            scopes = client.codes.pop(form.get("code", ""), None) if client else None
            if scopes is None or form.get("client_secret") != client.client_secret:
                raise _TokenError(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            return {**self._issue(set(scopes)), "refresh_token": client.refresh_token}
        raise _TokenError(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})

    def _issue(self, scopes: set[str]) -> dict:
        token = f"ya29.fake-access-token-{next(self._ids)}"
        self.tokens[token] = {"scopes": scopes, "expired": False}
        return {"access_token": token, "expires_in": 3599, "scope": " ".join(sorted(scopes)), "token_type": "Bearer"}

    def _authorize(self, headers: dict[str, str], api: str) -> None:
        token = self.tokens.get(headers.get("authorization", "").removeprefix("Bearer "))
        if token is None or token["expired"]:
            raise _Error(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        if not token["scopes"] & NEEDS[api]:
            raise _Error(403, "insufficientPermissions", "Request had insufficient authentication scopes.")

    # -- Gmail ---------------------------------------------------------------------------------------------
    def _me(self, path: dict) -> None:
        if path["userId"] not in ("me", self.user):
            raise _Error(403, "forbidden", "Delegation denied for " + self.user)

    def _record_history(self, record: dict) -> str:
        self.history_id += 1 + len(self.history) % 3  # ids grow, with gaps, as Gmail's do
        self.history.append({"id": str(self.history_id), **record})
        return str(self.history_id)

    def _summary(self, message: dict) -> dict:
        return {"id": message["id"], "threadId": message["threadId"], "labelIds": list(message["labelIds"])}

    def _store(self, raw: bytes, labels: list[str]) -> str:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = f"{0x18C2D5E9A1000000 + next(self._ids):x}"
        references = (parsed.get("In-Reply-To", "") + " " + parsed.get("References", "")).split()
        thread = next((m["threadId"] for m in self.messages.values() if m["messageId"] in references), message_id)
        self._clock += timedelta(seconds=1)
        message = {
            "id": message_id,
            "threadId": thread,
            "labelIds": labels,
            "raw": raw,
            "internalDate": str(int(self._clock.timestamp() * 1000)),
            "messageId": str(parsed.get("Message-ID", "")).strip(),
        }
        self.messages[message_id] = message
        message["historyId"] = self._record_history(
            {
                "messages": [{"id": message_id, "threadId": thread}],
                "messagesAdded": [{"message": self._summary(message)}],
            }
        )
        return message_id

    def _message(self, path: dict) -> dict:
        self._me(path)
        message = self.messages.get(path["id"])
        if message is None:
            raise _Error(404, "notFound", "Requested entity was not found.")
        return message

    def _users_getProfile(self, path, query, body):
        self._me(path)
        return 200, {
            "emailAddress": self.user,
            "messagesTotal": len(self.messages),
            "threadsTotal": len({m["threadId"] for m in self.messages.values()}),
            "historyId": str(self.history_id),
        }

    def _users_labels_list(self, path, query, body):
        self._me(path)
        return 200, {"labels": list(self.labels.values())}

    def _users_labels_create(self, path, query, body):
        self._me(path)
        if any(l["name"].lower() == body["name"].lower() for l in self.labels.values()):
            raise _Error(409, "duplicate", "Label name exists or conflicts")
        label = {"id": f"Label_{next(self._ids)}", "type": "user", **body}
        self.labels[label["id"]] = label
        return 200, label

    def _users_messages_send(self, path, query, body):
        self._me(path)
        raw = base64.urlsafe_b64decode(body["raw"] + "=" * (-len(body["raw"]) % 4))
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        recipients = [
            a.lower()
            for _, a in getaddresses(parsed.get_all("To", []) + parsed.get_all("Cc", []) + parsed.get_all("Bcc", []))
            if a
        ]
        if not recipients:
            raise _Error(400, "invalidArgument", "Recipient address required", domain="global")
        if "Message-ID" not in parsed:
            raise Invalid("Followthru sends every message with its own Message-ID")
        message_id = self._store(raw, ["SENT"])
        self.delivered.extend((recipient, raw) for recipient in recipients)
        return 200, self._summary(self.messages[message_id])

    def _users_messages_list(self, path, query, body):
        self._me(path)
        wanted = set(query.get("labelIds", []))
        search = query.get("q", "")
        if search and not search.startswith("rfc822msgid:"):
            raise Invalid(f"the fake knows only rfc822msgid: searches, not {search!r}")
        hidden = set() if query.get("includeSpamTrash") == "true" else {"SPAM", "TRASH"}
        found = [
            m
            for m in sorted(self.messages.values(), key=lambda m: int(m["internalDate"]), reverse=True)
            if wanted <= set(m["labelIds"])
            and not hidden & set(m["labelIds"])
            and (not search or m["messageId"].strip("<>") == search.removeprefix("rfc822msgid:"))
        ]
        start, size = int(query.get("pageToken", 0)), int(query.get("maxResults", 100))
        page = found[start : start + size]
        answer = {"resultSizeEstimate": len(page)}
        if page:
            answer["messages"] = [{"id": m["id"], "threadId": m["threadId"]} for m in page]
        if start + size < len(found):
            answer["nextPageToken"] = str(start + size)
        return 200, answer

    def _users_messages_get(self, path, query, body):
        message = self._message(path)
        if query.get("format") != "raw":
            raise Invalid("Followthru reads messages with format=raw")
        return 200, {
            **self._summary(message),
            "snippet": "",
            "sizeEstimate": len(message["raw"]),
            "historyId": message["historyId"],
            "internalDate": message["internalDate"],
            "raw": base64.urlsafe_b64encode(message["raw"]).decode(),
        }

    def _users_messages_modify(self, path, query, body):
        message = self._message(path)
        for label in body.get("addLabelIds", []) + body.get("removeLabelIds", []):
            if label not in self.labels:
                raise _Error(400, "invalidArgument", f"Invalid label: {label}", domain="global")
        added = [l for l in body.get("addLabelIds", []) if l not in message["labelIds"]]
        removed = [l for l in body.get("removeLabelIds", []) if l in message["labelIds"]]
        message["labelIds"] = [l for l in message["labelIds"] if l not in removed] + added
        record: dict = {"messages": [{"id": message["id"], "threadId": message["threadId"]}]}
        if added:
            record["labelsAdded"] = [{"message": self._summary(message), "labelIds": added}]
        if removed:
            record["labelsRemoved"] = [{"message": self._summary(message), "labelIds": removed}]
        message["historyId"] = self._record_history(record)
        return 200, self._summary(message)

    def _users_history_list(self, path, query, body):
        self._me(path)
        if "startHistoryId" not in query:
            raise _Error(400, "invalidArgument", "Missing startHistoryId", domain="global")
        start = int(query["startHistoryId"])
        if start < self.history_floor:
            raise _Error(404, "notFound", "Requested entity was not found.", domain="global")
        kinds = {
            "messageAdded": "messagesAdded",
            "messageDeleted": "messagesDeleted",
            "labelAdded": "labelsAdded",
            "labelRemoved": "labelsRemoved",
        }
        wanted = [kinds[k] for k in query.get("historyTypes", [])] or list(kinds.values())
        label = query.get("labelId")
        records = []
        for record in self.history:
            if int(record["id"]) <= start:
                continue
            kept = {k: [e for e in record.get(k, []) if not label or label in e["message"]["labelIds"]] for k in wanted}
            kept = {k: v for k, v in kept.items() if v}
            if kept:
                records.append(
                    {"id": record["id"], "messages": [e["message"] for v in kept.values() for e in v], **kept}
                )
        offset, size = int(query.get("pageToken", 0)), int(query.get("maxResults", 100))
        answer: dict = {"historyId": str(self.history_id)}
        if records[offset : offset + size]:
            answer["history"] = records[offset : offset + size]
        if offset + size < len(records):
            answer["nextPageToken"] = str(offset + size)
        return 200, answer

    # -- Calendar ------------------------------------------------------------------------------------------
    def _calendar(self, path: dict) -> None:
        if path["calendarId"] not in ("primary", self.user):
            raise _Error(404, "notFound", "Not Found", domain="global")

    def _event(self, path: dict) -> dict:
        self._calendar(path)
        event = self.events.get(path["eventId"])
        if event is None:
            raise _Error(404, "notFound", "Not Found", domain="global")
        return event

    def _changed(self, event: dict) -> None:
        self.changes += 1
        event["_change"] = self.changes
        self._clock += timedelta(seconds=1)
        event["updated"] = self._clock.isoformat().replace("+00:00", ".000Z")
        event["etag"] = f'"{3_500_000_000_000_000 + self.changes}"'

    def _public(self, event: dict) -> dict:
        return {k: v for k, v in event.items() if not k.startswith("_")}

    def _notify(self, kind: str, people: list[dict], event: dict, updates: str | None) -> None:
        if updates not in ("all", "externalOnly"):
            return
        for person in people:
            if not person.get("self") and not person.get("organizer"):
                self.notified.append((kind, person["email"], event.get("summary", "")))

    def _check_times(self, event: dict) -> None:
        for key in ("start", "end"):
            when = event.get(key)
            if not when or not ("date" in when or "dateTime" in when):
                raise _Error(400, "required", f"Missing {key} time.", domain="global")
            if event.get("recurrence") and "dateTime" in when and not when.get("timeZone"):
                raise _Error(400, "invalid", f"Missing time zone definition for {key} time.", domain="global")

    def _attendees(self, given: list[dict]) -> list[dict]:
        """Google's copy of an attendee list: every attendee has a responseStatus."""
        return [
            {**a, "email": a["email"].lower(), "responseStatus": a.get("responseStatus", "needsAction")} for a in given
        ]

    def _events_insert(self, path, query, body):
        self._calendar(path)
        event_id = body.get("id") or f"{next(self._ids):026x}"
        if not re.fullmatch(r"[a-v0-9]{5,1024}", event_id):
            raise _Error(400, "invalid", "Invalid resource id value.", domain="global")
        if event_id in self.events:
            raise _Error(409, "duplicate", "The requested identifier already exists.", domain="global")
        if "iCalUID" in body:
            raise Invalid("events.insert with iCalUID: Google takes it from events.import only")
        event = {
            "kind": "calendar#event",
            "id": event_id,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": self._clock.isoformat().replace("+00:00", ".000Z"),
            "creator": {"email": self.user, "self": True},
            "organizer": {"email": self.user, "self": True},
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
            **{k: v for k, v in body.items() if k != "id"},
        }
        event["attendees"] = self._attendees(body.get("attendees", []))
        self._check_times(event)
        self.events[event_id] = event
        self._changed(event)
        self._notify("invitation", event["attendees"], event, query.get("sendUpdates"))
        return 200, self._public(event)

    def _events_get(self, path, query, body):
        return 200, self._public(self._event(path))

    def _events_patch(self, path, query, body):
        event = self._event(path)
        before = {
            k: json.dumps(event.get(k), sort_keys=True)
            for k in ("start", "end", "location", "summary", "description", "recurrence", "status")
        }
        old_people = {a["email"]: a for a in event.get("attendees", [])}
        for key, value in body.items():
            if key == "extendedProperties":
                for scope, values in value.items():
                    event.setdefault("extendedProperties", {}).setdefault(scope, {}).update(values)
            else:
                event[key] = value
        if "attendees" in body:
            event["attendees"] = self._attendees(body["attendees"])
        self._check_times(event)
        significant = [k for k, v in before.items() if json.dumps(event.get(k), sort_keys=True) != v]
        if significant:
            event["sequence"] += 1
        self._changed(event)
        updates = query.get("sendUpdates")
        people = {a["email"]: a for a in event.get("attendees", [])}
        self._notify("cancellation", [a for e, a in old_people.items() if e not in people], event, updates)
        self._notify("invitation", [a for e, a in people.items() if e not in old_people], event, updates)
        if significant:
            self._notify("update", [a for e, a in people.items() if e in old_people], event, updates)
        return 200, self._public(event)

    def _events_delete(self, path, query, body):
        event = self._event(path)
        if event["status"] == "cancelled":
            raise _Error(410, "deleted", "Resource has been deleted", domain="global")
        event["status"] = "cancelled"
        event["sequence"] += 1
        self._changed(event)
        self._notify("cancellation", event.get("attendees", []), event, query.get("sendUpdates"))
        return 204, None

    def _events_list(self, path, query, body):
        self._calendar(path)
        token = query.get("syncToken")
        if token:
            for name in (
                "iCalUID",
                "orderBy",
                "privateExtendedProperty",
                "q",
                "sharedExtendedProperty",
                "timeMin",
                "timeMax",
                "updatedMin",
            ):
                if name in query:
                    raise _Error(400, "invalid", f"{name} cannot be used with syncToken", domain="global")
            since = int(token.removeprefix("fake-sync-"))
            if since < self.sync_floor:
                raise _Error(
                    410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.", domain="global"
                )
            found = [e for e in self.events.values() if e["_change"] > since]
        else:
            deleted = query.get("showDeleted") == "true"
            found = [e for e in self.events.values() if deleted or e["status"] != "cancelled"]
        found.sort(key=lambda e: e["_change"])
        offset, size = int(query.get("pageToken", 0)), int(query.get("maxResults", 250))
        answer = {
            "kind": "calendar#events",
            "etag": f'"{self.changes}"',
            "summary": self.user,
            "description": "",
            "updated": self._clock.isoformat().replace("+00:00", ".000Z"),
            "timeZone": "America/New_York",
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "items": [self._public(e) for e in found[offset : offset + size]],
        }
        if offset + size < len(found):
            answer["nextPageToken"] = str(offset + size)
        else:
            answer["nextSyncToken"] = f"fake-sync-{self.changes}"
        return 200, answer


class _TokenError(Exception):
    """The token endpoint's error: ``{"error": "...", "error_description": "..."}`` (RFC 6749)."""

    def __init__(self, status: int, body: dict):
        super().__init__(body.get("error"))
        self.status, self.body = status, body


def _answer(status: int, body: Any, headers: dict[str, str] | None = None) -> tuple[httplib2.Response, bytes]:
    content = b"" if body is None else json.dumps(body).encode()
    response = httplib2.Response(
        {
            "status": str(status),
            "content-type": "application/json; charset=UTF-8",
            **{k.lower(): v for k, v in (headers or {}).items()},
        }
    )
    response.reason = {200: "OK", 204: "No Content"}.get(status, STATUS_NAMES.get(status, ""))
    return response, content
