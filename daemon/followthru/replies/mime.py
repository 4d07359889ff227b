"""Lenient MIME access: headers decoded without ever raising, text parts decoded whatever their
declared charset, and the walk over a message's own parts (not those of attached messages).

Hostile messages stay cheap: the parser reads at most the first :data:`MAX_BYTES` bytes and
:data:`MAX_LINES` lines of a message (the standard parser keeps every line as an object: 25 MB of
empty lines would take 2 GB), at most :data:`MAX_HEADER_LINES` header lines, and stops taking in
parts after :data:`MAX_PARTS` parts or :data:`MAX_DEPTH` levels of nesting (what follows is not
read; the message gets a :class:`TooComplex` defect). A text part is decoded from its first
:data:`MAX_PART_BYTES` bytes only; charsets that are not mail charsets (``punycode``,
``unicode_escape``...: slow, or able to make lone surrogates) are read as UTF-8, then Latin-1,
and lone surrogates never leave this module. Attachments are never decompressed or opened,
except Outlook's TNEF (:mod:`.tnef`) and calendar parts."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from email.errors import MessageDefect
from email.feedparser import BytesFeedParser
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value, getaddresses
from typing import Any, TypeVar, cast

_QUOTE_MARKS = re.compile(r"^>+")

_T = TypeVar("_T")

MAX_BYTES = 10_000_000  # bytes of a message that are parsed (the text comes first, attachments after)
MAX_LINES = 200_000  # lines of a message that are parsed (a 10 MB attachment has 130,000)
MAX_HEADER_LINES = 1_000  # lines of the message's own header block
MAX_PARTS = 500  # MIME parts read from one message; the rest is not read
MAX_DEPTH = 40  # nested multiparts / attached messages; deeper parts are not read
MAX_PART_BYTES = 1_000_000  # bytes of one text part that are decoded
_FEED = 4096  # bytes fed to the parser between checks of the limits
# Codecs Python has but mail does not use: slow (punycode and idna are quadratic), able to make
# lone surrogates (the escapes), or refusing everything (undefined). UTF-7 stays: some clients
# still send it; the lone surrogates it can make are replaced.
_NOT_MAIL = {"punycode", "idna", "unicode-escape", "raw-unicode-escape", "undefined"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a raw 8-bit byte, as the parser keeps it
# Codecs that never decode to a lone surrogate (UTF-8 refuses encoded ones): their text is not
# searched for one. The mail charsets nearly every message is in.
NO_SURROGATES = frozenset({"utf-8", "ascii", "iso8859-1"})


class TooComplex(MessageDefect):
    """The message has more parts or deeper nesting than the reader takes in."""


def parse(raw: bytes) -> Message:
    """The message in ``raw`` (the lenient ``compat32`` parser: defects never raise), with at
    most :data:`MAX_PARTS` parts and :data:`MAX_DEPTH` levels: what lies beyond is left unread
    and the message carries a :class:`TooComplex` defect."""
    made = [0]

    def factory(*args: Any, **kwargs: Any) -> Message:
        made[0] += 1
        return Message(*args, **kwargs)

    raw, cut = _bounded(raw)
    stopped = None
    parser = BytesFeedParser(_factory=factory)
    try:
        for start in range(0, len(raw), _FEED):
            parser.feed(raw[start : start + _FEED])
            if made[0] > MAX_PARTS:
                stopped = f"more than {MAX_PARTS} parts"
            elif len(getattr(parser, "_msgstack", ())) > MAX_DEPTH:
                stopped = f"more than {MAX_DEPTH} levels of nesting"
            if stopped:
                break  # the parser closes what is open as if the message ended here
        stopped = stopped or cut  # what was cut before parsing was read up to the cut
        msg = parser.close()
        # no part can be deeper than the number of messages made
        if made[0] > MAX_DEPTH and _prune(msg) and not stopped:
            stopped = f"more than {MAX_DEPTH} levels of nesting"
    except RecursionError:  # nesting the parser cannot follow: the headers alone
        msg = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)  # its messages are Message
        msg.set_payload("")
        stopped = "nesting too deep to follow"
    if stopped:
        msg.defects.append(TooComplex(f"the message has {stopped}; the rest was not read"))
    return msg


def _nth_line_end(raw: bytes, count: int, start: int = 0, end: int | None = None) -> int | None:
    """The offset just after the ``count``-th line break in ``raw[start:end]``, None if fewer."""
    position = start
    for _ in range(count):
        position = raw.find(b"\n", position, end) + 1
        if position == 0:
            return None
    return position


def _bounded(raw: bytes) -> tuple[bytes, str | None]:
    """``raw`` cut to the limits of bytes, lines and header lines, and what was cut."""
    stopped = None
    if len(raw) > MAX_BYTES:
        raw, stopped = raw[:MAX_BYTES], f"more than {MAX_BYTES:,} bytes"
    ends = [found for found in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if found >= 0]
    header_end = min(ends) + 1 if ends else len(raw)
    if header_end > MAX_HEADER_LINES and raw.count(b"\n", 0, header_end) > MAX_HEADER_LINES:
        cut = _nth_line_end(raw, MAX_HEADER_LINES, 0, header_end)
        raw, stopped = raw[:cut] + raw[header_end:], f"more than {MAX_HEADER_LINES:,} header lines"
    if len(raw) > MAX_LINES and raw.count(b"\n") > MAX_LINES:
        raw, stopped = raw[: _nth_line_end(raw, MAX_LINES)], f"more than {MAX_LINES:,} lines"
    return raw, stopped


def _prune(msg: Message) -> bool:
    """Drop the parts deeper than MAX_DEPTH (the last chunk fed may have gone deeper), without
    recursion; True when there were some."""
    pruned = False
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if part.is_multipart():  # asked first: a leaf's get_payload() decodes with its charset, which may raise
            payload = part.get_payload()
            if depth >= MAX_DEPTH:
                part.set_payload([])
                pruned = True
                continue
            stack.extend((child, depth + 1) for child in payload if isinstance(child, Message))
    return pruned


def too_complex(msg: Message) -> str | None:
    """Why the parser stopped reading ``msg``, or None when it read all of it."""
    return next((str(d) for d in getattr(msg, "defects", []) if isinstance(d, TooComplex)), None)


def _codec(charset: str | None) -> str | None:
    """The codec for a declared charset, or None when it is unknown or not a mail charset."""
    if not charset:
        return None
    try:
        info = codecs.lookup(charset.strip().strip("\"'"))
    except (LookupError, ValueError, TypeError):
        return None
    if info.name in _NOT_MAIL or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def clean(text: str) -> str:
    """Text without lone surrogates (they cannot be stored or sent): each becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _decoded(data: bytes, charsets: tuple[str | None, ...]) -> str:
    """``data`` decoded with the first charset that can, else UTF-8 with replacements."""
    for charset in charsets:
        codec = _codec(charset)
        if codec is None:
            continue
        try:
            text = data.decode(codec)
        except (UnicodeError, LookupError, ValueError, TypeError):
            continue
        return text if codec in NO_SURROGATES else clean(text)
    return data.decode("utf-8", errors="replace")


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; an unknown charset falls back to UTF-8, then Latin-1."""
    if "=?" not in value:  # no encoded word: what decode_header gives back whole
        return clean(value)
    try:
        pieces = decode_header(value)
    except Exception:  # noqa: BLE001 - not decodable: keep the raw text
        return clean(value)
    out = []
    for piece, charset in pieces:
        if isinstance(piece, str):
            out.append(clean(piece))
            continue
        out.append(_decoded(piece, (charset or "ascii", "utf-8", "latin-1")))
    return "".join(out)


def _unescape(value: str) -> str:
    """Raw 8-bit header bytes (read as surrogates) as UTF-8, else Latin-1 (RFC 6532 headers)."""
    if value.isascii() or not _ESCAPED_BYTE.search(value):
        return value
    data = value.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _kept(part: Message, what: str, make: Callable[[], _T]) -> _T:
    """``make()`` for ``part``, made once and kept on the part: the reader asks a message for its
    headers, addresses and text several times, and a message it reads is not changed. ``what``
    names it among the part's attributes: it starts with "followthru " (no attribute's name can)."""
    try:
        return cast(_T, part.__dict__[what])
    except KeyError:
        part.__dict__[what] = value = make()
        return value


def _headers(msg: Message) -> dict[str, list[str]]:
    """The message's header values by lower-case name."""
    index: dict[str, list[str]] = {}
    for key, value in msg.raw_items():
        index.setdefault(key.lower(), []).append(_unescape(str(value)))
    return index


def _raw(msg: Message, name: str) -> str:
    """The values of header ``name``, joined."""
    return ", ".join(_kept(msg, "followthru headers", lambda: _headers(msg)).get(name.lower(), ()))


def header(msg: Message, name: str) -> str:
    """Header ``name`` decoded (RFC 2047) and unfolded; "" when absent or unreadable. A message
    read this way is not to be changed afterwards (its headers are indexed once)."""
    raw = _raw(msg, name)
    return _unfolded(decode_words(raw)).strip() if raw else ""


_FOLD = re.compile(r"\s*\r?\n\s*")


def _unfolded(value: str) -> str:
    """``value`` on one line: each line break, with the blanks around it, one space."""
    return _FOLD.sub(" ", value) if "\n" in value else value


def addresses(msg: Message, *names: str) -> list[tuple[str, str]]:
    """``(display name, lowercase address)`` pairs of the address headers ``names``."""
    return [pair for name in names for pair in _addresses(msg, name)]


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """The pairs of one header (parsing addresses is slow: once per message)."""

    def parse_them() -> list[tuple[str, str]]:
        raw = _unfolded(_raw(msg, name))
        pairs = (plain_addresses(raw) or getaddresses([raw])) if raw else []
        return [
            (decode_words(display).strip(), address.strip().strip("<>").lower())
            for display, address in pairs
            if "@" in address
        ]

    return _kept(msg, f"followthru addresses {name.lower()}", parse_them)


# An address header of the plain shape nearly all mail has: entries ``Name <local@domain>``,
# ``"Quoted Name" <local@domain>``, ``<local@domain>`` or ``local@domain``, between commas; a
# name is words (a quoted one holding no quote or backslash) between blanks.
_ATOM = r"[^ \t\r\n\"(),:;<>@\[\]\\]+"
_QUOTED = r'"[^"\\\r\n]*"'
_DOT_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_ENTRY = re.compile(
    rf"[ \t]*(?:(?P<name>(?:{_ATOM}|{_QUOTED})(?:[ \t]+(?:{_ATOM}|{_QUOTED}))*)?[ \t]*"
    rf"<(?P<routed>{_DOT_ATOM}@{_DOMAIN})>|(?P<bare>{_DOT_ATOM}@{_DOMAIN}))[ \t]*(?:,|$)"
)
_NAME_PART = re.compile(rf"{_ATOM}|{_QUOTED}")


def plain_addresses(value: str) -> list[tuple[str, str]] | None:
    """``email.utils.getaddresses([value])`` for a header of the plain shape (see above), read
    with one pattern; None for any other header, which the standard library reads: it is a
    hundred times slower, and nearly every header is plain."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(value):
        entry = _PLAIN_ENTRY.match(value, position)
        if entry is None or entry.end() == position:
            return None
        if entry["bare"]:
            pairs.append(("", entry["bare"]))
        else:
            parts = _NAME_PART.findall(entry["name"] or "")
            name = " ".join(part[1:-1] if part.startswith('"') else part for part in parts)
            pairs.append((name, entry["routed"]))
        position = entry.end()
        if value.endswith(",") and position == len(value):
            return None  # an empty last entry: the standard library gives up on the header
    return pairs or None


def decode(part: Message) -> str:
    """The text of a leaf part, decoded with its charset (falling back to UTF-8, then Latin-1);
    only its first :data:`MAX_PART_BYTES` bytes. Decoded once: the part keeps its text."""
    return _kept(part, "followthru text", lambda: _decode(part))


def _decode(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a transfer encoding that cannot be undone: no text
        return ""
    if not isinstance(payload, bytes):  # None: a multipart (decoded, any other part is bytes)
        text = part.get_payload()
        return clean(text[:MAX_PART_BYTES]) if isinstance(text, str) else ""
    try:
        charset = content_charset(part)
    except Exception:  # noqa: BLE001 - a charset parameter that is not text
        charset = None
    if len(payload) > MAX_PART_BYTES:
        return _head(payload, (charset, "utf-8", "latin-1"))
    return _decoded(payload, (charset, "utf-8", "latin-1"))


def _head(payload: bytes, charsets: tuple[str | None, ...]) -> str:
    """The first MAX_PART_BYTES bytes decoded; a character cut at the end is dropped."""
    for charset in charsets:
        codec = _codec(charset)
        if codec is None:
            continue
        try:
            text = codecs.getincrementaldecoder(codec)().decode(payload[:MAX_PART_BYTES], final=False)
        except (UnicodeError, LookupError, ValueError, TypeError):
            continue
        return text if codec in NO_SURROGATES else clean(text)
    return payload[:MAX_PART_BYTES].decode("utf-8", errors="replace")


def filename(part: Message) -> str:
    """The part's file name, "" when it has none or it cannot be decoded (an RFC 2231 name in
    the ``undefined`` charset makes the standard library raise). Read once per part."""
    return _kept(part, "followthru file name", lambda: _filename(part))


def _filename(part: Message) -> str:
    """``part.get_filename()``, from the parameters read once: ``filename`` of
    Content-Disposition, else ``name`` of Content-Type."""
    try:
        disposition = _kept(part, "followthru disposition", lambda: part.get_params(header="content-disposition") or [])
        value = _first(disposition, "filename")
        if value is None:
            value = _first(_content_parameters(part), "name")
        return clean(str(collapse_rfc2231_value(value).strip() if value is not None else ""))
    except Exception:  # noqa: BLE001
        return ""


def _content_parameters(part: Message) -> list[tuple[str, Any]]:
    """The Content-Type parameters of ``part`` (``get_params()``), read once."""
    return _kept(part, "followthru parameters", lambda: part.get_params() or [])


def content_charset(part: Message) -> str | None:
    """``part.get_content_charset()``, from the Content-Type parameters read once."""
    value = _first(_content_parameters(part), "charset")
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: the value is written in the charset it names
        try:
            value = str(value[2].encode("raw-unicode-escape"), value[0] or "us-ascii")
        except (LookupError, UnicodeError):
            value = value[2]
    return value.lower() if value.isascii() else None


def _first(parameters: list[tuple[str, Any]], name: str) -> Any:
    """The value of the first parameter called ``name`` (in any case), as ``get_param`` gives it."""
    return next((value for key, value in parameters if key.lower() == name), None)


def param(part: Message, name: str) -> str:
    """A Content-Type parameter as text ("" when absent); RFC 2231 values are collapsed."""
    try:
        value = _first(_content_parameters(part), name.lower())
        return clean(collapse_rfc2231_value(value)) if value is not None else ""
    except Exception:  # noqa: BLE001
        return ""


def content_type(part: Message) -> str:
    """``part.get_content_type()``, read once per part."""
    return _kept(part, "followthru content type", part.get_content_type)


def main_type(part: Message) -> str:
    """``part.get_content_maintype()``, read once per part."""
    return content_type(part).split("/")[0]


def is_attachment(part: Message) -> bool:
    # compat32 hands a header holding 8-bit bytes back as a Header object, not a str
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment" or bool(filename(part))


def leaves(msg: Message, into_attached: bool = False) -> Iterator[Message]:
    """Leaf parts of ``msg``; parts inside attached messages (message/rfc822) only when
    ``into_attached``. A message/* part that is not entered (such as message/delivery-status)
    is yielded itself. The walk is made once per message."""
    return iter(_kept(msg, f"followthru leaves {into_attached}", lambda: list(_leaves(msg, into_attached))))


def _leaves(msg: Message, into_attached: bool) -> Iterator[Message]:
    if msg.is_multipart():
        for part in msg.get_payload() or []:
            if isinstance(part, Message):
                attached = content_type(part) in ("message/rfc822", "message/global")
                if main_type(part) == "message" and not (into_attached and attached):
                    yield part
                else:
                    yield from _leaves(part, into_attached)
    else:
        yield msg


def unflow(text: str, delsp: bool = False) -> str:
    """RFC 3676 ``format=flowed`` text with its soft line breaks joined: a line ending in a space
    continues on the next line of the same quote depth (the "-- " signature line never does);
    with ``delsp`` that space is removed. Space-stuffing is undone."""
    out: list[str] = []
    open_depth: int | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        marks = _QUOTE_MARKS.match(line)
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
    if param(part, "format").lower() == "flowed":
        text = unflow(text, param(part, "delsp").lower() == "yes")
    return text


def body(msg: Message, kind: str) -> str:
    """The text of the message's own first inline ``text/plain`` or ``text/html`` (``kind``)
    part that has any; ``format=flowed`` plain text comes unflowed. Only the parts of that
    type are decoded: a reply's HTML twin is not when its plain text is read."""
    for part in leaves(msg):
        if content_type(part) != kind or (is_attachment(part) and part is not msg):
            continue
        text = _text(part) if kind == "text/plain" else decode(part)
        if text:
            return text
    return ""
