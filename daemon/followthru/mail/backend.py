"""The interface every mail backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol


@dataclass(frozen=True)
class Incoming:
    """One message waiting in the inbox; ``ref`` is the backend's handle for :meth:`MailBackend.done`."""

    ref: str
    raw: bytes


class SendError(Exception):
    """Sending failed. ``permanent`` failures are not retried."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class MailBackend(Protocol):
    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> None:
        """Hand one message over for delivery, with ``envelope_from`` as the bounce address.
        Sending the same Message-ID again must not deliver twice."""

    def fetch_new(self) -> Iterator[Incoming]:
        """New incoming messages, oldest first; only those not yet marked done."""

    def done(self, incoming: Incoming) -> None:
        """Mark a message processed so :meth:`fetch_new` never returns it again."""
