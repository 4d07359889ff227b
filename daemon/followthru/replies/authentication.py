"""Whether the receiving mail server found a message's sender forged (RFC 8601 Authentication-Results).

Anyone can write an Authentication-Results header into a message, so only the receiving server's
own count: the headers whose authserv-id is the configured one, or, when none is configured, the
topmost header (the last one added, by the server that delivered the message to Followthru).
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32

_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)", re.IGNORECASE)


def forged_sender(raw: bytes, authserv_id: str = "") -> str | None:
    """The failed checks (``"dmarc=fail"``, ``"spf=fail dkim=fail"``) when the receiving server says
    the sender is forged, else None. DMARC decides when it ran; without it, SPF failing with no
    passing DKIM signature does. Never raises: headers it cannot read give no verdict (the daemon
    calls this beside :func:`~followthru.replies.read_reply`, whose contract is the same)."""
    try:
        return _forged(raw, authserv_id)
    except Exception:  # noqa: BLE001 - a hostile header must not keep the message in the inbox
        return None


def _forged(raw: bytes, authserv_id: str) -> str | None:
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:256_000]).get_all("Authentication-Results") or []
    trusted = [h for h in headers if _authserv_id(h) == authserv_id.lower()] if authserv_id else headers[:1]
    for header in trusted:
        results: dict[str, list[str]] = {}
        for method, result in _RESULT.findall(_without_comments(str(header))):
            results.setdefault(method.lower(), []).append(result.lower())
        if "fail" in results.get("dmarc", []):
            return "dmarc=fail"
        if "dmarc" not in results and "fail" in results.get("spf", []) and "pass" not in results.get("dkim", []):
            return "spf=fail" + (" dkim=" + results["dkim"][0] if results.get("dkim") else "")
    return None


def _authserv_id(header: str) -> str:
    words = _without_comments(str(header)).split(";", 1)[0].split()  # "; spf=fail" names no server
    return words[0].lower() if words else ""


def _without_comments(text: str) -> str:
    return re.sub(r"\([^()]*\)", " ", text.replace("\r", " ").replace("\n", " "))
