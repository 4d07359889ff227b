"""Business time: the send window, business days and public holidays, in the recipient's timezone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from followthru.config import DAYS, Schedule
from followthru.durations import Offset


class BusinessClock:
    """Answers "may a message go out now, and if not, when?" for any timezone. Pure.

    ``always_open`` (a try-out workspace) opens the window at every hour of every day: no
    business days, holidays or send hours.
    """

    def __init__(self, schedule: Schedule, always_open: bool = False):
        self.schedule = schedule
        self.always_open = always_open
        self.days = set(range(7)) if always_open else {DAYS.index(d) for d in schedule.business_days}

    @cached_property
    def _holidays(self) -> Mapping[date, str]:
        if not self.schedule.holidays:
            return {}
        import holidays

        country, _, subdivision = self.schedule.holidays.partition("-")
        return holidays.country_holidays(country, subdiv=subdivision or None)

    def is_business_day(self, day: date) -> bool:
        return self.always_open or (day.weekday() in self.days and day not in self._holidays)

    def next_window(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` itself when it is inside the send window in ``zone``; else the window's next opening."""
        local = moment.astimezone(zone)
        if self.always_open or self._inside_window(local):
            return moment
        day, start = local.date(), self.schedule.send_from
        if not (self.is_business_day(day) and local.time() < start):
            day = self.next_business_day(day)
        return datetime.combine(day, start, tzinfo=zone)

    def _inside_window(self, local: datetime) -> bool:
        schedule = self.schedule
        return self.is_business_day(local.date()) and schedule.send_from <= local.time() < schedule.send_until

    def last_window(self, moment: datetime, zone: ZoneInfo, lead: timedelta = timedelta()) -> datetime:
        """The latest time at or before ``moment`` to send something meant for ``moment``.

        ``moment`` itself when it is inside the send window in ``zone``. Otherwise the last window
        that closed before it, ``lead`` before that window's close (at its opening when ``lead``
        is zero or longer than the window): a last call meant for Saturday 13:00 goes on Friday,
        with ``lead`` of Friday's window left for the reader to act.
        """
        local = moment.astimezone(zone)
        if self.always_open or self._inside_window(local):
            return moment
        start, end = self.schedule.send_from, self.schedule.send_until
        day = local.date()
        if not (self.is_business_day(day) and local.time() >= end):
            day = self.previous_business_day(day)
        opening = datetime.combine(day, start, tzinfo=zone)
        closing = datetime.combine(day, end, tzinfo=zone)
        if not lead or closing - lead < opening:
            return opening
        return closing - lead

    def previous_business_day(self, day: date) -> date:
        for _ in range(370):
            day -= timedelta(days=1)
            if self.is_business_day(day):
                return day
        raise ValueError("no business day within a year: check schedule.business_days and holidays")

    def next_business_day(self, day: date) -> date:
        for _ in range(370):
            day += timedelta(days=1)
            if self.is_business_day(day):
                return day
        raise ValueError("no business day within a year: check schedule.business_days and holidays")

    def add(self, moment: datetime, offset: Offset, zone: ZoneInfo) -> datetime:
        """``moment`` + ``offset``: business days skip weekends and holidays, keeping the time of day."""
        if not offset.business_days:
            return moment + offset.clock
        local = moment.astimezone(zone)
        day = local.date()
        for _ in range(offset.business_days):
            day = self.next_business_day(day)
        return datetime.combine(day, local.time(), tzinfo=zone)

    def subtract(self, moment: datetime, offset: Offset, zone: ZoneInfo) -> datetime:
        """``moment`` - ``offset``, counting business days backwards."""
        if not offset.business_days:
            return moment - offset.clock
        local = moment.astimezone(zone)
        day = local.date()
        for _ in range(offset.business_days):
            day -= timedelta(days=1)
            while not self.is_business_day(day):
                day -= timedelta(days=1)
        return datetime.combine(day, local.time(), tzinfo=zone)
