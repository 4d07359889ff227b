"""Meetings in the mailbox's calendar through EWS; Exchange sends the invitations, updates and
cancellations itself.

Followthru's iCalendar UID becomes the calendar item's UID, set when the item is made, and is also
kept in a named property (``FollowthruUid`` in PublicStrings) because EWS cannot search by UID.
The item's EWS id is kept through SyncState (key ``exchange:{mailbox}:event:{uid}``), with what
was last sent and the attendees' last known answers. Without a stored id (the answer to
``CreateItem`` was lost, or the store is new) the calendar is searched for the named property
before anything is made, so a meeting is never made twice. The organizer is the mailbox; the
plan's owner (the meeting's chair) is a required attendee like the others.

- ``update``: the first time, ``CreateItem`` with ``SendMeetingInvitations="SendToAllAndSaveCopy"``;
  later, ``UpdateItem`` of only what changed, with ``SendMeetingInvitationsOrCancellations=
  "SendToChangedAndSaveCopy"``: Exchange sends the update to everyone when the time or place
  moved, and otherwise only invites added attendees and cancels for removed ones.
- ``cancel``: ``CancelCalendarItem`` (sent with ``SendAndSaveCopy``): every attendee gets the
  cancellation and the item leaves the calendar.
- ``remove``: ``UpdateItem`` without those attendees (``SendToChangedAndSaveCopy``): they alone
  are told.

:meth:`ExchangeCalendar.answers` syncs the calendar folder (SyncFolderItems, position kept
through SyncState) with each changed item's UID and attendees. An attendee whose ResponseType
differs from the last one seen is a :class:`CalendarAnswer`: Accept → ACCEPTED, Decline →
DECLINED, Tentative → TENTATIVE, NoResponseReceived and Unknown → NEEDS-ACTION, with the
proposed start when the attendee proposed a new time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from exchangelib import Account, Attendee, Body, CalendarItem, EWSDateTime, EWSTimeZone, ExtendedProperty, Mailbox
from exchangelib import errors as ews
from exchangelib.errors import ErrorInvalidSyncStateData, ErrorItemNotFound, UnknownTimeZone
from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY, SEND_TO_CHANGED_AND_SAVE_COPY
from exchangelib.services import SyncFolderItems

from followthru.backends.base import CalendarAnswer, Invitee, MeetingChange, SendError, SyncState
from followthru.backends.exchange.connection import Connection
from followthru.backends.exchange.recurrence import recurrence
from followthru.config import Config

log = logging.getLogger(__name__)

PARTSTAT = {
    "Accept": "ACCEPTED",
    "Decline": "DECLINED",
    "Tentative": "TENTATIVE",
    "NoResponseReceived": "NEEDS-ACTION",
    "Unknown": "NEEDS-ACTION",
}  # the organizer's own entry is skipped
MAX_CHANGES = 512
# Exchange's objections to the meeting itself: publishing it again would change nothing.
REFUSED = (
    ews.ErrorCalendarDurationIsTooLong,
    ews.ErrorCalendarEndDateIsEarlierThanStartDate,
    ews.ErrorCalendarInvalidAttributeValue,
    ews.ErrorCalendarInvalidDayForTimeChangePattern,
    ews.ErrorCalendarInvalidDayForWeeklyRecurrence,
    ews.ErrorCalendarInvalidPropertyState,
    ews.ErrorCalendarInvalidPropertyValue,
    ews.ErrorCalendarInvalidRecurrence,
    ews.ErrorCalendarInvalidTimeZone,
    ews.ErrorCalendarIsNotOrganizer,
    ews.ErrorCalendarOutOfRange,
    ews.ErrorInvalidRecipients,
    ews.ErrorItemSave,
    ews.ErrorMessageSizeExceeded,
)


class FollowthruUid(ExtendedProperty):
    """The meeting's UID as a named property, which EWS can search (``calendar:UID`` it cannot)."""

    distinguished_property_set_id = "PublicStrings"
    property_name = "FollowthruUid"
    property_type = "String"


if "followthru_uid" not in {field.name for field in CalendarItem.FIELDS}:
    CalendarItem.register("followthru_uid", FollowthruUid)


class ExchangeCalendar:
    """The CalendarBackend for ``calendar.backend = "exchange"``. Connects on first use."""

    def __init__(self, config: Config, state: SyncState):
        self.connection = Connection(config)
        self.state = state
        self.where = self.connection.where
        self.prefix = f"exchange:{self.connection.mailbox}"
        self.poll_seconds = config.exchange.poll_seconds
        self._next_check = 0.0

    # -- publishing --------------------------------------------------------------------------------------
    def publish(self, meeting: MeetingChange) -> None:
        self.connection.call(f"publishing the meeting {meeting.uid}", lambda account: self._publish(account, meeting))

    def _publish(self, account: Account, meeting: MeetingChange) -> None:
        record = self._record(meeting.uid)
        item = self._item(account, meeting.uid, record)
        if meeting.change == "cancel":
            if item is not None:
                item.cancel()
                log.info("cancelled %s; Exchange tells every attendee", meeting.uid)
            self._save(meeting.uid, {**record, "cancelled": True})
        elif meeting.change == "remove":
            if item is not None:
                gone = {person.email.lower() for person in meeting.attendees}
                staying = [a for a in item.required_attendees or [] if _address(a) not in gone]
                if len(staying) != len(item.required_attendees or []):
                    item.required_attendees = staying
                    self._save_item(
                        item,
                        meeting,
                        update_fields=["required_attendees"],
                        send_meeting_invitations=SEND_TO_CHANGED_AND_SAVE_COPY,
                    )
        elif item is None:
            self._create(account, meeting)
        else:
            self._update(item, record, meeting)

    def _create(self, account: Account, meeting: MeetingChange) -> None:
        fields = _fields(meeting)
        # What is sent is remembered first: if the answer is lost, the next try finds the item by
        # its UID and sees that nothing is left to change.
        self._save(meeting.uid, {"sent": _fingerprint(meeting), "answers": {}})
        item = CalendarItem(
            account=account,
            folder=account.calendar,
            uid=meeting.uid,
            followthru_uid=meeting.uid,
            required_attendees=[_attendee(p) for p in _people(meeting)],
            **fields,
        )
        self._save_item(item, meeting, send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
        self._save(meeting.uid, {"id": item.id, "sent": _fingerprint(meeting), "answers": {}})
        log.info("made %s in the calendar; Exchange invites %d attendees", meeting.uid, len(_people(meeting)))

    def _update(self, item: CalendarItem, record: dict[str, Any], meeting: MeetingChange) -> None:
        fields, sent, now = _fields(meeting), record.get("sent", {}), _fingerprint(meeting)
        changed = [name for name in fields if sent.get(name) != now[name]]
        wanted = {p.email.lower() for p in _people(meeting)}
        current = {_address(a): a for a in item.required_attendees or []}
        if set(current) != wanted:  # the attendees who stay are kept as they are: their answers stay
            item.required_attendees = [current.get(p.email.lower()) or _attendee(p) for p in _people(meeting)]
            changed.append("required_attendees")
        if not changed:
            return
        for name in changed:
            if name in fields:
                setattr(item, name, fields[name])
        if "start" in changed or "end" in changed:  # EWS wants both with their time zones
            item.start, item.end = fields["start"], fields["end"]
            changed = sorted(set(changed) | {"start", "end"})
        self._save_item(item, meeting, update_fields=changed, send_meeting_invitations=SEND_TO_CHANGED_AND_SAVE_COPY)
        self._save(meeting.uid, {**record, "sent": now})
        log.info("updated %s (%s); Exchange tells the attendees it concerns", meeting.uid, ", ".join(changed))

    def _save_item(self, item: CalendarItem, meeting: MeetingChange, **options: Any) -> None:
        """``item.save(**options)``; a meeting Exchange (or exchangelib, checking it first) refuses
        fails for good."""
        try:
            item.save(**options)
        except (ValueError, *REFUSED) as error:
            raise SendError(
                f"{self.where} refused the meeting {meeting.summary!r} ({type(error).__name__}: {error})",
                permanent=True,
            ) from None

    def _item(self, account: Account, uid: str, record: dict[str, Any]) -> CalendarItem | None:
        """The calendar item, or None when there is none (never made, cancelled, or deleted by hand).
        Found by its stored id, else by a search for its UID."""
        if record.get("cancelled"):
            return None
        ids = [record["id"]] if record.get("id") else []
        if not ids:
            ids = [found.id for found in account.calendar.filter(followthru_uid=uid).only("subject")]
        if not ids:
            return None
        [item] = account.fetch(ids=[(ids[0], None)], folder=account.calendar, only_fields=["required_attendees"])
        if isinstance(item, ErrorItemNotFound):
            return None
        if isinstance(item, Exception):
            raise item  # Connection.call says what it means
        if not record.get("id"):
            log.info("found %s in the calendar by its UID; the stored id was missing", uid)
            record["id"] = item.id
            self._save(uid, record)
        return item

    # -- answers -----------------------------------------------------------------------------------------
    def answers(self) -> Iterator[CalendarAnswer]:
        if time.monotonic() < self._next_check:
            return
        key = f"{self.prefix}:calendar"
        position = self.state.get_sync(key)
        changed, position = self.connection.call(
            "reading meeting answers", lambda account: self._sync(account, position)
        )
        for item in changed:
            record = self._record(item.uid) if item.uid else {}
            if not record.get("id"):
                continue  # not one of Followthru's meetings
            for attendee in item.required_attendees or []:
                partstat = PARTSTAT.get(attendee.response_type or "Unknown")
                if partstat is None:
                    continue
                proposed = _utc(attendee.proposed_start)
                seen = f"{partstat} {proposed.isoformat() if proposed else ''}".strip()
                address = _address(attendee)
                if record.setdefault("answers", {}).get(address, "NEEDS-ACTION") == seen:
                    continue
                yield CalendarAnswer(item.uid, address, partstat, proposed)
                record["answers"][address] = seen
                self._save(item.uid, record)
        self.state.put_sync(key, position)
        self._next_check = time.monotonic() + self.poll_seconds

    def _sync(self, account: Account, position: str | None) -> tuple[list[CalendarItem], str]:
        calendar = account.calendar
        calendar.item_sync_state = position  # the store's position, not the one exchangelib kept on the folder
        try:
            changes = list(
                calendar.sync_items(
                    sync_state=position, only_fields=["uid", "required_attendees"], max_changes_returned=MAX_CHANGES
                )
            )
        except ErrorInvalidSyncStateData:
            if position is None:
                raise
            log.warning(
                "%s refused the stored sync state of the calendar: reading it whole again "
                "(answers already seen are not reported twice)",
                self.where,
            )
            return self._sync(account, None)
        items = [
            item
            for change, item in changes
            if change in (SyncFolderItems.CREATE, SyncFolderItems.UPDATE) and isinstance(item, CalendarItem)
        ]
        return items, calendar.item_sync_state

    # -- records -----------------------------------------------------------------------------------------
    def _record(self, uid: str) -> dict[str, Any]:
        text = self.state.get_sync(f"{self.prefix}:event:{uid}")
        return json.loads(text) if text else {}

    def _save(self, uid: str, record: dict[str, Any]) -> None:
        self.state.put_sync(f"{self.prefix}:event:{uid}", json.dumps(record, sort_keys=True))

    def close(self) -> None:
        self.connection.close()


def _people(meeting: MeetingChange) -> list[Invitee]:
    """The required attendees: the chair (the plan's owner) first, then the others, each once."""
    people, seen = [], set()
    for person in ([meeting.chair] if meeting.chair else []) + list(meeting.attendees):
        if person.email.lower() not in seen:
            seen.add(person.email.lower())
            people.append(person)
    return people


def _attendee(person: Invitee) -> Attendee:
    return Attendee(mailbox=Mailbox(email_address=person.email, name=person.name or None))


def _address(attendee: Attendee) -> str:
    return (attendee.mailbox.email_address or "").lower()


def _fields(meeting: MeetingChange) -> dict[str, Any]:
    """The calendar item's fields for ``meeting``, except the attendees. Raises SendError for a
    repeat rule Exchange cannot express."""
    try:
        zone = EWSTimeZone(meeting.timezone)
    except UnknownTimeZone:
        raise SendError(f"Exchange knows no time zone {meeting.timezone!r}", permanent=True) from None
    start = EWSDateTime.fromtimestamp(meeting.start.timestamp(), tz=zone)
    end = EWSDateTime.fromtimestamp(meeting.end.timestamp(), tz=zone)
    try:
        repeats = recurrence(meeting.rrule, start) if meeting.rrule else None
    except ValueError as error:
        raise SendError(str(error), permanent=True) from None
    return {
        "subject": meeting.summary,
        "body": Body(meeting.description),
        "location": meeting.location or None,
        "start": start,
        "end": end,
        "recurrence": repeats,
    }


def _fingerprint(meeting: MeetingChange) -> dict[str, Any]:
    """What was sent, as comparable text: a field whose text changed is updated."""
    return {
        "subject": meeting.summary,
        "body": hashlib.sha256(meeting.description.encode()).hexdigest(),
        "location": meeting.location,
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat(),
        "recurrence": meeting.rrule,
        "timezone": meeting.timezone,
    }


def _utc(moment: datetime | None) -> datetime | None:
    return datetime.fromtimestamp(moment.timestamp(), timezone.utc) if moment else None
