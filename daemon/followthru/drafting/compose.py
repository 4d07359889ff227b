"""Building RFC 5322 messages: a text and an HTML alternative, and an iMIP calendar part when the
message is an invitation.

Names and subjects come from plan files, so every header value is folded to one line before it is
set: a CR/LF in a name can never start a new header. Messages are written as bytes directly, the
same bytes the standard library's classic MIME classes write (with their header folding), five
times faster than building those objects (see ``bench/pipeline.py``); the result has CRLF line
ends, ready for any backend.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email import quoprimime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from followthru.drafting.render import Rendered
from followthru.values import is_one_line, one_line


class _Wire(email.policy.Compat32):
    """CRLF line ends; a short ASCII header is written as it is, without the costly general folding,
    a longer one of words between single spaces (what ``one_line`` makes of a subject) is folded
    by :func:`fold_words`, and any other text once per process by the policy itself."""

    def fold_binary(self, name: str, value: str | Folded) -> bytes:
        if isinstance(value, str) and value.isascii() and self.max_line_length is not None:
            if len(name) + len(value) + 2 <= self.max_line_length and "\n" not in value and "\r" not in value:
                return f"{name}: {value}{self.linesep}".encode("ascii")
            if value and is_one_line(value):
                return f"{name}: {fold_words(name, value, self.max_line_length, self.linesep)}{self.linesep}".encode()
        if isinstance(value, str):
            return _fold_text(self, name, value)
        # A value that is not text (a Folded) is encoded by calling its encode(), as the policy does.
        return super().fold_binary(name, value)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1024)
def _fold_text(policy: email.policy.Compat32, name: str, value: str) -> bytes:
    return email.policy.Compat32.fold_binary(policy, name, value)


def fold_words(name: str, value: str, most: int, linesep: str) -> str:
    """``value``, ASCII words between single spaces, folded as the classic policy folds the value of
    header ``name`` (``email.header.Header.encode``), written out for this one case in a tenth of
    the time (tests/drafting/test_mime_bytes.py compares them): words are added to a line until it
    is longer than ``most`` characters (the first line counting ``name: ``), then the line is cut
    before the last word that follows a ``;``, else a ``,``, else before its last word; a first
    word too long for the first line starts the second line, leaving the first empty."""
    lines: list[str] = []
    line: list[str] = []  # the words of the line being made, each but the value's first after its space
    size = len(name) + 2  # of the line being made, the header's name counted on the first line
    for index, word in enumerate(value.split(" ")):
        piece = f" {word}" if index else word
        line.append(piece)
        size += len(piece)
        if size <= most:
            continue
        cut = next((i for mark in ";," for i in range(len(line) - 1, 0, -1) if line[i - 1].endswith(mark)), None)
        if cut is None and len(line) > 1:
            cut = len(line) - 1
        if cut is not None:
            lines.append("".join(line[:cut]))
            line = line[cut:]
            size = sum(map(len, line))
        elif not lines:  # the value's first word, longer than the first line: it starts the second
            lines.append("")
            line = [f" {word}"]
            size = len(line[0])
    if line:
        lines.append("".join(line))
    return linesep.join(lines)


WIRE = _Wire(linesep="\r\n")

MAX_ENCODED_WORD = 75  # RFC 2047 section 2
MAX_ENCODED_LINE = 76  # RFC 2047 section 2: a header line holding encoded words
_WORD_FRAME = len("=?utf-8?q??=")


def encoded_words(text: str, first: int = MAX_ENCODED_WORD) -> list[str]:
    """``text`` as RFC 2047 ``Q`` encoded words in UTF-8: the first at most ``first`` characters
    long (at least one character of ``text`` in it), every other at most 75.

    Spaces are encoded inside the words, so the words decode to ``text`` exactly, whitespace
    between them being ignored (RFC 2047 section 6.2). A word ends after a space of ``text`` where
    one fits, so that readers that show a space between adjacent words split no word of ``text``;
    a longer run is split between characters, never inside one (section 5)."""
    words: list[str] = []
    pieces: list[tuple[bytes, int]] = []  # the characters of the word being made, with their cost
    size, room = 0, first - _WORD_FRAME
    for char in text:
        raw = char.encode("utf-8")
        cost = quoprimime.header_length(raw)
        while pieces and size + cost > room:
            spaces = [i for i, (piece, _) in enumerate(pieces) if piece == b" "]
            cut = spaces[-1] + 1 if spaces else len(pieces)
            words.append(quoprimime.header_encode(b"".join(piece for piece, _ in pieces[:cut]), "utf-8"))
            pieces = pieces[cut:]
            size, room = sum(c for _, c in pieces), MAX_ENCODED_WORD - _WORD_FRAME
        pieces.append((raw, cost))
        size += cost
    if pieces:
        words.append(quoprimime.header_encode(b"".join(piece for piece, _ in pieces), "utf-8"))
    return words


def needs_encoding(text: str) -> bool:
    """Whether ``text`` must travel as encoded words: it is not ASCII, or it holds ``=?`` that a
    reader would take for the start of an encoded word."""
    return not text.isascii() or "=?" in text


class Folded:
    """A header value already encoded as ASCII tokens, folded between tokens so that each line,
    the first with the header's name, is at most 76 characters where the tokens allow, and the
    first line is never empty. Set it as the value of header ``name``: the classic policy folds a
    value that is not a string by calling its ``encode``."""

    def __init__(self, name: str, tokens: list[str]):
        self.name, self.tokens = name, tokens

    def encode(self, splitchars: str = ";, \t", maxlinelen: int | None = None, linesep: str = "\n") -> str:
        """The value as written after ``name: ``, each fold a ``linesep`` and a space."""
        lines = [""]
        used = len(self.name) + 2
        for token in self.tokens:
            if lines[-1] and used + 1 + len(token) > MAX_ENCODED_LINE:
                lines.append(token)
                used = 1 + len(token)
            else:
                used += len(token) + (1 if lines[-1] else 0)
                lines[-1] = f"{lines[-1]} {token}" if lines[-1] else token
        return (linesep + " ").join(lines)

    def __str__(self) -> str:
        return " ".join(self.tokens)


def text_header(name: str, text: str) -> str | Folded:
    """The value to set for unstructured header ``name`` (e.g. Subject) holding ``text``: itself when
    it is plain ASCII, else encoded words sized so that the first sits beside the name."""
    if not needs_encoding(text):
        return text
    return Folded(name, encoded_words(text, MAX_ENCODED_LINE - len(name) - 2))


def address_header(name: str, mailboxes: list[Mailbox]) -> str | Folded:
    """The value of address header ``name`` (From, To, Cc, Reply-To) for ``mailboxes``: display names
    that are not ASCII become encoded words of at most 75 characters, folded between words."""
    if not any(needs_encoding(one_line(m.name)) for m in mailboxes):
        return ", ".join(m.header() for m in mailboxes)
    tokens: list[str] = []
    for index, mailbox in enumerate(mailboxes):
        words = mailbox.tokens(MAX_ENCODED_LINE - len(name) - 2 if not tokens else MAX_ENCODED_WORD)
        if index < len(mailboxes) - 1:
            words[-1] += ","
        tokens += words
    return Folded(name, tokens)


def with_date(raw: bytes, moment: datetime) -> bytes:
    """``raw`` with its Date header saying ``moment`` (when it is handed to the mail backend): only
    that header's bytes change, folded continuation lines included; a message without a Date header
    gets one before its first header. The Message-ID, the body and every other byte stay."""
    blank = [i + len(sep) // 2 for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) >= 0]
    end = min(blank, default=len(raw))  # the header block ends with the line before the empty one
    date = f"Date: {format_datetime(moment)}".encode("ascii")
    newline = b"\r\n" if b"\r\n" in raw[:end] or end == len(raw) else b"\n"
    date += newline
    start = 0
    while start < end:
        line_end = raw.find(b"\n", start, end)
        line_end = end if line_end < 0 else line_end + 1
        if raw[start : start + 5].lower() == b"date:":
            stop = line_end
            while stop < end and raw[stop : stop + 1] in (b" ", b"\t"):
                following = raw.find(b"\n", stop, end)
                stop = end if following < 0 else following + 1
            return raw[:start] + date + raw[stop:]
        start = line_end
    return date + raw


@dataclass(frozen=True)
class Mailbox:
    name: str
    email: str

    def header(self) -> str:
        return formataddr((one_line(self.name), one_line(self.email)), charset="utf-8")

    def tokens(self, first: int = MAX_ENCODED_WORD) -> list[str]:
        """The mailbox as tokens to fold between: a name that needs encoding as encoded words (the
        first at most ``first`` characters), then ``<address>``; otherwise :meth:`header` whole."""
        name = one_line(self.name)
        if not needs_encoding(name):
            return [self.header()]
        return encoded_words(name, first) + [f"<{one_line(self.email)}>"]


@dataclass(frozen=True)
class Invitation:
    """An iTIP calendar object to carry inline (RFC 6047): ``method`` is REQUEST or CANCEL."""

    ical: bytes
    method: str = "REQUEST"


@dataclass
class Draft:
    """Everything a message needs besides its words."""

    sender: Mailbox
    to: list[Mailbox]
    date: datetime
    reply_to: Mailbox | None = None
    cc: list[Mailbox] = field(default_factory=list)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    invitation: Invitation | None = None
    envelope_from: str | None = None


@dataclass(frozen=True)
class Built:
    """A finished message: its Message-ID, where it goes, its bytes, and the envelope sender
    (the SMTP MAIL FROM) that bounces come back to."""

    message_id: str
    recipients: list[str]
    raw: bytes
    envelope_from: str

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


def new_message_id(sender_email: str) -> str:
    return make_msgid(domain=sender_email.rpartition("@")[2] or "localhost")


def _header_block(headers: list[tuple[str, str | Folded]]) -> bytes:
    """Header lines as the classic policy writes them: each value folded by :data:`WIRE`, the block
    ended by an empty line."""
    return b"".join(WIRE.fold_binary(name, value) for name, value in headers) + CRLF


def _base64_body(data: bytes) -> bytes:
    """A payload in base64: lines of 76 characters, each ended by CRLF (nothing for no data), as
    ``base64.encodebytes`` writes it (57 bytes a line) but encoded in one call."""
    encoded = binascii.b2a_base64(data, newline=False)
    if not encoded:
        return b""
    return CRLF.join([encoded[start : start + 76] for start in range(0, len(encoded), 76)]) + CRLF


def _text_part(text: str, subtype: str) -> bytes:
    """A UTF-8 text part (base64 body), as ``MIMEText(text, subtype, UTF8)`` writes it."""
    return _TEXT_HEADS[subtype] + _base64_body(text.encode("utf-8"))


def _multipart(subtype: str, headers: list[tuple[str, str | Folded]], parts: list[bytes]) -> bytes:
    """A multipart entity: its Content-Type, MIME-Version and ``headers``, then each part between
    delimiter lines and the closing one, as the generator writes it (no preamble, no epilogue).

    The boundary is ``=_alt_`` or ``=_mix_`` and 32 random hex digits: they cannot occur in the
    parts by chance, so the parts need no search for it."""
    digits = secrets.token_hex(16).encode("ascii")
    head = _MULTIPART_HEADS[subtype].replace(_PLACEHOLDER, digits) + _header_block(headers)
    delimiter = b"--=_" + subtype[:3].encode("ascii") + b"_" + digits
    return head + delimiter + CRLF + (CRLF + delimiter + CRLF).join(parts) + CRLF + delimiter + b"--" + CRLF


CRLF = b"\r\n"
_PLACEHOLDER = b"0" * 32  # where the 32 random hex digits of a boundary go
# A boundary's Content-Type is longer than a line: the policy folds it at "; ", whatever the hex
# digits (neither spaces nor separators), so it is folded once and the digits put in.
_MULTIPART_HEADS = {
    subtype: b"".join(
        WIRE.fold_binary(name, value)
        for name, value in (
            ("Content-Type", f'multipart/{subtype}; boundary="=_{subtype[:3]}_{_PLACEHOLDER.decode()}"'),
            ("MIME-Version", "1.0"),
        )
    )
    for subtype in ("alternative", "mixed")
}
_TEXT_HEADS = {
    subtype: _header_block(
        [
            ("Content-Type", f'text/{subtype}; charset="utf-8"'),
            ("MIME-Version", "1.0"),
            ("Content-Transfer-Encoding", "base64"),
        ]
    )
    for subtype in ("plain", "html")
}


def build_message(draft: Draft, words: Rendered) -> Built:
    """One MIME message: ``multipart/alternative`` (text, HTML, and the calendar part for an
    invitation), wrapped in ``multipart/mixed`` with an ``invite.ics`` copy when inviting.

    Written as bytes directly, exactly as the standard library's classic MIME classes (MIMEText,
    MIMEMultipart, MIMEBase) write such a message with the :data:`WIRE` policy: the same headers
    in the same order, folded by the same policy, base64 bodies in lines of 76, CRLF line ends
    (tests/drafting/test_mime_bytes.py compares them); five times faster than building the
    objects and generating them."""
    parts = [_text_part(words.text, "plain"), _text_part(words.html, "html")]
    message_id = draft.message_id or new_message_id(draft.sender.email)
    headers: list[tuple[str, str | Folded]] = [
        ("From", address_header("From", [draft.sender])),
        ("To", address_header("To", draft.to)),
    ]
    if draft.cc:
        headers.append(("Cc", address_header("Cc", draft.cc)))
    if draft.reply_to:
        headers.append(("Reply-To", address_header("Reply-To", [draft.reply_to])))
    headers += [
        ("Subject", text_header("Subject", one_line(words.subject))),
        ("Date", format_datetime(draft.date)),
        ("Message-ID", message_id),
    ]
    if draft.in_reply_to:
        headers.append(("In-Reply-To", one_line(draft.in_reply_to)))
    if draft.references:
        headers.append(("References", one_line(" ".join(draft.references))))
    headers += [(name, one_line(value)) for name, value in draft.headers.items()]
    if draft.invitation:
        ical = draft.invitation.ical
        # The method parameter is set after the charset: the Content-Type header moves last.
        calendar_head = _header_block(
            [
                ("MIME-Version", "1.0"),
                ("Content-Transfer-Encoding", "base64"),
                ("Content-Type", f'text/calendar; charset="utf-8"; method="{draft.invitation.method}"'),
            ]
        )
        parts.append(calendar_head + _base64_body(ical))
        alternative = _multipart("alternative", [], parts)
        attachment = _ATTACHMENT_HEAD + _base64_body(ical)
        raw = _multipart("mixed", headers, [alternative, attachment])
    else:
        raw = _multipart("alternative", headers, parts)
    recipients = [m.email for m in draft.to + draft.cc]
    return Built(message_id, recipients, raw, draft.envelope_from or draft.sender.email)


_ATTACHMENT_HEAD = _header_block(
    [
        ("Content-Type", 'application/ics; name="invite.ics"'),
        ("MIME-Version", "1.0"),
        ("Content-Transfer-Encoding", "base64"),
        ("Content-Disposition", 'attachment; filename="invite.ics"'),
    ]
)
