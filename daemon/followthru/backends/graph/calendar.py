"""Meetings as events in the mailbox's Microsoft 365 calendar, and attendees' answers read back.

**Which event.** Graph gives every event its own id. The meeting's iCalendar UID
(``followthru-acme-q4-review@example.com``) is kept on the event in a single-value extended
property (``String {GUID} Name followthruUid``), and the id Graph gave is remembered in the
:class:`SyncState`, both ways: UID to id to find the event again with one GET, id to UID to know
whose answers the calendar reports. Without a remembered id (a new store) the event is looked
up by its extended property. An event is made with a ``transactionId`` derived from the UID and
the change's SEQUENCE: a create whose answer was lost and is sent again gives back the same
event, not a second one.

**Changes.** ``update`` creates the event (``POST /users/{m}/events`` with the attendees, so
Exchange sends the invitations) or patches what differs from what the calendar holds (title,
text, place, time, recurrence, attendees; Exchange mails the invitations, updates and
cancellations that follow from it, and keeps the answers of the attendees who stay). A patch
that would change nothing is not sent, so a retried update mails nobody twice. ``cancel`` is
``POST /events/{id}/cancel`` with the meeting's text as the comment: Exchange sends the
cancellations and takes the event out of the calendar. ``remove`` patches the attendee list
without the people taken off.

**Answers.** :meth:`GraphCalendar.answers` asks a delta query over a calendar view
(``/calendarView/delta``, a window from a month back to two years ahead, begun afresh once a
year) for the events changed since the stored ``@odata.deltaLink``; an expired link (410, or
``syncStateNotFound``) means one full read of the window. Each attendee's
``status.response`` (accepted, declined, tentativelyAccepted, none, notResponded) and
``proposedNewTime`` (a counter-proposal) are compared with what was last reported, also kept in
the :class:`SyncState`, so an answer is reported once, and a full read reports only what changed.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from followthru.backends.base import CalendarAnswer, MeetingChange, SyncState, Unavailable
from followthru.backends.graph.api import Graph, GraphError, delta_expired, quoted
from followthru.backends.graph.recurrence import recurrence, windows_zone, zone_named
from followthru.backends.publish import publish
from followthru.config import Config

log = logging.getLogger(__name__)

# A property set GUID of Followthru's own; the name makes the property readable in MAPI tools.
UID_PROPERTY = "String {6a0c4b7e-2f1d-4a57-9c0e-5b6f2f0d8e31} Name followthruUid"
PARTSTAT = {
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "tentativelyAccepted": "TENTATIVE",
    "none": "NEEDS-ACTION",
    "notResponded": "NEEDS-ACTION",
}
READ_PREFERENCES = {"Prefer": 'outlook.timezone="UTC", outlook.body-content-type="text"'}
EVENT_FIELDS = "subject,body,start,end,location,attendees,recurrence,isCancelled,type"
WINDOW_BEFORE = timedelta(days=30)
WINDOW_AFTER = timedelta(days=730)
NEW_ROUND_AFTER = timedelta(days=365)


class GraphCalendar:
    """:class:`~followthru.backends.base.CalendarBackend` over Graph, on the default calendar
    of ``graph.mailbox`` (default ``sender.email``). Builds no connection yet."""

    def __init__(self, config: Config, state: SyncState):
        self.state = state
        self.graph = Graph(config, "calendar")
        self.where = self.graph.where
        self.key = f"graph:{self.graph.mailbox}:calendar"

    # -- publishing ------------------------------------------------------------------------------------
    def publish(self, meeting: MeetingChange) -> None:
        publish(
            meeting,
            where=self.where,
            update=self._update,
            remove=self._remove,
            cancel=self._cancel,
            cannot_hold=(ValueError,),  # ValueError: a repeat rule or zone beyond Graph
            calendar_hint="check that the app may change events in the calendar of graph.mailbox",
        )

    def _update(self, meeting: MeetingChange) -> None:
        body = event_body(meeting)
        existing = self._event(meeting.uid)
        if existing is None:
            created = self.graph.call(
                "POST",
                "/events",
                body={
                    **{k: v for k, v in body.items() if v is not None},
                    "transactionId": transaction_id(meeting),
                    "singleValueExtendedProperties": [{"id": UID_PROPERTY, "value": meeting.uid}],
                },
            ).json()
            self._remember(meeting.uid, created["id"])
            return
        changes = differences(body, existing)
        if changes:
            self.graph.call("PATCH", f"/events/{quote(existing['id'], safe='')}", body=changes)

    def _remove(self, meeting: MeetingChange) -> None:
        existing = self._event(meeting.uid)
        if existing is None:
            return
        gone = {a.email.lower() for a in meeting.attendees}
        attendees = existing.get("attendees", [])
        staying = [_writable(a) for a in attendees if _address(a) not in gone]
        if len(staying) < len(attendees):
            self.graph.call("PATCH", f"/events/{quote(existing['id'], safe='')}", body={"attendees": staying})

    def _cancel(self, meeting: MeetingChange) -> None:
        existing = self._event(meeting.uid)
        if existing is None:
            return
        try:
            self.graph.call(
                "POST", f"/events/{quote(existing['id'], safe='')}/cancel", body={"comment": meeting.description}
            )
        except GraphError as error:
            if error.status != 404:  # 404: cancelled already (an earlier answer was lost)
                raise
        self._forget(meeting.uid)

    def _event(self, uid: str) -> dict[str, Any] | None:
        """The live event of ``uid`` (times in UTC, text as text), or None."""
        event_id = self.state.get_sync(f"{self.key}:event:{uid}")
        if event_id:
            try:
                event = self.graph.get(
                    f"/events/{quote(event_id, safe='')}", {"$select": EVENT_FIELDS}, READ_PREFERENCES
                )
                return None if event.get("isCancelled") else event
            except GraphError as error:
                if error.status != 404:
                    raise
        found = self.graph.get(
            "/events",
            {
                "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq {quoted(UID_PROPERTY)} and ep/value eq "
                f"{quoted(uid)})",
                "$select": EVENT_FIELDS,
            },
            READ_PREFERENCES,
        ).get("value", [])
        live: list[dict[str, Any]] = [e for e in found if not e.get("isCancelled")]
        if not live:
            return None
        self._remember(uid, live[0]["id"])
        return live[0]

    def _remember(self, uid: str, event_id: str) -> None:
        self.state.put_sync(f"{self.key}:event:{uid}", event_id)
        self.state.put_sync(f"{self.key}:uid:{event_id}", uid)

    def _forget(self, uid: str) -> None:
        self.state.put_sync(f"{self.key}:event:{uid}", "")

    # -- answers ----------------------------------------------------------------------------------------
    def answers(self) -> Iterator[CalendarAnswer]:
        """Attendees' answers that changed since the last call, from the events the calendar view's
        delta query reports changed."""
        try:
            yield from self._changes()
        except GraphError as error:
            raise Unavailable(f"{self.where}: {error}") from None

    def _changes(self) -> Iterator[CalendarAnswer]:
        saved = json.loads(self.state.get_sync(self.key + ":delta") or "{}")
        now = datetime.now(timezone.utc)
        link, began = saved.get("link"), saved.get("began")
        if link and datetime.fromisoformat(began) + NEW_ROUND_AFTER < now:
            link = None  # the window moves on: a fresh round over a new one
        try:
            events, delta_link = self._round(link, now)
        except GraphError as error:
            if link is None or not delta_expired(error):
                raise
            log.warning("%s: the delta link has expired (%s); reading the calendar again", self.where, error)
            link = None
            events, delta_link = self._round(None, now)
        for event in events:
            yield from self._answers_in(event)
        if delta_link:
            self.state.put_sync(
                self.key + ":delta", json.dumps({"link": delta_link, "began": began if link else now.isoformat()})
            )

    def _round(self, link: str | None, now: datetime) -> tuple[list[dict[str, Any]], str | None]:
        """The events changed since ``link`` (every event of a new window without one), and the
        link for next time."""
        window = None if link else {"startDateTime": _utc(now - WINDOW_BEFORE), "endDateTime": _utc(now + WINDOW_AFTER)}
        events: list[dict[str, Any]] = []
        last: dict[str, Any] = {}
        for page in self.graph.pages(link or "/calendarView/delta", window, READ_PREFERENCES):
            events.extend(e for e in page.get("value", []) if "@removed" not in e)
            last = page
        return events, last.get("@odata.deltaLink")

    def _answers_in(self, event: dict[str, Any]) -> Iterator[CalendarAnswer]:
        # An exception (one occurrence changed apart) is left out: the series' answer counts.
        if event.get("isCancelled") or event.get("type") == "exception":
            return
        uid = self.state.get_sync(f"{self.key}:uid:{event.get('seriesMasterId') or event['id']}")
        if not uid:
            return  # not one of Followthru's events
        key = f"{self.key}:answers:{uid}"
        reported = json.loads(self.state.get_sync(key) or "{}")
        current = {}
        for attendee in event.get("attendees", []):
            response = attendee.get("status", {}).get("response", "none")
            if response == "organizer" or attendee.get("type") == "resource":
                continue
            proposed = _moment((attendee.get("proposedNewTime") or {}).get("start"))
            current[_address(attendee)] = [response, proposed.isoformat() if proposed else None]
        for attendee, (response, proposed) in current.items():
            if [response, proposed] != reported.get(attendee, ["none", None]) and response in PARTSTAT:
                yield CalendarAnswer(
                    uid, attendee, PARTSTAT[response], datetime.fromisoformat(proposed) if proposed else None
                )
        if current != reported:
            self.state.put_sync(key, json.dumps(current, sort_keys=True))

    def describe(self) -> str:
        """What ``doctor`` shows: the calendar can be changed. Reads only."""
        calendar = self.graph.get("/calendar", {"$select": "name,canEdit,owner"})
        if not calendar.get("canEdit", True):
            raise Unavailable(
                f"{self.where}: the calendar {calendar.get('name')!r} cannot be changed by the app; "
                "it needs Calendars.ReadWrite"
            )
        return f"calendar {calendar.get('name', 'Calendar')!r} writable"

    def close(self) -> None:
        self.graph.close()


def transaction_id(meeting: MeetingChange) -> str:
    """The same meeting change always gives the same id: Graph makes its event once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"followthru:{meeting.uid}#{meeting.sequence}"))


def event_body(meeting: MeetingChange) -> dict[str, Any]:
    """The event's fields for ``meeting``; ``recurrence`` is None for a single meeting."""
    attendees = [
        {"emailAddress": {"address": person.email, "name": person.name or person.email}, "type": "required"}
        for person in meeting.invitees()
    ]
    start = _aware(meeting.start, meeting.timezone)
    return {
        "subject": meeting.summary,
        "body": {"contentType": "text", "content": meeting.description},
        "start": _when(start, meeting.timezone),
        "end": _when(_aware(meeting.end, meeting.timezone), meeting.timezone),
        "location": {"displayName": meeting.location},
        "attendees": attendees,
        "recurrence": recurrence(meeting.rrule, start) if meeting.rrule else None,
        "allowNewTimeProposals": True,
        "responseRequested": True,
    }


def differences(body: dict[str, Any], existing: dict[str, Any]) -> dict[str, Any]:
    """The part of ``body`` that differs from the ``existing`` event (as read with
    :data:`READ_PREFERENCES`): what a patch must send, and nothing more."""
    changes = {}
    if body["subject"] != existing.get("subject", ""):
        changes["subject"] = body["subject"]
    if " ".join(body["body"]["content"].split()) != " ".join(existing.get("body", {}).get("content", "").split()):
        changes["body"] = body["body"]
    if body["location"]["displayName"] != (existing.get("location") or {}).get("displayName", ""):
        changes["location"] = body["location"]
    for key in ("start", "end"):
        if _moment(body[key]) != _moment(existing.get(key)):
            changes[key] = body[key]
    if not _same_recurrence(body["recurrence"], existing.get("recurrence")):
        changes["recurrence"] = body["recurrence"]
    if {a["emailAddress"]["address"] for a in body["attendees"]} != {
        _address(a) for a in existing.get("attendees", [])
    }:
        changes["attendees"] = body["attendees"]
    return changes


def _same_recurrence(wanted: dict[str, Any] | None, held: dict[str, Any] | None) -> bool:
    if not wanted or not held:
        return not wanted and not held
    return all(held.get(part, {}).get(k) == v for part in ("pattern", "range") for k, v in wanted[part].items())


def _aware(moment: datetime | date, zone: str) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def _when(moment: datetime, zone: str) -> dict[str, Any]:
    """A dateTimeTimeZone: wall time in the meeting's zone under its Windows name; in UTC where
    Windows has no zone with its rules."""
    windows = windows_zone(zone)
    if windows is None or windows == "UTC":
        return {"dateTime": moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(), "timeZone": "UTC"}
    return {"dateTime": moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None).isoformat(), "timeZone": windows}


def _moment(when: dict[str, Any] | None) -> datetime | None:
    """The instant a dateTimeTimeZone names (Graph writes seven decimals of a second)."""
    if not when or not when.get("dateTime"):
        return None
    text = when["dateTime"]
    if "." in text:
        head, _, fraction = text.partition(".")
        text = f"{head}.{fraction[:6]}"
    return datetime.fromisoformat(text).replace(tzinfo=zone_named(when.get("timeZone") or "UTC"))


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _address(attendee: dict[str, Any]) -> str:
    return str(attendee.get("emailAddress", {}).get("address", "")).lower()


def _writable(attendee: dict[str, Any]) -> dict[str, Any]:
    """An attendee as a patch sends it: who and how; the answer is Exchange's to keep."""
    person = attendee.get("emailAddress", {})
    return {
        "emailAddress": {k: v for k, v in person.items() if k in ("address", "name")},
        "type": attendee.get("type", "required"),
    }
