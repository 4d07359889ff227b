"""replies/mime.py: plain address headers read by one pattern as the standard library reads them."""

from __future__ import annotations

import random
import re
from email import message_from_string
from email.message import Message
from email.utils import getaddresses
from pathlib import Path

from followthru.replies.mime import (
    MAX_LINES,
    NO_SURROGATES,
    _raw,
    addresses,
    clean,
    content_charset,
    filename,
    leaves,
    parse,
    plain_addresses,
    too_complex,
)

DATA = Path(__file__).parent.parent / "data"

NAMES = [
    "Anna",
    "Anna Schmidt",
    "O'Brien",
    "John Q. Public",
    "J.",
    "Jörg Müller",
    "=?utf-8?q?J=C3=B6rg?=",
    '"Last, First"',
    '"Morgan Hale via Followthru"',
    '"A \\"B\\""',
    '""',
    '" spaced "',
    '"x"y',
    "(comment)",
    "Mr. (Dr.) X",
    "a@b",
    "x:y",
    "[x]",
    "semi;colon",
    "tab\tbed",
    "nbsp\u00a0name",
]
ADDRESSES = [
    "a@b.c",
    "first.last@example.co.uk",
    "x+tag@d-e.f",
    "UPPER@Example.COM",
    "weird..dots@x.y",
    ".lead@x.y",
    "a@b",
    "a@[1.2.3.4]",
    '"q"@x.y',
    "ü@x.y",
    "a@b.c.",
    "a @b.c",
    "a@b@c.d",
    "a@",
]
FORMS = ["{name} <{address}>", "<{address}>", "{address}", "{name}<{address}>", "{address} ({name})", "g: {address};"]
JOINS = [",", ", ", " ,", ",,", ", \t", "  ,  "]


def _pick(chance: random.Random, items: list[str], plain: int) -> str:
    """One of ``items``, one of the first ``plain`` (of the plain shape) more often than not."""
    return chance.choice(items[:plain] if chance.random() < 0.7 else items)


def _header(chance: random.Random) -> str:
    entries = [
        _pick(chance, FORMS, 4).format(name=_pick(chance, NAMES, 10), address=_pick(chance, ADDRESSES, 5))
        for _ in range(chance.randint(1, 4))
    ]
    joined = entries[0]
    for entry in entries[1:]:
        joined += chance.choice(JOINS) + entry
    return joined + chance.choice(["", "", " ", ",", "\t"])


def test_plain_headers_are_read_as_the_standard_library_reads_them() -> None:
    chance = random.Random("addresses")
    read_plainly = 0
    for _ in range(20000):
        header = _header(chance)
        plain = plain_addresses(header)
        if plain is not None:
            read_plainly += 1
            assert plain == getaddresses([header]), header
    assert read_plainly > 3000  # the plain shape is met often enough to be tried


def test_what_is_not_plain_is_left_to_the_standard_library() -> None:
    for header in ['"Last, First" <x@y.z>,', "a@b.c,", "(c) a@b.c", "g: a@b.c;", "a@[1.2.3.4]", '"a\\"b" <a@b.c>']:
        assert plain_addresses(header) in (None, getaddresses([header])), header
    assert plain_addresses("a@b.c,") is None
    assert plain_addresses("") is None
    assert plain_addresses('"Last, First" <x@y.z>, a@b.c') == [("Last, First", "x@y.z"), ("", "a@b.c")]


def test_every_header_of_the_corpus_reads_the_same() -> None:
    plain = 0
    for path in sorted(DATA.glob("*/*.eml")):
        msg = parse(path.read_bytes())
        for name in ("From", "To", "Cc", "Delivered-To", "Reply-To"):
            value = re.sub(r"\s*\r?\n\s*", " ", _raw(msg, name))
            found = plain_addresses(value)
            if found is not None:
                plain += 1
                assert found == getaddresses([value]), (path.name, value)
        assert addresses(msg, "From") == addresses(parse(path.read_bytes()), "From")
    assert plain > 600


def test_the_codecs_left_uncleaned_never_make_a_lone_surrogate() -> None:
    chance = random.Random("surrogates")
    pieces = [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf0\x90\x80\x80", b"\xc3\xa9", b"a", b"\x80", b"\xff", b"\x00"]
    for codec in NO_SURROGATES:
        for _ in range(3000):
            data = b"".join(chance.choices(pieces, k=chance.randint(1, 12)))
            for errors in ("strict", "replace"):
                try:
                    text = data.decode(codec, errors)
                except UnicodeError:
                    continue
                assert not re.search("[\ud800-\udfff]", text), (codec, data)


CRAFTED_PARTS = [
    'Content-Type: text/plain; name="a.txt"\n\nx',
    'Content-Disposition: attachment; filename="b.pdf"\nContent-Type: text/plain; name="a.txt"\n\nx',
    "Content-Disposition: attachment; FileName=c.ics\n\nx",
    "Content-Disposition: attachment; filename*=utf-8''%C3%A9t%C3%A9.pdf\n\nx",
    'Content-Disposition: attachment; filename*0="a"; filename*1="b.txt"\n\nx',
    'Content-Disposition: inline\nContent-Type: text/plain; NAME=" sp.txt "\n\nx',
    "Content-Disposition: attachment; filename*=undefined''x\n\nx",
    "Content-Type: text/plain; name=\n\nx",
    "Content-Disposition: ; ; filename\n\nx",
    "Content-Type: text/plain\n\nx",
]


def _standard_filename(part: Message) -> str:
    try:
        return clean(str(part.get_filename() or ""))
    except Exception:  # noqa: BLE001 - what the reader did before: no name
        return ""


def test_file_names_are_those_the_standard_library_reads() -> None:
    parts = [message_from_string(text) for text in CRAFTED_PARTS]
    for path in sorted(DATA.glob("*/*.eml")):
        parts.extend(leaves(parse(path.read_bytes()), into_attached=True))
    assert len(parts) > 500
    for part in parts:
        assert filename(part) == _standard_filename(part), part.as_string()[:300]


CHARSETS = [
    'Content-Type: text/plain; charset="UTF-8"\n\nx',
    "Content-Type: text/plain; CharSet=us-ascii\n\nx",
    "Content-Type: text/plain; charset*=utf-8''ISO-8859-1\n\nx",
    "Content-Type: text/plain; charset*=unknown''x\n\nx",
    "Content-Type: text/plain; charset*=us-ascii'en'%E9\n\nx",
    "Content-Type: text/plain; charset=\u00fc\n\nx",
    "Content-Type: text/plain; charset=\n\nx",
    "Content-Type: text/plain\n\nx",
    "\n\nx",
]


def _standard_charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception as error:  # noqa: BLE001
        return type(error).__name__


def _our_charset(part: Message) -> str | None:
    try:
        return content_charset(part)
    except Exception as error:  # noqa: BLE001
        return type(error).__name__


def test_charsets_are_those_the_standard_library_reads() -> None:
    parts = [message_from_string(text) for text in CHARSETS + CRAFTED_PARTS]
    for path in sorted(DATA.glob("*/*.eml")):
        parts.extend(leaves(parse(path.read_bytes()), into_attached=True))
    for part in parts:
        assert _our_charset(part) == _standard_charset(part), part.as_string()[:300]


def test_a_message_cut_at_its_limits_is_read_up_to_the_cut() -> None:
    """A message of more lines than MAX_LINES is parsed up to its MAX_LINES-th line (not only
    its first piece), and says it was cut."""
    lines = MAX_LINES + 10
    raw = (
        "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: text/plain\n\nYes, I can do it.\n" + "x\n" * lines + "--B\n"
        "Content-Type: text/calendar; method=REPLY\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n--B--\n"
    ).encode()
    msg = parse(raw)
    text = msg.get_payload()[0].get_payload()
    assert text.startswith("Yes, I can do it.") and text.count("x\n") > MAX_LINES - 20
    assert too_complex(msg) == f"the message has more than {MAX_LINES:,} lines; the rest was not read"
