"""An iCalendar RRULE read once for the calendar services that have recurrence patterns of their
own (Exchange Web Services, Microsoft Graph).

Both say less than RRULE: one frequency (daily; weekly on some days; monthly or yearly on a day,
or on the n-th weekday), an interval, and an end by count or date. :func:`read_rule` takes the rule
apart and :class:`Rule` answers what each service asks (the weekdays of a weekly rule, the n-th
weekday or the day of a monthly one, the end); every part a service cannot express raises
:class:`Unexpressible`, naming the part and the service. The invitation then fails for good with
that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from icalendar.prop import vRecur

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # in the order of date.weekday()
ORDINALS = {"1": 1, "+1": 1, "2": 2, "+2": 2, "3": 3, "+3": 3, "4": 4, "+4": 4, "-1": -1}  # -1: the last


class Unexpressible(ValueError):
    """A repeat rule the calendar service cannot hold."""


@dataclass(frozen=True)
class Rule:
    """An RRULE's parts, for a series that begins at ``start`` (aware, in the meeting's own zone)."""

    text: str
    service: str  # how messages name the service: "Exchange", "Microsoft 365"
    start: datetime
    frequency: str
    interval: int
    days: tuple[str, ...]  # BYDAY as written, upper case: "MO", "-1FR"
    month_days: tuple[int, ...]
    months: tuple[int, ...]
    week_start: str
    count: int | None
    until: date | None  # the last day, in the meeting's zone

    def refuse(self, what: str) -> Unexpressible:
        return Unexpressible(f"the repeat rule {self.text!r} {what}")

    def cannot(self) -> Unexpressible:
        return self.refuse(f"cannot be expressed in {self.service}")

    def weekdays(self) -> list[str]:
        """The days of a weekly rule (the start's weekday when it names none), as written."""
        if not self.days:
            return [WEEKDAYS[self.start.weekday()]]
        if any(day not in WEEKDAYS for day in self.days):
            raise self.refuse("numbers weekdays in a weekly rule")
        return list(self.days)

    def nth_weekday(self) -> tuple[int, str] | None:
        """(1 to 4, or -1 for the last; weekday) of a rule on the n-th weekday of the month, or None
        for a rule on a day of the month."""
        if not self.days:
            return None
        if len(self.days) != 1 or self.month_days:
            raise self.refuse("names more than one day of the month")
        number, day = self.days[0][:-2], self.days[0][-2:]
        if number not in ORDINALS or day not in WEEKDAYS:
            raise self.refuse(f"names a weekday {self.service} cannot count ({self.days[0]})")
        return ORDINALS[number], day

    def month_day(self) -> int:
        """The day of the month of a rule on a date (the start's day when it names none)."""
        if len(self.month_days) > 1 or (self.month_days and not 1 <= self.month_days[0] <= 31):
            raise self.refuse(f"names days of the month {self.service} cannot express")
        return self.month_days[0] if self.month_days else self.start.day


def read_rule(rule: str, start: datetime, service: str, understood: set[str]) -> Rule:
    """The parts of ``rule`` (an RRULE value); :class:`Unexpressible` when it uses a part outside
    ``understood`` (BYSETPOS, BYHOUR...)."""
    parts = vRecur.from_ical(rule)
    unknown = sorted(set(parts) - understood)
    if unknown:
        raise Unexpressible(f"the repeat rule {rule!r} uses {', '.join(unknown)}, which {service} cannot express")
    until = parts["UNTIL"][0] if "UNTIL" in parts else None
    if isinstance(until, datetime):
        until = until.astimezone(start.tzinfo).date()
    return Rule(
        text=rule,
        service=service,
        start=start,
        frequency=parts["FREQ"][0],
        interval=int(parts.get("INTERVAL", [1])[0]),
        days=tuple(str(d).upper() for d in parts.get("BYDAY", [])),
        month_days=tuple(int(d) for d in parts.get("BYMONTHDAY", [])),
        months=tuple(int(m) for m in parts.get("BYMONTH", [])),
        week_start=str(parts.get("WKST", ["MO"])[0]).upper(),
        count=int(parts["COUNT"][0]) if "COUNT" in parts else None,
        until=until,
    )
