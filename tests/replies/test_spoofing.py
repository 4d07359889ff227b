"""Nobody can record a commitment for someone else: forged senders, threads, tokens and
authentication results change nothing, and the owner hears of each."""

from __future__ import annotations

import hmac

import pytest

import followthru.tokens as tokens
from followthru.replies.authentication import forged_sender
from support.daemon_pass import START, deliver, outbox, request_to, states

LATER = START.replace(hour=16)


def answer(
    sender: str,
    to: str,
    body: str = "ACCEPT - happy to help",
    in_reply_to: str | None = None,
    authentication: list[str] = (),
) -> bytes:
    lines = [f"Authentication-Results: {a}" for a in authentication]
    lines += [
        f"From: {sender}",
        f"To: {to}",
        "Subject: Re: Can you commit?",
        f"Message-ID: <{abs(hash((sender, to, body, in_reply_to, tuple(authentication))))}@example.org>",
    ]
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def notices(daemon, reason: str) -> list:
    return [
        m
        for m in outbox(daemon)
        if m["X-Followthru-Kind"] == "owner_unmatched" and reason in m.get_body(("plain",)).get_content()
    ]


def outcome(daemon) -> str:
    return daemon.store.connection.execute("SELECT outcome FROM inbound ORDER BY rowid DESC").fetchone()[0]


def test_a_stranger_answering_the_thread_changes_nothing(service):
    sam = request_to(service, "sam")
    deliver(
        service, answer("mallory@evil.example", sam["Reply-To"].addresses[0].addr_spec, in_reply_to=sam["Message-ID"])
    )
    service.tick(LATER)
    assert states(service)["sam"] == "requested" and outcome(service) == "unverified"
    assert notices(service, "mallory@evil.example")


def test_another_resource_cannot_answer_for_sam_with_a_forged_in_reply_to(service):
    sam = request_to(service, "sam")
    deliver(service, answer("sol.engineer@example.com", "followthru@example.com", in_reply_to=sam["Message-ID"]))
    service.tick(LATER)
    assert states(service)["sam"] == "requested" and states(service)["sol"] == "requested"
    assert outcome(service) == "unverified" and notices(service, "sol.engineer@example.com")


def test_a_stolen_token_from_another_address_changes_nothing(service):
    token_address = request_to(service, "sam")["Reply-To"].addresses[0].addr_spec
    deliver(service, answer("mallory@evil.example", token_address))
    service.tick(LATER)
    assert states(service)["sam"] == "requested" and outcome(service) == "unverified"


def test_an_altered_token_matches_nothing(service):
    token_address = request_to(service, "sam")["Reply-To"].addresses[0].addr_spec
    local, _, domain = token_address.partition("@")
    altered = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    assert tokens.verify_token(service.secret, altered.split("+", 1)[1].split("@")[0]) is None
    deliver(service, answer("mallory@evil.example", altered))
    service.tick(LATER)
    assert states(service)["sam"] == "requested" and outcome(service) == "unmatched"


def test_a_stakeholder_replying_to_all_commits_nobody(service):
    update = next(m for m in outbox(service) if m["X-Followthru-Kind"] == "stakeholder_update")
    deliver(
        service,
        answer(
            "morgan.manager@example.com",
            "followthru@example.com",
            "Great, I accept this plan!",
            in_reply_to=update["Message-ID"],
        ),
    )
    sam = request_to(service, "sam")
    deliver(
        service,
        answer(
            "morgan.manager@example.com",
            sam["Reply-To"].addresses[0].addr_spec,
            "ACCEPT on behalf of Sam",
            in_reply_to=sam["Message-ID"],
        ),
    )
    service.tick(LATER)
    assert set(states(service).values()) == {"requested"}
    assert notices(service, "morgan.manager@example.com")


@pytest.mark.parametrize(
    "results",
    [
        ["mx.example.com; dmarc=fail (p=reject) header.from=example.com"],
        ["mx.example.com; spf=fail smtp.mailfrom=example.com; dkim=none"],
        ["mx.example.com; spf=fail smtp.mailfrom=example.com; dkim=fail header.d=example.com"],
        # The sender's own "pass" below the receiving server's verdict does not count.
        ["mx.example.com; dmarc=fail header.from=example.com", "mx.example.com; dmarc=pass"],
    ],
)
def test_a_reply_whose_sender_is_forged_changes_nothing_and_is_reported(service, results):
    sam = request_to(service, "sam")
    deliver(
        service,
        answer(
            "sam.security@example.com",
            sam["Reply-To"].addresses[0].addr_spec,
            in_reply_to=sam["Message-ID"],
            authentication=results,
        ),
    )
    service.tick(LATER)
    assert states(service)["sam"] == "requested" and outcome(service) == "forged"
    [notice] = notices(service, "found its sender forged")
    assert notice["Subject"].startswith("Not counted, sender forged")
    assert ("dmarc=fail" if "dmarc=fail" in results[0] else "spf=fail") in notice.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "results",
    [
        [],  # no verdict at all (a server that does not check)
        ["mx.example.com; dmarc=pass header.from=example.com"],
        ["mx.example.com; spf=fail smtp.mailfrom=example.com; dkim=pass header.d=example.com"],  # DKIM saves it
        ["mx.example.com; spf=softfail smtp.mailfrom=example.com"],
    ],
)
def test_an_authenticated_reply_counts(service, results):
    sam = request_to(service, "sam")
    deliver(
        service,
        answer(
            "sam.security@example.com",
            sam["Reply-To"].addresses[0].addr_spec,
            in_reply_to=sam["Message-ID"],
            authentication=results,
        ),
    )
    service.tick(LATER)
    assert states(service)["sam"] == "accepted"


def test_only_the_configured_server_s_verdict_counts():
    raw = (
        b"Authentication-Results: attacker.example; dmarc=pass\r\n"
        b"Authentication-Results: mx.example.com; dmarc=fail\r\n\r\nACCEPT\r\n"
    )
    assert forged_sender(raw, "mx.example.com") == "dmarc=fail"
    assert forged_sender(raw, "attacker.example") is None
    assert forged_sender(raw) is None  # unconfigured: the topmost header, here the attacker's own
    assert forged_sender(b"From: a@b\r\n\r\nx") is None


def test_tokens_are_compared_in_constant_time(monkeypatch):
    calls, real = [], hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    secret = b"0123456789abcdef0123"
    token = tokens.make_token(secret, "acme-q4", "sam")
    assert tokens.verify_token(secret, token) is not None
    assert tokens.verify_token(secret, token[:-1] + ("x" if token[-1] != "x" else "y")) is None
    assert len(calls) == 2
