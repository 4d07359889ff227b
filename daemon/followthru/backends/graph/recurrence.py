"""A repeat rule (read by :mod:`followthru.backends.recurrence`) as a Graph ``patternedRecurrence``
(a pattern and a range), and the meeting's time zone as Graph names it. Graph holds one frequency
(daily; weekly on some days; monthly or yearly on a day, or on the n-th weekday), an interval, and
an end by count or date.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from followthru.backends.recurrence import Rule, read_rule

DAYS = {
    "MO": "monday",
    "TU": "tuesday",
    "WE": "wednesday",
    "TH": "thursday",
    "FR": "friday",
    "SA": "saturday",
    "SU": "sunday",
}
INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
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


def recurrence(rule: str, start: datetime) -> dict[str, Any]:
    """The recurrence of ``rule`` (an RRULE value) for a series that begins at ``start`` (aware,
    in the meeting's own time zone). Raises :class:`~followthru.backends.recurrence.Unexpressible`."""
    parts = read_rule(rule, start, "Microsoft 365", UNDERSTOOD)
    frequency = parts.frequency
    if parts.months and (frequency != "YEARLY" or parts.months != (start.month,)):
        raise parts.refuse("names months Microsoft 365 cannot express")
    if frequency == "DAILY" and not parts.days:
        pattern = {"type": "daily", "interval": parts.interval}
    elif frequency in ("WEEKLY", "DAILY") and (frequency == "WEEKLY" or parts.interval == 1):
        pattern = {
            "type": "weekly",
            "interval": parts.interval,
            "daysOfWeek": [DAYS[d] for d in parts.weekdays()],
            "firstDayOfWeek": DAYS[parts.week_start],
        }
    elif frequency in ("MONTHLY", "YEARLY"):
        pattern = _by_day_or_date(parts, frequency == "YEARLY")
        pattern["interval"] = parts.interval
    else:
        raise parts.cannot()
    first = start.date().isoformat()
    if parts.count is not None:
        return {
            "pattern": pattern,
            "range": {"type": "numbered", "startDate": first, "numberOfOccurrences": parts.count},
        }
    if parts.until is not None:
        return {
            "pattern": pattern,
            "range": {"type": "endDate", "startDate": first, "endDate": parts.until.isoformat()},
        }
    return {"pattern": pattern, "range": {"type": "noEnd", "startDate": first}}


def _by_day_or_date(parts: Rule, yearly: bool) -> dict[str, Any]:
    kind = "Yearly" if yearly else "Monthly"
    month = {"month": parts.start.month} if yearly else {}
    nth = parts.nth_weekday()
    if nth is not None:
        number, day = nth
        return {"type": "relative" + kind, "daysOfWeek": [DAYS[day]], "index": INDEX[number], **month}
    return {"type": "absolute" + kind, "dayOfMonth": parts.month_day(), **month}
