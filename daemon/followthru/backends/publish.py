"""Publishing a meeting change on a calendar service over HTTP (Google Calendar, Microsoft Graph):
which step a change takes, and what the service's refusals mean for the outbox.

``update`` creates the event or brings it up to date, ``cancel`` calls the whole meeting off,
``remove`` takes only some attendees off it. An error answer about the calendar itself (403, 404:
the event's own 404 is handled by the steps) is :class:`~followthru.backends.base.Unavailable`,
with a hint of what to check; any other refusal is a :class:`~followthru.backends.base.SendError`,
final for a request the service will never take (400, 413) or for a meeting it cannot hold.
"""

from __future__ import annotations

from collections.abc import Callable

from followthru.backends.base import MeetingChange, SendError, Unavailable
from followthru.backends.http_retry import ServiceError

Step = Callable[[MeetingChange], None]


def publish(
    meeting: MeetingChange,
    *,
    where: str,
    update: Step,
    remove: Step,
    cancel: Step,
    calendar_hint: str,
    cannot_hold: tuple[type[Exception], ...] = (),
) -> None:
    """Make the service's event match ``meeting`` with the step its change names. ``cannot_hold``:
    the errors that mean the meeting itself cannot be kept there (a repeat rule beyond the service)."""
    step = {"update": update, "remove": remove, "cancel": cancel}[meeting.change]
    try:
        step(meeting)
    except cannot_hold as error:
        raise SendError(f"{where} cannot hold {meeting.summary!r}: {error}", permanent=True) from None
    except ServiceError as error:
        if error.status in (403, 404):
            raise Unavailable(f"{where}: {error}; {calendar_hint}") from None
        raise SendError(
            f"{where} refused the {meeting.change} of {meeting.summary!r}: {error}",
            permanent=error.status in (400, 413),
        ) from None
