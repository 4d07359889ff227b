"""An iCalendar RRULE as a Graph ``patternedRecurrence`` (a pattern and a range), and the
meeting's time zone as Graph names it.

Graph says less than RRULE: one frequency (daily; weekly on some days; monthly or yearly on a
day, or on the n-th weekday), an interval, and an end by count or date. :func:`recurrence`
raises ValueError, naming the part, for a rule Graph cannot express (BYSETPOS, BYHOUR, several
month days...); the invitation then fails for good with that reason.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from icalendar.prop import vRecur
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

DAYS = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday", "FR": "friday", "SA": "saturday",
        "SU": "sunday"}
INDEX = {"1": "first", "+1": "first", "2": "second", "+2": "second", "3": "third", "+3": "third", "4": "fourth",
         "+4": "fourth", "-1": "last"}
UNDERSTOOD = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"}
# Graph's calendar takes every Windows time zone name; IANA names only from a short list. So a
# meeting's IANA zone goes as the Windows zone with its rules where there is one.
IANA_TO_WINDOWS = {iana: windows for windows, iana in sorted(WINDOWS_TO_OLSON.items(), reverse=True)}


def windows_zone(iana: str) -> str | None:
    """The Windows time zone of an IANA zone, or None when Windows has no zone for it."""
    return "UTC" if iana in ("UTC", "Etc/UTC") else IANA_TO_WINDOWS.get(iana)


def zone_named(name: str) -> ZoneInfo | timezone:
    """The zone Graph names ``name`` (a Windows or an IANA name). Raises ValueError for neither."""
    if name.upper() in ("UTC", "ETC/UTC", "TZONE://MICROSOFT/UTC"):
        return timezone.utc
    try:
        return ZoneInfo(WINDOWS_TO_OLSON.get(name, name))
    except (KeyError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def recurrence(rule: str, start: datetime) -> dict:
    """The recurrence of ``rule`` (an RRULE value) for a series that begins at ``start`` (aware,
    in the meeting's own time zone)."""
    parts = vRecur.from_ical(rule)
    unknown = sorted(set(parts) - UNDERSTOOD)
    if unknown:
        raise ValueError(f"the repeat rule {rule!r} uses {', '.join(unknown)}, which Microsoft 365 cannot express")
    frequency = parts["FREQ"][0]
    interval = int(parts.get("INTERVAL", [1])[0])
    days = [str(d).upper() for d in parts.get("BYDAY", [])]
    months = [int(m) for m in parts.get("BYMONTH", [])]
    if months and (frequency != "YEARLY" or months != [start.month]):
        raise ValueError(f"the repeat rule {rule!r} names months Microsoft 365 cannot express")
    if frequency == "DAILY" and not days:
        pattern = {"type": "daily", "interval": interval}
    elif frequency in ("WEEKLY", "DAILY") and (frequency == "WEEKLY" or interval == 1):
        weekdays = days or [list(DAYS)[start.weekday()]]
        if any(d not in DAYS for d in weekdays):
            raise ValueError(f"the repeat rule {rule!r} numbers weekdays in a weekly rule")
        pattern = {"type": "weekly", "interval": interval, "daysOfWeek": [DAYS[d] for d in weekdays],
                   "firstDayOfWeek": DAYS[str(parts.get("WKST", ["MO"])[0]).upper()]}
    elif frequency in ("MONTHLY", "YEARLY"):
        pattern = _by_day_or_date(rule, parts, days, start, frequency == "YEARLY")
        pattern["interval"] = interval
    else:
        raise ValueError(f"the repeat rule {rule!r} cannot be expressed in Microsoft 365")
    first = start.date().isoformat()
    if "COUNT" in parts:
        return {"pattern": pattern, "range": {"type": "numbered", "startDate": first,
                                              "numberOfOccurrences": int(parts["COUNT"][0])}}
    if "UNTIL" in parts:
        until = parts["UNTIL"][0]
        last = until.astimezone(start.tzinfo).date() if isinstance(until, datetime) else until
        return {"pattern": pattern, "range": {"type": "endDate", "startDate": first,
                                              "endDate": last.isoformat()}}
    return {"pattern": pattern, "range": {"type": "noEnd", "startDate": first}}


def _by_day_or_date(rule: str, parts: dict, days: list[str], start: datetime, yearly: bool) -> dict:
    month_days = parts.get("BYMONTHDAY", [])
    kind = "Yearly" if yearly else "Monthly"
    month = {"month": start.month} if yearly else {}
    if days:
        if len(days) != 1 or month_days:
            raise ValueError(f"the repeat rule {rule!r} names more than one day of the month")
        number, day = days[0][:-2], days[0][-2:]
        if number not in INDEX or day not in DAYS:
            raise ValueError(f"the repeat rule {rule!r} names a weekday Microsoft 365 cannot count ({days[0]})")
        return {"type": "relative" + kind, "daysOfWeek": [DAYS[day]], "index": INDEX[number], **month}
    if len(month_days) > 1 or (month_days and not 1 <= int(month_days[0]) <= 31):
        raise ValueError(f"the repeat rule {rule!r} names days of the month Microsoft 365 cannot express")
    return {"type": "absolute" + kind, "dayOfMonth": int(month_days[0]) if month_days else start.day, **month}

