"""What the Google and Graph backend tests hand a backend: an incoming message and a meeting change."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from followthru.backends.base import Invitee, MeetingChange

ME = "followthru@example.com"
REVIEW, CHECK_IN = "ACME Q4 expansion - review", "ACME Q4 check-in"
REVIEW_UID, CHECK_IN_UID = "followthru-acme-q4-review@example.com", "followthru-acme-q4-check-in@example.com"


def message(sender: str = "sam.security@example.com", text: str = "ACCEPT", to: str = ME, **headers: str) -> bytes:
    """A plain reply; ``Message_ID=...`` and other underscored names are headers with hyphens."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = headers.pop("Subject", "Re: your request")
    mail["Message-ID"] = headers.pop("Message_ID", f"<{time.monotonic_ns()}@example.com>")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    return mail.as_bytes()


def meeting(
    change: str = "update",
    attendees: tuple[str, ...] = ("sam.security@example.com", "lee.legal@example.com"),
    start: datetime = datetime(2026, 12, 16, 14, 0),
    rrule: str = "",
    **fields,
) -> MeetingChange:
    """The plan's review meeting (an hour in New York) as the daemon publishes it; ``fields`` override."""
    zone = ZoneInfo("America/New_York")
    values = {
        "uid": REVIEW_UID,
        "sequence": 0,
        "change": change,
        "summary": REVIEW,
        "description": "An hour on the plan.",
        "location": "https://meet.example.com/acme-review",
        "start": start.replace(tzinfo=zone),
        "end": start.replace(tzinfo=zone) + timedelta(hours=1),
        "timezone": "America/New_York",
        "rrule": rrule,
        "organizer": ME,
        "attendees": tuple(Invitee(a, a.split("@")[0].title()) for a in attendees),
        "chair": Invitee("riley@example.com", "Riley Rep") if change == "update" else None,
    }
    return MeetingChange(**{**values, **fields})
