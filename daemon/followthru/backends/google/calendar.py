"""Meetings as events in Google Calendar, and attendees' answers read back from them.

**Which event.** A meeting's iCalendar UID (``followthru-acme-q4-review@example.com``) names its
event through a deterministic event id: the SHA-256 of the UID in lowercase base32hex without
padding, 52 characters of ``[0-9a-v]``, the alphabet and length Google accepts for ``events.insert``
(``iCalUID`` can only be given to ``events.import``, which sends no invitations). So an event is
found again with one ``events.get`` and no search, after a restart and even with a new store, and
an insert whose answer was lost cannot make a second event (Google answers 409, and the event
is brought up to date instead). The UID is also kept in the event's private extended property
``followthruUid``, which tells Followthru's events apart when answers are read back.

**Changes.** ``update`` inserts the event or patches it (title, text, place, time, recurrence,
attendees; answers already given are kept), ``cancel`` deletes it, ``remove`` patches the
attendee list without the people taken off. Every write has ``sendUpdates='all'``: Google sends
the invitations, updates and cancellations. A patch that would change nothing is not sent, so a
retried update mails nobody twice.

**Answers.** :meth:`GoogleCalendar.answers` lists the events changed since the stored
``nextSyncToken`` (``events.list`` with ``syncToken``; 410 means the token expired, and the
calendar is read in full once more). Each attendee's ``responseStatus`` is compared with the
last one reported, also kept in the :class:`SyncState`, so an answer is reported once, and a
resync reports only what changed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from followthru.backends.base import CalendarAnswer, MeetingChange, SyncState, Unavailable
from followthru.backends.google.api import Api, ApiError
from followthru.backends.google.auth import subject_of
from followthru.backends.publish import publish
from followthru.config import Config

log = logging.getLogger(__name__)

UID_PROPERTY = "followthruUid"
PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE", "needsAction": "NEEDS-ACTION"}
PAGE = 250
_GOOGLE_UID = re.compile(r"[0-9a-v]{52}@google\.com")
_TEXTS = ("summary", "description", "location", "status")
_ATTENDEE_FIELDS = ("email", "displayName", "optional", "responseStatus", "comment", "additionalGuests")


def event_id(uid: str) -> str:
    """The Google event id for a meeting's iCalendar UID: base32hex of its SHA-256, lowercase."""
    return base64.b32hexencode(hashlib.sha256(uid.encode("utf-8")).digest()).decode("ascii").rstrip("=").lower()


def is_google_event_uid(uid: str) -> bool:
    """Does ``uid`` name an event Followthru made (Google gives such events ``<event id>@google.com``)?"""
    return bool(_GOOGLE_UID.fullmatch(uid))


class GoogleCalendar:
    """:class:`~followthru.backends.base.CalendarBackend` over the Calendar API, on
    ``google.calendar_id`` of ``google.subject``. Builds no connection yet."""

    def __init__(self, config: Config, state: SyncState):
        self.state = state
        self.calendar_id = config.google.calendar_id
        user = subject_of(config)
        self.api = Api(config, "calendar", "v3", f"Google Calendar API (calendar {self.calendar_id!r} of {user})")
        self.where = self.api.where
        self.events = self.api.service.events()
        self.key = f"gcal:{user}:{self.calendar_id}"

    # -- publishing ------------------------------------------------------------------------------------
    def publish(self, meeting: MeetingChange) -> None:
        publish(
            meeting,
            where=self.where,
            update=self._update,
            remove=self._remove,
            cancel=self._cancel,
            calendar_hint="check google.calendar_id, and that the account may change events in that calendar",
        )

    def _update(self, meeting: MeetingChange) -> None:
        existing = self._event(meeting.uid)
        if existing is None:
            body = event_body(meeting, None)
            try:
                self.api.call(
                    self.events.insert(
                        calendarId=self.calendar_id, body={"id": event_id(meeting.uid), **body}, sendUpdates="all"
                    )
                )
                return
            except ApiError as error:
                if error.status != 409:
                    raise
                # The id is taken: an earlier insert went through unanswered, or the event was deleted.
                existing = self._event(meeting.uid) or {}
        body = event_body(meeting, existing)
        if _differs(body, existing):
            self._patch(meeting.uid, body)

    def _remove(self, meeting: MeetingChange) -> None:
        existing = self._event(meeting.uid)
        if existing is None or existing.get("status") == "cancelled":
            return
        gone = {a.email.lower() for a in meeting.attendees}
        attendees = existing.get("attendees", [])
        staying = [_writable(a) for a in attendees if a.get("email", "").lower() not in gone]
        if len(staying) < len(attendees):
            self._patch(meeting.uid, {"attendees": staying})

    def _cancel(self, meeting: MeetingChange) -> None:
        try:
            self.api.call(
                self.events.delete(calendarId=self.calendar_id, eventId=event_id(meeting.uid), sendUpdates="all")
            )
        except ApiError as error:
            if error.status not in (404, 410):  # 410: deleted already
                raise

    def _event(self, uid: str) -> dict[str, Any] | None:
        try:
            return self.api.call(self.events.get(calendarId=self.calendar_id, eventId=event_id(uid)))
        except ApiError as error:
            if error.status in (404, 410):
                return None
            raise

    def _patch(self, uid: str, body: dict[str, Any]) -> None:
        self.api.call(
            self.events.patch(calendarId=self.calendar_id, eventId=event_id(uid), body=body, sendUpdates="all")
        )

    # -- answers ----------------------------------------------------------------------------------------
    def answers(self) -> Iterator[CalendarAnswer]:
        """Attendees' answers that changed since the last call, from the events changed since the
        stored sync token."""
        try:
            yield from self._changes(self.state.get_sync(self.key + ":sync"))
        except ApiError as error:
            hint = "; check google.calendar_id" if error.status == 404 else ""
            raise Unavailable(f"{self.where}: {error}{hint}") from None

    def _changes(self, sync_token: str | None) -> Iterator[CalendarAnswer]:
        page_token = None
        while True:
            try:
                page = self.api.call(
                    self.events.list(
                        calendarId=self.calendar_id, syncToken=sync_token, pageToken=page_token, maxResults=PAGE
                    )
                )
            except ApiError as error:
                if error.status != 410 or sync_token is None:
                    raise
                log.warning("%s: the sync token has expired; reading the calendar again", self.where)
                sync_token, page_token = None, None
                continue
            for event in page.get("items", []):
                yield from self._answers_in(event)
            page_token = page.get("nextPageToken")
            if not page_token:
                if page.get("nextSyncToken"):
                    self.state.put_sync(self.key + ":sync", page["nextSyncToken"])
                return

    def _answers_in(self, event: dict[str, Any]) -> Iterator[CalendarAnswer]:
        uid = event.get("extendedProperties", {}).get("private", {}).get(UID_PROPERTY)
        # Single occurrences someone answered apart carry recurringEventId: the series' answer counts.
        if not uid or event.get("status") == "cancelled" or event.get("recurringEventId"):
            return
        key = f"{self.key}:answers:{uid}"
        reported = json.loads(self.state.get_sync(key) or "{}")
        current = {
            a["email"].lower(): a.get("responseStatus", "needsAction")
            for a in event.get("attendees", [])
            if not (a.get("organizer") or a.get("self") or a.get("resource"))
        }
        for attendee, status in current.items():
            if status != reported.get(attendee, "needsAction") and status in PARTSTAT:
                yield CalendarAnswer(uid, attendee, PARTSTAT[status])
        if current != reported:
            self.state.put_sync(key, json.dumps(current, sort_keys=True))

    def describe(self) -> str:
        """What ``doctor`` shows: the calendar can be read. Reads one event at most."""
        page = self.api.call(self.events.list(calendarId=self.calendar_id, maxResults=1))
        return f"calendar {self.calendar_id!r} ({page.get('summary', '')}, {page.get('timeZone', 'UTC')}) readable"

    def close(self) -> None:
        self.api.close()


def event_body(meeting: MeetingChange, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The event's fields for ``meeting``; answers already in ``existing`` are kept."""
    known = {a.get("email", "").lower(): a for a in (existing or {}).get("attendees", [])}
    attendees = []
    for person in meeting.invitees():
        entry = {"email": person.email}
        if person.name:
            entry["displayName"] = person.name
        answer = known.get(person.email, {}).get("responseStatus")
        if answer:
            entry["responseStatus"] = answer
        attendees.append(entry)
    body = {
        "summary": meeting.summary,
        "description": meeting.description,
        "location": meeting.location,
        "start": _when(meeting.start, meeting.timezone),
        "end": _when(meeting.end, meeting.timezone),
        "attendees": attendees,
        "status": "confirmed",
        "extendedProperties": {"private": {UID_PROPERTY: meeting.uid}},
    }
    if meeting.rrule:
        body["recurrence"] = [f"RRULE:{meeting.rrule}"]
    elif (existing or {}).get("recurrence"):
        body["recurrence"] = []
    return body


def _when(moment: datetime | date, zone: str) -> dict[str, Any]:
    if not isinstance(moment, datetime):
        return {"date": moment.isoformat()}
    if moment.tzinfo is None:  # floating time: the meeting's zone
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    if zone == "UTC":
        return {"dateTime": moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"), "timeZone": "UTC"}
    return {"dateTime": moment.isoformat(), "timeZone": zone}


def _differs(body: dict[str, Any], existing: dict[str, Any]) -> bool:
    """Would patching ``existing`` with ``body`` change anything an attendee sees?"""
    return (
        any(body.get(k, "") != existing.get(k, "") for k in _TEXTS)
        or any(_instant(body[k]) != _instant(existing.get(k, {})) for k in ("start", "end"))
        or {a["email"] for a in body["attendees"]}
        != {a.get("email", "").lower() for a in existing.get("attendees", [])}
        or body.get("recurrence", []) != existing.get("recurrence", [])
    )


def _instant(when: dict[str, Any]) -> tuple[Any, ...]:
    if "dateTime" in when:
        return datetime.fromisoformat(when["dateTime"].replace("Z", "+00:00")), when.get("timeZone")
    return when.get("date"), None


def _writable(attendee: dict[str, Any]) -> dict[str, Any]:
    """An attendee as a patch may send it (``self``, ``organizer`` and ``id`` are Google's to set)."""
    return {k: v for k, v in attendee.items() if k in _ATTENDEE_FIELDS}
