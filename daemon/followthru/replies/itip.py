"""Calendar answers: iTIP REPLY and COUNTER (RFC 5546) carried in a text/calendar part, an .ics
attachment or an Outlook TNEF attachment (winmail.dat, see :mod:`.tnef`), and the "Accepted:" /
"Declined:" subjects calendar clients use, as a fallback when the calendar part is missing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, tzinfo
from email.message import Message

import icalendar

from followthru.replies import tnef
from followthru.replies.mime import content_type, decode, filename, leaves, param
from followthru.replies.model import CalendarAnswer

_CALENDAR_TYPES = {"text/calendar", "application/ics", "text/x-vcalendar", "application/ical"}
_PARTSTAT_INTENT = {"ACCEPTED": "accept", "DECLINED": "decline", "TENTATIVE": "tentative"}


MAX_CALENDARS = 10  # calendar parts read from one message (an answer has one)
MAX_CALENDAR_CHARS = 1_000_000  # characters of one calendar part (an answer has 2,000)


def _calendars(msg: Message) -> Iterator[tuple[icalendar.Calendar, str | None]]:
    """``(calendar, METHOD parameter)`` of every calendar part, also those inside TNEF; at most
    MAX_CALENDARS, each up to MAX_CALENDAR_CHARS."""
    texts = []
    for part in leaves(msg):
        name = filename(part).lower()
        if content_type(part) in _CALENDAR_TYPES or name.endswith((".ics", ".ical", ".ifb")):
            texts.append((decode(part), param(part, "method") or None))
            if len(texts) >= MAX_CALENDARS:
                break
    for data in tnef.tnef_parts(msg):
        texts += [(ics.decode("utf-8", "replace"), None) for ics in tnef.calendars(data)]
    texts = [(text[:MAX_CALENDAR_CHARS], method) for text, method in texts[:MAX_CALENDARS]]
    for text, method in texts:
        try:
            yield icalendar.Calendar.from_ical(text), method
        except Exception:  # noqa: BLE001 - an unreadable calendar is no answer
            continue


def _aware(value: object, zone: tzinfo) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=zone)
    return None


def calendar_answer(msg: Message, sender: str, zone: tzinfo) -> CalendarAnswer | None:
    """The first iTIP REPLY or COUNTER in ``msg``, else the meeting response of an Outlook TNEF
    attachment. The attendee is the one matching ``sender`` when there is one, else the first
    that carries a PARTSTAT. A floating or all-day DTSTART is read in ``zone``."""
    for calendar, part_method in _calendars(msg):
        method = str(calendar.get("METHOD") or part_method or "").upper()
        if method not in ("REPLY", "COUNTER"):
            continue
        for event in calendar.walk("VEVENT"):
            attendees = event.get("ATTENDEE") or []
            if not isinstance(attendees, list):
                attendees = [attendees]
            people = [
                (
                    re.sub(r"^mailto:", "", str(a), flags=re.IGNORECASE).strip().lower(),
                    getattr(a, "params", {}).get("PARTSTAT"),
                )
                for a in attendees
            ]
            person = (
                next((p for p in people if p[0] == sender), None)
                or next((p for p in people if p[1]), None)
                or (people[0] if people else ("", None))
            )
            try:
                sequence = int(event.get("SEQUENCE")) if event.get("SEQUENCE") is not None else None
            except (TypeError, ValueError):
                sequence = None
            start = None
            if method == "COUNTER" and event.get("DTSTART") is not None:
                try:
                    start = _aware(event.decoded("DTSTART"), zone)
                except Exception:  # noqa: BLE001
                    start = None
            partstat = str(person[1]).upper() if person[1] else None
            return CalendarAnswer(method, str(event.get("UID", "")), person[0], partstat, start, sequence)
    for data in tnef.tnef_parts(msg):
        answer = tnef.calendar_answer(data, sender)
        if answer:
            return answer
    return None


def intent_of(answer: CalendarAnswer) -> tuple[str, str]:
    """``(intent, evidence)`` of a calendar answer."""
    if answer.method == "COUNTER":
        return "counter", "METHOD:COUNTER"
    intent = _PARTSTAT_INTENT.get(answer.partstat or "", "unclear")
    return intent, f"METHOD:REPLY PARTSTAT={answer.partstat}"


_SUBJECT = re.compile(
    r"^\s*(?:(?:re|aw|fw|fwd|wg)\s*:\s*)*(?P<word>mit vorbehalt angenommen|vorläufig angenommen"
    r"|tentatively accepted|tentative|accepted|declined|angenommen|abgelehnt|zugesagt|abgesagt"
    r"|accepté|refusé|provisoire|aceptado|rechazado|provisional|new time proposed"
    r"|neue uhrzeit vorgeschlagen|nouvelle heure proposée|nueva hora propuesta)\s*:",
    re.IGNORECASE,
)
_SUBJECT_INTENT = {
    "accepted": "accept",
    "angenommen": "accept",
    "zugesagt": "accept",
    "accepté": "accept",
    "aceptado": "accept",
    "declined": "decline",
    "abgelehnt": "decline",
    "abgesagt": "decline",
    "refusé": "decline",
    "rechazado": "decline",
}


def subject_answer(subject: str) -> tuple[str, str] | None:
    """``(intent, evidence)`` from a calendar client's answer subject ("Accepted: Review")."""
    found = _SUBJECT.match(subject)
    if not found:
        return None
    word = found.group("word").lower()
    if word in _SUBJECT_INTENT:
        intent = _SUBJECT_INTENT[word]
    elif "time" in word or "uhrzeit" in word or "heure" in word or "hora" in word:
        intent = "counter"
    else:
        intent = "tentative"
    return intent, f"subject: {found.group().strip()}"
