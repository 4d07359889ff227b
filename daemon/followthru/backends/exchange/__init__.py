"""The Exchange backend: Exchange Server on premises, or a Microsoft 365 tenant that still allows
EWS, through exchangelib.

- :class:`ExchangeMail` sends the outbox's messages and reads replies from the inbox (``mail.py``);
- :class:`ExchangeCalendar` keeps meetings in the mailbox's calendar and reads the attendees'
  answers (``calendar.py``);
- :func:`check` is ``followthru doctor``'s login test (``check.py``);
- :func:`authorize` is ``followthru auth microsoft``, the one-time delegated sign-in (``auth.py``).

``connection.py`` holds what they share: the account, throttling and token renewal, and the
errors that say what to change. Importing this package makes the loggers of exchangelib and the
OAuth libraries drop secrets (``redact.py``).
"""

from followthru.backends.exchange import redact
from followthru.backends.exchange.auth import authorize
from followthru.backends.exchange.calendar import ExchangeCalendar
from followthru.backends.exchange.check import check
from followthru.backends.exchange.mail import ExchangeMail

redact.install()

__all__ = ["ExchangeCalendar", "ExchangeMail", "authorize", "check"]
