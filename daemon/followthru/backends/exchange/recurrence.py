"""An iCalendar RRULE as an EWS recurrence (a pattern and a range).

EWS says less than RRULE: one frequency (daily, weekly on some days, monthly on a day or on the
n-th weekday, yearly on a date), an interval, and an end by count or date. :func:`recurrence`
raises ValueError, naming the part, for a rule EWS cannot express (BYSETPOS, BYHOUR, several
month days...); the invitation then fails for good with that reason.
"""

from __future__ import annotations

from datetime import datetime

from exchangelib.recurrence import (AbsoluteMonthlyPattern, AbsoluteYearlyPattern, DailyPattern, EndDatePattern,
                                    NoEndPattern, NumberedPattern, Recurrence, RelativeMonthlyPattern, WeeklyPattern)
from icalendar.prop import vRecur

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # exchangelib numbers weekdays from Monday = 1
UNDERSTOOD = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"}


def recurrence(rule: str, start: datetime) -> Recurrence:
    """The recurrence of ``rule`` (an RRULE value) for a series that begins at ``start`` (aware,
    in the meeting's own time zone)."""
    parts = vRecur.from_ical(rule)
    unknown = sorted(set(parts) - UNDERSTOOD)
    if unknown:
        raise ValueError(f"the repeat rule {rule!r} uses {', '.join(unknown)}, which Exchange cannot express")
    frequency = parts["FREQ"][0]
    interval = int(parts.get("INTERVAL", [1])[0])
    days = [str(d).upper() for d in parts.get("BYDAY", [])]
    if frequency == "DAILY" and not days:
        pattern = DailyPattern(interval=interval)
    elif frequency == "WEEKLY":
        weekdays = [DAYS.index(d) + 1 for d in days if d in DAYS] if days else [start.isoweekday()]
        if len(weekdays) != len(days or [None]):
            raise ValueError(f"the repeat rule {rule!r} numbers weekdays in a weekly rule")
        pattern = WeeklyPattern(interval=interval, weekdays=sorted(weekdays), first_day_of_week=1)
    elif frequency == "MONTHLY":
        pattern = _monthly(rule, parts, interval, days, start)
    elif frequency == "YEARLY" and interval == 1 and not days and "BYMONTHDAY" not in parts:
        pattern = AbsoluteYearlyPattern(day_of_month=start.day, month=start.month)
    else:
        raise ValueError(f"the repeat rule {rule!r} cannot be expressed in Exchange")
    first = start.date()
    if "COUNT" in parts:
        return Recurrence(pattern=pattern, boundary=NumberedPattern(start=first, number=int(parts["COUNT"][0])))
    if "UNTIL" in parts:
        until = parts["UNTIL"][0]
        last = until.astimezone(start.tzinfo).date() if isinstance(until, datetime) else until
        return Recurrence(pattern=pattern, boundary=EndDatePattern(start=first, end=last))
    return Recurrence(pattern=pattern, boundary=NoEndPattern(start=first))


def _monthly(rule: str, parts: dict, interval: int, days: list[str], start: datetime):
    month_days = parts.get("BYMONTHDAY", [])
    if days:
        if len(days) != 1 or month_days:
            raise ValueError(f"the repeat rule {rule!r} names more than one day of the month")
        number, day = days[0][:-2], days[0][-2:]
        week = {"1": 1, "+1": 1, "2": 2, "+2": 2, "3": 3, "+3": 3, "4": 4, "+4": 4, "-1": 5}.get(number)
        if week is None or day not in DAYS:
            raise ValueError(f"the repeat rule {rule!r} names a weekday Exchange cannot count ({days[0]})")
        return RelativeMonthlyPattern(interval=interval, weekday=DAYS.index(day) + 1, week_number=week)
    if len(month_days) > 1 or (month_days and not 1 <= int(month_days[0]) <= 31):
        raise ValueError(f"the repeat rule {rule!r} names days of the month Exchange cannot express")
    day = int(month_days[0]) if month_days else start.day
    return AbsoluteMonthlyPattern(interval=interval, day_of_month=day)
