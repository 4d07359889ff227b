"""Reading one inbound message: MIME parsing and the order in which the concerns decide.

1. a delivery report (bounce, or a delay / other notice -> auto_reply)  -- :mod:`.bounces`
2. an iTIP calendar answer (REPLY, COUNTER), also in Outlook's winmail.dat -- :mod:`.itip`,
   :mod:`.tnef`
3. an auto-reply (RFC 3834 headers, out-of-office subjects)            -- :mod:`.automatic`
4. a calendar client's answer subject without calendar part ("Accepted: ...")
5. a forward ("Fwd:") -> unclear
6. the person's new words (:mod:`.extract`; HTML bodies through :mod:`.htmltext`), classified
   (:mod:`.classify`)

Whatever decides, the message's own headers say whether a mailing list relayed it
(:mod:`.relays`, :attr:`Reply.relayed_by`). :func:`settle_for` reads the words of step 6 again
against the due date of the person the reply turned out to answer.

:func:`extract_words` gives the new words alone (what ``followthru extract`` prints).
:func:`read_reply` and :func:`extract_words` never raise: whatever could not be read is left
empty and the intent is ``unclear``.

Time and memory stay bounded whatever the message: besides the limits of :mod:`.mime` (bytes,
lines, header lines, parts and nesting parsed; bytes decoded per part), the body text is read up
to :data:`MAX_TEXT` characters and the new words are classified up to :data:`MAX_WORDS`
characters. A person's answer comes first, so what was read is classified as usual; when nothing
was decided, the evidence says what was left unread.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Set
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from functools import cache, cached_property
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from followthru.replies import automatic, bounces, itip, lowercase, relays
from followthru.replies.classify import classify
from followthru.replies.dates import find_dates
from followthru.replies.extract import split_reply
from followthru.replies.htmltext import html_to_text
from followthru.replies.lexicon import trimming
from followthru.replies.mime import addresses, body, clean, header, parse, too_complex
from followthru.replies.model import Bounce, CalendarAnswer, Reply

MAX_TEXT = 200_000  # characters of the body text in which quotes and signatures are looked for
MAX_WORDS = 20_000  # characters of the new words that are classified
MAX_HTML = 2_000_000  # characters of an HTML body that are rendered to text

__all__ = ["Bounce", "CalendarAnswer", "Reply", "extract_words", "read_reply", "settle_for"]

_IDS = re.compile(r"<[^<>\s]+>")
_FORWARD = re.compile(r"^\s*(fwd?|wg|tr|rv|doorst|vs|fw)\s*:", re.IGNORECASE)
_HEADERS = ("From", "To", "Subject", "Date", "Message-ID")
_HTML = re.compile(r"<(html|body|div|p|br|table|span|blockquote|font)\b[^>]*>", re.IGNORECASE)
_LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines breaks
_DUE_LINE = re.compile(r"\b(due|by|deadline|until|bis|fällig|avant|para|antes)\b", re.IGNORECASE)
# The same words anywhere in lower-cased text, inside other words too: without the leading \b,
# re skips to their first letters at C speed. A line without them holds no due word.
_DUE_WORDS = re.compile("due|by|deadline|until|bis|fällig|avant|para|antes")


def _zone(name: str | tzinfo) -> tzinfo:
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - an unknown zone name reads dates in UTC
        return UTC


# A Date header as nearly every client writes it ("Tue, 1 Dec 2026 09:15:00 +0100"), read by one
# pattern; any other form is left to the standard library, which reads this one the same way.
_PLAIN_DATE = re.compile(
    r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+([1-9]\d{3})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+([+-])(\d{4})"
)
_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _plain_date(found: re.Match[str]) -> datetime:
    """``email.utils.parsedate_to_datetime`` of a date :data:`_PLAIN_DATE` matched whole."""
    day, month, year, hour, minute, second, sign, offset = found.groups()
    number = int(offset)
    seconds = (number // 100) * 3600 + (number % 100) * 60
    zone = None if sign == "-" and not number else timezone(timedelta(seconds=-seconds if sign == "-" else seconds))
    month_number = _MONTH_ABBREVIATIONS.index(month.lower()) + 1
    return datetime(int(year), month_number, int(day), int(hour), int(minute), int(second or 0), tzinfo=zone)


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        plain = _PLAIN_DATE.fullmatch(value)
        moment = _plain_date(plain) if plain else parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cache
def _answer_line() -> re.Pattern[str]:
    """A quoted line about when to answer (its date is no due date), from the language files."""
    return re.compile(trimming().answer_line, re.IGNORECASE)


def _asked(subject: str, rest: str, base: datetime) -> set[date]:
    """Dates the request asked for: in the subject and in quoted lines about due dates (not in
    those about when to answer: "Please answer by Fri 4 Dec" is no due date)."""
    return {found.day for found in find_dates("\n".join([subject, *_due_lines(rest)]), base)}


def _due_lines(rest: str) -> list[str]:
    """The first 40 lines of ``rest`` about due dates and not about when to answer. Only the
    lines where the due words occur at all (even inside another word) are read one by one:
    :data:`_DUE_WORDS` finds them in the whole text at once, much faster."""
    lines = rest.splitlines(keepends=True)
    low = lowercase.lowered(rest)
    if low is None:
        candidates: Iterable[int] = range(len(lines))
    else:
        ends = list(accumulate(len(line) for line in lines))
        candidates = dict.fromkeys(bisect_right(ends, found.start()) for found in _DUE_WORDS.finditer(low))
    holding: list[str] = []
    for index in candidates:
        line = lines[index].rstrip(_LINE_BREAKS)  # a line never ends in a line break of its own
        if _DUE_LINE.search(line) and not _answer_line().search(line):
            holding.append(line)
            if len(holding) == 40:
                break
    return holding


class _AskedDates(Set[date]):
    """The dates of :func:`_asked`, read from the quoted request only when asked about: the
    words of most replies name no date, and then they are never looked at."""

    def __init__(self, subject: str, rest: str, base: datetime):
        self._read = (subject, rest, base)

    @cached_property
    def _dates(self) -> frozenset[date]:
        return frozenset(_asked(*self._read))

    def __contains__(self, day: object) -> bool:
        return day in self._dates

    def __iter__(self) -> Iterator[date]:
        return iter(self._dates)

    def __len__(self) -> int:
        return len(self._dates)


def _is_message(msg: Message) -> bool:
    return any(msg.get(name) for name in _HEADERS)


def _text(body: str, keep_signature: bool) -> str:
    """Plain text of a body: HTML (or plain text that is really HTML) rendered, quotes marked;
    at most MAX_TEXT characters."""
    if _HTML.search(body[:4000]) and body.lstrip().startswith("<"):
        return _html(body, keep_signature)
    return body[:MAX_TEXT]


def _html(html: str, keep_signature: bool) -> str:
    return html_to_text(html[:MAX_HTML], mark_quotes=True, keep_signature=keep_signature)[:MAX_TEXT]


def _body(raw: bytes, msg: Message, keep_signature: bool) -> str:
    """The text the person wrote in: the first text/plain part, else the HTML part rendered;
    for input without message headers (a bare body), the whole input."""
    if not _is_message(msg):
        head, whole = raw[:MAX_HTML], len(raw) <= MAX_HTML
        for charset in ("utf-8", "cp1252", "latin-1"):
            try:  # incrementally: a character cut at the end of the head is no error
                return _text(clean(codecs.getincrementaldecoder(charset)().decode(head, final=whole)), keep_signature)
            except UnicodeDecodeError:
                continue
    plain = body(msg, "text/plain")
    if plain.strip():
        return _text(plain, keep_signature)
    html = body(msg, "text/html")
    return _html(html, keep_signature) if html else ""


def extract_words(raw: bytes, keep_signature: bool = False) -> str:
    """The person's new words in one message (``raw``: an RFC 5322 message, or a bare plain-text
    or HTML body): quoted history, forwarded messages, signatures and disclaimers removed, as in
    :attr:`Reply.words` and ``followthru extract``. ``keep_signature`` keeps signatures, mobile
    footers and disclaimers (only the quoted history is removed). Never raises."""
    try:
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        raw = bytes(raw)
        return split_reply(_body(raw, parse(raw), keep_signature), keep_signature)[0]
    except Exception:  # noqa: BLE001 - the contract: never raise
        return ""


def read_reply(raw: bytes, timezone: str = "UTC") -> Reply:
    """Read one RFC 5322 message. ``timezone`` (an IANA name) is where dates in the text are
    read: relative ones ("Friday", "tomorrow") count from the message Date in that zone, and a
    floating calendar time is taken to be in it. An unknown name means UTC.

    Dates in the person's words are compared with the dates the quoted request seems to ask
    for (its subject and quoted "due / by" lines), as the reader cannot know whose reply this
    is: once it does, :func:`settle_for` compares them with that person's own due date instead.
    :attr:`Reply.relayed_by` tells a copy relayed by a mailing list from the person's answer.

    Never raises on bad input: a malformed message gives intent 'unclear' with whatever could be
    read."""
    zone = _zone(timezone)
    fields: dict[str, Any] = dict(
        message_id=None,
        in_reply_to=[],
        references=[],
        sender="",
        sender_name="",
        to=[],
        subject="",
        date=None,
        words="",
        intent="unclear",
        confidence=0.0,
        evidence="",
        proposed_date=None,
        return_date=None,
        calendar=None,
        bounce=None,
        relayed_by=None,
        decided_by="",
        zone=zone,
    )
    try:
        _read(raw, zone, fields)
    except Exception as error:  # noqa: BLE001 - the contract: never raise
        fields.update(
            intent="unclear",
            confidence=0.0,
            proposed_date=None,
            calendar=None,
            bounce=None,
            decided_by="",
            evidence=f"unreadable message ({type(error).__name__})",
        )
        if not fields["message_id"]:
            _headers_only(raw, fields)
    return Reply(**fields)


def _headers_only(raw: bytes, fields: dict[str, Any]) -> None:
    """After a failure: at least the Message-ID and the sender, read from the headers alone."""
    try:
        msg = BytesParser().parsebytes(bytes(raw)[:1_000_000], headersonly=True)
        ids = _IDS.findall(header(msg, "Message-ID"))
        senders = addresses(msg, "From")
        fields.update(
            message_id=ids[0] if ids else None, sender=senders[0][1] if senders else "", subject=header(msg, "Subject")
        )
    except Exception:  # noqa: BLE001 - the contract: never raise
        pass


def _read(raw: bytes, zone: tzinfo, fields: dict[str, Any]) -> None:
    """Fill ``fields`` step by step, so that a failure keeps what was read before it."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogateescape")
    raw = bytes(raw)
    msg = parse(raw)
    if not _is_message(msg):
        fields.update(
            words=split_reply(_body(raw, msg, False))[0], confidence=0.0, evidence="not an email message (no headers)"
        )
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
        relayed_by=relays.relayed_by(msg),
    )
    subject = fields["subject"]
    base = _local(fields["date"], zone)

    text = _body(raw, msg, False)
    words, rest = split_reply(text)
    fields["words"] = words
    unread = too_complex(msg)

    report = bounces.delivery_report(msg, subject)
    if report:
        fields.update(
            intent=report.intent,
            confidence=report.confidence,
            evidence=report.evidence,
            bounce=report.bounce,
            decided_by="delivery report",
        )
        return

    answer = itip.calendar_answer(msg, fields["sender"], zone)
    if answer:
        intent, evidence = itip.intent_of(answer)
        proposed = answer.proposed_start.astimezone(zone).date() if answer.proposed_start else None
        fields.update(
            calendar=answer,
            intent=intent,
            evidence=evidence,
            proposed_date=proposed,
            confidence=1.0 if intent != "unclear" else 0.5,
            decided_by="calendar",
        )
        return

    automatic_evidence = automatic.auto_reply_evidence(msg, subject)
    if automatic_evidence:
        fields.update(
            intent="auto_reply",
            evidence=automatic_evidence,
            confidence=0.95 if not automatic_evidence.startswith("subject") else 0.85,
            return_date=automatic.return_date(words or text, base),
            decided_by="auto-reply",
        )
        return

    by_subject = itip.subject_answer(subject)
    if by_subject:
        fields.update(intent=by_subject[0], confidence=0.9, evidence=by_subject[1], decided_by="subject")
        return

    if _FORWARD.match(subject):
        fields.update(intent="unclear", confidence=0.4, evidence=f"forwarded: {subject}", decided_by="forward")
        return

    verdict = classify(words[:MAX_WORDS], base, _AskedDates(subject, rest, base))
    evidence = verdict.evidence
    if unread and verdict.intent == "unclear":  # the rep sees why nothing was decided
        evidence = f"{evidence}; {unread}" if evidence else unread
    fields.update(
        intent=verdict.intent,
        confidence=verdict.confidence,
        evidence=evidence,
        proposed_date=verdict.proposed_date,
        decided_by="words",
    )


def _local(moment: datetime | None, zone: tzinfo) -> datetime:
    """The naive local moment dates in a message are read from: its Date in ``zone``, or now."""
    return (moment or datetime.now(UTC)).astimezone(zone).replace(tzinfo=None)


def settle_for(reply: Reply, due: date | datetime | None) -> Reply:
    """``reply`` read again against the due date of the person it answers, once that person is
    known (the daemon calls this after matching the reply to a resource).

    :func:`read_reply` cannot know whose reply it reads, so it compares a date in the person's
    words with the dates the quoted request seems to ask for. Here the person's new words are
    classified again with ``due`` as the only asked date; quoted text, the original request,
    the subject and signatures play no part (they are not in :attr:`Reply.words`). So:

    - restating the due date in an accept ("Yes, I commit. Redlines back by the 10th",
      "Thursday the 10th", "10 Dec", "December 10", "bis zum 10.") is an accept;
    - a later day with commitment words is a counter with that ``proposed_date``; an earlier
      day meets the deadline (accept), as in :func:`read_reply`;
    - hedges keep their weight: "I'll try to get it back by the 10th" stays tentative; a
      refusal, a question or an explicit new date ("the 14th instead") decide as before.

    ``due`` is the person's due date: a ``date`` is that calendar day in the reply's timezone
    (:attr:`Reply.zone`, the ``timezone`` given to :func:`read_reply`); an aware ``datetime``
    is converted to that zone first, a naive one is taken as local.

    Returns ``reply`` itself, unchanged, when ``due`` is None (no due date known: the reading of
    :func:`read_reply` stands), when the intent was not read from the person's words
    (:attr:`Reply.decided_by` other than ``"words"``: a calendar answer, delivery report,
    auto-reply, calendar-client subject, forward or unreadable message), or when the second
    reading finds the same intent and proposed date. Otherwise a copy with ``intent``,
    ``confidence``, ``evidence`` and ``proposed_date`` replaced. Never raises.
    """
    try:
        if due is None or reply.decided_by != "words":
            return reply
        if isinstance(due, datetime):
            due = due.astimezone(reply.zone).date() if due.tzinfo else due.date()
        verdict = classify(reply.words[:MAX_WORDS], _local(reply.date, reply.zone), frozenset({due}))
        if (verdict.intent, verdict.proposed_date) == (reply.intent, reply.proposed_date):
            return reply
        return replace(
            reply,
            intent=verdict.intent,
            confidence=verdict.confidence,
            evidence=verdict.evidence,
            proposed_date=verdict.proposed_date,
        )
    except Exception:  # noqa: BLE001 - the contract: never raise; the first reading stands
        return reply
