"""Reading replies over IMAP with imapclient: incremental by UID, IDLE for push, polling as fallback.

For the folder it reads, the reader keeps (through a :class:`SyncState`) the folder's UIDVALIDITY
and the highest UID it has handed out. After the first sync a check asks the server only for UIDs
above that, so its cost grows with new mail, never with the mailbox. A changed UIDVALIDITY means
the UIDs name other messages now: the folder is read again from the start, and the daemon skips
the Message-IDs it has already seen.

Handled messages move to ``processed_folder`` (MOVE, or COPY and UID EXPUNGE). Where that cannot
be done -- no processed folder configured, no right to create it, a server without MOVE or UIDPLUS
-- they are flagged ``\\Seen`` and ``$Followthru`` instead and stay where they are.

A second connection waits in IDLE in a thread and calls ``wake`` when mail arrives. While it is
in IDLE, a check costs no round trip unless it woke us or ``poll_seconds`` passed; without IDLE
(the server lacks it, ``idle = false``, or the IDLE connection is down) every check asks.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import imapclient
from imapclient.exceptions import IMAPClientError, LoginError

from followthru.backends.base import Incoming, SyncState, Unavailable
from followthru.backends.smtp_imap.smtp import explain, tls_context
from followthru.config import ImapServer

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 25_000_000  # a larger message is read only in part
FETCH_BATCH = 25  # messages per FETCH: bounds memory whatever arrives at once
MAX_PER_CHECK = 500  # messages per pass: keeps passes short (systemd's watchdog waits for each)
DONE_FLAG = b"$Followthru"
IDLE_RENEW_SECONDS = 20 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes
MAX_BACKOFF_SECONDS = 60.0


class ImapReader:
    """Reads one folder of one IMAP account. ``password`` is None when no login is configured."""

    def __init__(self, server: ImapServer, password: str | None, state: SyncState):
        self.server = server
        self.password = password
        self.state = state
        self.port = server.port_for("imap")
        self.where = f"IMAP server {server.host}:{self.port}"
        self.key = f"imap:{server.username}@{server.host}:{self.port}/{server.folder}"
        self.context = tls_context(server.ca_file)
        self.connections_opened = 0
        self._client: imapclient.IMAPClient | None = None
        self._uidvalidity = 0
        self._moving = bool(server.processed_folder)
        self._retry_at = 0.0
        self._backoff = 1.0
        self._news = threading.Event()
        self._news.set()  # the first check always asks
        self._next_poll = 0.0
        self._idling = False
        self._stopping = threading.Event()
        self._wake: Callable[[], None] = lambda: None
        self._watcher: threading.Thread | None = None
        self._watch_client: imapclient.IMAPClient | None = None

    # -- connecting ----------------------------------------------------------------------------------
    def _open(self, readonly: bool = False) -> tuple[imapclient.IMAPClient, dict[bytes, Any]]:
        """A logged-in connection with the folder selected, and SELECT's answer. Raises :class:`Unavailable`."""
        server, client = self.server, None
        try:
            client = imapclient.IMAPClient(
                server.host,
                port=self.port,
                ssl=server.security == "tls",
                ssl_context=self.context,
                timeout=server.timeout,
            )
            if server.security == "starttls":
                if b"STARTTLS" not in client.capabilities():
                    raise Unavailable(
                        f"{self.where} does not offer STARTTLS; if it speaks TLS from the first "
                        "byte (port 993) set mail.imap.security = 'tls'"
                    )
                client.starttls(self.context)
            if self.password is not None:
                client.login(server.username, self.password)
            selected = client.select_folder(server.folder, readonly=readonly)
        except Unavailable:
            _logout(client)
            raise
        except LoginError as error:
            _logout(client)
            raise Unavailable(
                f"{self.where} refused the login of {server.username!r} ({_text(error)}); "
                "check mail.imap.username and the password"
            ) from None
        except IMAPClientError as error:
            _logout(client)
            text = _text(error)
            if "select" in text.lower() or "mailbox" in text.lower() or "folder" in text.lower():
                raise Unavailable(
                    f"{self.where}: cannot open the folder {server.folder!r} ({text}); check mail.imap.folder"
                ) from None
            raise Unavailable(f"{self.where}: {text}") from None
        except (OSError, ssl.SSLError) as error:
            _logout(client)
            raise Unavailable(explain(error, self.where, "mail.imap", server.timeout, server.security)) from None
        self.connections_opened += 1
        return client, selected

    def connect(self) -> str:
        """Connect, log in and open the folder; returns what was found, for ``doctor``."""
        client = self._connection()
        capabilities = client.capabilities()
        found = [f"connected to {self.where}", f"folder {self.server.folder!r} open"]
        found.append(
            "IDLE: yes" if b"IDLE" in capabilities else f"IDLE: no (polling every {self.server.poll_seconds:g} s)"
        )
        if self.server.processed_folder:
            exists = client.folder_exists(self.server.processed_folder)
            found.append(
                f"processed mail goes to {self.server.processed_folder!r}" + ("" if exists else " (made on first use)")
            )
        else:
            found.append("processed mail is flagged and stays")
        return ", ".join(found)

    def _connection(self) -> imapclient.IMAPClient:
        if self._client is None:
            client, selected = self._open()
            self._client = client
            self._uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
        return self._client

    def _live_connection(self) -> imapclient.IMAPClient:
        """The connection, checked with a NOOP (which also lets the server announce new mail); one
        that died while unused -- a server restart, an idle timeout -- is replaced at once."""
        if self._client is not None:
            try:
                self._client.noop()
                return self._client
            except (IMAPClientError, OSError, ssl.SSLError) as error:
                log.info("%s: the connection was gone (%s); opening a new one", self.where, _text(error))
                self._drop()
        client = self._connection()
        client.noop()
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        _logout(client)

    # -- reading ---------------------------------------------------------------------------------------
    def fetch_new(self) -> Iterator[Incoming]:
        if time.monotonic() < self._retry_at or not self._worth_asking():
            return
        try:
            self._news.clear()
            client = self._live_connection()
            last = self._last_uid()
            uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
            if len(uids) > MAX_PER_CHECK:  # a big backlog goes over several passes, each short
                uids = uids[:MAX_PER_CHECK]
                self._news.set()
                self._wake()
            for start in range(0, len(uids), FETCH_BATCH):
                batch = uids[start : start + FETCH_BATCH]
                found = client.fetch(batch, [f"BODY.PEEK[]<0.{MAX_MESSAGE_BYTES}>", "FLAGS"])
                for uid in batch:
                    data = found.get(uid)
                    if data is None or DONE_FLAG in data.get(b"FLAGS", ()):
                        continue
                    yield Incoming(str(uid), data.get(b"BODY[]<0>") or data.get(b"BODY[]") or b"")
                self._remember(batch[-1])
        except (Unavailable, IMAPClientError, OSError, ssl.SSLError) as error:
            self._failed(error)
        else:
            self._backoff = 1.0
            if not self._news.is_set():
                self._next_poll = time.monotonic() + self.server.poll_seconds

    def done(self, incoming: Incoming) -> None:
        """Move the message to the processed folder, or flag it where moving cannot be done."""
        uid = int(incoming.ref)
        try:
            client = self._connection()
            if self._moving and not self._move(client, uid):
                self._moving = False
            if not self._moving:
                client.add_flags([uid], [imapclient.SEEN, DONE_FLAG], silent=True)
        except (IMAPClientError, OSError, ssl.SSLError) as error:
            # The message is only left where it was; it is past the remembered UID and is not read again.
            log.warning("%s: could not file away message %s: %s", self.where, uid, _text(error))
            self._drop()

    def _move(self, client: imapclient.IMAPClient, uid: int) -> bool:
        folder = self.server.processed_folder
        capabilities = client.capabilities()
        if b"MOVE" not in capabilities and b"UIDPLUS" not in capabilities:
            log.warning("%s offers neither MOVE nor UIDPLUS: processed mail is flagged instead of moved", self.where)
            return False
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            if b"MOVE" in capabilities:
                client.move([uid], folder)
            else:
                client.copy([uid], folder)
                client.delete_messages([uid], silent=True)
                client.uid_expunge([uid])
        except IMAPClientError as error:
            log.warning(
                "%s: cannot move processed mail to %r (%s): flagging it instead", self.where, folder, _text(error)
            )
            return False
        return True

    def _worth_asking(self) -> bool:
        return not self._idling or self._news.is_set() or time.monotonic() >= self._next_poll

    def _last_uid(self) -> int:
        saved = self.state.get_sync(self.key)
        if saved:
            data = json.loads(saved)
            if data.get("uidvalidity") == self._uidvalidity:
                return int(data.get("last_uid", 0))
            log.warning(
                "%s: UIDVALIDITY of %r changed (%s -> %s): reading the folder again",
                self.where,
                self.server.folder,
                data.get("uidvalidity"),
                self._uidvalidity,
            )
        return 0

    def _remember(self, uid: int) -> None:
        self.state.put_sync(self.key, json.dumps({"uidvalidity": self._uidvalidity, "last_uid": uid}))

    def _failed(self, error: BaseException) -> None:
        self._drop()
        self._news.set()
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF_SECONDS)
        if isinstance(error, Unavailable):
            raise error
        text = (
            explain(error, self.where, "mail.imap", self.server.timeout)
            if isinstance(error, OSError)
            else f"{self.where}: {_text(error)}"
        )
        raise Unavailable(text) from None

    # -- IDLE --------------------------------------------------------------------------------------------
    def watch(self, wake: Callable[[], None]) -> None:
        """Start the IDLE thread (when configured); it calls ``wake`` whenever the folder changes."""
        self._wake = wake
        if not self.server.idle or self._watcher is not None:
            return
        self._watcher = threading.Thread(target=self._watch_loop, args=(wake,), name="imap-idle", daemon=True)
        self._watcher.start()

    def _watch_loop(self, wake: Callable[[], None]) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                client, _ = self._open(readonly=True)
                self._watch_client = client
                if b"IDLE" not in client.capabilities():
                    log.warning(
                        "%s does not offer IDLE: checking every %g s instead", self.where, self.server.poll_seconds
                    )
                    _logout(client)
                    return
                backoff = 1.0
                self._idle(client, wake)
            except (Unavailable, IMAPClientError, OSError, ssl.SSLError) as error:
                if self._stopping.is_set():
                    break
                log.warning("IDLE on %s stopped (%s); again in %g s", self.where, _text(error), backoff)
            finally:
                self._idling = False
                _logout(self._watch_client)
                self._watch_client = None
            self._news.set()
            wake()
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _idle(self, client: imapclient.IMAPClient, wake: Callable[[], None]) -> None:
        while not self._stopping.is_set():
            client.idle()
            self._idling = True
            self._retry_at = 0.0  # the server is there: no reason to wait before the next check
            self._news.set()  # whatever came while IDLE was being set up
            wake()
            renew_at = time.monotonic() + IDLE_RENEW_SECONDS
            while not self._stopping.is_set() and time.monotonic() < renew_at:
                started = time.monotonic()
                responses = client.idle_check(timeout=30)
                if any(isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    self._news.set()
                    wake()
                elif not responses and time.monotonic() - started < 25:
                    # imapclient returns nothing, at once, when the server closed the connection:
                    # ending IDLE finds out (it raises on a dead connection).
                    break
                if any(isinstance(r, tuple) and b"BYE" in r for r in responses):
                    break
            client.idle_done()

    def close(self) -> None:
        self._stopping.set()
        watching = self._watch_client
        if watching is not None:
            try:
                watching.socket().shutdown(socket.SHUT_RDWR)  # wakes the thread out of idle_check
            except OSError:
                pass
        if self._watcher is not None:
            self._watcher.join(timeout=10)
        self._drop()


def _logout(client: imapclient.IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


def _text(error: BaseException | bytes) -> str:
    value = error if isinstance(error, bytes) else str(error)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
