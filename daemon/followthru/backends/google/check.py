"""``followthru doctor``'s check of the Google backends: sign in, read, send nothing."""

from __future__ import annotations

from followthru.backends.base import NoSyncState
from followthru.backends.google.auth import key_file_problem
from followthru.config import Config, ConfigError


def check(config: Config) -> str:
    """Sign in and read the mailbox's profile and labels and the calendar, for the backends that
    use Google; one line of what was found. Writes nothing, not even the processed label.

    Raises :class:`~followthru.config.ConfigError` (a key file missing or readable by others) or
    :class:`~followthru.backends.base.Unavailable` (refused, not delegated, not enabled) saying what to fix.
    """
    # A key that acts for any user of the domain must be its owner's alone: the daemon only warns.
    problem = key_file_problem(config)
    if problem:
        raise ConfigError([problem])
    found = []
    if config.mail.backend == "google":
        from followthru.backends.google.gmail import GmailMail

        mail = GmailMail(config, NoSyncState())
        try:
            found += [mail.api.who, mail.describe()]
        finally:
            mail.close()
    if config.calendar.backend == "google":
        from followthru.backends.google.calendar import GoogleCalendar

        calendar = GoogleCalendar(config, NoSyncState())
        try:
            found += [calendar.api.who] if not found else []
            found.append(calendar.describe())
        finally:
            calendar.close()
    return "; ".join(found)
