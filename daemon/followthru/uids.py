"""The stable identifiers a plan gives its meetings: a key per meeting and a calendar UID per event.

The same plan and meeting always give the same UID, across plan versions and processes, so an
update replaces the event in every calendar instead of adding a second one. Kept apart from the
plan schema so that ``status`` can name meetings without loading it.
"""

from __future__ import annotations

import re


def meeting_key(meeting_id: str | None, title: str) -> str:
    """A meeting's own id when the plan gives one, else one made from its title."""
    return meeting_id or (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "meeting")


def event_uid(plan_id: str, meeting_key: str, domain: str) -> str:
    """A meeting's calendar UID: the same plan and meeting always give the same UID, so updates
    replace the event."""
    return f"followthru-{plan_id}-{meeting_key}@{domain}"
