"""A meeting message from the outbox, read the way a calendar service backend needs it.

With the default ``imip`` backend an invitation is an email with a ``text/calendar`` part. A
service backend takes the same outbox message and turns it into calendar operations instead:
:func:`read_meeting` reads what the message says (which event, which change, who is invited),
and the backend's ``publish`` makes the service's event match it; the service sends the
invitations itself. Attendees' answers come back through the backend's ``answers``.
"""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from email.message import Message
from typing import Any

from icalendar import Calendar

from followthru.backends.base import Change, Invitee, MeetingChange


def _calendar_in(part: Message) -> Calendar:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes), "a text/calendar part is a single part: decoded, its payload is bytes"
    return Calendar.from_ical(payload)


def read_meeting(raw: bytes) -> MeetingChange:
    """The meeting change an outbox message of kind ``meeting`` carries. Raises ValueError when the
    message holds no VEVENT."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
    if part is None:
        raise ValueError("the message has no text/calendar part")
    calendar = _calendar_in(part)
    event = next(iter(calendar.walk("VEVENT")), None)
    if event is None:
        raise ValueError("the calendar holds no VEVENT")
    method = str(calendar.get("METHOD", "REQUEST")).upper()
    change: Change = (
        "update" if method == "REQUEST" else ("remove" if message.get("X-Followthru-Meeting") == "remove" else "cancel")
    )
    start = event.decoded("DTSTART")
    end = event.decoded("DTEND") if "DTEND" in event else start + timedelta(hours=1)
    zone = getattr(start.tzinfo, "key", None) or "UTC"
    people, chair = [], None
    for value in _as_list(event.get("ATTENDEE")):
        invitee = Invitee(
            str(value).removeprefix("mailto:").removeprefix("MAILTO:").lower(), str(value.params.get("CN", ""))
        )
        if value.params.get("ROLE") == "CHAIR":
            chair = invitee
        else:
            people.append(invitee)
    rule = event.get("RRULE")
    return MeetingChange(
        uid=str(event["UID"]),
        sequence=int(event.get("SEQUENCE", 0)),
        change=change,
        summary=str(event.get("SUMMARY", "")),
        description=str(event.get("DESCRIPTION", "")),
        location=str(event.get("LOCATION", "")),
        start=start,
        end=end,
        timezone=zone,
        rrule=rule.to_ical().decode() if rule is not None else "",
        organizer=str(event.get("ORGANIZER", "")).removeprefix("mailto:").lower(),
        attendees=tuple(people),
        chair=chair,
    )


def answered_uids(raw: bytes) -> list[str]:
    """The event UIDs a message answers (its iTIP REPLY or COUNTER), or [] for any other message.

    A calendar service mails the organizer attendees' answers too; where the service's calendar
    is read directly, those messages are filed away by the UIDs they answer."""
    if b"text/calendar" not in raw.lower():
        return []
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
    if part is None:
        return []
    try:
        calendar = _calendar_in(part)
    except ValueError:
        return []
    if str(calendar.get("METHOD", "")).upper() not in ("REPLY", "COUNTER"):
        return []
    return [str(event.get("UID", "")) for event in calendar.walk("VEVENT")]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
