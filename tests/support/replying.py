"""How a mail client answers a message: the reply the scenario tests send as each person."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def reply_to(
    original: EmailMessage, sender: str, text: str | None = None, html: str | None = None, **headers: str
) -> EmailMessage:
    """A reply from ``sender`` with the threading headers a client sets and the original quoted
    below the new words; ``headers`` (``Auto_Submitted=...``) are added or replace the usual ones."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = original["Reply-To"] or original["From"]
    reply["Subject"] = "Re: " + original["Subject"]
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = original["Message-ID"]
    for name, value in headers.items():
        del reply[name.replace("_", "-")]
        reply[name.replace("_", "-")] = value
    quoted = "\n".join("> " + line for line in original.get_body(("plain",)).get_content().splitlines())
    if text is not None:
        reply.set_content(f"{text}\n\nOn Mon, Riley Rep via Followthru wrote:\n{quoted}\n")
    if html is not None:
        body = f'<html><body>{html}<blockquote type="cite"><pre>{quoted}</pre></blockquote></body></html>'
        if text is None:
            reply.set_content(body, subtype="html")
        else:
            reply.add_alternative(body, subtype="html")
    return reply
