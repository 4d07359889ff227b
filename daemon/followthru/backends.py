"""Choosing the configured mail and calendar backends. Each is imported only when chosen, so a
workspace on the embedded default never loads exchangelib or googleapiclient."""

from __future__ import annotations

from followthru.calendar.backend import CalendarBackend
from followthru.config import Config
from followthru.mail.backend import MailBackend
from followthru.mail.imap import SyncState


def open_mail(config: Config, state: SyncState) -> MailBackend:
    """The configured mail backend. Connects to nothing yet; raises ConfigError for a missing secret."""
    mail = config.mail
    if mail.backend == "smtp-imap":
        from followthru.mail.imap import ImapReader
        from followthru.mail.servers import ServerBackend
        from followthru.mail.smtp import SmtpSender

        domain = config.sender.email.rpartition("@")[2]
        return ServerBackend(SmtpSender(mail.smtp, config.password("mail.smtp", mail.smtp), domain),
                             ImapReader(mail.imap, config.password("mail.imap", mail.imap), state))
    if mail.backend == "exchange":
        from followthru.exchange import ExchangeMail

        return ExchangeMail(config, state)
    if mail.backend == "google":
        from followthru.google import GmailMail

        return GmailMail(config, state)
    if mail.backend == "graph":
        from followthru.graph import GraphMail

        return GraphMail(config, state)
    from followthru.mail.maildir import MaildirBackend

    return MaildirBackend(config.path(mail.maildir.outbox), config.path(mail.maildir.inbox))


def open_calendar(config: Config, state: SyncState) -> CalendarBackend | None:
    """The configured calendar service, or None when invitations go by mail (iMIP)."""
    if config.calendar.backend == "exchange":
        from followthru.exchange import ExchangeCalendar

        return ExchangeCalendar(config, state)
    if config.calendar.backend == "google":
        from followthru.google import GoogleCalendar

        return GoogleCalendar(config, state)
    if config.calendar.backend == "graph":
        from followthru.graph import GraphCalendar

        return GraphCalendar(config, state)
    return None
