"""Sending over SMTP: STARTTLS, implicit TLS, or plain to this machine only; AUTH when a user is set.

One connection serves every message of a pass and :meth:`SmtpSender.end_batch` closes it. The
server's answers become the outcomes of :mod:`followthru.backends.base`: a refused recipient is a
:class:`Refusal` (4xx tried again later, 5xx final), a refused message a :class:`SendError`, and a
server out of reach, a failed TLS handshake or a refused login :class:`Unavailable`, with nothing
sent.

SMTP cannot say whether a message whose end-of-data answer never came was taken. Such a message
is reported as a temporary failure and sent again later with the same Message-ID, by which mail
systems recognise a copy. A connection the server closed while it sat idle is noticed before any
of the message was sent, and the message goes at once over a new one.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from pathlib import Path

from followthru.backends.base import Refusal, SendError, Unavailable
from followthru.config import SmtpServer

log = logging.getLogger(__name__)


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus ``ca_file`` for a server with a private or self-signed CA."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def explain(error: BaseException, where: str, key: str, timeout: float, security: str = "") -> str:
    """A connection error as one line that says what failed and what to change."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"{where}: its TLS certificate is not trusted ({error.verify_message}); set {key}.ca_file to the "
            "CA that signed it, or give the server a certificate for this host name"
        )
    if isinstance(error, ssl.SSLError):
        return (
            f"{where}: the TLS handshake failed ({error.reason or error}); check {key}.security: 'tls' is for "
            "ports that speak TLS from the first byte (465, 993), 'starttls' for the others"
        )
    if isinstance(error, (socket.timeout, TimeoutError)):
        hint = (
            f"; a server that waits in silence may expect TLS from the first byte: try {key}.security = 'tls'"
            if security in ("starttls", "plain")
            else ""
        )
        return f"{where} did not answer within {timeout:g} s; check {key}.host, {key}.port and firewalls{hint}"
    if isinstance(error, ConnectionRefusedError):
        return f"nothing answers on {where}; check {key}.host and {key}.port, and that the server runs"
    if isinstance(error, socket.gaierror):
        return f"{where}: the host name does not resolve ({error.strerror}); check {key}.host"
    if isinstance(error, OSError):
        return f"{where}: {error.strerror or error}"
    return f"{where}: {error}"


class _Stale(Exception):
    """The connection was gone before any of the message was sent: safe to send again at once."""


class SmtpSender:
    """Sends through one SMTP server. ``password`` is None when no login is configured."""

    def __init__(self, server: SmtpServer, password: str | None, helo: str):
        self.server = server
        self.password = password
        self.helo = server.helo or helo
        self.port = server.port_for("smtp")
        self.where = f"SMTP server {server.host}:{self.port}"
        self.context = tls_context(server.ca_file)
        self.connections_opened = 0
        self._smtp: smtplib.SMTP | None = None

    # -- connecting ----------------------------------------------------------------------------------
    def connect(self) -> str:
        """Connect, secure and log in; returns what was done, for ``doctor``. Raises :class:`Unavailable`."""
        if self._smtp is None:
            self._smtp = self._open()
        smtp = self._smtp
        parts = [f"connected to {self.where}"]
        if self.server.security != "plain":
            assert isinstance(smtp.sock, ssl.SSLSocket), "a 'tls' or 'starttls' connection runs over TLS"
            parts.append(f"{smtp.sock.version()} ({self.server.security})")
        if self.password is not None:
            parts.append(f"logged in as {self.server.username}")
        return ", ".join(parts)

    def _open(self) -> smtplib.SMTP:
        server = self.server
        smtp: smtplib.SMTP | None = None
        try:
            if server.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    server.host, self.port, local_hostname=self.helo, timeout=server.timeout, context=self.context
                )
            else:
                smtp = smtplib.SMTP(server.host, self.port, local_hostname=self.helo, timeout=server.timeout)
            smtp.ehlo()
            if server.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise Unavailable(
                        f"{self.where} does not offer STARTTLS; if it speaks TLS from the first "
                        "byte (port 465) set mail.smtp.security = 'tls'"
                    )
                smtp.starttls(context=self.context)
                smtp.ehlo()
            if self.password is not None:
                if not smtp.has_extn("auth"):
                    raise Unavailable(
                        f"{self.where} offers no login (AUTH) on this connection; use the "
                        "submission port (587 with 'starttls', 465 with 'tls') or leave "
                        "mail.smtp.username empty"
                    )
                smtp.login(server.username, self.password)
        except Unavailable:
            _close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as error:
            _close(smtp)
            raise Unavailable(
                f"{self.where} refused the login of {server.username!r} ({error.smtp_code} "
                f"{_text(error.smtp_error)}); check mail.smtp.username and the password"
            ) from None
        except smtplib.SMTPServerDisconnected as error:
            _close(smtp)
            if isinstance(error.__context__, TimeoutError):  # smtplib reports a silent server this way
                raise Unavailable(
                    explain(error.__context__, self.where, "mail.smtp", server.timeout, server.security)
                ) from None
            hint = (
                ""
                if server.security == "tls"
                else "; if this port expects TLS from the first byte, set mail.smtp.security = 'tls'"
            )
            raise Unavailable(f"{self.where} closed the connection ({error}){hint}") from None
        except smtplib.SMTPResponseException as error:
            _close(smtp)
            raise Unavailable(f"{self.where} answered {error.smtp_code} {_text(error.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as error:
            _close(smtp)
            raise Unavailable(explain(error, self.where, "mail.smtp", server.timeout, server.security)) from None
        self.connections_opened += 1
        return smtp

    # -- sending ---------------------------------------------------------------------------------------
    def send(self, message_id: str, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._open()
            try:
                return self._transaction(self._smtp, recipients, raw, envelope_from)
            except _Stale as stale:
                self.end_batch()
                if attempt == 2:
                    raise Unavailable(f"{self.where} dropped the connection ({stale})") from None
                log.info("%s had closed the connection; opening a new one", self.where)
        raise AssertionError("unreachable")

    def _transaction(self, smtp: smtplib.SMTP, recipients: list[str], raw: bytes, envelope_from: str) -> list[Refusal]:
        options = []
        if not all(a.isascii() for a in [envelope_from, *recipients]) and smtp.has_extn("smtputf8"):
            options.append("SMTPUTF8")
        limit = smtp.esmtp_features.get("size", "")
        if limit.isdigit() and 0 < int(limit) < len(raw):
            raise SendError(f"the message has {len(raw)} bytes; {self.where} takes at most {limit}", permanent=True)
        try:
            code, text = smtp.mail(envelope_from, options)
            if code == 421:
                raise _Stale(f"{code} {_text(text)}")
            if code != 250:
                smtp.rset()
                raise SendError(
                    f"{self.where} refused the sender {envelope_from}: {code} {_text(text)}", permanent=code >= 500
                )
            refusals = []
            for recipient in recipients:
                code, text = smtp.rcpt(recipient)
                if code == 421:
                    raise _Stale(f"{code} {_text(text)}")
                if code not in (250, 251):
                    refusals.append(Refusal(recipient, code, _text(text)))
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise _Stale(str(error) or type(error).__name__) from None
        if len(refusals) == len(recipients):
            smtp.rset()
            return refusals
        try:
            code, text = smtp.data(raw)
        except smtplib.SMTPDataError as error:
            smtp.rset()
            raise SendError(
                f"{self.where} refused to take the message: {error.smtp_code} {_text(error.smtp_error)}",
                permanent=error.smtp_code >= 500,
            ) from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self.end_batch()
            raise SendError(
                f"the connection to {self.where} broke while the message was sent ({error}); "
                "it is sent again later with the same Message-ID"
            ) from None
        if code != 250:
            raise SendError(f"{self.where} did not accept the message: {code} {_text(text)}", permanent=code >= 500)
        return refusals

    def end_batch(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            _close(smtp)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
