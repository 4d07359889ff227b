"""The integration mail stack itself: delivery, TLS, AUTH, RCPT codes, bounces, restarts, IDLE."""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
import uuid
from email.message import EmailMessage

import pytest

imapclient = pytest.importorskip("imapclient")

HOST = "127.0.0.1"


def make_message(sender: str, to: str) -> tuple[EmailMessage, str]:
    subject = f"stack check {uuid.uuid4().hex}"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content("Hello from the mail stack test.\n")
    return msg, subject


def tls_context(stack) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(stack.ca_file))


def test_plain_smtp_lands_in_inbox(mail_stack):
    mail_stack.clear("riley@example.com")
    msg, subject = make_message("sam.security@example.com", "riley@example.com")
    assert mail_stack.send(bytes(msg), "sam.security@example.com", ["riley@example.com"]) == {}
    [got] = mail_stack.wait_for_messages("riley@example.com", 1)
    assert got["Subject"] == subject
    assert "Hello from the mail stack test." in got.get_content()


def test_plus_address_lands_in_base_inbox(mail_stack):
    mail_stack.clear("followthru@example.com")
    msg, subject = make_message("riley@example.com", "followthru+abc@example.com")
    mail_stack.send(bytes(msg), "riley@example.com", ["followthru+abc@example.com"])
    [got] = mail_stack.wait_for_messages("followthru@example.com", 1)
    assert got["Subject"] == subject
    assert got["Delivered-To"] == "followthru+abc@example.com"


def test_submission_requires_starttls_and_auth(mail_stack):
    with smtplib.SMTP(HOST, mail_stack.submission_port, local_hostname="localhost", timeout=10) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("auth")
        assert smtp.mail("riley@example.com")[0] == 530  # must STARTTLS first
        smtp.starttls(context=tls_context(mail_stack))
        smtp.ehlo()
        assert smtp.has_extn("auth")
        smtp.mail("riley@example.com")
        assert smtp.rcpt("sol.engineer@example.com")[0] == 554  # no relaying without AUTH
        smtp.rset()
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp.login("riley@example.com", "wrong")
        assert refused.value.smtp_code == 535
        assert smtp.login("riley@example.com", "secret-riley")[0] == 235
        msg, subject = make_message("riley@example.com", "sol.engineer@example.com")
        mail_stack.clear("sol.engineer@example.com")
        assert smtp.send_message(msg) == {}
    [got] = mail_stack.wait_for_messages("sol.engineer@example.com", 1)
    assert got["Subject"] == subject


def test_smtps_implicit_tls_with_auth(mail_stack):
    with smtplib.SMTP_SSL(
        "localhost", mail_stack.smtps_port, local_hostname="localhost", context=tls_context(mail_stack), timeout=10
    ) as smtp:
        assert smtp.sock.version() in ("TLSv1.2", "TLSv1.3")
        smtp.ehlo()
        assert smtp.has_extn("auth")
        assert smtp.login("lee.legal@example.com", "secret-lee.legal")[0] == 235
        smtp.mail("lee.legal@example.com")
        assert smtp.rcpt("riley@example.com")[0] == 250


def test_certificate_verifies_only_with_the_test_ca(mail_stack):
    with imapclient.IMAPClient(
        "localhost", port=mail_stack.imaps_port, ssl=True, ssl_context=tls_context(mail_stack), timeout=10
    ) as client:
        client.login("casey.csm@example.com", "secret-casey.csm")
        assert client.select_folder("INBOX")[b"EXISTS"] >= 0
    with imapclient.IMAPClient(HOST, port=mail_stack.imap_port, ssl=False, timeout=10) as client:
        client.starttls(tls_context(mail_stack))
        client.login("casey.csm@example.com", "secret-casey.csm")
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(
            HOST, port=mail_stack.imaps_port, ssl=True, ssl_context=ssl.create_default_context(), timeout=10
        )


@pytest.mark.parametrize("port", ["smtp_port", "submission_port", "smtps_port"])
def test_rcpt_time_codes(mail_stack, port):
    number = getattr(mail_stack, port)
    ctx = tls_context(mail_stack)
    if number == mail_stack.smtps_port:
        smtp = smtplib.SMTP_SSL(HOST, number, local_hostname="localhost", context=ctx, timeout=10)
    else:
        smtp = smtplib.SMTP(HOST, number, local_hostname="localhost", timeout=10)
    with smtp:
        smtp.ehlo()
        if number == mail_stack.submission_port:
            smtp.starttls(context=ctx)
            smtp.ehlo()
        if number != mail_stack.smtp_port:
            smtp.login("riley@example.com", "secret-riley")
        smtp.mail("riley@example.com")
        # Postfix puts "<address>: Recipient address rejected:" before the map's text.
        code, text = smtp.rcpt("tempfail@example.com")
        assert (code, text[:6], text[-15:]) == (451, b"4.3.0 ", b"Try again later")
        code, text = smtp.rcpt("refused@example.com")
        assert (code, text[:6], text[-15:]) == (550, b"5.1.1 ", b"No such user here"[-15:])
        assert smtp.rcpt("riley@example.com")[0] == 250


def test_unknown_user_bounces_to_envelope_sender(mail_stack):
    mail_stack.clear("followthru@example.com")
    msg, subject = make_message("followthru@example.com", "nobody@example.com")
    assert mail_stack.send(bytes(msg), "followthru+tok@example.com", ["nobody@example.com"]) == {}
    [bounce] = mail_stack.wait_for_messages("followthru@example.com", 1)
    assert bounce.get_content_type() == "multipart/report"
    assert bounce.get_param("report-type") == "delivery-status"
    assert bounce["To"] == "followthru+tok@example.com"
    parts = {part.get_content_type(): part for part in bounce.walk()}
    status = parts["message/delivery-status"].as_string()
    assert "nobody@example.com" in status and "Status: 5.1.1" in status
    assert subject in bounce.as_string()


def test_mail_queues_while_dovecot_is_down(mail_stack):
    mail_stack.clear("pat.backup@example.com")
    mail_stack.stop_imap()
    try:
        with pytest.raises(OSError):
            socket.create_connection((HOST, mail_stack.imap_port), timeout=2).close()
        msg, subject = make_message("riley@example.com", "pat.backup@example.com")
        mail_stack.send(bytes(msg), "riley@example.com", ["pat.backup@example.com"])
        time.sleep(0.5)
        assert not mail_stack.queue_empty()
    finally:
        mail_stack.start_imap()
    [got] = mail_stack.wait_for_messages("pat.backup@example.com", 1)
    assert got["Subject"] == subject
    assert mail_stack.queue_empty()


def test_idle_notifies_quickly(mail_stack):
    mail_stack.clear("kim.standby@example.com")
    with mail_stack.imap("kim.standby@example.com") as client:
        client.select_folder("INBOX")
        client.idle()
        msg, _ = make_message("riley@example.com", "kim.standby@example.com")
        started = time.monotonic()
        mail_stack.send(bytes(msg), "riley@example.com", ["kim.standby@example.com"])
        responses = client.idle_check(timeout=5)
        elapsed = time.monotonic() - started
        client.idle_done()
    assert (1, b"EXISTS") in responses
    assert elapsed < 3
