"""``followthru doctor``'s check of the Graph backends: sign in, read, send nothing."""

from __future__ import annotations

from followthru.backends.base import NoSyncState
from followthru.backends.graph.auth import token_cache_problem
from followthru.config import Config, ConfigError


def check(config: Config) -> str:
    """Sign in and read the mailbox's inbox folder and the calendar, for the backends that use
    Graph; one line of what was found. Writes nothing, not even the processed folder.

    Raises :class:`~followthru.config.ConfigError` (a secret or token cache missing, a token cache
    readable by others) or :class:`~followthru.backends.base.Unavailable` (refused, not allowed by
    the access policy, no such mailbox) saying what to fix.
    """
    # A refresh token that opens the mailbox must be its owner's alone: the daemon only warns.
    problem = token_cache_problem(config)
    if problem:
        raise ConfigError([problem])
    found = []
    if config.mail.backend == "graph":
        from followthru.backends.graph.mail import GraphMail

        mail = GraphMail(config, NoSyncState())
        try:
            described = mail.describe()  # signs in first: then it is known who
            found += [mail.graph.sign_in.who, described]
        finally:
            mail.close()
    if config.calendar.backend == "graph":
        from followthru.backends.graph.calendar import GraphCalendar

        calendar = GraphCalendar(config, NoSyncState())
        try:
            described = calendar.describe()
            found += ([] if found else [calendar.graph.sign_in.who]) + [described]
        finally:
            calendar.close()
    return "; ".join(found)
