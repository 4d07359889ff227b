"""Mail through Microsoft Graph: sending outbox messages as MIME, reading the inbox incrementally.

**Sending.** The outbox message goes as it is: ``POST /users/{m}/sendMail`` with the RFC 5322
bytes base64-encoded as a ``text/plain`` body, so its Message-ID, In-Reply-To, References and
Reply-To reach the recipients unchanged and their replies find their request. Exchange delivers
to the To, Cc and Bcc headers; it sets the envelope sender itself, so bounces come to the mailbox
as non-delivery reports, which the daemon matches by the original Message-ID. Before sending, the
Sent Items are searched for the Message-ID (``$filter=internetMessageId eq '...'``), and a send
is repeated at once only after a 429: a message whose first try went through but whose answer
was lost (a 503, a timeout) is found there on the daemon's next try and not sent twice -- once
Exchange has filed it, which it does within seconds of accepting it.

A message whose base64 is larger than one request may carry (Graph takes 4 MB; see
:data:`SEND_LIMIT`) goes in steps: the message without its attachments becomes a draft (``POST
/messages``, MIME as well, so the headers stay), each attachment is added to it -- in one
request below 3 MB, else through an upload session (``createUploadSession``, then the bytes in
chunks to the session's URL) -- and the draft is sent (``POST /messages/{id}/send``). A draft
left by a try that failed half-way is deleted before the next try. Followthru's own messages
are far below the limit; this is so that one over it is sent rather than refused.

**Reading.** The reader keeps the ``@odata.deltaLink`` of a delta query on the inbox (``GET
/users/{m}/mailFolders/inbox/messages/delta``, through the :class:`SyncState`): a check with
nothing new is one small request, whatever the size of the mailbox. The first time, and when
Graph no longer knows the stored link (410 Gone, ``syncStateNotFound``, ``resyncRequired``), it
reads what the inbox holds (a full resync). Each new message's MIME comes from ``GET
/messages/{id}/$value``, oldest first (delta pages come in no set order, so a round is sorted by
``receivedDateTime``). A handled message moves to ``graph.processed_folder`` (made if missing),
so no check and no resync reads it again; with ``processed_folder = ""`` it stays where it is,
behind the stored link, and after a resync the daemon knows it by its Message-ID.

When the calendar is Graph's too, the meeting responses Exchange puts in the organizer's inbox
(iTIP REPLY or COUNTER about an event Exchange made, UIDs of the form
``040000008200E00074C5B7101A82E008...``) are filed away unread: those answers are read from the
calendar, and read as mail they would be taken for answers to requests.

While the daemon runs (:meth:`GraphMail.watch`) the inbox is asked every ``graph.poll_seconds``
and a pass in between asks nothing, unless a change notification came (``graph.notification_url``,
see :mod:`.notifications`); ``followthru tick`` asks on every pass.
"""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from followthru.backends.base import Incoming, Refusal, SendError, SyncState, Unavailable
from followthru.backends.graph.api import Graph, GraphError, delta_expired, quoted
from followthru.backends.graph.notifications import Notifications
from followthru.backends.meetings import answered_uids
from followthru.backends.poller import Poller
from followthru.config import Config

log = logging.getLogger(__name__)

MAX_PER_CHECK = 500  # messages per pass: keeps passes short (systemd's watchdog waits for each)
PAGE_SIZE = 100  # messages per delta page (Prefer: odata.maxpagesize)
SEND_LIMIT = 3_500_000  # base64 bytes in one sendMail: Graph refuses requests over 4 MB
SMALL_ATTACHMENT = 3_000_000  # bytes: larger attachments go through an upload session
UPLOAD_CHUNK = 10 * 320 * 1024  # bytes per PUT to an upload session: under 4 MB, in 320 KiB steps
REFUSED_MESSAGE = {
    "ErrorInvalidRecipients",
    "ErrorMessageSizeExceeded",
    "ErrorMimeContentInvalid",
    "ErrorMimeContentInvalidBase64String",
    "ErrorInvalidInternetHeaderChars",
    "RequestBodyTooLarge",
}
OUTLOOK_UID = re.compile(r"040000008200E00074C5B7101A82E008[0-9A-F]*", re.IGNORECASE)
SENT_ITEMS, DRAFTS = "/mailFolders/sentitems/messages", "/mailFolders/drafts/messages"


class GraphMail:
    """:class:`~followthru.backends.base.MailBackend` over Graph for ``graph.mailbox`` (default
    ``sender.email``). Builds no connection yet; raises ConfigError for a missing secret."""

    def __init__(self, config: Config, state: SyncState):
        self.config = config
        self.settings = config.graph
        self.state = state
        self.graph = Graph(config, "mail")
        self.where = self.graph.where
        self.key = f"graph:{self.graph.mailbox}:inbox"
        self._folder_id: str | None = None
        self._skip_calendar_notices = config.calendar.backend == "graph"
        self.notifications = (
            Notifications(self.graph, self.settings.notification_url, state) if self.settings.notification_url else None
        )
        self.poller = Poller(self.settings.poll_seconds, "graph-poll")

    # -- sending ---------------------------------------------------------------------------------------
    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        """Send ``raw`` as it is. Graph refuses no single recipient here (undeliverable addresses
        bounce later, as mail), so this returns [] or raises SendError/Unavailable for the message."""
        try:
            if self._find(SENT_ITEMS, message_id):
                log.info("%s: %s is in the Sent Items already; not sending it again", self.where, message_id)
                return []
            encoded = base64.b64encode(raw)
            if len(encoded) <= SEND_LIMIT:
                self.graph.call(
                    "POST", "/sendMail", content=encoded, headers={"Content-Type": "text/plain"}, repeatable=False
                )
            else:
                self._send_in_steps(message_id, raw)
        except GraphError as error:
            if error.status in (400, 413) or error.code in REFUSED_MESSAGE:
                raise SendError(f"{self.where} refused the message: {error}", permanent=True) from None
            raise Unavailable(f"{self.where}: sending failed ({error})") from None
        log.debug("%s: %s handed to Exchange", self.where, message_id)
        return []

    def _find(self, folder: str, message_id: str) -> list[str]:
        """Ids of the messages in ``folder`` with this Message-ID."""
        found = self.graph.get(
            folder, {"$filter": f"internetMessageId eq {quoted(message_id.strip())}", "$select": "id"}
        )
        return [m["id"] for m in found.get("value", [])]

    def _send_in_steps(self, message_id: str, raw: bytes) -> None:
        """A draft without the attachments, the attachments added to it, the draft sent."""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        attachments = list(message.iter_attachments()) if message.is_multipart() else []
        if attachments:
            message.set_payload([p for p in message.get_payload() if p not in attachments])
        rest = base64.b64encode(message.as_bytes())
        if not attachments or len(rest) > SEND_LIMIT:
            raise SendError(
                f"{self.where}: the message is {len(raw) / 1e6:.1f} MB, and without its attachments still "
                f"more than one Graph request takes ({SEND_LIMIT / 1e6:.1f} MB in base64); make it shorter",
                permanent=True,
            )
        for draft_id in self._find(DRAFTS, message_id):  # left by a try that failed half-way
            self.graph.call("DELETE", f"/messages/{quote(draft_id, safe='')}")
        draft = self.graph.call(
            "POST", "/messages", content=rest, headers={"Content-Type": "text/plain"}, repeatable=False
        ).json()
        path = f"/messages/{quote(draft['id'], safe='')}"
        for part in attachments:
            self._attach(path, part)
        self.graph.call("POST", path + "/send", repeatable=False)

    def _attach(self, message_path: str, part: EmailMessage) -> None:
        payload = part.get_payload(decode=True)  # bytes for a single part; None when there is none
        data = payload if isinstance(payload, bytes) else b""
        name, kind = part.get_filename() or "attachment", part.get_content_type()
        if len(data) < SMALL_ATTACHMENT:
            self.graph.call(
                "POST",
                message_path + "/attachments",
                body={
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": name,
                    "contentType": kind,
                    "contentBytes": base64.b64encode(data).decode("ascii"),
                },
                repeatable=False,
            )
            return
        session = self.graph.call(
            "POST",
            message_path + "/attachments/createUploadSession",
            body={"AttachmentItem": {"attachmentType": "file", "name": name, "size": len(data), "contentType": kind}},
        ).json()
        for start in range(0, len(data), UPLOAD_CHUNK):
            chunk = data[start : start + UPLOAD_CHUNK]
            # The session's URL carries its own token; Graph asks for no Authorization header there.
            self.graph.call(
                "PUT",
                session["uploadUrl"],
                content=chunk,
                signed=False,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{len(data)}",
                },
            )

    def end_batch(self) -> None:
        """Nothing to close: the HTTP connection is kept for the next pass."""

    # -- reading ---------------------------------------------------------------------------------------
    def fetch_new(self) -> Iterator[Incoming]:
        if not self.poller.due():
            return
        if self.notifications is not None and self.poller.watching:
            self.notifications.keep_subscribed()
        try:
            yield from self._read()
        except GraphError as error:
            raise Unavailable(f"{self.where}: {error}") from None

    def _read(self) -> Iterator[Incoming]:
        link = self.state.get_sync(self.key)
        try:
            items, delta_link = self._round(link)
        except GraphError as error:
            if link is None or not delta_expired(error):
                raise
            log.warning(
                "%s: Graph no longer knows the inbox's delta link (%s); reading the inbox again", self.where, error
            )
            items, delta_link = self._round(None)
        items.sort(key=lambda m: (m.get("receivedDateTime", ""), m["id"]))
        for item in items[:MAX_PER_CHECK]:
            raw = self._mime(item["id"])
            if raw is None:
                continue
            if self._skip_calendar_notices and exchange_meeting_notice(raw):
                log.info(
                    "%s: message %s is Exchange's notice of a meeting answer; the answer is read from the calendar",
                    self.where,
                    item["id"],
                )
                self.done(Incoming(item["id"], raw))
                continue
            yield Incoming(item["id"], raw)
        if len(items) > MAX_PER_CHECK:
            # The rest next pass, soon, from the same link: what was handled has left the inbox.
            self.poller.ask_again()
        elif delta_link:
            self.state.put_sync(self.key, delta_link)

    def _round(self, link: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """The messages added to the inbox since ``link`` (all it holds without one), and the link
        for next time."""
        params = None if link else {"$select": "receivedDateTime"}
        items: dict[str, dict[str, Any]] = {}
        last: dict[str, Any] = {}
        for page in self.graph.pages(
            link or "/mailFolders/inbox/messages/delta", params, {"Prefer": f"odata.maxpagesize={PAGE_SIZE}"}
        ):
            for item in page.get("value", []):
                if "@removed" in item:
                    items.pop(item["id"], None)
                else:
                    items[item["id"]] = item
            last = page
        return list(items.values()), last.get("@odata.deltaLink")

    def _mime(self, message_id: str) -> bytes | None:
        try:
            return self.graph.call("GET", f"/messages/{quote(message_id, safe='')}/$value").content
        except GraphError as error:
            if error.status == 404:  # moved or deleted since the delta was read
                return None
            raise

    def done(self, incoming: Incoming) -> None:
        """Move the message to ``graph.processed_folder``; with "" leave it where it is."""
        if not self.settings.processed_folder:
            return
        try:
            self.graph.call(
                "POST",
                f"/messages/{quote(incoming.ref, safe='')}/move",
                body={"destinationId": self._processed_folder()},
            )
        except GraphError as error:
            if error.status != 404:
                # It stays in the inbox, behind the remembered link: only a resync reads it again,
                # and the daemon knows its Message-ID.
                log.warning("%s: could not move message %s: %s", self.where, incoming.ref, error)
        except Unavailable as error:
            log.warning("%s: could not move message %s: %s", self.where, incoming.ref, error)

    def _processed_folder(self) -> str | None:
        """The id of ``graph.processed_folder`` (a folder at the top of the mailbox), made when missing;
        None when another client made it meanwhile and it is not found yet."""
        if self._folder_id is None:
            name = self.settings.processed_folder
            self._folder_id = self._find_folder(name)
            if self._folder_id is None:
                try:
                    made = self.graph.call("POST", "/mailFolders", body={"displayName": name, "isHidden": False})
                    self._folder_id = made.json()["id"]
                    log.info("%s: made the folder %r for processed mail", self.where, name)
                except GraphError as error:
                    if error.status != 409:  # 409: made meanwhile by someone else
                        raise
                    self._folder_id = self._find_folder(name)
        return self._folder_id

    def _find_folder(self, name: str) -> str | None:
        found = self.graph.get(
            "/mailFolders", {"$filter": f"displayName eq {quoted(name)}", "$select": "id,displayName"}
        ).get("value", [])
        return found[0]["id"] if found else None

    # -- watching --------------------------------------------------------------------------------------
    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        """Ask Graph every ``graph.poll_seconds`` from now on (and only then), waking the daemon for
        it; with ``graph.notification_url``, also as soon as Graph notifies new mail."""
        if self.notifications is not None and not self.poller.watching:
            self.notifications.start(self.poller.ask_again)
        self.poller.start(wake)

    def describe(self) -> str:
        """What ``doctor`` shows: the inbox and the processed folder. Reads only."""
        inbox = self.graph.get("/mailFolders/inbox", {"$select": "displayName,totalItemCount,unreadItemCount"})
        parts = [
            f"{inbox.get('displayName', 'Inbox')} of {self.graph.mailbox}: {inbox.get('totalItemCount', 0)} messages"
        ]
        name = self.settings.processed_folder
        if name:
            parts.append(
                f"processed mail moves to {name!r}" + ("" if self._find_folder(name) else " (made on first use)")
            )
        else:
            parts.append("processed mail stays in the inbox")
        if self.config.sender.email.lower() != self.graph.mailbox:
            parts.append(f"sender.email {self.config.sender.email} needs Send As on {self.graph.mailbox}")
        return ", ".join(parts)

    def close(self) -> None:
        self.poller.stop()
        if self.notifications is not None:
            self.notifications.close()
        self.graph.close()


def exchange_meeting_notice(raw: bytes) -> bool:
    """Is this Exchange's REPLY or COUNTER about an event it made (an Outlook global object id)?"""
    return any(OUTLOOK_UID.fullmatch(uid) for uid in answered_uids(raw))
