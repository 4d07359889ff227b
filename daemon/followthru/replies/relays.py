"""Mailing-list and group relays: a message that reached us through a list (Mailman, Sympa,
Google Groups, ezmlm, LISTSERV, majordomo...) instead of straight from the person's mailbox.

:func:`relayed_by` reads the message's own headers only, never those of a quoted, forwarded or
attached message (a delivery report carries the headers of the message it returns).

Which headers are enough alone, and why:

- ``List-Id`` (RFC 2919) and ``List-Post`` (RFC 2369): only list managers add them; a list that
  takes posts adds both;
- ``X-Google-Group-Id``, ``Mailing-List`` (Google Groups, ezmlm, Yahoo Groups),
  ``X-Mailing-List`` (vger, smartlist), ``X-BeenThere`` (Mailman's loop guard);
- ``Precedence: list``;
- ``X-Original-From``, ``X-Original-Sender`` (Google Groups) and ``Original-From`` (RFC 5703),
  which a list adds when it rewrites ``From`` to its own address for DMARC ("Sam via Team"):
  they count when they name another address than ``From``; a copy of ``From`` shows nothing.

Not enough alone: ``Precedence: bulk`` / ``junk`` (most out-of-office and ticket replies carry
it), ``List-Unsubscribe`` (newsletters, and some company gateways stamp it on every message),
``Sender`` (Outlook delegates), ``X-Loop`` (vacation programs).
"""

from __future__ import annotations

import re
from email.message import Message

from followthru.replies.mime import addresses, header

_MAX = 200  # characters of a header value kept as evidence

# Headers whose presence alone shows a list relay (the value does not matter).
_LIST_HEADERS = ("List-Post", "X-Google-Group-Id", "Mailing-List", "X-Mailing-List", "X-BeenThere")
# Headers naming the author when a list rewrote From (DMARC mitigation).
_ORIGINAL_AUTHOR = ("X-Original-From", "X-Original-Sender", "Original-From")
_LIST_ID = re.compile(r"<\s*([^<>\s]+)\s*>")


def _shown(name: str, value: str) -> str:
    return f"{name}: {value}"[:_MAX]


def relayed_by(msg: Message) -> str | None:
    """The list that relayed ``msg``: its id from ``List-Id`` ("team.lists.example.com") when
    there is one, else ``"<header>: <value>"`` of the header that shows the relay; None for a
    message that came straight from its author. Never raises."""
    try:
        return _relayed_by(msg)
    except Exception:  # noqa: BLE001 - a header we cannot read shows nothing
        return None


def _relayed_by(msg: Message) -> str | None:
    list_id = header(msg, "List-Id")
    if list_id:
        found = _LIST_ID.search(list_id)
        return (found.group(1) if found else list_id)[:_MAX]
    for name in _LIST_HEADERS:
        value = header(msg, name)
        if value:
            return _shown(name, value)
    for name in ("Precedence", "X-Precedence"):
        if header(msg, name).lower() == "list":
            return _shown(name, "list")
    author = {address for _, address in addresses(msg, "From")}
    for name in _ORIGINAL_AUTHOR:
        named = {address for _, address in addresses(msg, name)}
        if named - author:
            return _shown(name, header(msg, name))
    return None
