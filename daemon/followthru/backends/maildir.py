"""The embedded mail backend: outgoing mail as files in a Maildir, replies read from another.

Writing goes through ``tmp/`` and a rename into ``new/``, so a reader never sees half a message.
File names derive from the Message-ID, which makes sending idempotent: a message handed over
twice (after a crash between sending and recording it as sent) is stored once. A mail client moves
a message it has seen to ``cur/`` under a name with flags (``NAME:2,S``), which cannot be looked up
without listing the folder; so each message delivered leaves an empty marker of its name beside the
Maildir (``.<outbox>.delivered/NAME``), and a send looks up two names, whatever the folder holds.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from followthru.backends.base import Incoming, Refusal, SyncState

if TYPE_CHECKING:
    from followthru.config import Config

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 25_000_000
# Messages per pass: ~25 ms each (an answer that re-invites to a meeting), so a pass ~10 s (bench/big_drop.py).
MAX_PER_PASS = 400


def ensure_maildir(path: Path) -> None:
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)


class MaildirBackend:
    def __init__(self, outbox: Path, inbox: Path):
        self.outbox = outbox
        self.inbox = inbox
        self.delivered = outbox.parent / f".{outbox.name}.delivered"  # a marker per message delivered
        self.left = 0  # messages the last fetch_new left for a later pass
        for maildir in (outbox, inbox):
            try:
                ensure_maildir(maildir)
            except OSError as error:  # sending or reading then fails and says so; the rest still works
                log.error("mail folder %s: %s", maildir, error.strerror or error)

    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        """Store the message as delivered mail would be: with a Return-Path naming the envelope sender."""
        name = "followthru-" + hashlib.sha256(message_id.encode()).hexdigest()[:32]
        if os.path.exists(self.delivered / name) or os.path.exists(self.outbox / "new" / name):
            return []
        temporary = self.outbox / "tmp" / name
        with open(temporary, "wb") as handle:
            handle.write(f"Return-Path: <{envelope_from}>\r\n".encode("ascii", "replace") + raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.outbox / "new" / name)
        self._mark_delivered(name)  # after the rename: a crash before it leaves the message in new/
        return []

    def _mark_delivered(self, name: str) -> None:
        try:
            os.close(os.open(self.delivered / name, os.O_WRONLY | os.O_CREAT, 0o600))
        except FileNotFoundError:
            self.delivered.mkdir(mode=0o700, exist_ok=True)
            os.close(os.open(self.delivered / name, os.O_WRONLY | os.O_CREAT, 0o600))

    def end_batch(self) -> None:
        pass

    def fetch_new(self, limit: int | None = None) -> Iterator[Incoming]:
        """At most ``limit`` (default MAX_PER_PASS) messages in ``new/``, oldest first, each read up
        to MAX_MESSAGE_BYTES (an oversized message is read only in part); :attr:`left` then says how
        many more wait for a later pass. A file that cannot be read now stays for the next pass."""
        limit = MAX_PER_PASS if limit is None else limit
        entries = []
        with os.scandir(self.inbox / "new") as scan:
            for entry in scan:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_file():
                        entries.append((entry.stat().st_mtime, entry.name))
                except OSError:  # gone since the folder was listed
                    continue
        chosen = heapq.nsmallest(limit, entries) if len(entries) > limit else sorted(entries)
        self.left = len(entries) - len(chosen)
        for _, name in chosen:
            path = self.inbox / "new" / name
            try:
                with open(path, "rb") as handle:
                    raw = handle.read(MAX_MESSAGE_BYTES)
            except FileNotFoundError:
                continue
            except OSError as error:  # unreadable (permissions, I/O): one file must not stop the pass
                log.warning("cannot read %s: %s", path, error.strerror or error)
                continue
            yield Incoming(name, raw)

    def done(self, incoming: Incoming) -> None:
        """File the message in ``cur/`` with the seen flag; never over another message there (two
        files dropped by hand as ``reply.eml`` stay two)."""
        source = self.inbox / "new" / incoming.ref
        base = incoming.ref.split(":")[0]
        target = self.inbox / "cur" / f"{base}:2,S"
        if target.exists():
            target = self.inbox / "cur" / f"{base}.{time.time_ns()}:2,S"
        try:
            os.replace(source, target)
        except FileNotFoundError:
            pass  # already moved by an earlier run

    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        watch_folder(str(self.inbox / "new"))

    def close(self) -> None:
        pass


def open_maildir(config: Config, state: SyncState) -> MaildirBackend:
    """The ``maildir`` backend of the config; a Maildir keeps its own position (new/ and cur/)."""
    return MaildirBackend(config.path(config.mail.maildir.outbox), config.path(config.mail.maildir.inbox))
