"""Reading one inbound message: MIME parsing and the order in which the concerns decide.

1. a delivery report (bounce, or a delay / other notice -> auto_reply)  -- :mod:`.automatic`
2. an iTIP calendar answer (REPLY, COUNTER)                            -- :mod:`.itip`
3. an auto-reply (RFC 3834 headers, out-of-office subjects)            -- :mod:`.automatic`
4. a calendar client's answer subject without calendar part ("Accepted: ...")
5. a forward ("Fwd:") -> unclear
6. the person's new words (:mod:`.extract`), classified (:mod:`.classify`)

:func:`read_reply` never raises: whatever could not be read is left empty and the intent is
``unclear``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone as dt_timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from followthru.replies import automatic, itip
from followthru.replies.classify import classify
from followthru.replies.dates import find_dates
from followthru.replies.extract import html_to_text, split_reply
from followthru.replies.mime import addresses, bodies, header, parse
from followthru.replies.model import Bounce, CalendarAnswer, Reply

__all__ = ["Reply", "CalendarAnswer", "Bounce", "read_reply"]

_IDS = re.compile(r"<[^<>\s]+>")
_FORWARD = re.compile(r"^\s*(fwd?|wg|tr|rv|doorst|vs|fw)\s*:", re.I)
_DUE_LINE = re.compile(r"\b(due|by|deadline|until|bis|fällig|avant|para|antes)\b", re.I)


def _zone(name: str | tzinfo) -> tzinfo:
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - an unknown zone name reads dates in UTC
        return dt_timezone.utc


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt_timezone.utc)


def _asked(subject: str, rest: str, base: datetime) -> set[date]:
    """Dates the request asked for: in the subject and in quoted lines about due dates."""
    lines = [line for line in rest.splitlines() if _DUE_LINE.search(line)][:40]
    return {found.day for found in find_dates("\n".join([subject, *lines]), base)}


def read_reply(raw: bytes, timezone: str = "UTC") -> Reply:
    """Read one RFC 5322 message. ``timezone`` (an IANA name) is where dates in the text are
    read: relative ones ("Friday", "tomorrow") count from the message Date in that zone, and a
    floating calendar time is taken to be in it. An unknown name means UTC.

    Never raises on bad input: a malformed message gives intent 'unclear' with whatever could be
    read."""
    fields: dict[str, Any] = dict(
        message_id=None, in_reply_to=[], references=[], sender="", sender_name="", to=[],
        subject="", date=None, words="", intent="unclear", confidence=0.0, evidence="",
        proposed_date=None, return_date=None, calendar=None, bounce=None)
    try:
        _read(raw, _zone(timezone), fields)
    except Exception as error:  # noqa: BLE001 - the contract: never raise
        fields.update(intent="unclear", confidence=0.0, proposed_date=None,
                      evidence=f"unreadable message ({type(error).__name__})")
    return Reply(**fields)


def _read(raw: bytes, zone: tzinfo, fields: dict[str, Any]) -> None:
    """Fill ``fields`` step by step, so that a failure keeps what was read before it."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogateescape")
    msg = parse(bytes(raw))
    if not any(msg.get(name) for name in ("From", "To", "Subject", "Date", "Message-ID")):
        fields.update(confidence=0.0, evidence="not an email message (no headers)")
        return

    message_id = header(msg, "Message-ID")
    ids = _IDS.findall(message_id)
    senders = addresses(msg, "From")
    recipients = [address for _, address in addresses(msg, "To", "Cc", "Delivered-To")]
    fields.update(
        message_id=ids[0] if ids else (message_id or None),
        in_reply_to=_IDS.findall(header(msg, "In-Reply-To")),
        references=_IDS.findall(header(msg, "References")),
        sender=senders[0][1] if senders else "",
        sender_name=senders[0][0] if senders else "",
        to=list(dict.fromkeys(recipients)),
        subject=header(msg, "Subject"),
        date=_date(header(msg, "Date")),
    )
    subject = fields["subject"]
    base = (fields["date"] or datetime.now(dt_timezone.utc)).astimezone(zone).replace(tzinfo=None)

    plain, html = bodies(msg)
    text = plain if plain.strip() else html_to_text(html)
    words, rest = split_reply(text)
    fields["words"] = words

    report = automatic.delivery_report(msg, subject)
    if report:
        fields.update(intent=report.intent, confidence=report.confidence,
                      evidence=report.evidence, bounce=report.bounce)
        return

    answer = itip.calendar_answer(msg, fields["sender"], zone)
    if answer:
        intent, evidence = itip.intent_of(answer)
        proposed = answer.proposed_start.astimezone(zone).date() if answer.proposed_start else None
        fields.update(calendar=answer, intent=intent, evidence=evidence, proposed_date=proposed,
                      confidence=1.0 if intent != "unclear" else 0.5)
        return

    automatic_evidence = automatic.auto_reply_evidence(msg, subject)
    if automatic_evidence:
        fields.update(intent="auto_reply", evidence=automatic_evidence,
                      confidence=0.95 if not automatic_evidence.startswith("subject") else 0.85,
                      return_date=automatic.return_date(words or text, base))
        return

    by_subject = itip.subject_answer(subject)
    if by_subject:
        fields.update(intent=by_subject[0], confidence=0.9, evidence=by_subject[1])
        return

    if _FORWARD.match(subject):
        fields.update(intent="unclear", confidence=0.4, evidence=f"forwarded: {subject}")
        return

    verdict = classify(words, base, _asked(subject, rest, base))
    fields.update(intent=verdict.intent, confidence=verdict.confidence,
                  evidence=verdict.evidence, proposed_date=verdict.proposed_date)
