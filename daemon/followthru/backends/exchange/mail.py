"""Mail through Exchange Web Services: the outbox's MIME sent as it is, the inbox read with
SyncFolderItems.

Sending: the raw RFC 5322 bytes go as ``MimeContent`` in a ``CreateItem`` with
``MessageDisposition="SendAndSaveCopy"``, so Message-ID, In-Reply-To, References and Reply-To
reach the recipients unchanged and their replies thread; Exchange takes the recipients from the
To and Cc headers (the outbox's recipients are exactly those) and keeps a copy in Sent Items.
Before sending, Sent Items is searched for the Message-ID: a message found there went out on an
earlier attempt whose answer was lost, and is not sent again. EWS says nothing per recipient when
it takes a message; undeliverable addresses come back later as non-delivery reports in the inbox,
which the reply reader matches by the original Message-ID. So :meth:`ExchangeMail.send` returns no
refusals.

Reading: the inbox's sync state (SyncFolderItems) is kept through the store's SyncState. A check
asks only for the changes since that state, so its cost grows with new mail, not with the mailbox.
The ids of new items are saved together with the new state before any is handed out; ids still
pending after an interrupted pass are handed out first next time, so nothing is lost. Each new
item's MIME content is fetched (GetItem) in batches. A state the server refuses
(``ErrorInvalidSyncStateData``) starts a full sync of the inbox; the daemon skips Message-IDs it
has already handled. :meth:`ExchangeMail.done` moves the item to ``exchange.processed_folder``
(made under the mailbox's top folder when missing); with ``processed_folder = ""`` it stays.

When the calendar is Exchange's too, the meeting responses attendees send to the organizer are
filed away unread: Exchange records them on the calendar item, and :class:`~followthru.backends.exchange.
calendar.ExchangeCalendar` reads the answers from there.

EWS is not pushed here: the inbox is asked at most every ``exchange.poll_seconds``, and at once
when the process starts.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from functools import partial
from typing import Any

from exchangelib import Account, Folder, Message
from exchangelib.errors import (
    ErrorFolderExists,
    ErrorFolderNotFound,
    ErrorInvalidRecipients,
    ErrorInvalidSyncStateData,
    ErrorItemNotFound,
    ErrorMailRecipientNotFound,
    ErrorMessageSizeExceeded,
    ErrorMimeContentConversionFailed,
    ErrorQuotaExceeded,
    ErrorSendAsDenied,
    ResponseMessageError,
)
from exchangelib.items import MeetingResponse
from exchangelib.services import SyncFolderItems

from followthru.backends.base import Incoming, Refusal, SendError, SyncState, Unavailable
from followthru.backends.exchange.connection import Connection
from followthru.config import Config

log = logging.getLogger(__name__)

FETCH_BATCH = 25  # items per GetItem: bounds memory whatever arrives at once
MAX_PER_CHECK = 500  # items per pass: keeps passes short (systemd's watchdog waits for each)
MAX_CHANGES = 512  # per SyncFolderItems request, the most EWS returns
PERMANENT = (
    ErrorMessageSizeExceeded,
    ErrorInvalidRecipients,
    ErrorMailRecipientNotFound,
    ErrorMimeContentConversionFailed,
)


class ExchangeMail:
    """The MailBackend for ``mail.backend = "exchange"``. Connects on first use."""

    def __init__(self, config: Config, state: SyncState):
        self.connection = Connection(config)
        self.state = state
        self.where = self.connection.where
        self.key = f"exchange:{self.connection.mailbox}:inbox"
        self.processed_name = config.exchange.processed_folder
        self.poll_seconds = config.exchange.poll_seconds
        self.answers_from_calendar = config.calendar.backend == "exchange"
        self._processed: Folder | None = None
        self._next_check = 0.0
        self._wake: Callable[[], None] = lambda: None

    # -- sending -----------------------------------------------------------------------------------------
    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        """Send ``raw`` as it is. ``envelope_from`` cannot be set through EWS: bounces go to the mailbox."""

        def deliver(account: Account) -> None:
            if account.sent.filter(message_id=message_id).exists():
                log.info("%s is in Sent Items already: an earlier attempt sent it; not sending it again", message_id)
                return
            try:
                Message(account=account, folder=account.sent, mime_content=raw).send_and_save()
            except PERMANENT as error:
                raise SendError(
                    f"{self.where} refused the message ({type(error).__name__}: {error})", permanent=True
                ) from None
            except (ErrorSendAsDenied, ErrorQuotaExceeded) as error:
                raise Unavailable(
                    f"{self.where} will not send from {self.connection.mailbox} "
                    f"({type(error).__name__}: {error}); give the login Send As on the mailbox, or "
                    "make room in it"
                ) from None

        self.connection.call(f"sending {message_id}", deliver)
        return []

    def end_batch(self) -> None:
        """HTTP sessions are kept between passes; nothing to close."""

    # -- reading -----------------------------------------------------------------------------------------
    def fetch_new(self) -> Iterator[Incoming]:
        if time.monotonic() < self._next_check:
            return
        saved = self._load()
        if not saved["pending"]:
            position = saved["state"]
            saved = self.connection.call("reading the inbox", lambda account: self._sync(account, position))
            self.state.put_sync(self.key, json.dumps(saved))
        pending: list[str] = saved["pending"]
        handed = 0
        while pending and handed < MAX_PER_CHECK:
            batch = pending[:FETCH_BATCH]
            found = self.connection.call("reading new mail", partial(_mime, refs=batch))
            for ref in batch:
                if ref in found:
                    yield Incoming(ref, found[ref])
                    handed += 1
                pending.remove(ref)  # handled (or gone from the server): never handed out again
                self.state.put_sync(self.key, json.dumps(saved))
        if pending:  # a big backlog goes over several passes, each short
            self._wake()
        else:
            self._next_check = time.monotonic() + self.poll_seconds

    def _load(self) -> dict[str, Any]:
        text = self.state.get_sync(self.key)
        return json.loads(text) if text else {"state": None, "pending": []}

    def _sync(self, account: Account, state: str | None) -> dict[str, Any]:
        """The inbox's changes since ``state``: the new items' ids, oldest first, and the new state."""
        inbox = account.inbox
        inbox.item_sync_state = state  # the store's position, not the one exchangelib kept on the folder
        try:
            changes = list(
                inbox.sync_items(sync_state=state, only_fields=["datetime_received"], max_changes_returned=MAX_CHANGES)
            )
        except ErrorInvalidSyncStateData:
            if state is None:
                raise
            log.warning(
                "%s refused the stored sync state of the inbox: reading the whole inbox again "
                "(mail already handled is recognised by its Message-ID)",
                self.where,
            )
            return self._sync(account, None)
        new = [item for change, item in changes if change == SyncFolderItems.CREATE]
        new.sort(key=lambda item: item.datetime_received or datetime.min.replace(tzinfo=timezone.utc))
        answers = [item.id for item in new if self.answers_from_calendar and isinstance(item, MeetingResponse)]
        if answers and self.processed_name:
            self._move(account, answers)
        return {"state": inbox.item_sync_state, "pending": [item.id for item in new if item.id not in answers]}

    def done(self, incoming: Incoming) -> None:
        """Move the item to the processed folder. A failure is logged: the item stays in the inbox,
        and it is not read again, as the sync state has passed it."""
        if not self.processed_name:
            return
        try:
            self.connection.call("filing away a reply", lambda account: self._move(account, [incoming.ref]))
        except (Unavailable, SendError) as error:
            log.warning("could not move message %s to %r: %s", incoming.ref[:16], self.processed_name, error)

    def _move(self, account: Account, refs: list[str]) -> None:
        for result in account.bulk_move(ids=[(ref, None) for ref in refs], to_folder=self._processed_folder(account)):
            if isinstance(result, Exception) and not isinstance(result, ErrorItemNotFound):
                raise result  # (not found: moved or deleted by someone else meanwhile)

    def _processed_folder(self, account: Account) -> Folder:
        if self._processed is None:
            self._processed = processed_folder(account, self.processed_name, create=True)
        return self._processed

    # -- watching ---------------------------------------------------------------------------------------
    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        """No push: the inbox is polled every ``exchange.poll_seconds``. ``wake`` is called when a
        backlog needs another pass."""
        self._wake = wake

    def close(self) -> None:
        self.connection.close()


def processed_folder(account: Account, name: str, create: bool) -> Folder | None:
    """The folder ``name`` under the mailbox's top folder; made when missing and ``create`` (else None)."""
    top = account.msg_folder_root
    try:
        return top // name
    except ErrorFolderNotFound:
        if not create:
            return None
    folder = Folder(parent=top, name=name, folder_class="IPF.Note")
    try:
        folder.save()
    except ErrorFolderExists:  # made by another process meanwhile
        return top // name
    log.info("made the folder %r for processed mail", name)
    return folder


def _mime(account: Account, refs: list[str]) -> dict[str, bytes]:
    """The MIME content of each item that still exists."""
    found = {}
    items = account.fetch(ids=[(ref, None) for ref in refs], folder=account.inbox, only_fields=["mime_content"])
    for ref, item in zip(refs, items, strict=True):  # GetItem answers in the order asked
        if isinstance(item, ErrorItemNotFound):
            continue
        if isinstance(item, ResponseMessageError):
            raise item
        found[ref] = item.mime_content or b""
    return found
