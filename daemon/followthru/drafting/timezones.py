"""VTIMEZONE components written from the tz database (zoneinfo), transition by transition.

A calendar reader turns a local time into an instant with the VTIMEZONE the message carries, not
with its own tz database. Each observance here starts at the transition's instant written as a local
time in the offset in force *before* it (RFC 5545 3.6.5: DTSTART of STANDARD/DAYLIGHT is in
TZOFFSETFROM), so a reader that follows the component gets the tz database's offset for every
instant of the years covered. Transitions are listed explicitly (DTSTART plus RDATEs), never guessed
as a yearly rule, so zones whose rules changed (America/Sao_Paulo) or that have none
(Asia/Kolkata) come out exactly as the tz database has them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_STEP = timedelta(hours=6)  # no zone changes offset twice within six hours


@dataclass(frozen=True)
class Transition:
    """The instant (UTC) at which a zone moves from one offset to another."""

    at: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool

    @property
    def local_start(self) -> datetime:
        """The transition as a naive local time in the offset in force before it."""
        return (self.at + self.offset_from).replace(tzinfo=None)


def _state(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, timedelta, str]:
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or ""


@functools.lru_cache(maxsize=256)
def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Every change of UTC offset, DST flag or abbreviation in [first_year, last_year], by UTC instant.

    Found by walking the zone in six-hour steps and bisecting each change to the second, so the result
    is whatever zoneinfo says, whatever the source of its rules. Found once per process for each zone
    and years: every invitation to a meeting carries them, and the walk takes milliseconds.
    """
    start = datetime(first_year, 1, 1, tzinfo=timezone.utc) - timedelta(days=1)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc) + timedelta(days=1)
    found: list[Transition] = []
    before, state = start, _state(zone, start)
    while before < end:
        after = before + _STEP
        new_state = _state(zone, after)
        if new_state != state:
            low, high = before, after  # state(low) is the old one, state(high) the new one
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    middle = low + timedelta(seconds=1)
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            offset_to, dst, name = _state(zone, high)
            if first_year <= (high + state[0]).year <= last_year:
                found.append(Transition(high, state[0], offset_to, name, bool(dst)))
            state = _state(zone, high)
            before = high
            continue
        before = after
    return tuple(found)


def vtimezone(zone: ZoneInfo, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `zone` agreeing with zoneinfo at every instant from first_year through last_year.

    The first observance starts on 1 January of first_year (local time) with the offset then in force,
    so instants before the first transition are covered too; each later transition is a DTSTART or
    RDATE of a STANDARD/DAYLIGHT observance grouped by (kind, TZOFFSETFROM, TZOFFSETTO, TZNAME).
    """
    if first_year > last_year:
        raise ValueError(f"first_year {first_year} is after last_year {last_year}")
    component = Timezone()
    component.add("tzid", zone.key)
    opening = datetime(first_year, 1, 1)
    offset, dst, name = _state(zone, opening.replace(tzinfo=zone).astimezone(timezone.utc))
    groups: dict[tuple[bool, timedelta, timedelta, str], list[datetime]] = {
        (bool(dst), offset, offset, name): [opening]
    }
    for change in transitions(zone, first_year, last_year):
        groups.setdefault((change.daylight, change.offset_from, change.offset_to, change.name), []).append(
            change.local_start
        )
    for (daylight, offset_from, offset_to, name), starts in sorted(groups.items(), key=lambda item: item[1][0]):
        observance = TimezoneDaylight() if daylight else TimezoneStandard()
        observance.add("dtstart", starts[0])
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        if name:
            observance.add("tzname", name)
        if len(starts) > 1:
            observance.add("rdate", starts[1:])
        component.add_component(observance)
    return component
