"""What libical reads in iCalendar text, as JSON on stdout; run with Debian's Python (/usr/bin/python3).

Needs Debian's gir1.2-ical-3.0 and python3-gi (libical's GLib bindings). Reads one JSON object on
stdin:

    {"calendars": ["BEGIN:VCALENDAR...", ...],
     "zones": [{"ics": "BEGIN:VCALENDAR...", "tzid": "Europe/Berlin",
                "utc": [epoch seconds, ...], "local": ["20260329T015959", ...]}, ...]}

and prints {"calendars": [...], "zones": [...]}: for each calendar the parse errors libical flagged
(X-LIC-ERROR), its METHOD, component counts and each VEVENT's fields with DTSTART/DTEND as UTC epoch
seconds resolved through the calendar's own VTIMEZONE; for each zone check, libical's UTC offset and
local wall time at each UTC instant, and the UTC instant libical gives each local wall time.
"""

from __future__ import annotations

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ical  # noqa: E402

UTC = ical.Timezone.get_utc_timezone()


def _children(component: ical.Component, kind: ical.ComponentKind) -> list[ical.Component]:
    found = []
    child = component.get_first_component(kind)
    while child is not None:
        found.append(child)
        child = component.get_next_component(kind)
    return found


def _properties(component: ical.Component, kind: ical.PropertyKind) -> list[ical.Property]:
    found = []
    prop = component.get_first_property(kind)
    while prop is not None:
        found.append(prop)
        prop = component.get_next_property(kind)
    return found


def _errors(component: ical.Component) -> list[str]:
    errors = [p.as_ical_string().strip() for p in _properties(component, ical.PropertyKind.XLICERROR_PROPERTY)]
    for child in _children(component, ical.ComponentKind.ANY_COMPONENT):
        errors += _errors(child)
    return errors


def _utc_epoch(moment: ical.Time) -> int | None:
    if moment is None or moment.is_null_time():
        return None
    zone = moment.get_timezone()
    if zone is None and not moment.is_utc():
        return None  # floating: libical could not resolve its TZID
    return moment.convert_to_zone(UTC).as_timet()


def _event(event: ical.Component) -> dict:
    dtstart = _properties(event, ical.PropertyKind.DTSTART_PROPERTY)
    tzids = [p.get_parameter_as_string("TZID") for p in dtstart]
    rrules = [p.get_value_as_string() for p in _properties(event, ical.PropertyKind.RRULE_PROPERTY)]
    return {
        "uid": event.get_uid(),
        "summary": event.get_summary(),
        "sequence": event.get_sequence(),
        "status": ([p.get_value_as_string() for p in _properties(event, ical.PropertyKind.STATUS_PROPERTY)] or [""])[0],
        "dtstart_tzid": tzids[0] if tzids else None,
        "dtstart_utc": _utc_epoch(event.get_dtstart()),
        "dtend_utc": _utc_epoch(event.get_dtend()),
        "organizer": [p.get_value_as_string() for p in _properties(event, ical.PropertyKind.ORGANIZER_PROPERTY)],
        "attendees": [p.get_value_as_string() for p in _properties(event, ical.PropertyKind.ATTENDEE_PROPERTY)],
        "rrules": rrules,
    }


def read_calendar(text: str) -> dict:
    """What libical made of one VCALENDAR."""
    calendar = ical.Component.new_from_string(text)
    if calendar is None:
        return {"parsed": False}
    methods = [p.get_value_as_string() for p in _properties(calendar, ical.PropertyKind.METHOD_PROPERTY)]
    return {
        "parsed": True,
        "kind": ical.Component.kind_to_string(calendar.isa()),
        "method": methods[0] if methods else None,
        "errors": _errors(calendar),
        "vevents": [_event(e) for e in _children(calendar, ical.ComponentKind.VEVENT_COMPONENT)],
        "vtimezones": [
            z.get_first_property(ical.PropertyKind.TZID_PROPERTY).get_value_as_string()
            for z in _children(calendar, ical.ComponentKind.VTIMEZONE_COMPONENT)
        ],
    }


def check_zone(check: dict) -> dict:
    """libical's view of the VTIMEZONE named `tzid` in `ics` at the given instants and wall times."""
    calendar = ical.Component.new_from_string(check["ics"])
    [component] = [
        z
        for z in _children(calendar, ical.ComponentKind.VTIMEZONE_COMPONENT)
        if z.get_first_property(ical.PropertyKind.TZID_PROPERTY).get_value_as_string() == check["tzid"]
    ]
    zone = ical.Timezone.new()
    zone.set_component(component.clone())
    at_utc = []
    for epoch in check["utc"]:
        moment = ical.Time.new_from_timet_with_zone(epoch, 0, UTC)
        local = moment.convert_to_zone(zone)
        offset, _daylight = zone.get_utc_offset_of_utc_time(moment)
        at_utc.append({"utc": epoch, "offset": offset, "local": local.as_ical_string()})
    from_local = []
    for wall in check["local"]:
        moment = ical.Time.new_from_string(wall)
        moment.set_timezone(zone)
        from_local.append({"local": wall, "utc": moment.convert_to_zone(UTC).as_timet()})
    return {"tzid": check["tzid"], "at_utc": at_utc, "from_local": from_local}


def main() -> None:
    request = json.load(sys.stdin)
    json.dump(
        {
            "calendars": [read_calendar(text) for text in request.get("calendars", [])],
            "zones": [check_zone(check) for check in request.get("zones", [])],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
