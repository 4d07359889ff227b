"""Answering as a resource by hand: the reply ``handreply`` writes is one the daemon applies, to
the right ask, like a reply from a mail client."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from followthru.handreply import EXAMPLES, put_in_inbox, reply
from followthru.replies import read_reply
from support.workspace import EXAMPLE, Workspace, find, states

NOW = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)


@pytest.fixture
def started(tmp_path) -> tuple[Workspace, list]:
    ws = Workspace(tmp_path / "ws")
    ws.drop_plan(EXAMPLE.read_text())
    return ws, ws.tick("2026-11-30T15:00:00+00:00")


def test_the_reply_is_threaded_addressed_and_quotes_the_request(started):
    _, sent = started
    request = find(sent, "request", "sam")
    answer = reply(request.as_bytes(), "sam.security@example.com", EXAMPLES["accept"], NOW)
    assert answer["To"] == request["Reply-To"] and "+" in answer["To"].addresses[0].addr_spec
    assert answer["In-Reply-To"] == request["Message-ID"]
    assert request["Message-ID"] in answer["References"].split()
    assert str(answer["Subject"]) == "Re: " + str(request["Subject"])
    text = answer.get_body(("plain",)).get_content()
    assert text.startswith(EXAMPLES["accept"]) and "\n> " in text


@pytest.mark.parametrize("intent", sorted(EXAMPLES))
def test_every_example_reads_as_its_intent(started, intent):
    _, sent = started
    answer = reply(find(sent, "request", "lee").as_bytes(), "lee.legal@example.com", EXAMPLES[intent], NOW)
    assert read_reply(answer.as_bytes()).intent == intent


def test_the_daemon_applies_a_reply_put_in_the_inbox(started):
    ws, sent = started
    answer = reply(find(sent, "request", "sam").as_bytes(), "sam.security@example.com", EXAMPLES["accept"], NOW)
    path = put_in_inbox(ws.root / "mail" / "inbox", answer)
    assert path.parent.name == "new" and path.is_file()
    ws.tick("2026-11-30T16:00:00+00:00")
    assert states(ws.status())["sam"] == "accepted"
    assert not any((ws.root / "mail" / "inbox" / "new").iterdir())
