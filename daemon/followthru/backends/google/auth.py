"""Signing in to Google: a service account with domain-wide delegation, or a user's OAuth sign-in.

:func:`session` gives the authorized HTTP object every Google API call goes through. It is built
from google-auth credentials wrapped around one plain HTTP connection made by :func:`transport`,
the only place where this package touches the network: access tokens are fetched and refreshed
(before they expire, and again when the API answers 401) by google-auth over that same connection.

The scopes asked for are those of the services in use: ``gmail.modify`` when ``mail.backend`` is
``google``, ``calendar.events`` when ``calendar.backend`` is. An administrator grants exactly these
to a service account's client ID; a user consents to them once with ``followthru auth google``,
which stores the refresh token in ``google.token_file`` (mode 0600).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httplib2
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from google_auth_oauthlib.flow import InstalledAppFlow

from followthru.backends.base import readable_by_others
from followthru.config import Config, ConfigError, write_private

log = logging.getLogger(__name__)

GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.modify"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"
TIMEOUT_SECONDS = 60.0
ADMIN_CONSOLE_PATH = (
    "admin.google.com > Security > Access and data control > API controls > Manage Domain Wide Delegation"
)

Credentials = service_account.Credentials | user_credentials.Credentials


def scopes_for(config: Config) -> list[str]:
    """The scopes the configured backends need, and no others."""
    scopes = []
    if config.mail.backend == "google":
        scopes.append(GMAIL_SCOPE)
    if config.calendar.backend == "google":
        scopes.append(CALENDAR_SCOPE)
    return scopes


def subject_of(config: Config) -> str:
    """The mailbox and calendar Followthru acts on: ``google.subject``, else ``sender.email``."""
    return (config.google.subject or config.sender.email).lower()


def transport(timeout: float) -> httplib2.Http:
    """A plain HTTP connection to Google; everything, token requests included, goes through it."""
    return httplib2.Http(timeout=timeout)


def session(config: Config, scopes: list[str]) -> tuple[AuthorizedHttp, str]:
    """An authorized HTTP object for ``scopes`` and a short description of who signs in.
    Reads the key or token file only; raises :class:`ConfigError` saying what to fix."""
    credentials, who = load_credentials(config, scopes)
    return AuthorizedHttp(credentials, http=transport(TIMEOUT_SECONDS)), who


def load_credentials(config: Config, scopes: list[str]) -> tuple[Credentials, str]:
    """google-auth credentials of the configured kind, and who they are. Raises :class:`ConfigError`."""
    google = config.google
    if google.auth == "service-account":
        path = _secret_file(
            config,
            "google.service_account_file",
            google.service_account_file,
            "make a key for the service account (Cloud console > IAM & Admin > Service accounts "
            "> Keys) and point google.service_account_file at it",
        )
        try:
            base = service_account.Credentials.from_service_account_file(str(path), scopes=scopes)
        except (ValueError, KeyError) as error:
            raise ConfigError(
                [
                    f"google.service_account_file: {path} is not a service account key "
                    f"({_first_line(error)}); download a JSON key of the service account"
                ]
            ) from None
        subject = subject_of(config)
        return base.with_subject(subject), f"service account {base.service_account_email} acting as {subject}"
    path = _secret_file(config, "google.token_file", google.token_file, "run 'followthru auth google' once to sign in")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        credentials = user_credentials.Credentials.from_authorized_user_info(info, scopes)
    except (ValueError, KeyError, OSError) as error:
        raise ConfigError(
            [
                f"google.token_file: {path} holds no usable sign-in ({_first_line(error)}); "
                "run 'followthru auth google' again"
            ]
        ) from None
    missing = [s for s in scopes if s not in (info.get("scopes") or scopes)]
    if missing:
        raise ConfigError(
            [
                f"google.token_file: the sign-in in {path} does not cover {', '.join(missing)}; "
                "run 'followthru auth google' again"
            ]
        )
    return credentials, f"signed in with the OAuth token in {path}"


def key_file_problem(config: Config) -> str | None:
    """What is wrong with the mode of the key or token file (readable by other users), or None."""
    google = config.google
    name, file = (
        ("google.service_account_file", google.service_account_file)
        if google.auth == "service-account"
        else ("google.token_file", google.token_file)
    )
    return None if file is None else readable_by_others(name, config.path(file))


def _secret_file(config: Config, key: str, file: Path | None, hint: str) -> Path:
    if file is None:
        raise ConfigError([f"{key}: not set; {hint}"])
    path = config.path(file)
    if not path.is_file():
        raise ConfigError([f"{key}: {path} does not exist; {hint}"])
    problem = readable_by_others(key, path)
    if problem:
        log.warning("%s", problem)
    return path


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# -- the one-time sign-in ----------------------------------------------------------------------------------
class _Flow(InstalledAppFlow):
    """google-auth-oauthlib's installed-app flow, telling the user where to go through ``echo``
    (the flow itself would print it, or try to open a browser, which a server has not got)."""

    echo: Callable[[str], None]

    def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
        url, state = super().authorization_url(**kwargs)
        port = self.redirect_uri.rstrip("/").rpartition(":")[2]
        self.echo(
            "Open this address in a browser on this machine and sign in as the account Followthru "
            f"uses:\n\n    {url}\n\nGoogle then sends the browser back to {self.redirect_uri}. From another "
            f"computer, forward that port first: ssh -L {port}:localhost:{port} THIS-SERVER\n"
        )
        return url, state


def authorize(config: Config, echo: Callable[[str], None]) -> Path:
    """The installed-app OAuth flow, run once: the user consents in a browser, and the refresh token
    goes to ``google.token_file`` (mode 0600). Returns that path. Raises :class:`ConfigError`."""
    google = config.google
    if google.auth != "oauth":
        raise ConfigError(
            [
                "google.auth is 'service-account': a service account needs no sign-in; set "
                "google.auth = 'oauth' to act with a user's own sign-in instead"
            ]
        )
    scopes = scopes_for(config)
    if not scopes:
        raise ConfigError(["neither mail.backend nor calendar.backend is 'google': nothing to sign in for"])
    secrets = _secret_file(
        config,
        "google.client_secrets_file",
        google.client_secrets_file,
        "create an OAuth client of type 'Desktop app' (Cloud console > APIs & Services > "
        "Credentials), download its JSON and point google.client_secrets_file at it",
    )
    try:
        flow = _Flow.from_client_secrets_file(str(secrets), scopes=scopes)
    except (ValueError, KeyError) as error:
        raise ConfigError(
            [
                f"google.client_secrets_file: {secrets} is not an OAuth client file "
                f"({_first_line(error)}); download the JSON of a 'Desktop app' client"
            ]
        ) from None
    flow.echo = echo
    credentials = flow.run_local_server(
        host="localhost",
        port=0,
        open_browser=False,
        authorization_prompt_message=None,
        success_message="Followthru is signed in; you can close this window.",
        access_type="offline",
        prompt="consent",
        login_hint=subject_of(config),
    )
    if not credentials.refresh_token:
        raise ConfigError(
            [
                "Google returned no refresh token; remove Followthru's access at "
                "myaccount.google.com/permissions and run 'followthru auth google' again"
            ]
        )
    target = config.path(google.token_file)
    write_private(target, credentials.to_json())
    return target
