"""Meeting responses inside Outlook's TNEF attachments (``winmail.dat``, ``application/ms-tnef``).

Outlook and Exchange, when they do not convert a meeting response to iCalendar, send it as a
TNEF-encoded MAPI message (MS-OXTNEF) whose message class says the answer
(``IPM.Schedule.Meeting.Resp.Pos`` / ``.Neg`` / ``.Tent``) and whose named properties (MS-OXOCAL)
carry the meeting's global object id (holding the iCalendar UID of an invitation that came in as
iCalendar), its sequence number and, for "Propose New Time", the proposed start.

The TNEF stream is read with :mod:`tnefparse` (a dependency; without it these attachments are
ignored). tnefparse trusts the counts and lengths in the stream, so a stream that lies about them
can keep it looping for hours or fill memory: :func:`plausible` walks the stream's structure
first, without allocating, and a stream whose counts or lengths do not fit its bytes, that holds
more than :data:`MAX_OBJECTS` attributes, is larger than :data:`MAX_BYTES` or embeds messages is
not read at all (the reply is then read from its text).

:func:`calendar_answer` gives a :class:`CalendarAnswer` like an iTIP REPLY (or COUNTER for a
proposed new time); ``.ics`` files inside the TNEF are handed back for :mod:`.itip`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from followthru.replies.mime import content_type, filename, leaves
from followthru.replies.model import CalendarAnswer

_APPOINTMENT = uuid.UUID("00062002-0000-0000-c000-000000000046")  # PSETID_Appointment
_MEETING = uuid.UUID("6ed8da90-450b-101b-98da-00aa003f1305")  # PSETID_Meeting
_SEQUENCE, _PROPOSED_START, _COUNTER = 0x8201, 0x8250, 0x8257  # PidLid... (Appointment)
_GLOBAL_ID, _CLEAN_GLOBAL_ID = 0x0003, 0x0023  # PidLid... (Meeting)
_MESSAGE_CLASS, _SMTP_ADDRESSES = 0x001A, (0x5D01, 0x5D02, 0x0C1F, 0x0065)
_ATT_MESSAGE_CLASS = 0x8008
_PARTSTAT = {"pos": "ACCEPTED", "neg": "DECLINED", "tent": "TENTATIVE"}
_VCAL_UID = b"vCal-Uid\x01\x00\x00\x00"
_SIGNATURE = b"\x78\x9f\x3e\x22"
_EMBEDDED = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"  # IMessage
MAX_BYTES = 4_000_000  # a meeting response is a few kB
MAX_OBJECTS = 1_000  # TNEF attributes; tnefparse copies the rest of the stream for each
# MAPI property types by the bytes of one value (fixed) or as counted, length-prefixed values.
_FIXED = {
    0x0002: 2,
    0x000B: 2,
    0x0003: 4,
    0x0004: 4,
    0x000A: 4,
    0x0005: 8,
    0x0007: 8,
    0x0006: 8,
    0x0014: 8,
    0x0040: 8,
    0x0048: 16,
}
_COUNTED = {0x001E, 0x001F, 0x000D, 0x0102, 0x0000}


MAX_STREAMS = 3  # TNEF attachments read from one message (Outlook attaches one)


def tnef_parts(msg: Message) -> Iterator[bytes]:
    """The raw TNEF streams attached to ``msg`` (the first MAX_STREAMS)."""
    found = 0
    for part in leaves(msg):
        name = filename(part).lower()
        if content_type(part) in ("application/ms-tnef", "application/vnd.ms-tnef") or (name == "winmail.dat"):
            try:
                data = part.get_payload(decode=True)
            except Exception:  # noqa: BLE001 - a transfer encoding that cannot be undone
                continue
            if isinstance(data, bytes) and data:
                yield data
                found += 1
                if found >= MAX_STREAMS:
                    return


class _Implausible(Exception):
    """The stream's counts or lengths do not fit its bytes."""


def _u32(data: bytes, offset: int) -> int:
    if offset + 4 > len(data):
        raise _Implausible
    return int.from_bytes(data[offset : offset + 4], "little")


def _u16(data: bytes, offset: int) -> int:
    if offset + 2 > len(data):
        raise _Implausible
    return int.from_bytes(data[offset : offset + 2], "little")


def _padded(length: int) -> int:
    return length + (-length % 4)


def _mapi_block(data: bytes, offset: int = 0) -> int:
    """Walk a MAPI property block as tnefparse's ``decode_mapi`` does, checking every count and
    length against the bytes left; the offset after it."""
    end = len(data)
    count = _u32(data, offset)
    offset += 4
    if count * 4 > end - offset:
        raise _Implausible
    for _ in range(count):
        kind, name = _u16(data, offset), _u16(data, offset + 2)
        offset += 4
        if name >= 0x8000:  # a named property: its GUID, then an id or a name
            named_by = _u32(data, offset + 16)
            offset += 20
            length = 4 if named_by == 0 else 4 + _padded(_u32(data, offset))
            if offset + length > end:
                raise _Implausible
            offset += length
        multi = 0
        if kind & 0x1000:
            kind ^= 0x1000
            multi = _u32(data, offset)
            offset += 4
        values = multi or 1
        if kind in _FIXED:
            if offset + values * _FIXED[kind] > end:
                raise _Implausible
            offset += values * _FIXED[kind]
            if values % 2 and kind in (0x0002, 0x000B):
                offset += 2
        elif kind in _COUNTED:
            if values * 4 > end - offset:
                raise _Implausible
            for _ in range(values):
                items = 1
                if not multi:
                    items = _u32(data, offset)
                    offset += 4
                if items * 4 > end - offset:
                    raise _Implausible
                for _ in range(items):
                    offset += 4 + _padded(_u32(data, offset))
                    if offset > end:
                        raise _Implausible
        else:
            raise _Implausible
    return offset


def plausible(data: bytes) -> bool:
    """Whether tnefparse can read ``data`` in time and memory proportional to its size: every
    attribute and MAPI count and length fits the bytes there are (see the module docstring)."""
    if len(data) > MAX_BYTES or not data.startswith(_SIGNATURE) or _EMBEDDED in data:
        return False
    try:
        offset, objects = 6, 0
        while offset + 12 < len(data):
            objects += 1
            level, name = data[offset], _u16(data, offset + 1)
            length = _u32(data, offset + 5) + 11
            if objects > MAX_OBJECTS or offset + length > len(data):
                return False
            body = data[offset + 9 : offset + length - 2]
            if (level == 2 and name == 0x9005) or (level != 2 and name == 0x9003):
                if _mapi_block(body) > len(body) + 2:
                    return False
            elif level != 2 and name == 0x9004:  # the recipient table: rows of MAPI blocks
                rows, at = _u32(body, 0), 4
                if rows * 4 > len(body) - at:
                    return False
                for _ in range(rows):
                    at = _mapi_block(body, at)
            offset += length
    except _Implausible:
        return False
    return True


def _read(data: bytes) -> Any | None:
    try:
        from tnefparse import TNEF
    except ImportError:  # pragma: no cover - tnefparse is a dependency
        return None
    if not plausible(data):
        return None
    try:
        return TNEF(data, do_checksum=False)
    except Exception:  # noqa: BLE001 - not a TNEF stream we can read
        return None


def calendars(data: bytes) -> list[bytes]:
    """``.ics`` / ``.vcs`` files attached inside a TNEF stream."""
    tnef = _read(data)
    if tnef is None:
        return []
    try:
        return [
            attachment.data
            for attachment in tnef.attachments
            if str(attachment.long_filename()).lower().endswith((".ics", ".vcs"))
            or attachment.data[:15].upper().startswith(b"BEGIN:VCALENDAR")
        ]
    except Exception:  # noqa: BLE001 - properties tnefparse decodes only when asked
        return []


def uid_of(global_id: bytes) -> str:
    """The iCalendar UID of a meeting's global object id (MS-OXOCAL PidLidGlobalObjectId; its
    mapping in MS-OXCICAL): the UID stored after the "vCal-Uid" marker, else the id (with the
    instance date cleared) in upper-case hex."""
    size = int.from_bytes(global_id[36:40], "little")
    size = min(size, max(len(global_id) - 40, 0))  # a size that lies is cut to the bytes there are
    global_id = global_id.ljust(40 + size, b"\x00")[: 40 + size]
    data = global_id[40:]
    if data.startswith(_VCAL_UID):
        return data[len(_VCAL_UID) :].split(b"\x00", 1)[0].decode("utf-8", "replace")
    clean = global_id[:16] + b"\x00\x00\x00\x00" + global_id[20:]
    return clean.hex().upper()


def _named(props: list[Any], space: uuid.UUID, lid: int) -> Any:
    """The value of a named property (binary values whole, with their padding)."""
    for prop in props:
        if prop.guid == space and prop.guid_prop == lid:
            raw = prop.raw_data
            return b"".join(raw) if isinstance(raw, list) and raw and isinstance(raw[0], bytes) else prop.data
    return None


def calendar_answer(data: bytes, sender: str) -> CalendarAnswer | None:
    """The meeting response in a TNEF stream, or None. The attendee is the responder's SMTP
    address when the stream has one, else ``sender``."""
    tnef = _read(data)
    if tnef is None:
        return None
    try:
        return _answer(tnef, sender)
    except Exception:  # noqa: BLE001 - properties tnefparse decodes only when asked
        return None


def _answer(tnef: Any, sender: str) -> CalendarAnswer | None:
    props = list(tnef.mapiprops)
    kind = next((str(p.data) for p in tnef.msgprops if p.name == _ATT_MESSAGE_CLASS), "") or next(
        (str(p.data) for p in props if p.name == _MESSAGE_CLASS), ""
    )
    prefix = "ipm.schedule.meeting.resp."
    if not kind.lower().startswith(prefix):
        return None
    partstat = _PARTSTAT.get(kind.lower()[len(prefix) :].split(".")[0])
    global_id = _named(props, _MEETING, _CLEAN_GLOBAL_ID) or _named(props, _MEETING, _GLOBAL_ID)
    sequence = _named(props, _APPOINTMENT, _SEQUENCE)
    counter = bool(_named(props, _APPOINTMENT, _COUNTER))
    proposed = _named(props, _APPOINTMENT, _PROPOSED_START) if counter else None
    addresses = [
        str(p.data).strip().lower()
        for name in _SMTP_ADDRESSES
        for p in props
        if p.name == name and not p.guid and "@" in str(p.data)
    ]
    return CalendarAnswer(
        method="COUNTER" if counter else "REPLY",
        uid=uid_of(global_id) if isinstance(global_id, bytes) else "",
        attendee=addresses[0] if addresses else sender,
        partstat=partstat,
        proposed_start=proposed.replace(tzinfo=UTC) if isinstance(proposed, datetime) else None,
        sequence=sequence if isinstance(sequence, int) else None,
    )
