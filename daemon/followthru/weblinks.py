"""The web pages' links in messages: one-click answer links and owners' sign-in links.

An answer link names one version of one person's ask in one plan, and cannot be made without the
workspace's token secret: ``{web.base_url}/a/{TOKEN}`` (the page) or ``.../a/{TOKEN}/{CHOICE}`` (the
page with a choice picked). ``TOKEN`` is the ask's key (followthru.tokens.token_key, which the store's
``asks`` table maps to the plan, the person and the version) followed by a signature of it made with a
key of its own, derived from the token secret, so that a reply address is never a link and a link is
never a reply address. Opening a link changes nothing; only the form on its page does.

A sign-in link carries a random nonce the store keeps with the owner's address and the time it was
asked for, signed the same way: ``{web.base_url}/sign-in/{NONCE}.{SIGNATURE}``.
"""

from __future__ import annotations

import hashlib
import hmac

from followthru.tokens import b32, token_key

CHOICES = ("commit", "decline", "propose", "question")
"""The answers a link offers, in the order the buttons show them: I commit, I can't, propose another
date, I have a question."""

CHOICE_INTENTS = {"commit": "accept", "decline": "decline", "propose": "counter", "question": "question"}
"""Each choice as the reply intent the engine takes (docs/design.md, "Contract: reply intents")."""

_KEY_LENGTH = 10
_SIGNATURE_LENGTH = 26  # 130 bits: a link cannot be guessed, even without the rate limits


def _signature(secret: bytes, purpose: str, value: str) -> str:
    key = hmac.new(secret, f"followthru web {purpose}".encode(), hashlib.sha256).digest()
    return b32(hmac.new(key, value.encode(), hashlib.sha256).digest(), _SIGNATURE_LENGTH)


def answer_token(secret: bytes, plan_id: str, resource_id: str, ask: str) -> str:
    """The token of the answer links of one version of a person's ask."""
    key = token_key(plan_id, resource_id, ask)
    return key + _signature(secret, "answer", key)


def read_answer_token(secret: bytes, token: str) -> str | None:
    """The ask's key (a row of the store's ``asks``) when ``token`` is a link this workspace made,
    else None. Signatures are compared in constant time."""
    token = token.strip().lower()
    if len(token) != _KEY_LENGTH + _SIGNATURE_LENGTH or not token.isalnum():
        return None
    key, signature = token[:_KEY_LENGTH], token[_KEY_LENGTH:]
    return key if hmac.compare_digest(signature, _signature(secret, "answer", key)) else None


def answer_links(base_url: str, secret: bytes, plan_id: str, resource_id: str, ask: str) -> dict[str, str]:
    """The page of one ask (``"page"``) and one link per choice of :data:`CHOICES`."""
    page = f"{base_url.rstrip('/')}/a/{answer_token(secret, plan_id, resource_id, ask)}"
    return {"page": page, **{choice: f"{page}/{choice}" for choice in CHOICES}}


def sign_in_token(secret: bytes, nonce: str) -> str:
    """The token of a sign-in link for the nonce the store keeps."""
    return f"{nonce}.{_signature(secret, 'sign-in', nonce)}"


def read_sign_in_token(secret: bytes, token: str) -> str | None:
    """The nonce of a sign-in link this workspace made, else None."""
    nonce, _, signature = token.strip().partition(".")
    if not nonce or len(nonce) > 64 or len(signature) != _SIGNATURE_LENGTH:
        return None
    return nonce if hmac.compare_digest(signature.lower(), _signature(secret, "sign-in", nonce)) else None


def sign_in_link(base_url: str, secret: bytes, nonce: str) -> str:
    return f"{base_url.rstrip('/')}/sign-in/{sign_in_token(secret, nonce)}"
