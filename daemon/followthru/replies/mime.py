"""Lenient MIME access: headers decoded without ever raising, text parts decoded whatever their
declared charset, and the walk over a message's own parts (not those of attached messages)."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses


def parse(raw: bytes) -> Message:
    """The message in ``raw`` (the lenient ``compat32`` parser: defects never raise)."""
    return email.message_from_bytes(raw)


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; an unknown charset falls back to UTF-8, then Latin-1."""
    try:
        pieces = decode_header(value)
    except Exception:  # noqa: BLE001 - not decodable: keep the raw text
        return value
    out = []
    for piece, charset in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        for candidate in (charset, "utf-8", "latin-1"):
            try:
                out.append(piece.decode(candidate or "ascii"))
                break
            except (LookupError, UnicodeDecodeError):
                continue
    return "".join(out)


def _unescape(value: str) -> str:
    """Raw 8-bit header bytes (read as surrogates) as UTF-8, else Latin-1 (RFC 6532 headers)."""
    if not re.search("[\udc80-\udcff]", value):
        return value
    data = value.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _raw(msg: Message, name: str) -> str:
    wanted = name.lower()
    return ", ".join(_unescape(str(value)) for key, value in msg.raw_items()
                     if key.lower() == wanted)


def header(msg: Message, name: str) -> str:
    """Header ``name`` decoded (RFC 2047) and unfolded; "" when absent or unreadable."""
    return re.sub(r"\s*\r?\n\s*", " ", decode_words(_raw(msg, name))).strip()


def addresses(msg: Message, *names: str) -> list[tuple[str, str]]:
    """``(display name, lowercase address)`` pairs of the address headers ``names``."""
    found = []
    for name in names:
        raw = re.sub(r"\s*\r?\n\s*", " ", _raw(msg, name))
        if not raw:
            continue
        for display, address in getaddresses([raw]):
            if "@" in address:
                found.append((decode_words(display).strip(), address.strip().strip("<>").lower()))
    return found


def decode(part: Message) -> str:
    """The text of a leaf part, decoded with its charset (falling back to UTF-8, then Latin-1)."""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    for charset in (part.get_content_charset(), "utf-8", "latin-1"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment" or bool(part.get_filename())


def leaves(msg: Message, into_attached: bool = False) -> Iterator[Message]:
    """Leaf parts of ``msg``; parts inside attached messages (message/rfc822) only when
    ``into_attached``. A message/* part that is not entered (such as message/delivery-status)
    is yielded itself."""
    if msg.is_multipart():
        for part in msg.get_payload() or []:
            if isinstance(part, Message):
                attached = part.get_content_type() in ("message/rfc822", "message/global")
                if part.get_content_maintype() == "message" and not (into_attached and attached):
                    yield part
                else:
                    yield from leaves(part, into_attached)
    else:
        yield msg


def unflow(text: str, delsp: bool = False) -> str:
    """RFC 3676 ``format=flowed`` text with its soft line breaks joined: a line ending in a space
    continues on the next line of the same quote depth (the "-- " signature line never does);
    with ``delsp`` that space is removed. Space-stuffing is undone."""
    out: list[str] = []
    open_depth: int | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        marks = re.match(r"^>+", line)
        depth = len(marks.group()) if marks else 0
        body = line[depth:]
        body = body.removeprefix(" ")
        if open_depth == depth and out:
            out[-1] += body
        else:
            out.append((">" * depth + " " if depth else "") + body)
        soft = body.endswith(" ") and body != "-- "
        if soft and delsp:
            out[-1] = out[-1][:-1]
        open_depth = depth if soft else None
    return "\n".join(out)


def _text(part: Message) -> str:
    text = decode(part)
    if (part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, (part.get_param("delsp") or "").lower() == "yes")
    return text


def bodies(msg: Message) -> tuple[str, str]:
    """``(plain, html)``: the message's own first inline text/plain and text/html bodies;
    ``format=flowed`` plain text comes unflowed."""
    plain = html = ""
    for part in leaves(msg):
        kind = part.get_content_type()
        if is_attachment(part) and part is not msg:
            continue
        if kind == "text/plain" and not plain:
            plain = _text(part)
        elif kind == "text/html" and not html:
            html = decode(part)
    return plain, html
