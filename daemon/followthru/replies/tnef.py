"""Meeting responses inside Outlook's TNEF attachments (``winmail.dat``, ``application/ms-tnef``).

Outlook and Exchange, when they do not convert a meeting response to iCalendar, send it as a
TNEF-encoded MAPI message (MS-OXTNEF) whose message class says the answer
(``IPM.Schedule.Meeting.Resp.Pos`` / ``.Neg`` / ``.Tent``) and whose named properties (MS-OXOCAL)
carry the meeting's global object id (holding the iCalendar UID of an invitation that came in as
iCalendar), its sequence number and, for "Propose New Time", the proposed start.

The TNEF stream is read with :mod:`tnefparse` (a dependency; without it these attachments are
ignored). :func:`calendar_answer` gives a :class:`CalendarAnswer` like an iTIP REPLY (or COUNTER
for a proposed new time); ``.ics`` files inside the TNEF are handed back for :mod:`.itip`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from followthru.replies.mime import leaves
from followthru.replies.model import CalendarAnswer

_APPOINTMENT = uuid.UUID("00062002-0000-0000-c000-000000000046")   # PSETID_Appointment
_MEETING = uuid.UUID("6ed8da90-450b-101b-98da-00aa003f1305")       # PSETID_Meeting
_SEQUENCE, _PROPOSED_START, _COUNTER = 0x8201, 0x8250, 0x8257      # PidLid... (Appointment)
_GLOBAL_ID, _CLEAN_GLOBAL_ID = 0x0003, 0x0023                       # PidLid... (Meeting)
_MESSAGE_CLASS, _SMTP_ADDRESSES = 0x001A, (0x5D01, 0x5D02, 0x0C1F, 0x0065)
_ATT_MESSAGE_CLASS = 0x8008
_PARTSTAT = {"pos": "ACCEPTED", "neg": "DECLINED", "tent": "TENTATIVE"}
_VCAL_UID = b"vCal-Uid\x01\x00\x00\x00"


def tnef_parts(msg: Message) -> Iterator[bytes]:
    """The raw TNEF streams attached to ``msg``."""
    for part in leaves(msg):
        name = (part.get_filename() or "").lower()
        if part.get_content_type() in ("application/ms-tnef", "application/vnd.ms-tnef") or (
                name == "winmail.dat"):
            data = part.get_payload(decode=True)
            if data:
                yield data


def _read(data: bytes) -> Any | None:
    try:
        from tnefparse import TNEF
    except ImportError:  # pragma: no cover - tnefparse is a dependency
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
    return [attachment.data for attachment in tnef.attachments
            if attachment.long_filename().lower().endswith((".ics", ".vcs"))
            or attachment.data[:15].upper().startswith(b"BEGIN:VCALENDAR")]


def uid_of(global_id: bytes) -> str:
    """The iCalendar UID of a meeting's global object id (MS-OXOCAL PidLidGlobalObjectId; its
    mapping in MS-OXCICAL): the UID stored after the "vCal-Uid" marker, else the id (with the
    instance date cleared) in upper-case hex."""
    size = int.from_bytes(global_id[36:40], "little")
    global_id = global_id.ljust(40 + size, b"\x00")[:40 + size]
    data = global_id[40:]
    if data.startswith(_VCAL_UID):
        return data[len(_VCAL_UID):].split(b"\x00", 1)[0].decode("utf-8", "replace")
    clean = global_id[:16] + b"\x00\x00\x00\x00" + global_id[20:]
    return clean.hex().upper()


def _named(props: list[Any], space: uuid.UUID, lid: int) -> Any:
    """The value of a named property (binary values whole, with their padding)."""
    for prop in props:
        if prop.guid == space and prop.guid_prop == lid:
            raw = prop.raw_data
            return b"".join(raw) if isinstance(raw, list) and raw and isinstance(raw[0], bytes) \
                else prop.data
    return None


def calendar_answer(data: bytes, sender: str) -> CalendarAnswer | None:
    """The meeting response in a TNEF stream, or None. The attendee is the responder's SMTP
    address when the stream has one, else ``sender``."""
    tnef = _read(data)
    if tnef is None:
        return None
    props = list(tnef.mapiprops)
    kind = next((str(p.data) for p in tnef.msgprops if p.name == _ATT_MESSAGE_CLASS), "") or next(
        (str(p.data) for p in props if p.name == _MESSAGE_CLASS), "")
    prefix = "ipm.schedule.meeting.resp."
    if not kind.lower().startswith(prefix):
        return None
    partstat = _PARTSTAT.get(kind.lower()[len(prefix):].split(".")[0])
    global_id = _named(props, _MEETING, _CLEAN_GLOBAL_ID) or _named(props, _MEETING, _GLOBAL_ID)
    sequence = _named(props, _APPOINTMENT, _SEQUENCE)
    counter = bool(_named(props, _APPOINTMENT, _COUNTER))
    proposed = _named(props, _APPOINTMENT, _PROPOSED_START) if counter else None
    addresses = [str(p.data).strip().lower() for name in _SMTP_ADDRESSES for p in props
                 if p.name == name and not p.guid and "@" in str(p.data)]
    return CalendarAnswer(
        method="COUNTER" if counter else "REPLY",
        uid=uid_of(global_id) if isinstance(global_id, bytes) else "",
        attendee=addresses[0] if addresses else sender,
        partstat=partstat,
        proposed_start=proposed.replace(tzinfo=UTC) if isinstance(proposed, datetime)
        else None,
        sequence=sequence if isinstance(sequence, int) else None)
