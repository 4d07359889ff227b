"""A repeat rule (read by :mod:`followthru.backends.recurrence`) as an EWS recurrence: a pattern
and a range. EWS holds one frequency (daily, weekly on some days, monthly on a day or on the n-th
weekday, yearly on a date), an interval, and an end by count or date.
"""

from __future__ import annotations

from datetime import datetime

from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    AbsoluteYearlyPattern,
    DailyPattern,
    EndDatePattern,
    NoEndPattern,
    NumberedPattern,
    Recurrence,
    RelativeMonthlyPattern,
    WeeklyPattern,
)

from followthru.backends.recurrence import WEEKDAYS, read_rule

UNDERSTOOD = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"}
LAST_WEEK = 5  # exchangelib's week number of "the last"


def recurrence(rule: str, start: datetime) -> Recurrence:
    """The recurrence of ``rule`` (an RRULE value) for a series that begins at ``start`` (aware,
    in the meeting's own time zone). Raises :class:`~followthru.backends.recurrence.Unexpressible`."""
    parts = read_rule(rule, start, "Exchange", UNDERSTOOD)
    if parts.frequency == "DAILY" and not parts.days:
        pattern = DailyPattern(interval=parts.interval)
    elif parts.frequency == "WEEKLY":
        # exchangelib numbers weekdays from Monday = 1
        weekdays = sorted(WEEKDAYS.index(day) + 1 for day in parts.weekdays())
        pattern = WeeklyPattern(interval=parts.interval, weekdays=weekdays, first_day_of_week=1)
    elif parts.frequency == "MONTHLY":
        nth = parts.nth_weekday()
        if nth is None:
            pattern = AbsoluteMonthlyPattern(interval=parts.interval, day_of_month=parts.month_day())
        else:
            number, day = nth
            pattern = RelativeMonthlyPattern(
                interval=parts.interval,
                weekday=WEEKDAYS.index(day) + 1,
                week_number=LAST_WEEK if number == -1 else number,
            )
    elif parts.frequency == "YEARLY" and parts.interval == 1 and not parts.days and not parts.month_days:
        pattern = AbsoluteYearlyPattern(day_of_month=start.day, month=start.month)
    else:
        raise parts.cannot()
    first = start.date()
    if parts.count is not None:
        return Recurrence(pattern=pattern, boundary=NumberedPattern(start=first, number=parts.count))
    if parts.until is not None:
        return Recurrence(pattern=pattern, boundary=EndDatePattern(start=first, end=parts.until))
    return Recurrence(pattern=pattern, boundary=NoEndPattern(start=first))
