"""The ``smtp-imap`` backend: sending through an SMTP server, reading replies from an IMAP folder."""

from __future__ import annotations

from typing import Callable, Iterator

from followthru.mail.backend import Incoming, Refusal
from followthru.mail.imap import ImapReader
from followthru.mail.smtp import SmtpSender


class ServerBackend:
    """:class:`~followthru.mail.backend.MailBackend` over an :class:`SmtpSender` and an :class:`ImapReader`."""

    def __init__(self, sender: SmtpSender, reader: ImapReader):
        self.sender = sender
        self.reader = reader

    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        return self.sender.send(message_id, recipients, raw, envelope_from)

    def end_batch(self) -> None:
        self.sender.end_batch()

    def fetch_new(self) -> Iterator[Incoming]:
        return self.reader.fetch_new()

    def done(self, incoming: Incoming) -> None:
        self.reader.done(incoming)

    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        self.reader.watch(wake)

    def close(self) -> None:
        self.sender.end_batch()
        self.reader.close()
