"""Google Workspace or Gmail: mail through the Gmail API, meetings in Google Calendar.

- :class:`GmailMail` (``mail.backend = "google"``) sends outbox messages as they are and reads
  replies from the INBOX incrementally (:mod:`.gmail`).
- :class:`GoogleCalendar` (``calendar.backend = "google"``) keeps meetings as Calendar events,
  Google sending the invitations, and reads attendees' answers back (:mod:`.calendar`).
- :func:`check` is ``followthru doctor``'s look at both; :func:`authorize` is
  ``followthru auth google``, the one-time OAuth sign-in (:mod:`.auth`).

Signing in, token refresh and the one HTTP connection are in :mod:`.auth`; retries, backoff and
error messages in :mod:`.api`.
"""

from followthru.backends.google.auth import authorize
from followthru.backends.google.calendar import GoogleCalendar
from followthru.backends.google.check import check
from followthru.backends.google.gmail import GmailMail

__all__ = ["GmailMail", "GoogleCalendar", "authorize", "check"]
