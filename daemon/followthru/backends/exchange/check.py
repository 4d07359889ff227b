"""``followthru doctor`` for Exchange: log in, open the inbox and the calendar, send nothing."""

from __future__ import annotations

from exchangelib import Account

from followthru.backends.exchange.connection import Connection
from followthru.backends.exchange.mail import processed_folder
from followthru.config import Config


def check(config: Config) -> str:
    """One line on what was found. Raises :class:`~followthru.backends.base.Unavailable` or
    :class:`~followthru.config.ConfigError`, whose one line says what to fix. Makes no folder."""
    connection = Connection(config)
    name = config.exchange.processed_folder

    def look(account: Account) -> str:
        inbox, calendar = account.inbox, account.calendar
        found = [
            f"{connection.where}, Exchange {account.version.build}",
            f"mailbox {connection.mailbox} as {connection.signin.who}",
            f"inbox ({inbox.total_count} items) and {calendar.name.lower()} open",
        ]
        if name:
            made = processed_folder(account, name, create=False) is not None
            found.append(f"processed mail goes to {name!r}" + ("" if made else " (made on first use)"))
        else:
            found.append("processed mail stays in the inbox")
        return ", ".join(found)

    try:
        return connection.call("checking the mailbox", look)
    finally:
        connection.close()
