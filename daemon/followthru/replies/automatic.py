"""Messages no person wrote: delivery reports (bounces and delay warnings) and auto-replies.

* :func:`delivery_report` reads RFC 3464 reports (``message/delivery-status``, in a
  ``multipart/report`` or anywhere else): a recipient with ``Action: failed`` (or a 5.x.x status
  without an action) is a bounce; ``delayed``, ``delivered``, ``relayed`` and ``expanded`` are
  automatic notices. It also reads the common non-standard notices from MAILER-DAEMON or
  postmaster ("Undelivered Mail Returned to Sender", "Mail delivery failed", "Undeliverable:").
* :func:`auto_reply_evidence` recognises auto-replies by their headers (RFC 3834
  ``Auto-Submitted`` other than "no", ``X-Autoreply``, ``Precedence: auto_reply``...) or their
  subject ("Out of Office", "Automatische Antwort", ...). ``X-Auto-Response-Suppress`` and
  ``Precedence: bulk`` / ``list`` are *not* signs of an auto-reply.
* :func:`return_date` finds the day an out-of-office person is back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.message import Message
from email.parser import HeaderParser

from followthru.replies.dates import find_dates
from followthru.replies.mime import addresses, decode, header, leaves
from followthru.replies.model import Bounce


@dataclass(frozen=True)
class Report:
    """What a delivery report means: ``intent`` is "bounce" or "auto_reply"."""

    intent: str
    confidence: float
    evidence: str
    bounce: Bounce | None = None


_DAEMON = re.compile(r"^(mailer-daemon|mailer_daemon|mailerdaemon|mail-daemon|postmaster)@", re.I)
_DAEMON_NAME = re.compile(r"mail delivery (subsystem|system|service)|mailer.daemon|postmaster",
                          re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned to sender|returned mail|delivery status notification|delivery failure"
    r"|delivery (has )?failed|mail delivery failed|failure notice|could not be delivered"
    r"|non[- ]?delivery|not delivered|delivery problem|mail failure|mail failed|rejected"
    r"|returning (message )?to sender|unzustellbar"
    r"|nicht zustellbar|non recapitabile|non remis|impossible de remettre|no se puede entregar"
    r"|no entregado|kan niet worden bezorgd", re.I)
_STRONG_BOUNCE_SUBJECT = re.compile(
    r"^(undelivered mail returned to sender|undeliverable:|mail delivery failed"
    r"|delivery status notification \(failure\)|failure notice|returned mail:"
    r"|unzustellbar:|non remis\s*:)", re.I)
_DELAY = re.compile(
    r"\bdelay(ed)?\b|\bwarning\b|still being retried|not yet been delivered|will (continue to )?"
    r"(be )?retr(y|ied)|still trying|verzögert|verzoegert|retardé|retrasado|temporarily", re.I)
_FAILURE_TEXT = re.compile(
    r"could not be delivered|delivery to the following recipient(s)? failed|permanent(ly)? "
    r"(error|failure|fatal)|user unknown|unknown user|no such user|mailbox (is )?unavailable"
    r"|does not exist|address rejected|undeliverable|returned to sender|delivery (has )?failed"
    r"|failed permanently|\b5\d\d[ -]\d?\.?", re.I)
_DIAGNOSTIC_LINE = re.compile(
    r"\b[45]\d\d\b[ -]|\b[45]\.\d{1,3}\.\d{1,3}\b|user unknown|unknown user|no such user"
    r"|does not exist|mailbox (is )?(unavailable|full)|rejected|not found|invalid", re.I)
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_COPY_MARK = re.compile(
    r"^\s*-*\s*(this is a copy of the message|original message|below this line is a copy"
    r"|undelivered message|returned message|original message headers|message headers follow)",
    re.I | re.M)
_MESSAGE_ID = re.compile(r"^\s*message-id:\s*(<[^<>\s]+>)", re.I | re.M)
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.U)


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status part (per-message, then per-recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list) and all(isinstance(b, Message) for b in payload):
        return payload
    text = decode(part) if not isinstance(payload, list) else ""
    return [HeaderParser().parsestr(chunk.strip() + "\n")
            for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if chunk.strip()]


def _value(block: Message, name: str) -> str:
    return re.sub(r"\s+", " ", str(block.get(name, "") or "")).strip()


def _address(field: str) -> str | None:
    """``rfc822; <Sam@Example.com>`` -> ``sam@example.com``."""
    found = _EMAIL.search(field.split(";", 1)[-1])
    return found.group().lower() if found else None


def _original_message_id(msg: Message) -> str | None:
    """Message-ID of the returned message: from a text/rfc822-headers or message/rfc822 part,
    else from a "Message-ID:" line in the returned text."""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global", "message/global-headers"):
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message) and inner.get("Message-ID"):
                found = re.search(r"<[^<>\s]+>", str(inner.get("Message-ID")))
                if found:
                    return found.group()
        if kind == "text/rfc822-headers":
            found = _MESSAGE_ID.search(decode(part))
            if found:
                return found.group(1)
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            found = _MESSAGE_ID.search(decode(part))
            if found:
                return found.group(1)
    return None


def _notification_text(msg: Message) -> str:
    """The human-readable notice: the first text part, cut before the returned message."""
    for part in leaves(msg):
        kind = part.get_content_type()
        if part.get_content_maintype() == "text" and kind != "text/rfc822-headers":
            text = decode(part)
            if part.get_content_subtype() == "html":
                text = re.sub(r"<[^>]+>", " ", text)
            mark = _COPY_MARK.search(text)
            return text[:mark.start()] if mark else text
    return ""


def _diagnostic(text: str) -> str | None:
    for line in text.splitlines():
        if _DIAGNOSTIC_LINE.search(line) and len(line.strip()) > 6:
            return re.sub(r"\s+", " ", line).strip()[:200]
    return None


def _from_dsn(msg: Message) -> Report | None:
    recipients = [block for part in msg.walk()
                  if part.get_content_type() in ("message/delivery-status",
                                                 "message/global-delivery-status")
                  for block in _blocks(part)
                  if block.get("Action") or block.get("Final-Recipient") or block.get("Status")]
    if not recipients:
        return None

    def failed(block: Message) -> bool:
        action = _value(block, "Action").lower()
        return action == "failed" or (not action and _value(block, "Status").startswith("5"))

    gone = [block for block in recipients if failed(block)]
    if not gone:
        actions = sorted({_value(b, "Action").lower() or "unknown" for b in recipients})
        return Report("auto_reply", 0.95, f"delivery report: Action: {', '.join(actions)}")
    block = gone[0]
    status_match = _STATUS.search(_value(block, "Status"))
    status = status_match.group(1) if status_match else None
    code = re.sub(r"^[\w-]+\s*;\s*", "", _value(block, "Diagnostic-Code"))
    diagnostic = code or _diagnostic(_notification_text(msg)) or f"Action: failed, Status: {status}"
    recipient = _address(_value(block, "Final-Recipient")) or _address(
        _value(block, "Original-Recipient"))
    bounce = Bounce(recipient, _original_message_id(msg), status, diagnostic[:300])
    return Report("bounce", 1.0, f"delivery report: Action: failed ({status or 'no status'})",
                  bounce)


def _from_notice(msg: Message, subject: str) -> Report | None:
    """A non-standard notice from MAILER-DAEMON / postmaster, or with a bounce subject."""
    senders = addresses(msg, "From")
    daemon = any(_DAEMON.match(address) or _DAEMON_NAME.search(name) for name, address in senders)
    text = _notification_text(msg)
    bouncy = _BOUNCE_SUBJECT.search(subject)
    if not (daemon or _STRONG_BOUNCE_SUBJECT.match(subject)):
        return None
    if not (bouncy or _FAILURE_TEXT.search(text)):
        return Report("auto_reply", 0.8, f"notice from {senders[0][1] if senders else 'daemon'}")
    strong = _STRONG_BOUNCE_SUBJECT.match(subject)
    if _DELAY.search(subject) or (not strong and _DELAY.search(text)
                                  and not re.search(r"permanent", text, re.I)):
        return Report("auto_reply", 0.85, f"delivery delayed: {subject or 'warning'}")
    ours = {address for _, address in addresses(msg, "From", "To", "Cc")}
    recipient = next((a.lower() for a in _EMAIL.findall(text)
                      if a.lower() not in ours and not _DAEMON.match(a)), None)
    status_match = _STATUS.search(text)
    status = status_match.group(1) if status_match else None
    diagnostic = _diagnostic(text) or subject or "undelivered"
    bounce = Bounce(recipient, _original_message_id(msg), status, diagnostic)
    return Report("bounce", 0.9, f"delivery failure notice: {subject}", bounce)


def delivery_report(msg: Message, subject: str) -> Report | None:
    """A bounce or another delivery notice, or None for any other message."""
    return _from_dsn(msg) or _from_notice(msg, subject)


_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply",
                 "X-Mail-Autoreply", "X-Autogenerated", "X-AutoReply-From", "X-Vacation",
                 "X-MS-Exchange-Inbox-Rules-Loop")
_AUTO_SUBJECT = re.compile(
    r"\b(out of (the )?office|ooo\b|automatic reply|auto(matic)?[- ]?(reply|response|responder)"
    r"|autosvar|autoreply|abwesenheit(snotiz)?|automatische antwort|abwesend"
    r"|réponse automatique|reponse automatique|absence du bureau|respuesta automática"
    r"|respuesta automatica|fuera de la oficina|risposta automatica|fuori ufficio"
    r"|resposta automática|automatisch antwoord|afwezig|automaattinen vastaus|automatisk svar"
    r"|on vacation|vacation (reply|notice|message)|away from (the|my) (office|desk)"
    r"|(ticket|case|request) (#\s*)?\d*\s*(has been )?(received|created|opened)"
    r"|we('ve| have) received your)", re.I)


def auto_reply_evidence(msg: Message, subject: str) -> str | None:
    """The header or subject that shows ``msg`` was sent automatically, or None."""
    submitted = header(msg, "Auto-Submitted").lower()
    if submitted and not submitted.startswith("no"):
        return f"Auto-Submitted: {submitted}"
    for name in _AUTO_HEADERS:
        value = header(msg, name)
        if value and value.lower() not in ("no", "false", "0"):
            return f"{name}: {value}"
    for name in ("Precedence", "X-Precedence"):
        if header(msg, name).lower() == "auto_reply":
            return f"{name}: auto_reply"
    found = _AUTO_SUBJECT.search(subject)
    return f"subject: {found.group()}" if found else None


_RETURN = re.compile(
    r"\b(back|return|returning|returns|until|till|through|thru|from|zurück|wieder|bis|ab"
    r"|retour|reviens|jusqu|hasta|regreso|regresaré|vuelvo|de vuelta|a partir)", re.I)


def return_date(text: str, base: datetime) -> date | None:
    """The day the person is back, from the text of an out-of-office message: the latest date
    in a sentence about returning ("back on", "until", "zurück am", ...), else the latest date.
    ``base`` is the naive local moment of the message."""
    best: date | None = None
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])|\n", text):
        if _RETURN.search(sentence):
            days = [found.day for found in find_dates(sentence, base)]
            if days:
                best = max(days + ([best] if best else []))
    if best is None:
        days = [found.day for found in find_dates(text, base)]
        best = max(days) if days else None
    return best
