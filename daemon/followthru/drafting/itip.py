"""iTIP objects for meeting invitations: REQUEST and CANCEL (RFC 5546), ready for iMIP (RFC 6047).

Every event carries a stable UID, a SEQUENCE that grows with each change, DTSTAMP, an ORGANIZER
equal to the sending address, ATTENDEEs with their PARTSTAT and RSVP, a VTIMEZONE for every TZID, and an RRULE
for repeating meetings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from icalendar import Calendar, Event, vCalAddress, vRecur

from followthru import __version__
from followthru.drafting.timezones import vtimezone
from followthru.plan import FIRST_YEAR, LAST_YEAR, REPEATS, Meeting, due_moment

PRODID = f"-//Followthru//followthru {__version__}//EN"


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"
    rsvp: bool = True  # False for an attendee whose answer an update keeps: nothing to ask them


def invitation(
    *,
    uid: str,
    sequence: int,
    meeting: Meeting,
    plan_timezone: ZoneInfo,
    organizer: tuple[str, str],
    attendees: list[Attendee],
    description: str,
    dtstamp: datetime,
    method: str = "REQUEST",
) -> bytes:
    """A METHOD:REQUEST (or CANCEL, or DECLINECOUNTER) calendar for one meeting, as iCalendar bytes.

    Each attendee carries their own PARTSTAT and RSVP: an update keeps the answers it does not
    invalidate (RFC 5546 section 2.1.4)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", dtstamp.astimezone(timezone.utc))
    start = _aware(meeting.start, plan_timezone)
    event.add("dtstart", start)
    event.add("dtend", start + meeting.duration)
    event.add("summary", meeting.title)
    if description:
        event.add("description", description)
    if meeting.location:
        event.add("location", meeting.location)
    rule = _rrule(meeting, plan_timezone)
    if rule is not None:
        event.add("rrule", rule)
    if method != "DECLINECOUNTER":
        event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(*organizer))
    for person in attendees:
        address = _address(person.name, person.email)
        address.params.update(
            {
                "CUTYPE": "INDIVIDUAL",
                "ROLE": person.role,
                "PARTSTAT": person.partstat,
                "RSVP": "TRUE" if person.rsvp else "FALSE",
            }
        )
        event.add("attendee", address, encode=False)
    calendar.add_component(event)
    if isinstance(start.tzinfo, ZoneInfo):
        first_year, last_year = _years_spanned(meeting, start, start.tzinfo)
        calendar.add_component(vtimezone(start.tzinfo, first_year, last_year))
    ical: bytes = calendar.to_ical()
    return ical


def cancellation(**arguments: Any) -> bytes:
    """A METHOD:CANCEL for the meeting; give it a SEQUENCE above the last REQUEST."""
    return invitation(method="CANCEL", **arguments)


def decline_counter(**arguments: Any) -> bytes:
    """A METHOD:DECLINECOUNTER (RFC 5546 section 3.2.8) to the attendee who proposed a new time:
    the event as it stands, at the SEQUENCE of the last REQUEST."""
    return invitation(method="DECLINECOUNTER", **arguments)


def _address(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    return address


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc)  # a fixed offset has no TZID; UTC needs no VTIMEZONE


def _years_spanned(meeting: Meeting, start: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """The years the VTIMEZONE of ``zone`` (``start``'s) covers: from the year before the first occurrence
    through the year after the last one (UNTIL, or the COUNTth occurrence); a repeat with neither is
    covered for ten years."""
    last = start + meeting.duration
    if meeting.repeat:
        if meeting.until:
            until = meeting.until if isinstance(meeting.until, datetime) else due_moment(meeting.until)
            last = max(last, _aware(until, zone).astimezone(zone))
        elif meeting.count:
            rule = rrulestr(
                REPEATS.get(meeting.repeat, meeting.repeat), dtstart=start.replace(tzinfo=None), ignoretz=True
            )
            assert isinstance(rule, rrule), "one RRULE, without forceset, reads as an rrule"
            occurrences = list(rule.replace(count=meeting.count))
            if occurrences:
                last = max(last, occurrences[-1].replace(tzinfo=start.tzinfo) + meeting.duration)
        else:
            last = last.replace(year=min(LAST_YEAR, last.year + 10), month=1, day=1)
    return max(FIRST_YEAR, start.year - 1), min(LAST_YEAR, last.year + 1)


def _rrule(meeting: Meeting, zone: ZoneInfo) -> vRecur | None:
    if not meeting.repeat:
        return None
    rule: vRecur = vRecur.from_ical(REPEATS.get(meeting.repeat, meeting.repeat))
    if meeting.count:
        rule["COUNT"] = [meeting.count]
    if meeting.until:
        until = meeting.until if isinstance(meeting.until, datetime) else due_moment(meeting.until)
        rule["UNTIL"] = [_aware(until, zone).astimezone(timezone.utc)]
    return rule
