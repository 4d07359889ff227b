"""The embedded mail backend: outgoing mail as files in a Maildir, replies read from another.

Writing goes through ``tmp/`` and a rename into ``new/``, so a reader never sees half a message.
File names derive from the Message-ID, which makes sending idempotent: a message handed over
twice (after a crash between sending and recording it as sent) is stored once.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Callable, Iterator

from followthru.mail.backend import Incoming, Refusal

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 25_000_000


def ensure_maildir(path: Path) -> None:
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)


class MaildirBackend:
    def __init__(self, outbox: Path, inbox: Path):
        self.outbox = outbox
        self.inbox = inbox
        for maildir in (outbox, inbox):
            try:
                ensure_maildir(maildir)
            except OSError as error:  # sending or reading then fails and says so; the rest still works
                log.error("mail folder %s: %s", maildir, error.strerror or error)

    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        """Store the message as delivered mail would be: with a Return-Path naming the envelope sender."""
        name = "followthru-" + hashlib.sha256(message_id.encode()).hexdigest()[:32]
        if (self.outbox / "new" / name).exists() or any((self.outbox / "cur").glob(name + ":*")):
            return []
        temporary = self.outbox / "tmp" / name
        with open(temporary, "wb") as handle:
            handle.write(f"Return-Path: <{envelope_from}>\r\n".encode("ascii", "replace") + raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.outbox / "new" / name)
        return []

    def end_batch(self) -> None:
        pass

    def fetch_new(self) -> Iterator[Incoming]:
        entries = []
        with os.scandir(self.inbox / "new") as scan:
            for entry in scan:
                if entry.is_file() and not entry.name.startswith("."):
                    entries.append((entry.stat().st_mtime, entry.name))
        for _, name in sorted(entries):
            path = self.inbox / "new" / name
            try:
                with open(path, "rb") as handle:
                    raw = handle.read(MAX_MESSAGE_BYTES)  # an oversized message is read only in part
            except FileNotFoundError:
                continue
            yield Incoming(name, raw)

    def done(self, incoming: Incoming) -> None:
        source = self.inbox / "new" / incoming.ref
        base = incoming.ref.split(":")[0]
        try:
            os.replace(source, self.inbox / "cur" / f"{base}:2,S")
        except FileNotFoundError:
            pass  # already moved by an earlier run

    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        watch_folder(str(self.inbox / "new"))

    def close(self) -> None:
        pass
