"""One Exchange mailbox through exchangelib, and what its failures mean for Followthru.

The account is reached at ``exchange.service_endpoint`` (or ``https://{exchange.server}/EWS/
Exchange.asmx``), never through autodiscover. exchangelib runs with its fail-fast policy, so it
never sleeps on its own; :meth:`Connection.call` runs one piece of work against the account and
turns what can go wrong into Followthru's outcomes:

- ``ErrorServerBusy``: waited out for the ``BackOffMilliseconds`` the server names, and tried
  again, up to :data:`MAX_TRIES` tries of one call and :data:`WAIT_BUDGET_SECONDS` of waiting in
  any :data:`BUDGET_WINDOW_SECONDS` (a pass must stay well inside systemd's watchdog). Beyond that
  the call is :class:`Unavailable`, and until the server's back-off has passed every call is
  refused at once, without asking the server.
- HTTP 401 for an OAuth token (expired early, or revoked): a new token, and the work once more.
  A second 401, or a refused password, is :class:`Unavailable` naming the keys to check.
- A mailbox that does not exist or may not be opened, a server out of reach, an untrusted
  certificate, EWS switched off, a token endpoint that refuses the app: :class:`Unavailable`,
  one line saying what failed and what to change. Secrets never appear in it.

``SendError`` and ``Unavailable`` raised by the work itself pass through unchanged.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from exchangelib import UTC, Account, Configuration, FailFast
from exchangelib.errors import (
    CASError,
    ErrorAccessDenied,
    ErrorImpersonateUserDenied,
    ErrorImpersonationDenied,
    ErrorImpersonationFailed,
    ErrorInvalidExchangeImpersonationHeaderData,
    ErrorNonExistentMailbox,
    ErrorServerBusy,
    EWSError,
    MalformedResponseError,
    RedirectError,
    ResponseMessageError,
    UnauthorizedError,
)
from exchangelib.protocol import Protocol
from oauthlib.oauth2 import OAuth2Error

from followthru.backends.base import SendError, Unavailable
from followthru.backends.exchange.auth import AUTHORITY_HOST, DelegatedCredentials, SignIn, sign_in
from followthru.config import Config, ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_TRIES = 4  # tries of one call while the server answers ErrorServerBusy
WAIT_BUDGET_SECONDS = 30.0  # at most this much waiting for back-offs...
BUDGET_WINDOW_SECONDS = 120.0  # ...in any such span: systemd's watchdog (120 s) waits for each pass
DEFAULT_BACKOFF_SECONDS = 5.0  # when the server names no back-off
NO_ACCESS = (
    ErrorAccessDenied,
    ErrorImpersonateUserDenied,
    ErrorImpersonationDenied,
    ErrorImpersonationFailed,
    ErrorInvalidExchangeImpersonationHeaderData,
)


class Connection:
    """The configured mailbox. Reads every secret when made (:class:`ConfigError` if one is
    missing) and connects on the first call."""

    def __init__(self, config: Config):
        exchange = config.exchange
        if not (exchange.service_endpoint or exchange.server):
            raise ConfigError(
                [
                    "exchange.server: set the Exchange host name (or exchange.service_endpoint to the "
                    "full EWS address); autodiscover is not used"
                ]
            )
        self.mailbox = str(exchange.mailbox or config.sender.email).lower()
        self.endpoint = exchange.service_endpoint or f"https://{exchange.server}/EWS/Exchange.asmx"
        self.where = f"Exchange at {urlsplit(self.endpoint).netloc or self.endpoint}"
        self.timeout = exchange.timeout
        self.signin: SignIn = sign_in(config, self.mailbox)
        self._account: Account | None = None
        self._quiet_until = 0.0
        self._waits: deque[tuple[float, float]] = deque()  # (when, seconds) of recent back-off waits

    @property
    def account(self) -> Account:
        """exchangelib's account; making it sends nothing."""
        if self._account is None:
            configuration = Configuration(
                service_endpoint=self.endpoint,
                credentials=self.signin.credentials,
                auth_type=self.signin.auth_type,
                retry_policy=FailFast(),
            )
            account = Account(
                primary_smtp_address=self.mailbox,
                config=configuration,
                autodiscover=False,
                access_type=self.signin.access_type,
                default_timezone=UTC,
            )
            account.protocol.TIMEOUT = self.timeout
            self._account = account
        return self._account

    def call(self, what: str, work: Callable[[Account], T]) -> T:
        """``work(account)``'s result. ``what`` names the work in messages ("reading the inbox").
        Raises :class:`Unavailable` (or the :class:`SendError` the work raised)."""
        wait = self._quiet_until - time.monotonic()
        if wait > 0:
            raise Unavailable(
                f"{self.where} asked Followthru to slow down: {what} waits {wait:.0f} s more (ErrorServerBusy)"
            )
        renewed, tries = False, 0
        while True:
            tries += 1
            try:
                return work(self.account)
            except (SendError, Unavailable):
                raise
            except UnauthorizedError:
                if self.signin.oauth and not renewed:
                    log.info("%s refused the access token while %s: getting a new one", self.where, what)
                    renewed = True
                    self._renew_token()
                    continue
                raise Unavailable(
                    f"{self.where} refused the login of {self.signin.who} for {self.mailbox}; {self.signin.fix}"
                ) from None
            except (EWSError, OAuth2Error, requests.RequestException, OSError) as error:
                busy = _busy(error)
                if busy is None:
                    raise Unavailable(self.explain(error, what)) from None
                back_off = busy.back_off or DEFAULT_BACKOFF_SECONDS
                if tries >= MAX_TRIES or not self._may_wait(back_off):
                    self._quiet_until = time.monotonic() + back_off
                    raise Unavailable(
                        f"{self.where} is throttling Followthru (ErrorServerBusy) while {what}, "
                        f"{tries} tries; it asked for {back_off:g} s of quiet, and the work is tried "
                        "again after that"
                    ) from None
                log.info("%s is busy (ErrorServerBusy) while %s: waiting %g s as it asked", self.where, what, back_off)
                self._waits.append((time.monotonic(), back_off))
                time.sleep(back_off)

    def _may_wait(self, seconds: float) -> bool:
        """Whether waiting ``seconds`` more stays within the budget of recent back-off waits."""
        since = time.monotonic() - BUDGET_WINDOW_SECONDS
        while self._waits and self._waits[0][0] < since:
            self._waits.popleft()
        return sum(waited for _, waited in self._waits) + seconds <= WAIT_BUDGET_SECONDS

    def _renew_token(self) -> None:
        """A new token after a 401. exchangelib has replaced the refused session already, and with
        client credentials that new session fetched a new token. A delegated token is renewed here
        from the refresh token, and the sessions that hold the old one are dropped."""
        credentials = self.signin.credentials
        if isinstance(credentials, DelegatedCredentials):
            with credentials.lock:
                credentials.refresh()
            self.account.protocol.close()

    def explain(self, error: BaseException, what: str) -> str:
        """An exchangelib, OAuth or network error as one line: what failed, and what to change."""
        text = _one_line(error)
        # The first request of a connection asks for the server's version; exchangelib reports a
        # refusal of that request by name only.
        if isinstance(error, ErrorNonExistentMailbox) or "ErrorNonExistentMailbox" in text:
            return f"{self.where} has no mailbox {self.mailbox}; check exchange.mailbox (it defaults to sender.email)"
        if isinstance(error, NO_ACCESS) or any(kind.__name__ in text for kind in NO_ACCESS):
            return (
                f"{self.where} does not let {self.signin.who} open {self.mailbox} ({type(error).__name__}: "
                f"{text}); {self._access_fix()}"
            )
        if isinstance(error, OAuth2Error):
            return (
                f"{AUTHORITY_HOST} refused the app's token request ({error.error}: {_aad_text(error)}); check the "
                "client secret (exchange.client_secret_env or exchange.client_secret_file), exchange.client_id "
                "and exchange.tenant_id"
            )
        if isinstance(error, RedirectError):
            return (
                f"{self.where} redirected the request to {error.url}; set exchange.service_endpoint to the EWS "
                "address, like https://mail.example.com/EWS/Exchange.asmx"
            )
        if isinstance(error, CASError):
            return f"{self.where} could not reach the mailbox's server ({text}); it is tried again later"
        if isinstance(error, MalformedResponseError) and "Code: 403" in text:
            return (
                f"{self.where} refused EWS for {self.mailbox} (HTTP 403): EWS may be switched off for the "
                "mailbox or the organization (Microsoft blocks EWS in Exchange Online from 2026-10-01)"
            )
        if isinstance(error, MalformedResponseError) and "Code: 404" in text:
            return f"{self.where} has no EWS at {self.endpoint} (HTTP 404); check exchange.service_endpoint"
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text:
            return (
                f"{self.where}: its TLS certificate is not trusted; add the CA that signed it to the system's "
                "trust store (or point REQUESTS_CA_BUNDLE at it)"
            )
        if isinstance(error, (requests.RequestException, OSError)) or "Reraised from" in text:
            request = getattr(error, "request", None)
            if request is not None and urlsplit(request.url).netloc == AUTHORITY_HOST:
                return (
                    f"cannot reach {AUTHORITY_HOST} for a token while {what} ({_cause(text)}); "
                    "check the network and any proxy; it is tried again later"
                )
            return (
                f"cannot reach {self.where} while {what} ({_cause(text)}); check exchange.server (or "
                "exchange.service_endpoint), the network and any proxy; it is tried again later"
            )
        if isinstance(error, ResponseMessageError):
            return f"{self.where}: {what} failed ({type(error).__name__}: {text})"
        return f"{self.where}: {what} failed ({text})"

    def _access_fix(self) -> str:
        if self.signin.access_type == "impersonation":
            return (
                "give the app the EWS permission full_access_as_app with admin consent, and check that "
                "exchange.mailbox is in its tenant"
            )
        return "give the user Full Access to the mailbox (and Send As for sending), or check exchange.mailbox"

    def close(self) -> None:
        """Close the HTTP sessions; the next call opens new ones."""
        account, self._account = self._account, None
        if account is None:
            return
        account.protocol.close()
        with suppress(KeyError):  # exchangelib caches one protocol per endpoint and credentials
            del Protocol[account.protocol.config]


def _busy(error: BaseException) -> ErrorServerBusy | None:
    """The server's ErrorServerBusy, also when it answered the version probe of a new connection:
    exchangelib then raises a TransportError while handling it."""
    for candidate in (error, error.__context__):
        if isinstance(candidate, ErrorServerBusy):
            return candidate
    return None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def _cause(text: str) -> str:
    """The last, most specific reason in a requests/urllib3 error chain."""
    for marker in (
        "Failed to resolve",
        "Connection refused",
        "timed out",
        "Name or service not known",
        "Max retries exceeded",
        "Connection aborted",
    ):
        if marker in text:
            return marker.lower()
    return text[:160]


def _aad_text(error: OAuth2Error) -> str:
    description = (error.description or "").split(" Trace ID:")[0]
    return description.split(". ")[0].rstrip(".")[:200] or "no description"
