"""A daemon in this process on a Maildir workspace, and the ways tests look into its folders."""

from __future__ import annotations

import email
import email.policy
import os
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import make_msgid

from followthru.daemon import Followthru

START = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)  # Monday 10:00 in New York


def drop(daemon: Followthru, text: str, name: str = "acme-q4.toml") -> None:
    """A plan file, old enough to count as completely written."""
    path = daemon.folders["incoming"] / name
    path.write_text(text)
    os.utime(path, (time.time() - 5, time.time() - 5))


def outbox(daemon: Followthru) -> list[EmailMessage]:
    folder = daemon.config.path(daemon.config.mail.maildir.outbox) / "new"
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in folder.iterdir()]


def deliver(daemon: Followthru, raw: bytes) -> None:
    inbox = daemon.config.path(daemon.config.mail.maildir.inbox) / "new"
    (inbox / f"{time.time_ns()}.eml").write_bytes(raw)


def reply(sender: str, to: str, body: str, in_reply_to: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Re: your request"
    message["Message-ID"] = make_msgid(domain="example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def states(daemon: Followthru) -> dict[str, str]:
    return {c["resource"]: c["state"] for c in daemon.status("acme-q4")[0]["commitments"]}


def request_to(daemon: Followthru, resource: str) -> EmailMessage:
    return next(
        m for m in outbox(daemon) if m["X-Followthru-Kind"] == "request" and m["X-Followthru-Resource"] == resource
    )
