"""Mail through the Gmail API: sending raw RFC 5322 messages, reading the inbox incrementally.

**Sending.** The outbox message goes as it is (``users.messages.send`` with the bytes base64url
encoded), so its Message-ID, In-Reply-To, References and Reply-To reach the recipients unchanged
and their replies find their request. Gmail delivers to the addresses in the To and Cc headers;
it sets the envelope sender itself, so bounces come to the mailbox as messages from
mailer-daemon, which the daemon matches by the original Message-ID. Before sending, the Sent
mail is searched for the Message-ID (``rfc822msgid:``), and a send is repeated at once only
after a throttling answer: a message whose first try went through but whose answer was lost
(a 5xx, a dropped connection) is found there on the daemon's next try and not sent twice.

**Reading.** The reader keeps Gmail's ``historyId`` (through the :class:`SyncState`) and asks
``users.history.list`` for messages added to the INBOX since then: a check with nothing new is
one small request, whatever the size of the mailbox. The first time, and when Google has
forgotten the stored position (history.list answers 404, after about a week), it reads what the
INBOX holds (a full resync). Messages are fetched with ``format=raw``. A handled message gets
``google.processed_label`` (made if missing) and leaves the INBOX, so neither a check nor a resync
reads it again; the daemon also skips Message-IDs it has seen.

When the calendar is Google's too, the notices Google Calendar mails to the organizer about its
own events (iTIP REPLY and COUNTER for ``<id>@google.com``) are filed away unread: those answers
come through the Calendar API, and read as mail they would be taken for answers to requests.

Gmail has no push without Cloud Pub/Sub, so while the daemon runs (:meth:`GmailMail.watch`) it
is asked every ``google.poll_seconds`` and a pass in between asks nothing; ``followthru tick``
asks on every pass.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator

from followthru.backends.base import Incoming, Refusal, SendError, SyncState, Unavailable
from followthru.backends.google.api import Api, ApiError
from followthru.backends.google.auth import subject_of
from followthru.backends.google.calendar import is_google_event_uid
from followthru.backends.meetings import answered_uids
from followthru.backends.poller import Poller
from followthru.config import Config

log = logging.getLogger(__name__)

MAX_PER_CHECK = 500  # messages per pass: keeps passes short (systemd's watchdog waits for each)
LIST_PAGE = 500  # the most messages.list gives in one answer


class GmailMail:
    """:class:`~followthru.backends.base.MailBackend` over the Gmail API for ``google.subject``
    (default ``sender.email``). Builds no connection yet; raises ConfigError for a missing key."""

    def __init__(self, config: Config, state: SyncState):
        self.config = config
        self.settings = config.google
        self.state = state
        self.user = subject_of(config)
        self.api = Api(config, "gmail", "v1", f"Gmail API ({self.user})")
        self.where = self.api.where
        self.users = self.api.service.users()
        self.key = f"gmail:{self.user}:history"
        self._label_id: str | None = None
        self._skip_calendar_notices = config.calendar.backend == "google"
        self.poller = Poller(self.settings.poll_seconds, "gmail-poll")

    # -- sending ---------------------------------------------------------------------------------------
    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        """Send ``raw`` as it is. Gmail refuses no single recipient here (undeliverable addresses
        bounce later, as mail), so this returns [] or raises SendError/Unavailable for the message."""
        try:
            if self._sent_already(message_id):
                log.info("%s: %s is in the Sent mail already; not sending it again", self.where, message_id)
                return []
        except ApiError as error:
            raise Unavailable(f"{self.where}: cannot search the Sent mail ({error})") from None
        body = {"raw": base64.urlsafe_b64encode(raw).decode("ascii")}
        try:
            sent = self.api.call(self.users.messages().send(userId="me", body=body), repeatable=False)
        except ApiError as error:
            if error.status in (400, 413):  # this message: its headers, its size
                raise SendError(f"{self.where} refused the message: {error}", permanent=True) from None
            raise Unavailable(f"{self.where}: sending failed ({error})") from None
        log.debug("%s: %s sent as message %s", self.where, message_id, sent.get("id"))
        return []

    def _sent_already(self, message_id: str) -> bool:
        query = "rfc822msgid:" + message_id.strip().strip("<>")
        found = self.api.call(
            self.users.messages().list(userId="me", q=query, labelIds=["SENT"], includeSpamTrash=True, maxResults=1)
        )
        return bool(found.get("messages"))

    def end_batch(self) -> None:
        """Nothing to close: the HTTP connection is kept for the next pass."""

    # -- reading ---------------------------------------------------------------------------------------
    def fetch_new(self) -> Iterator[Incoming]:
        if not self.poller.due():
            return
        try:
            saved = self.state.get_sync(self.key)
            start = json.loads(saved)["history_id"] if saved else None
            yield from (self._since(start) if start else self._resync())
        except ApiError as error:
            raise Unavailable(f"{self.where}: {error}") from None

    def _since(self, start: str) -> Iterator[Incoming]:
        """Messages added to the INBOX after history record ``start``, page by page; the position is
        remembered after each page is handed out."""
        page_token, count = None, 0
        while True:
            try:
                page = self.api.call(
                    self.users.history().list(
                        userId="me",
                        startHistoryId=start,
                        historyTypes=["messageAdded"],
                        labelId="INBOX",
                        pageToken=page_token,
                    )
                )
            except ApiError as error:
                if error.status != 404:
                    raise
                log.warning("%s: Google no longer has the history since %s; reading the INBOX again", self.where, start)
                yield from self._resync()
                return
            records = page.get("history", [])
            added = [m["message"]["id"] for r in records for m in r.get("messagesAdded", [])]
            for incoming in self._read(list(dict.fromkeys(added))):
                count += 1
                yield incoming
            page_token = page.get("nextPageToken")
            if not page_token:
                self._remember(page["historyId"])
                return
            if records:
                self._remember(records[-1]["id"])
            if count >= MAX_PER_CHECK:  # the rest next pass, soon: this pass stays short
                self.poller.ask_again()
                return

    def _resync(self) -> Iterator[Incoming]:
        """Everything in the INBOX, oldest first; then history from the position taken before
        listing, so what arrives meanwhile is not missed (and, read twice, is skipped)."""
        position = self.api.call(self.users.getProfile(userId="me"))["historyId"]
        ids: list[str] = []
        page_token = None
        while True:
            page = self.api.call(
                self.users.messages().list(userId="me", labelIds=["INBOX"], maxResults=LIST_PAGE, pageToken=page_token)
            )
            ids.extend(m["id"] for m in page.get("messages", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        ids.reverse()  # Gmail lists the newest first
        yield from self._read(ids[:MAX_PER_CHECK])
        if len(ids) > MAX_PER_CHECK:  # handled ones leave the INBOX: the next resync lists the rest
            self.poller.ask_again()
        else:
            self._remember(position)

    def _read(self, ids: list[str]) -> Iterator[Incoming]:
        for message_id in ids:
            try:
                message = self.api.call(self.users.messages().get(userId="me", id=message_id, format="raw"))
            except ApiError as error:
                if error.status == 404:  # deleted since it arrived
                    continue
                raise
            if "INBOX" not in message.get("labelIds", []):  # handled already, or moved away by someone
                continue
            raw = base64.urlsafe_b64decode(message["raw"] + "=" * (-len(message["raw"]) % 4))
            if self._skip_calendar_notices and _google_calendar_notice(raw):
                log.info(
                    "%s: message %s is Google Calendar's notice of an answer; the answer is read from the calendar",
                    self.where,
                    message_id,
                )
                self.done(Incoming(message_id, raw))
                continue
            yield Incoming(message_id, raw)

    def _remember(self, history_id: str) -> None:
        self.state.put_sync(self.key, json.dumps({"history_id": str(history_id)}))

    def done(self, incoming: Incoming) -> None:
        """Label the message ``google.processed_label`` and take it out of the INBOX."""
        try:
            change = {"removeLabelIds": ["INBOX"]}
            label = self._processed_label()
            if label:
                change["addLabelIds"] = [label]
            self.api.call(self.users.messages().modify(userId="me", id=incoming.ref, body=change))
        except (ApiError, Unavailable) as error:
            # It stays in the INBOX, behind the remembered position: only a resync reads it again,
            # and the daemon knows its Message-ID.
            log.warning("%s: could not file away message %s: %s", self.where, incoming.ref, error)

    def _processed_label(self) -> str | None:
        """The id of ``google.processed_label``, made when missing; None when it is ""."""
        name = self.settings.processed_label
        if not name or self._label_id:
            return self._label_id
        self._label_id = self._find_label(name)
        if self._label_id is None:
            try:
                made = self.api.call(
                    self.users.labels().create(
                        userId="me",
                        body={"name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"},
                    )
                )
                self._label_id = made["id"]
                log.info("%s: made the label %r for processed mail", self.where, name)
            except ApiError as error:
                if error.status != 409:  # 409: made meanwhile by someone else
                    raise
                self._label_id = self._find_label(name)
        return self._label_id

    def _find_label(self, name: str) -> str | None:
        labels = self.api.call(self.users.labels().list(userId="me")).get("labels", [])
        return next((label["id"] for label in labels if label["name"].lower() == name.lower()), None)

    # -- watching --------------------------------------------------------------------------------------
    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        """Ask Gmail every ``google.poll_seconds`` from now on (and only then), waking the daemon for it."""
        self.poller.start(wake)

    def describe(self) -> str:
        """What ``doctor`` shows: the mailbox and the processed label. Reads only."""
        profile = self.api.call(self.users.getProfile(userId="me"))
        address = profile["emailAddress"].lower()
        parts = [f"Gmail {address}: {profile.get('messagesTotal', 0)} messages"]
        if address != self.config.sender.email.lower():
            parts.append(f"sender.email {self.config.sender.email} must be one of its 'Send mail as' addresses")
        name = self.settings.processed_label
        if name:
            parts.append(
                f"processed mail gets the label {name!r}" + ("" if self._find_label(name) else " (made on first use)")
            )
        else:
            parts.append("processed mail only leaves the INBOX")
        return ", ".join(parts)

    def close(self) -> None:
        self.poller.stop()
        self.api.close()


def _google_calendar_notice(raw: bytes) -> bool:
    """Is this Google Calendar's REPLY or COUNTER about one of the events Followthru made?"""
    return any(is_google_event_uid(uid) for uid in answered_uids(raw))
