"""The ``smtp-imap`` backend: sending through an SMTP server, reading replies from an IMAP folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from followthru.backends.base import Incoming, Refusal, SyncState
from followthru.backends.smtp_imap.imap import ImapReader
from followthru.backends.smtp_imap.smtp import SmtpSender

if TYPE_CHECKING:
    from followthru.config import Config


class ServerBackend:
    """:class:`~followthru.backends.base.MailBackend` over an :class:`SmtpSender` and an :class:`ImapReader`."""

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


def open_servers(config: Config, state: SyncState) -> ServerBackend:
    """The ``smtp-imap`` backend of the config. Connects to nothing yet; raises ConfigError for a missing password."""
    mail = config.mail
    domain = config.sender.email.rpartition("@")[2]
    return ServerBackend(
        SmtpSender(mail.smtp, config.password("mail.smtp", mail.smtp), domain),
        ImapReader(mail.imap, config.password("mail.imap", mail.imap), state),
    )
