"""Reply tokens: a short signed value in a plus-address Reply-To (``followthru+TOKEN@...``).

A token names one commitment request without revealing it, and cannot be made without the
secret: ``KEY`` (10 characters derived from plan and resource ids) followed by ``SIG`` (10
characters of an HMAC-SHA256 of the key). Signatures are compared in constant time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

_LENGTH = 10


def b32(digest: bytes, length: int = _LENGTH) -> str:
    """The first ``length`` characters of ``digest`` in lower-case base32: letters and digits only,
    safe in an address and in a URL. Base32 writes each 5 bytes as 8 characters, so only the
    groups of 5 bytes that the first ``length`` characters come from are encoded."""
    return base64.b32encode(digest[: -(-length // 8) * 5]).decode("ascii").lower()[:length]


@functools.lru_cache(maxsize=4096)  # a request's key is made for its reply address, then stored with its ask
def token_key(plan_id: str, resource_id: str, ask: str | None = None) -> str:
    """The public half of a token: one per plan, resource and version of the ask (``ask``, the
    engine's fingerprint of what was asked), so an answer to an earlier version is told apart.
    Without ``ask``: the older form, one per plan and resource."""
    name = f"{plan_id}/{resource_id}" if ask is None else f"{plan_id}/{resource_id}/{ask}"
    return b32(hashlib.sha256(name.encode()).digest())


def _signature(secret: bytes, key: str) -> str:
    return b32(hmac.new(secret, key.encode(), hashlib.sha256).digest())


def make_token(secret: bytes, plan_id: str, resource_id: str, ask: str | None = None) -> str:
    """The token for one version of a plan's request to one resource."""
    key = token_key(plan_id, resource_id, ask)
    return key + _signature(secret, key)


def verify_token(secret: bytes, token: str) -> str | None:
    """The token's key when its signature is right, else None."""
    token = token.strip().lower()
    if len(token) != 2 * _LENGTH:
        return None
    key, signature = token[:_LENGTH], token[_LENGTH:]
    return key if hmac.compare_digest(signature, _signature(secret, key)) else None


def plus_address(address: str, token: str) -> str:
    """``followthru@example.com`` + token -> ``followthru+token@example.com``."""
    local, _, domain = address.rpartition("@")
    return f"{local.split('+')[0]}+{token}@{domain}"
