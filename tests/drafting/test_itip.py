from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import icalendar

from followthru.drafting.itip import Attendee, cancellation, invitation
from followthru.plan import Meeting
from followthru.uids import event_uid

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
ZONE = ZoneInfo("Europe/Paris")


def event_of(ical: bytes):
    calendar = icalendar.Calendar.from_ical(ical)
    return calendar, calendar.walk("VEVENT")[0]


def arguments(meeting: Meeting, sequence: int = 0) -> dict:
    return dict(
        uid=event_uid("acme", meeting.key, "example.com"),
        sequence=sequence,
        meeting=meeting,
        plan_timezone=ZONE,
        organizer=("Riley via Followthru", "ft@example.com"),
        attendees=[Attendee("Sam", "sam@example.com")],
        description="Agenda",
        dtstamp=NOW,
    )


def test_cancel_keeps_uid_and_raises_sequence():
    meeting = Meeting(title="Review", start=datetime(2026, 12, 16, 14, 0))
    _, request = event_of(invitation(**arguments(meeting)))
    calendar, cancel = event_of(cancellation(**arguments(meeting, sequence=1)))
    assert calendar["METHOD"] == "CANCEL" and cancel["STATUS"] == "CANCELLED"
    assert cancel["UID"] == request["UID"] == "followthru-acme-review@example.com"
    assert cancel["SEQUENCE"] == 1 > request["SEQUENCE"]


def test_until_and_rrule_repeats():
    meeting = Meeting(title="Daily", start=datetime(2026, 12, 1, 9, 0), repeat="daily", until=date(2026, 12, 5))
    _, event = event_of(invitation(**arguments(meeting)))
    assert event["RRULE"]["FREQ"] == ["DAILY"]
    assert event["RRULE"]["UNTIL"][0] == datetime(2026, 12, 5, 22, 59, 59, tzinfo=timezone.utc)
    custom = Meeting(title="Standup", start=datetime(2026, 12, 1, 9, 0), repeat="FREQ=WEEKLY;BYDAY=MO,WE", count=4)
    _, event = event_of(invitation(**arguments(custom)))
    assert event["RRULE"]["BYDAY"] == ["MO", "WE"] and event["RRULE"]["COUNT"] == [4]


def test_a_start_with_an_offset_is_written_in_utc():
    meeting = Meeting(title="Call", start=datetime.fromisoformat("2026-12-01T09:00:00-05:00"))
    calendar, event = event_of(invitation(**arguments(meeting)))
    assert event["DTSTART"].dt == datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
    assert calendar.walk("VTIMEZONE") == []
