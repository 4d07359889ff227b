"""Microsoft 365 (Exchange Online) through Microsoft Graph: mail and calendar, without EWS.

- :class:`GraphMail` (``mail.backend = "graph"``) sends outbox messages as MIME with
  ``sendMail`` and reads replies from the inbox with a delta query (:mod:`.mail`), optionally
  woken by change notifications (:mod:`.notifications`).
- :class:`GraphCalendar` (``calendar.backend = "graph"``) keeps meetings as events, Exchange
  sending the invitations, and reads attendees' answers back (:mod:`.calendar`).
- :func:`check` is ``followthru doctor``'s look at both; :func:`authorize` is
  ``followthru auth microsoft`` with ``graph.auth = "device-code"``, the one-time sign-in (:mod:`.auth`).

Plain HTTP with requests, signed in by MSAL: the few endpoints used are stable and documented,
and no SDK code generation is needed. Signing in and the one HTTP connection are in :mod:`.auth`;
retries, backoff and error messages in :mod:`.api`.
"""

from followthru.backends.graph.auth import authorize
from followthru.backends.graph.calendar import GraphCalendar
from followthru.backends.graph.check import check
from followthru.backends.graph.mail import GraphMail

__all__ = ["GraphCalendar", "GraphMail", "authorize", "check"]
