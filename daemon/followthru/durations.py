"""Lengths of time as people write them in plan and config files: ``30m``, ``1h30m``, ``2bd``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_MAX_DIGITS = 12  # any amount longer than this is far beyond what timedelta holds (999,999,999 days)


def _shown(text: object) -> str:
    """``repr(text)`` cut short for a message: a config or plan value can be megabytes long."""
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:56] + "..." + shown[0]


class TooLong(ValueError, OverflowError):
    """A duration longer than a timedelta holds; callers with a range of their own say it instead.
    It is an OverflowError too, which callers caught before it had a readable message."""


def _too_long(text: object) -> TooLong:
    return TooLong(f"{_shown(text)} is too long a duration")


def parse_duration(text: str | int) -> timedelta:
    """Parse ``"30m"``, ``"1h30m"``, ``"2d"``, an ISO 8601 duration (``"PT45M"``) or whole minutes.

    Raises ValueError with a readable message when the text is none of these, is not positive, or
    is longer than a timedelta holds (about 2.7 million years: :class:`TooLong`).
    """
    if isinstance(text, bool) or not isinstance(text, (int, str)):
        raise ValueError(f"{_shown(text)} is not a duration; write it like '30m', '1h30m' or '2d'")
    try:
        if isinstance(text, int):
            result = timedelta(minutes=text)
        else:
            compact = text.strip().replace(" ", "")
            iso = _ISO.match(compact.upper())
            if iso and compact.upper() != "P":
                amounts = [g or "0" for g in iso.groups()]
                if max(len(a) for a in amounts) > _MAX_DIGITS:
                    raise _too_long(text)
                weeks, days, hours, minutes, seconds = (int(a) for a in amounts)
                result = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
            elif compact and _PART.sub("", compact.lower()) == "":
                result = timedelta()
                for amount, unit in _PART.findall(compact.lower()):
                    if len(amount) > _MAX_DIGITS:
                        raise _too_long(text)
                    result += timedelta(**{_UNITS[unit]: int(amount)})
            else:
                raise ValueError(f"{_shown(text)} is not a duration; write it like '30m', '1h30m' or '2d'")
    except OverflowError:
        raise _too_long(text) from None
    if result <= timedelta():
        raise ValueError(f"{_shown(text)} is not a positive duration")
    return result


@dataclass(frozen=True)
class Offset:
    """A span counted either in clock time or in business days (``"1bd"``)."""

    clock: timedelta = timedelta()
    business_days: int = 0

    @classmethod
    def parse(cls, text: str) -> Offset:
        """Parse ``"1bd"`` (business days) or any :func:`parse_duration` text."""
        match = re.fullmatch(r"\s*(\d+)\s*bd\s*", text)
        if match:
            if len(match.group(1)) > _MAX_DIGITS:
                raise _too_long(text)
            if int(match.group(1)) == 0:
                raise ValueError(f"{_shown(text)} is not a positive duration")
            return cls(business_days=int(match.group(1)))
        return cls(clock=parse_duration(text))

    def __str__(self) -> str:
        if self.business_days:
            return f"{self.business_days}bd"
        minutes = int(self.clock.total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")
