"""The interface every mail backend implements, and the outcomes of handing a message over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol


@dataclass(frozen=True)
class Incoming:
    """One message waiting in the inbox; ``ref`` is the backend's handle for :meth:`MailBackend.done`."""

    ref: str
    raw: bytes


@dataclass(frozen=True)
class Refusal:
    """The server would not take the message for one recipient; the others got it."""

    recipient: str
    code: int
    text: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    def __str__(self) -> str:
        return f"{self.recipient}: {self.code} {self.text}"


class SendError(Exception):
    """This message went to nobody. ``permanent`` failures are not retried."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Unavailable(Exception):
    """The server cannot be reached or refused the login: nothing was done, try again later.

    The message says which server and, where it can, what to fix.
    """


class MailBackend(Protocol):
    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        """Hand one message over for delivery, with ``envelope_from`` as the bounce address.

        Returns the recipients the server refused (the others got the message); raises
        :class:`SendError` when nobody got it and :class:`Unavailable` when the server is out of reach.
        """

    def end_batch(self) -> None:
        """The sends of this pass are over: connections held for them may be closed."""

    def fetch_new(self) -> Iterator[Incoming]:
        """New incoming messages, oldest first; only those not yet marked done. Raises :class:`Unavailable`."""

    def done(self, incoming: Incoming) -> None:
        """Mark a message processed so :meth:`fetch_new` never returns it again."""

    def watch(self, wake: Callable[[], None], watch_folder: Callable[[str], None]) -> None:
        """Start noticing new mail: call ``wake`` when some arrives (or ask for a folder to be watched)."""

    def close(self) -> None:
        """Stop watching and close connections."""
