"""The IMAP reader against a real Dovecot on loopback (see tests/support/mailstack.py)."""

from __future__ import annotations

import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from followthru.backends.base import Unavailable
from followthru.backends.smtp_imap.imap import DONE_FLAG, ImapReader
from followthru.config import ImapServer

ME = "followthru@example.com"


class MemoryState:
    def __init__(self):
        self.values: dict[str, str] = {}

    def get_sync(self, key):
        return self.values.get(key)

    def put_sync(self, key, value):
        self.values[key] = value


@pytest.fixture
def stack(mail_stack):
    mail_stack.clear(ME)
    return mail_stack


def reader(stack, state=None, password=None, **settings) -> ImapReader:
    server = ImapServer(
        host="localhost", port=10143, security="starttls", username=ME, ca_file=stack.ca_file, timeout=10, **settings
    )
    return ImapReader(server, password or stack.users[ME], state or MemoryState())


def deliver(stack, subject: str, to: str = ME) -> str:
    built = EmailMessage()
    built["From"] = "sam.security@example.com"
    built["To"] = to
    built["Subject"] = subject
    built["Message-ID"] = make_msgid(domain="example.com")
    built.set_content("ACCEPT\n")
    stack.send(built.as_bytes(), "sam.security@example.com", [to])
    return built["Message-ID"]


def subjects(incoming) -> list[str]:
    import email

    return [email.message_from_bytes(i.raw)["Subject"] for i in incoming]


def take_all(imap: ImapReader) -> list:
    found = list(imap.fetch_new())
    for item in found:
        imap.done(item)
    return found


def test_new_mail_is_read_once_oldest_first_and_moved(stack):
    deliver(stack, "one")
    stack.wait_for_messages(ME, 1)  # Postfix may deliver two at once in either order
    deliver(stack, "two")
    stack.wait_for_messages(ME, 2)
    imap = reader(stack)
    assert subjects(take_all(imap)) == ["one", "two"]
    assert stack.messages(ME) == []
    assert sorted(m["Subject"] for m in stack.messages(ME, "Followthru")) == ["one", "two"]
    assert take_all(imap) == []
    deliver(stack, "three")
    stack.wait_for_messages(ME, 1)
    assert subjects(take_all(imap)) == ["three"]
    imap.close()


def test_plus_addressed_replies_reach_the_same_inbox(stack):
    deliver(stack, "token reply", to="followthru+abcdef@example.com")
    stack.wait_for_messages(ME, 1)
    imap = reader(stack)
    assert subjects(take_all(imap)) == ["token reply"]
    imap.close()


def test_without_a_processed_folder_mail_is_flagged_and_stays(stack):
    for count, subject in enumerate(("a", "b", "c"), start=1):
        deliver(stack, subject)
        stack.wait_for_messages(ME, count)
    state = MemoryState()
    imap = reader(stack, state, processed_folder="")
    assert subjects(take_all(imap)) == ["a", "b", "c"]
    with stack.imap(ME) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search("ALL"))
    assert len(flags) == 3 and all(DONE_FLAG in f and b"\\Seen" in f for f in flags.values())
    assert take_all(imap) == []
    imap.close()
    # A new reader with the same state asks only for what came after.
    deliver(stack, "d")
    stack.wait_for_messages(ME, 4)
    again = reader(stack, state, processed_folder="")
    assert subjects(take_all(again)) == ["d"]
    again.close()


def test_a_reader_that_crashed_before_remembering_skips_what_it_flagged(stack):
    for count, subject in enumerate(("a", "b"), start=1):
        deliver(stack, subject)
        stack.wait_for_messages(ME, count)
    imap = reader(stack, processed_folder="")
    first = next(imap.fetch_new())
    imap.done(first)  # then the process dies: the last UID was never remembered
    imap.close()
    assert subjects(take_all(reader(stack, processed_folder=""))) == ["b"]


def test_a_changed_uidvalidity_reads_the_folder_again(stack):
    with stack.imap(ME) as client:
        if client.folder_exists("Replies"):
            client.delete_folder("Replies")
        client.create_folder("Replies")
        client.append("Replies", b"Subject: kept\r\nMessage-ID: <kept@example.com>\r\n\r\nACCEPT\r\n")
    state = MemoryState()
    imap = reader(stack, state, folder="Replies", processed_folder="")
    found = list(imap.fetch_new())
    assert subjects(found) == ["kept"]
    imap.close()
    with stack.imap(ME) as client:  # the folder is made again: same name, new UIDVALIDITY
        client.delete_folder("Replies")
        client.create_folder("Replies")
        client.append("Replies", b"Subject: kept\r\nMessage-ID: <kept@example.com>\r\n\r\nACCEPT\r\n")
    again = reader(stack, state, folder="Replies", processed_folder="")
    assert subjects(list(again.fetch_new())) == ["kept"]
    again.close()


def test_reconnects_after_the_server_restarts(stack):
    imap = reader(stack)
    assert take_all(imap) == []
    stack.stop_imap()
    try:
        with pytest.raises(Unavailable, match="IMAP server localhost:10143"):
            list(imap.fetch_new())
        assert list(imap.fetch_new()) == []  # backing off: no attempt, no error
    finally:
        stack.start_imap()
    deliver(stack, "after the restart")
    stack.wait_for_messages(ME, 1)
    time.sleep(1.1)
    assert subjects(take_all(imap)) == ["after the restart"]
    assert imap.connections_opened == 2
    imap.close()


def test_idle_wakes_the_daemon_when_mail_arrives(stack):
    woken = threading.Event()
    imap = reader(stack, poll_seconds=3600)
    imap.watch(woken.set)
    deadline = time.monotonic() + 10
    while not imap._idling and time.monotonic() < deadline:
        time.sleep(0.05)
    assert imap._idling
    take_all(imap)
    woken.clear()
    assert list(imap.fetch_new()) == []  # in IDLE with no news: no round trip, nothing
    deliver(stack, "pushed")
    assert woken.wait(10)
    assert subjects(take_all(imap)) == ["pushed"]
    imap.close()
    assert not imap._watcher.is_alive()


def test_without_idle_every_check_asks_the_server(stack):
    imap = reader(stack, idle=False)
    imap.watch(lambda: None)
    assert imap._watcher is None
    assert take_all(imap) == []
    deliver(stack, "polled")
    stack.wait_for_messages(ME, 1)
    assert subjects(take_all(imap)) == ["polled"]
    imap.close()


def test_a_refused_login_is_clear_and_does_not_show_the_password(stack):
    imap = reader(stack, password="wrong-password-77")
    with pytest.raises(Unavailable) as error:
        list(imap.fetch_new())
    assert "refused the login of 'followthru@example.com'" in str(error.value)
    assert "wrong-password-77" not in str(error.value)


def test_a_missing_folder_is_named(stack):
    with pytest.raises(Unavailable, match="'No such folder'.*mail.imap.folder"):
        reader(stack, folder="No such folder").connect()


def test_the_password_never_reaches_the_log_even_at_debug_level(stack, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    imap = reader(stack)
    take_all(imap)
    imap.close()
    assert "LOGIN" in caplog.text.upper()  # imapclient logged the login command...
    assert stack.users[ME] not in caplog.text  # ...without the password


def test_where_moving_is_refused_mail_is_flagged_instead(stack, caplog):
    deliver(stack, "kept here")
    stack.wait_for_messages(ME, 1)
    imap = reader(stack, processed_folder="~Processed")  # Dovecot refuses to create such a name
    assert subjects(take_all(imap)) == ["kept here"]
    assert "cannot move processed mail to '~Processed'" in caplog.text and "flagging it instead" in caplog.text
    with stack.imap(ME) as client:
        client.select_folder("INBOX", readonly=True)
        [flags] = client.get_flags(client.search("ALL")).values()
    assert DONE_FLAG in flags
    assert take_all(imap) == []
    imap.close()


def test_a_backlog_is_read_over_several_short_passes(stack, monkeypatch):
    import followthru.backends.smtp_imap.imap as imap_module

    monkeypatch.setattr(imap_module, "MAX_PER_CHECK", 2)
    for count, subject in enumerate(("a", "b", "c"), start=1):
        deliver(stack, subject)
        stack.wait_for_messages(ME, count)
    woken = []
    imap = reader(stack, idle=False)
    imap.watch(lambda: woken.append(True))
    assert subjects(take_all(imap)) == ["a", "b"]
    assert woken  # the loop comes back at once for the rest
    assert subjects(take_all(imap)) == ["c"]
    imap.close()
