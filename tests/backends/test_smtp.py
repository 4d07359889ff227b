"""The SMTP sender against a real Postfix on loopback (see tests/support/mailstack.py)."""

from __future__ import annotations

import socket
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from followthru.backends.base import SendError, Unavailable
from followthru.backends.smtp_imap.smtp import SmtpSender
from followthru.config import SmtpServer

FROM = "followthru@example.com"
RILEY = "riley@example.com"


def send(smtp: SmtpSender, to: list[str], subject: str = "Hello"):
    message_id, raw = message(to, subject)
    return smtp.send(message_id, to, raw, FROM)


def message(to: list[str], subject: str = "Hello") -> tuple[str, bytes]:
    built = EmailMessage()
    built["From"] = FROM
    built["To"] = ", ".join(to)
    built["Subject"] = subject
    built["Message-ID"] = make_msgid(domain="example.com")
    built.set_content("Can you commit?\n.\nA line with a lone dot above.\n")
    return built["Message-ID"], built.as_bytes().replace(b"\n", b"\r\n")


def sender(
    stack,
    security: str = "starttls",
    port: int = 10587,
    password: str | None = None,
    ca: bool = True,
    timeout: float = 10,
    host: str = "localhost",
) -> SmtpSender:
    username = FROM if security != "plain" else ""
    server = SmtpServer(
        host=host,
        port=port,
        security=security,
        username=username,
        ca_file=stack.ca_file if ca else None,
        timeout=timeout,
    )
    login = (password or stack.users[FROM]) if username else None
    return SmtpSender(server, login, "example.com")


@pytest.fixture
def stack(mail_stack):
    for address in (RILEY, "sam.security@example.com"):
        mail_stack.clear(address)
    return mail_stack


@pytest.mark.parametrize("security, port", [("starttls", 10587), ("tls", 10465), ("plain", 25)])
def test_each_security_mode_delivers(stack, security, port):
    smtp = sender(stack, security, port)
    message_id, raw = message([RILEY])
    assert smtp.send(message_id, [RILEY], raw, FROM) == []
    smtp.end_batch()
    [received] = stack.wait_for_messages(RILEY, 1)
    assert received["Message-ID"] == message_id
    assert "\n.\nA line with a lone dot" in received.get_content()  # dot-stuffing undone by the server


def test_one_connection_serves_a_batch(stack):
    smtp = sender(stack)
    for _ in range(3):
        send(smtp, [RILEY])
    assert smtp.connections_opened == 1
    smtp.end_batch()
    send(smtp, [RILEY])
    smtp.end_batch()
    assert smtp.connections_opened == 2
    assert len(stack.wait_for_messages(RILEY, 4)) == 4


def test_a_connection_dropped_while_idle_is_reopened_and_the_message_goes_once(stack):
    smtp = sender(stack)
    send(smtp, [RILEY])
    smtp._smtp.sock.shutdown(socket.SHUT_RDWR)  # as when the server closes an idle connection
    message_id, raw = message([RILEY], "second")
    assert smtp.send(message_id, [RILEY], raw, FROM) == []
    smtp.end_batch()
    assert smtp.connections_opened == 2
    received = stack.wait_for_messages(RILEY, 2)
    assert [m["Message-ID"] for m in received].count(message_id) == 1


def test_refused_recipients_say_whether_to_try_again(stack):
    smtp = sender(stack)
    to = [RILEY, "tempfail@example.com", "refused@example.com"]
    refusals = send(smtp, to)
    smtp.end_batch()
    assert {(r.recipient, r.code, r.permanent) for r in refusals} == {
        ("tempfail@example.com", 451, False),
        ("refused@example.com", 550, True),
    }
    assert "Try again later" in next(str(r) for r in refusals if r.code == 451)
    assert len(stack.wait_for_messages(RILEY, 1)) == 1  # the others got it


def test_all_recipients_refused_sends_nothing(stack):
    smtp = sender(stack)
    refusals = send(smtp, ["refused@example.com"])
    smtp.end_batch()
    assert [r.code for r in refusals] == [550]


def test_a_wrong_password_is_a_clear_error_without_the_password(stack):
    smtp = sender(stack, password="not-the-password-42")
    with pytest.raises(Unavailable) as error:
        send(smtp, [RILEY])
    text = str(error.value)
    assert "refused the login of 'followthru@example.com'" in text and "535" in text
    assert "mail.smtp.username" in text and "not-the-password-42" not in text


def test_an_untrusted_certificate_names_the_fix(stack):
    with pytest.raises(Unavailable, match="not trusted.*mail.smtp.ca_file"):
        send(sender(stack, ca=False), [RILEY])


def test_implicit_tls_on_a_starttls_port_names_the_fix(stack):
    with pytest.raises(Unavailable, match="mail.smtp.security"):
        send(sender(stack, "tls", 10587, timeout=5), [RILEY])


def test_starttls_on_the_implicit_tls_port_names_the_fix(stack):
    with pytest.raises(Unavailable, match="security = 'tls'"):
        send(sender(stack, "starttls", 10465, timeout=3), [RILEY])


def test_a_server_that_never_answers_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    server = SmtpServer(host="127.0.0.1", port=listener.getsockname()[1], security="plain", timeout=1)
    started = time.monotonic()
    with pytest.raises(Unavailable, match="did not answer within 1 s"):
        send(SmtpSender(server, None, "example.com"), [RILEY])
    assert time.monotonic() - started < 5
    listener.close()


def test_nothing_listening_names_host_and_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SmtpServer(host="127.0.0.1", port=port, security="plain", timeout=2)
    with pytest.raises(Unavailable, match=f"nothing answers on SMTP server 127.0.0.1:{port}"):
        send(SmtpSender(server, None, "example.com"), [RILEY])


def test_plain_is_refused_for_another_machine():
    with pytest.raises(ValueError, match="only allowed to this machine"):
        SmtpServer(host="mail.example.com", security="plain")


def test_an_oversized_message_is_refused_before_sending(stack):
    smtp = sender(stack)
    smtp.connect()
    limit = int(smtp._smtp.esmtp_features["size"])  # what Postfix announces (message_size_limit)
    with pytest.raises(SendError) as error:
        smtp.send("<big@example.com>", [RILEY], b"x" * (limit + 1), FROM)
    smtp.end_batch()
    assert error.value.permanent and f"takes at most {limit}" in str(error.value)
