"""Answering as a resource by hand: a reply to the request a person got, as their mail client
would write it, put into the Maildir inbox the daemon reads (``followthru reply``).

For trying Followthru out and for demonstrations; a real resource answers from their own mail
client, and nothing here is on the path of a real reply.
"""

from __future__ import annotations

import mailbox
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

# What a person might answer, by intent; the reader understands far more (docs/replies.md).
EXAMPLES = {
    "accept": "Yes, count me in. I commit to this by the due date.",
    "decline": "Sorry, I can't take this on; I am out that week.",
    "tentative": "Maybe: I need to check my calendar first.",
    "counter": "I can do it, but only by the 18th.",
    "question": "Which SSO provider does the customer use?",
}


def reply(request: bytes, sender: str, text: str, now: datetime) -> EmailMessage:
    """The reply ``sender`` writes to ``request`` (the raw message they got): to its Reply-To,
    ``Re:`` its subject, threaded on its Message-ID, their ``text`` above the quoted request."""
    original = BytesParser(policy=policy.default).parsebytes(request)
    answer = EmailMessage()
    answer["From"] = sender
    answer["To"] = original["Reply-To"] or original["From"]
    answer["Subject"] = "Re: " + str(original["Subject"] or "").removeprefix("Re: ")
    answer["Date"] = format_datetime(now)
    answer["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    if original["Message-ID"]:
        answer["In-Reply-To"] = original["Message-ID"]
        answer["References"] = " ".join(filter(None, [str(original["References"] or ""), str(original["Message-ID"])]))
    body = original.get_body(("plain",))
    quoted = "\n".join("> " + line for line in (body.get_content() if body else "").splitlines())
    who = original["From"].addresses[0].display_name if original["From"] else "Followthru"
    answer.set_content(f"{text}\n\nOn {original['Date']}, {who} wrote:\n{quoted}\n")
    return answer


def put_in_inbox(inbox: Path, message: EmailMessage) -> Path:
    """Deliver ``message`` into the Maildir ``inbox`` (its ``new/`` folder) the way a mail server
    does (written under ``tmp/``, then moved); returns the file's path."""
    folder = mailbox.Maildir(inbox, create=True)
    key = folder.add(message.as_bytes(policy=policy.SMTP))
    return inbox / "new" / key
