"""Messages drafted as the daemon drafts them, and the ways drafting tests compare them.

The example plan's conversation over ten days (engine decisions drafted by the daemon's
:class:`~followthru.drafting.drafter.Drafter`), and two fingerprints of a finished message: its bytes
with the random Message-ID and MIME boundaries set aside (:func:`normalized`), and what a mail client
shows of it, decoded (:func:`decoded`)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

from followthru.config import Calendar, Config, Schedule, Sender, Web
from followthru.drafting.drafter import Drafted, Drafter
from followthru.drafting.messages import Composer
from followthru.drafting.render import Renderer
from followthru.engine import Engine
from followthru.plan import Plan
from followthru.planfile import load_plan
from followthru.states import Answer
from support.daemon_pass import START

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"
SECRET = b"k" * 32
BASE = "https://followthru.example.com"


def config(base_url: str = "", language: str = "en", calendar: str = "imip") -> Config:
    return Config(
        sender=Sender(email="followthru@example.com"),
        web=Web(base_url=base_url),
        schedule=Schedule(language=language),
        calendar=Calendar(backend=calendar),
    )


def composer(base_url: str = "", language: str = "en") -> Composer:
    return Composer(config(base_url, language), Renderer(), SECRET)


def example(title: str | None = None) -> Plan:
    plan = load_plan(EXAMPLE).plan
    assert plan is not None
    if title is None:
        return plan
    return plan.model_copy(update={"plan": plan.plan.model_copy(update={"title": title})})


def conversation(base_url: str, plan: Plan | None = None) -> list[Drafted]:
    """What the example plan sends over ten days, decided by the engine and drafted as the daemon
    drafts them: requests, a backup request after Sam declines, reminders, last calls, the backup of
    someone who did not answer, a due-date reminder to Lee who accepted, stakeholder updates and
    owner notices."""
    plan = plan or example()
    engine, drafter = Engine(Config()), Drafter(config(base_url), composer(base_url))
    decisions = engine.start(plan, START)
    drafted = drafter.draft(plan, decisions, START)
    now = START + timedelta(hours=1)
    for resource_id, intent in (("sam", "decline"), ("lee", "accept")):
        decisions = engine.reply(plan, decisions.state, resource_id, Answer(intent), now)
        drafted += drafter.draft(plan, decisions, now)
    while now < START + timedelta(days=10):
        now += timedelta(hours=1)
        decisions = engine.tick(plan, decisions.state, now)
        drafted += drafter.draft(plan, decisions, now)
    return drafted


def normalized(raw: bytes) -> bytes:
    """A message's bytes with its MIME boundaries and Message-ID (both random) set aside."""
    raw = re.sub(rb"=_(alt|mix)_[0-9a-f]{32}", rb"=_\1_boundary", raw)
    return re.sub(rb"^Message-ID: <[^>]+>", b"Message-ID: <id>", raw, flags=re.M)


def decoded(raw: bytes) -> bytes:
    """What a message says, however its bytes encode it: every header of every part, in order, with
    its value decoded (RFC 2047 words, folding), each part's content type with its parameters, and
    each leaf part's payload with its transfer encoding undone.

    Set aside: the Message-ID (random: a message made again after a crash never collides with one
    in the outbox), the multipart boundaries (random) and Content-Transfer-Encoding (how a payload
    travels, not what it says). The Date is the drafting time given, the calendar's DTSTAMP too."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    lines: list[bytes] = []
    for part in message.walk():
        lines.append(b"--part")
        for name, value in part.items():
            if name.lower() in ("message-id", "content-transfer-encoding"):
                continue
            if name.lower() == "content-type":
                params = [(k, v) for k, v in part.get_params(failobj=[])[1:] if k.lower() != "boundary"]
                value = part.get_content_type() + "".join(f"; {k}={v}" for k, v in params)
            lines.append(f"{name}: {value}".encode())
        if not part.is_multipart():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            lines.append(f"payload of {len(payload)} bytes:".encode() + payload)
    return b"\n".join(lines)
