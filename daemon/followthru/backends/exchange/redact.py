"""Keeping secrets out of the log.

At DEBUG level the libraries under the Exchange backend log what they send: exchangelib the
request headers (``Authorization: Basic ...`` or ``Bearer ...``), requests-oauthlib the token
request's body (the client secret) and every token it adds. :func:`install` puts a log record
factory in front of the current one: records from those libraries have ``Authorization`` values,
token, secret and password fields, and every secret handed to :func:`keep_secret` or
:func:`keep_token`, replaced by ``[redacted]`` before any handler sees them. Records from
other loggers are left alone.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections import deque
from typing import Any

LIBRARIES = ("exchangelib", "requests_oauthlib", "oauthlib", "msal", "requests_ntlm", "spnego", "urllib3")
REDACTED = "[redacted]"
_FIELDS = r"(?:access_token|refresh_token|id_token|client_secret|code_verifier|code|password|assertion)"
_PATTERNS = (
    # an Authorization header, in a header dict or as text
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic|ntlm|negotiate)\s+)[^'\"\s,}]+"),
    # a form or query field: client_secret=...&
    re.compile(rf"(?i)((?<![\w]){_FIELDS}=)[^&\s'\"]+"),
    # a JSON or dict field: "access_token": "..."
    re.compile(rf"(?i)(['\"]{_FIELDS}['\"]\s*:\s*['\"])[^'\"]+"),
)
TOKENS_KEPT = 16  # tokens are replaced all the time; the old ones are worthless once expired
_secrets: set[str] = set()
_tokens: deque[str] = deque(maxlen=TOKENS_KEPT)
_lock = threading.Lock()
_installed = False


def keep_secret(value: str) -> None:
    """Never let ``value`` (a password, a client secret), or its base64 form, into the log."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.update(_forms(value))


def keep_token(value: str) -> None:
    """Like :func:`keep_secret` for a token that will be replaced: only the latest few are kept."""
    if value and len(value) >= 4:
        with _lock:
            _tokens.extend(_forms(value))


def _forms(value: str) -> tuple[str, str]:
    return value, base64.b64encode(value.encode()).decode().rstrip("=")


def scrub(text: str) -> str:
    """``text`` with every known secret and authorization value replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    with _lock:
        known = sorted({*_secrets, *_tokens}, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def install() -> None:
    """Scrub the records of :data:`LIBRARIES` from now on; calling it again changes nothing."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name.startswith(LIBRARIES):
            try:
                message = record.getMessage()
            except Exception:  # a broken record is the logging module's to report, as it would be
                return record
            clean = scrub(message)
            if clean != message:
                record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)
