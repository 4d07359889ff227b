"""Delivery reports: whether an automatic message says one of our messages can never be
delivered (a *bounce*), or is another delivery notice (a delay warning, a delivery or relay
confirmation, a complaint report: an *auto_reply*), and which recipient and message it is about.

Read, in this order:

1. RFC 3464 reports (``message/delivery-status``, also ``message/global-delivery-status``): a
   recipient with ``Action: failed`` (or a 5.x.x status and no action) is a bounce; only
   ``delayed`` / ``delivered`` / ``relayed`` / ``expanded`` recipients make a notice.
2. Amazon SES notifications in JSON (sent as mail by SNS, possibly wrapped in the SNS envelope):
   a ``Permanent`` or ``Undetermined`` bounce is a bounce; transient bounces, deliveries and
   complaints are notices.
3. Non-standard notices (Exim, qmail, Exchange / Office 365, Gmail, Yahoo, old Sendmail and
   Postfix, ...) from MAILER-DAEMON / postmaster / "Mail Delivery System", or with a bounce
   subject: delivery-status fields written in the text (also when a person forwards a bounce,
   quoted with ``>``), else the words of the notice: failure ("could not be delivered", "did not
   reach the following recipient", "user unknown", 5.x.x ...) against delay ("delayed", "will
   retry", "Warning:" ...).

For a bounce, :class:`Bounce` gets the failed recipient (the report's ``Final-Recipient`` or
``Original-Recipient``, Exim's ``X-Failed-Recipients``, the address the notice names after its
failure sentence or in an SMTP reply) and the Message-ID of the returned message (from the
attached message or headers, the copy in the text, the SES headers, else the report's
``In-Reply-To`` / ``References``) whenever the message carries them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message
from typing import Any

from followthru.replies.htmltext import html_to_text
from followthru.replies.mime import addresses, content_type, decode, header, leaves, main_type
from followthru.replies.model import Bounce

_DAEMON_ALONE = re.compile(r"^\s*(mailer-daemon|postmaster)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    """What a delivery report means: ``intent`` is "bounce" or "auto_reply"."""

    intent: str
    confidence: float
    evidence: str
    bounce: Bounce | None = None


_I, _IM = re.IGNORECASE, re.IGNORECASE | re.MULTILINE
_DAEMON = re.compile(r"^(mailer[-_]?daemon|mail-daemon|postmaster|mdaemon|mail\.?daemon)(@|$)", _I)
_DAEMON_NAME = re.compile(
    r"mail delivery (subsystem|system|service)|mailer.daemon|postmaster"
    r"|delivery status notification|mail administrator",
    _I,
)
_FORWARD_PREFIX = re.compile(r"^\s*((fwd?|wg|tr|rv|fw|vs|doorst)\s*:\s*)+", _I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned to sender|returned mail|delivery status notification|delivery failure"
    r"|delivery (has )?failed|mail delivery failed|failure notice|could not be delivered"
    r"|non[- ]?delivery|not delivered|delivery problem|mail failure|mail failed|rejected"
    r"|returning (message )?to sender|unzustellbar|nicht zustellbar|non recapitabile|non remis"
    r"|impossible de remettre|no se puede entregar|no entregado|kan niet worden bezorgd"
    r"|address not found|message blocked|delivery notification|onbestelbaar|non consegnato"
    r"|kan inte levereras|ikke leveret|kunne ikke leveres|nie można dostarczyć|niedostarczon"
    r"|недоставлен|не доставлен|配信不能|配信エラー|无法送达|退信|não entregue",
    _I,
)
_STRONG_SUBJECT = re.compile(
    r"^(undelivered mail returned to sender|undeliverable:|undeliverable mail|mail delivery"
    r" failed|delivery status notification \((failure|delay)\)|failure notice|returned mail:"
    r"|unzustellbar:|non remis\s*:|mail delivery subsystem|delivery failure:"
    r"|message not delivered|non-?delivery report|onbestelbaar:|no se puede entregar:"
    r"|non recapitabile:|kan inte levereras:|ikke leveret:|nie można dostarczyć:"
    r"|недоставлено:|配信不能:|无法送达:)",
    _I,
)
_DELAY = re.compile(
    r"\bdelay(ed)?\b|\bwarning\b|still being retried|not yet been delivered|has not been"
    r" delivered yet|will (continue to |keep )?(be )?(retry|retried|trying|try)|still trying"
    r"|verzögert|verzoegert|retardé|retrasado|temporarily|temporary (failure|problem)",
    _I,
)
_PERMANENT = re.compile(
    r"permanent|given up|giving up|gave up|fatal|will not be retried"
    r"|no (further|more) (attempts|retries)",
    _I,
)
_FAILURE = re.compile(
    r"could ?n[o']t be delivered|could not deliver|delivery to the following recipient(s)?"
    r" (failed|has failed)|permanent(ly)? (error|failure|fatal)|user unknown|unknown user"
    r"|no such (user|mailbox|recipient)|mailbox (is )?(unavailable|not found|full)"
    r"|does not exist|doesn't exist|address rejected|undeliverable|returned to sender"
    r"|delivery (has )?failed|failed permanently|did not reach the following recipient"
    r"|(was|were)n'?t able to deliver|(was|were) not able to deliver|unable to deliver"
    r"|could not be sent|following address(\(es\)|es)? failed|recipient (name )?is not"
    r" recognized|(message|mail) (was|wasn't|has not been|could not be) (not )?delivered"
    r"|address not found|not (be )?delivered|rejected your message|message (was )?rejected"
    r"|failed addresses|no valid recipients|unknown host|host unknown|unrouteable"
    r"|nicht zugestellt|non (è stato possibile|recapitabile)|n'a pas pu être (remis|distribué)"
    r"|kon niet worden (bezorgd|afgeleverd)|não (pôde|foi possível) ser entregue"
    r"|kunde inte levereras"
    r"|kunne ikke leveres|nie (może|mogła) zostać dostarczona|не (может быть|удалось) доставить"
    r"|配信できません|无法(投递|送达)"
    r"|no (se )?(ha )?pudo (ser )?entregar|\b5[0-5]\d[ -]\d?\.?|\b5\.\d{1,3}\.\d{1,3}\b",
    _I,
)
_DIAGNOSTIC_LINE = re.compile(
    r"\b[45]\d\d\b[ -]|\b[45]\.\d{1,3}\.\d{1,3}\b|user unknown|unknown user|no such user"
    r"|does not exist|mailbox (is )?(unavailable|full)|rejected|not found|invalid|quota",
    _I,
)
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_COPY_MARK = re.compile(
    r"^\s*-*\s*(this is a copy of the message|original message|below this line is a copy"
    r"|undelivered message|returned message|original message headers|message headers follow"
    r"|a copy of the original message|headers of the original message"
    r"|\|?-* ?message text follows)",
    _IM,
)
_MESSAGE_ID = re.compile(r"^[>\s]*message-id:\s*(<[^<>\s]+@[^<>\s]+>)", _IM)
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_LOOSE_EMAIL = re.compile(r"[^\s<>;:\"'(),\[\]]+@[^\s<>;:\"'(),\[\]]+")
_ROLE = re.compile(
    r"^(postmaster|mailer-daemon|mailer_daemon|abuse|support|help|hostmaster"
    r"|root|no-?reply|noreply|bounces?)[@+]",
    _I,
)
_FAILURE_ANCHOR = re.compile(
    r"following (e-?mail )?(address(\(es\)|es)?|recipient(\(s\)|s)?|destination)"
    r"|could ?n[o']t be delivered to|delivery to|did not reach|failed permanently"
    r"|unable to deliver|not able to deliver|to the following|failed (recipient|address)",
    _I,
)
_SMTP_RECIPIENT = re.compile(
    rf"<({_LOOSE_EMAIL.pattern})>(?::\s|\.\.\.)|^\s*<({_LOOSE_EMAIL.pattern})>\s*:?\s*$"
    rf"|RCPT TO:\s*<({_LOOSE_EMAIL.pattern})>",
    _IM,
)
_FIELD_LINE = re.compile(
    r"^[>\s]*(final-recipient|original-recipient|action|status"
    r"|diagnostic-code)\s*:\s*(.*)$",
    _I,
)


# -- reading the parts -----------------------------------------------------------------------


def _status_text(part: Message) -> str:
    """The text of a message/delivery-status part (the parser splits it into field blocks)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(
            "\n".join(f"{name}: {value}" for name, value in block.items())
            for block in payload
            if isinstance(block, Message)
        )
    return decode(part)


def _leaf_text(part: Message, limit: int | None = None) -> str | None:
    """Text of a leaf that is text, HTML (as text), a delivery-status part or a multipart
    part whose boundaries are missing (its body read as text); None for any other leaf.
    HTML is rendered from its first ``limit`` characters."""
    kind = content_type(part)
    if kind in ("message/delivery-status", "message/global-delivery-status"):
        return _status_text(part)
    if main_type(part) in ("text", "multipart"):
        text = decode(part)
        return html_to_text(text[:limit]) if part.get_content_subtype() == "html" else text
    return None


MAX_TEXTS = 2_000_000  # characters of the report's texts that are looked at (a report has a few kB)


def _texts(msg: Message) -> list[str]:
    """The text of every leaf of the report (not of the returned message), up to MAX_TEXTS
    characters in all."""
    texts, budget = [], MAX_TEXTS
    for part in leaves(msg):
        if budget <= 0:
            break
        text = _leaf_text(part, budget)
        if text is not None:
            texts.append(text[:budget])
            budget -= len(texts[-1]) + 1
    return texts


def _notice(msg: Message) -> str:
    """The human-readable notice: the first text part, cut before the returned message."""
    for part in leaves(msg):
        if content_type(part) in ("text/rfc822-headers", "message/delivery-status"):
            continue
        text = _leaf_text(part)
        if text is not None:
            mark = _COPY_MARK.search(text)
            return text[: mark.start()] if mark else text
    return ""


def _fields(text: str) -> list[dict[str, str]]:
    """Per-recipient delivery-status fields written as text (possibly quoted with ``>``)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        found = _FIELD_LINE.match(line)
        if not found and last and line[:1] in (" ", "\t") and line.strip():
            current[last] += " " + line.strip()  # a folded field goes on
            continue
        last = found.group(1).lower() if found else ""
        if found:
            name = last
            if name in current:  # a field again: the next recipient (no blank line between)
                blocks.append(current)
                current = {}
            current[name] = found.group(2).strip()
        elif not line.strip(" >\t") and current:
            blocks.append(current)
            current = {}
    if current:
        blocks.append(current)
    return [block for block in blocks if block.get("action") or block.get("final-recipient") or block.get("status")]


def _report_blocks(msg: Message) -> list[dict[str, str]]:
    """The per-recipient fields of the message/delivery-status parts."""
    blocks = []
    for part in msg.walk():
        if content_type(part) not in ("message/delivery-status", "message/global-delivery-status"):
            continue
        blocks += _fields(_status_text(part))
    return blocks


def _failed(block: dict[str, str]) -> bool:
    action = block.get("action", "").lower()
    return action.startswith("failed") or (not action and block.get("status", "")[:1] == "5")


def _address(field: str) -> str | None:
    """``rfc822; <Sam@Example.com>`` -> ``sam@example.com``; None without a local part."""
    value = field.split(";", 1)[-1].strip().strip("<>\"' ")
    found = _LOOSE_EMAIL.search(value)
    if not found or found.group().startswith("@"):
        return None
    return found.group().strip("<>.\"'").lower()


# -- the bounce's details --------------------------------------------------------------------


def _original_message_id(msg: Message, texts: list[str]) -> str | None:
    for part in msg.walk():
        kind = content_type(part)
        if kind not in ("message/rfc822", "message/global", "message/global-headers", "text/rfc822-headers"):
            continue
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(inner, Message) and inner.get("Message-ID"):
            found = re.search(r"<[^<>\s]+>", str(inner.get("Message-ID")))
            if found:
                return found.group()
        try:  # headers the parser could not read (broken folding) are in the text
            text = inner.as_string() if isinstance(inner, Message) else decode(part)
        except Exception:  # noqa: BLE001 - an unreadable part holds no id
            text = ""
        found = _MESSAGE_ID.search(text)
        if found:
            return found.group(1)
    for text in texts:
        mark = _COPY_MARK.search(text)
        candidates = [m.group(1) for m in _MESSAGE_ID.finditer(text[mark.start() :] if mark else text)]
        if candidates:
            return candidates[0] if mark else candidates[-1]
    references = re.findall(r"<[^<>\s]+>", header(msg, "In-Reply-To") or header(msg, "References"))
    return references[-1] if references else None


def _recipient_in(text: str, exclude: set[str]) -> str | None:
    """The failed address a notice names: after its failure sentence, in an SMTP reply
    ("<a@x>: host said", "<a@x>... User unknown", "RCPT TO:<a@x>"), else the first address
    that is neither the report's own sender or receiver nor a role address."""
    anchors = sorted(
        _FAILURE_ANCHOR.finditer(text), key=lambda found: ("following" not in found.group().lower(), found.start())
    )
    for anchor in anchors:
        for found in _LOOSE_EMAIL.finditer(text, anchor.end(), anchor.end() + 600):
            address = _address(found.group())
            if address and not _DAEMON.match(address) and address.split("@")[1].count("."):
                return address
    for found in _SMTP_RECIPIENT.finditer(text):
        address = _address(next(group for group in found.groups() if group))
        if address and not _ROLE.match(address):
            return address
    for found in _EMAIL.finditer(text):
        address = found.group().lower()
        if address not in exclude and not _ROLE.match(address):
            return address
    return None


def _sole_addressee(msg: Message) -> str | None:
    """The one To/Cc address of the returned message, when it had exactly one."""
    for part in msg.walk():
        if content_type(part) in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                found = {address for _, address in addresses(inner, "To", "Cc")}
                return found.pop() if len(found) == 1 else None
    return None


def _diagnostic(text: str) -> str | None:
    for line in text.splitlines():
        if _DIAGNOSTIC_LINE.search(line) and len(line.strip()) > 6:
            return re.sub(r"\s+", " ", line).strip()[:200]
    return None


def _bounce(
    msg: Message,
    block: dict[str, str] | None,
    notice: str,
    texts: list[str],
    recipient: str | None = None,
    status: str | None = None,
    diagnostic: str | None = None,
) -> Bounce:
    block = block or {}
    ours = {address for _, address in addresses(msg, "From", "To", "Cc", "Return-Path")}
    failed_header = _LOOSE_EMAIL.search(header(msg, "X-Failed-Recipients"))
    recipient = (
        recipient
        or _address(block.get("final-recipient", ""))
        or _address(block.get("original-recipient", ""))
        or (failed_header.group().lower() if failed_header else None)
        or _recipient_in(notice, ours)
        or _sole_addressee(msg)
    )
    if status is None:
        found = (
            _STATUS.search(block.get("status", ""))
            or _STATUS.search(block.get("diagnostic-code", ""))
            or _STATUS.search(notice)
        )
        status = found.group(1) if found else None
    code = re.sub(r"^[\w-]+\s*;\s*", "", block.get("diagnostic-code", ""))
    diagnostic = diagnostic or code or _diagnostic(notice) or header(msg, "Subject") or "undelivered"
    return Bounce(recipient, _original_message_id(msg, texts), status, diagnostic[:300])


# -- the three kinds of report ---------------------------------------------------------------


def _from_report(msg: Message) -> Report | None:
    blocks = _report_blocks(msg)
    if not blocks:
        return None
    gone = [block for block in blocks if _failed(block)]
    if not gone:
        actions = sorted({block.get("action", "").lower() or "unknown" for block in blocks})
        return Report("auto_reply", 0.95, f"delivery report: Action: {', '.join(actions)}")
    # Exim writes the mailbox path as Final-Recipient: prefer any block naming an address.
    block = next((b for b in gone if _address(b.get("final-recipient", ""))), gone[0])
    bounce = _bounce(msg, block, _notice(msg), _texts(msg))
    status = bounce.status or "no status"
    return Report("bounce", 1.0, f"delivery report: Action: failed ({status})", bounce)


_SES_TYPE = re.compile(r'"(?:notificationType|eventType)"\s*:\s*"(\w+)"')


def _names_ses_type(msg: Message) -> bool:
    """Whether a leaf holds the name of an SES notification's type: a cheap look at the
    undecoded HTML, so that an ordinary reply's HTML is not rendered for :func:`_ses`."""
    for part in leaves(msg):
        if main_type(part) in ("text", "multipart"):
            text = decode(part)
            if "notificationType" in text or "eventType" in text:
                return True
    return False


def _ses(msg: Message) -> Report | None:
    """An Amazon SES notification (JSON, possibly inside an SNS envelope)."""
    if not _names_ses_type(msg):
        return None
    for text in _texts(msg):
        body = text.strip()
        if not body.startswith("{"):
            continue
        ses_type = _SES_TYPE.search(body.replace('\\"', '"'))
        if not ses_type:
            continue
        data: dict[str, Any] = {}
        for candidate in (body, re.sub(r"!\r?\n ", "", body)):  # lines broken by an MTA
            try:
                data = json.loads(candidate[: candidate.rfind("}") + 1])
                break
            except ValueError:
                continue
        if isinstance(data.get("Message"), str):
            try:
                data = json.loads(data["Message"])
            except ValueError:
                data = {}
        kind = data.get("notificationType") or data.get("eventType") or ses_type.group(1)
        if kind != "Bounce":
            return Report("auto_reply", 0.9, f"Amazon SES notification: {kind}")
        details = data.get("bounce") or {}
        flat = body.replace('\\"', '"')
        kind_of = details.get("bounceType") or (re.search(r'"bounceType"\s*:\s*"(\w+)"', flat) or [None, ""])[1]
        if kind_of == "Transient":
            return Report("auto_reply", 0.9, "Amazon SES notification: transient bounce")
        victims = details.get("bouncedRecipients") or [{}]
        victim = victims[0] if isinstance(victims[0], dict) else {}
        address = victim.get("emailAddress") or (re.search(r'"emailAddress"\s*:\s*"([^"]+)"', flat) or [None, None])[1]
        mail_headers = (data.get("mail") or {}).get("headers") or []
        message_id = next(
            (
                h.get("value")
                for h in mail_headers
                if isinstance(h, dict) and str(h.get("name", "")).lower() == "message-id"
            ),
            None,
        )
        code = str(victim.get("diagnosticCode") or "")
        status = victim.get("status") or (found.group(1) if (found := _STATUS.search(code)) else None)
        bounce = Bounce(
            address.lower() if address else None,
            message_id,
            status,
            re.sub(r"^[\w-]+\s*;\s*", "", code) or f"{kind_of} bounce",
        )
        return Report("bounce", 0.95, f"Amazon SES notification: {kind_of or 'unknown'} bounce", bounce)
    return None


def _from_notice(msg: Message, subject: str) -> Report | None:
    """A non-standard notice: from a mail daemon, with a bounce subject, or a forwarded
    bounce whose delivery-status fields are quoted in the text."""
    senders = addresses(msg, "From")
    daemon = any(_DAEMON.match(address) or _DAEMON_NAME.search(name) for name, address in senders)
    daemon = daemon or bool(_DAEMON_ALONE.match(header(msg, "From")))
    core = _FORWARD_PREFIX.sub("", subject)
    forwarded = core != subject
    strong = bool(_STRONG_SUBJECT.match(core))
    null_sender = header(msg, "Return-Path").strip() == "<>"
    if not (daemon or strong or (null_sender and _BOUNCE_SUBJECT.search(core))):
        return None
    notice, texts = _notice(msg), _texts(msg)
    written = [block for text in texts for block in _fields(text)]
    gone = [block for block in written if _failed(block)]
    if gone:
        block = next((b for b in gone if _address(b.get("final-recipient", ""))), gone[0])
        bounce = _bounce(msg, block, notice, texts)
        return Report("bounce", 0.9, f"delivery failure notice: {subject}", bounce)
    if forwarded and not daemon:
        return None  # a person forwarding a notice: only quoted report fields count
    if written and all(b.get("action", "").lower() in ("delayed", "delivered", "relayed", "expanded") for b in written):
        return Report("auto_reply", 0.9, f"delivery notice: {subject or 'report'}")
    failure_text = _FAILURE.search(notice)
    if _DELAY.search(core) or (_DELAY.search(notice) and not _PERMANENT.search(notice) and not strong):
        return Report("auto_reply", 0.85, f"delivery delayed: {subject or 'warning'}")
    if not (_BOUNCE_SUBJECT.search(core) or failure_text):
        return Report("auto_reply", 0.8, f"notice from {senders[0][1] if senders else 'daemon'}")
    return Report("bounce", 0.9, f"delivery failure notice: {subject}", _bounce(msg, None, notice, texts))


def delivery_report(msg: Message, subject: str) -> Report | None:
    """A bounce or another delivery notice, or None for any other message."""
    return _from_report(msg) or _ses(msg) or _from_notice(msg, subject)
