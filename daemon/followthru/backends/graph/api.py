"""Calling Microsoft Graph: throttling retried with backoff, an expired token renewed once, and
every failure said in one line.

:meth:`Graph.call` sends one request to Graph v1.0 for the configured mailbox
(``/users/{mailbox}/...``). Answers that mean "later" -- 429 (Graph's throttling, from the
service or from Exchange Online's per-mailbox limits), 503, 504, a dropped connection -- are
tried again after an exponential backoff with jitter (1, 2, 4, 8 s), or after the ``Retry-After``
Graph names, whichever is longer, within :data:`WAIT_BUDGET_SECONDS` per call. Past that the call
raises :class:`~followthru.backends.base.Unavailable`, and until the time Graph asked for has
passed every further call does so at once, without asking: the daemon pauses and comes back, it
never crashes on throttling, and a pass stays inside systemd's watchdog (120 s).

A request that must not be repeated blindly (``sendMail``) is tried again only after a 429,
which says it was not done; after a 503, a 504 or a dropped connection nobody knows, so the call
raises :class:`Unavailable` and the caller checks before its next try.

A 401 (``InvalidAuthenticationToken``: the token expired early or was revoked) makes MSAL fetch a
new token, and the request goes once more; a second 401 is :class:`Unavailable`. Answers no wait
can fix become :class:`Unavailable` at once, naming the fix: the mailbox outside the
application access policy, a permission not granted, no such mailbox. Any other error answer
(404 for a message or event, 409, 410, a 400 about the request) is raised as :class:`GraphError`
for the caller, who knows what it means there.
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit

import requests

from followthru.config import Config
from followthru.backends.graph import auth
from followthru.backends.graph.auth import SignIn, mailbox_of, network_problem
from followthru.backends.base import Unavailable

log = logging.getLogger(__name__)

ATTEMPTS = 5  # one call and up to four tries again
BASE_DELAY_SECONDS = 1.0
WAIT_BUDGET_SECONDS = 30.0  # per call; a throttled mailbox is then left alone, so a pass stays short
THROTTLED = 429
MAYBE_DONE = {500, 502, 503, 504}  # "later", but the request may have been carried out
NO_MAILBOX = {"ErrorInvalidUser", "ErrorNonExistentMailbox", "MailboxNotEnabledForRESTAPI", "MailboxNotSupported"}
POLICY_WORDS = ("AccessPolicy", "[RAOP]", "ApplicationAccessPolicy")
RESYNC_CODES = {"syncstatenotfound", "syncstateinvalid", "resyncrequired"}


class _HideUploadTokens(logging.Filter):
    """urllib3 logs every request's URL at DEBUG, and an upload session's URL carries the token
    that opens it (``?authtoken=...``): the log gets the URL without it."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "authtoken=" in text:
            record.msg, record.args = re.sub(r"authtoken=[^&\s\"']+", "authtoken=[hidden]", text), ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_HideUploadTokens())


@dataclass(eq=False)
class GraphError(Exception):
    """An error answer the caller decides about: the HTTP ``status``, Graph's ``code``
    (``ErrorItemNotFound``, ``syncStateNotFound``...) and its message."""

    status: int
    code: str
    message: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}" if self.code else f"{self.status} {self.message}"

    @classmethod
    def of(cls, response: requests.Response) -> "GraphError":
        """Graph's error body ``{"error": {"code", "message", "innerError": {...}}}``."""
        code, message = "", ""
        try:
            body = response.json()["error"]
            code, message = str(body.get("code", "")), str(body.get("message", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            message = response.text[:200]
        return cls(response.status_code, code, " ".join(message.split()) or response.reason or "",
                   _retry_after(response.headers.get("Retry-After")))


def _retry_after(header: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: seconds, or an HTTP date."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


class Graph:
    """Microsoft Graph for the configured mailbox (``graph.mailbox``, default ``sender.email``).

    Building it reads the secret or token cache (raises :class:`~followthru.config.ConfigError`);
    nothing goes over the network until the first call. ``sleep`` is how the backoff waits.
    """

    def __init__(self, config: Config, what: str):
        settings = config.graph
        self.config = config
        self.mailbox = mailbox_of(config)
        self.where = f"Microsoft Graph {what} ({self.mailbox})"
        self.host = urlsplit(settings.endpoint).netloc
        self.session = auth.http_session(settings.timeout)  # looked up here: the tests' seam
        self.sign_in = SignIn(config, self.session)
        self.user_url = f"{settings.endpoint.rstrip('/')}/users/{quote(self.mailbox)}"
        self.sleep: Callable[[float], None] = time.sleep
        self._quiet_until = 0.0  # throttled: no call before this (time.monotonic)

    def call(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
             content: bytes | None = None, headers: dict[str, str] | None = None, repeatable: bool = True,
             signed: bool = True) -> requests.Response:
        """Send one request; its answer when it succeeded (status below 400).

        ``path`` is relative to ``/users/{mailbox}`` or a whole URL (a next or delta link);
        ``body`` goes as JSON, ``content`` as it is (give its Content-Type in ``headers``).
        ``repeatable=False``: tried again only after a 429. ``signed=False``: no Authorization
        header (an upload session's URL carries its own token). Raises :class:`GraphError` for
        answers the caller handles and :class:`Unavailable` for the rest.
        """
        quiet = self._quiet_until - time.monotonic()
        if quiet > 0:
            raise Unavailable(f"{self.where} is throttling Followthru; asking again in {quiet:.0f} s")
        url = path if path.startswith("https://") or path.startswith("http://") else self.user_url + path
        waited, attempt, renew, renewed = 0.0, 0, False, False
        while True:
            sent = dict(headers or {})
            if signed:
                sent["Authorization"] = "Bearer " + self.sign_in.token(renew=renew)
            renew = False
            problem: GraphError | None = None
            try:
                response = self.session.request(method, url, params=params, json=body, data=content, headers=sent)
            except requests.RequestException as error:
                text = network_problem(error, self.host)
            else:
                if response.status_code < 400:
                    return response
                problem = GraphError.of(response)
                if problem.status == 401 and signed and not renewed:
                    # The token MSAL holds expired early or was revoked: one new token, one more try.
                    log.info("%s refused the access token (%s); signing in again", self.where, problem.code)
                    renew = renewed = True
                    continue
                if problem.status != THROTTLED and problem.status not in MAYBE_DONE:
                    raise self._final(problem)
                text = str(problem)
            delay = BASE_DELAY_SECONDS * 2 ** attempt + random.uniform(0, BASE_DELAY_SECONDS)
            if problem is not None and problem.retry_after is not None:
                delay = max(delay, problem.retry_after)
            attempt += 1
            throttled = problem is not None and problem.status == THROTTLED
            if attempt >= ATTEMPTS or waited + delay > WAIT_BUDGET_SECONDS or (not throttled and not repeatable):
                if throttled:
                    self._quiet_until = time.monotonic() + delay
                raise Unavailable(self._gave_up(throttled, text, attempt, delay))
            log.info("%s: %s; trying again in %.1f s", self.where, text, delay)
            self.sleep(delay)
            waited += delay

    def get(self, path: str, params: dict | None = None, headers: dict[str, str] | None = None) -> dict:
        """GET ``path``; its JSON answer."""
        return self.call("GET", path, params=params, headers=headers).json()

    def pages(self, path: str, params: dict | None = None,
              headers: dict[str, str] | None = None) -> Iterator[dict]:
        """Every page of a collection, following ``@odata.nextLink``; the last page is the one
        without it (a delta query's carries ``@odata.deltaLink``)."""
        page = self.get(path, params, headers)
        yield page
        while page.get("@odata.nextLink"):
            page = self.get(page["@odata.nextLink"], headers=headers)  # the link holds every parameter
            yield page

    def close(self) -> None:
        self.session.close()

    # -- what went wrong, and what to do ------------------------------------------------------------------
    def _final(self, problem: GraphError) -> Exception:
        app = self.config.graph.auth == "app"
        if problem.status == 401:
            fix = "check the app's client secret and permissions" if app else "run 'followthru auth microsoft' again"
            return Unavailable(f"{self.where} refused the access token twice ({problem}); {fix}")
        if problem.status == 403 and any(word in problem.message for word in POLICY_WORDS):
            return Unavailable(
                f"{self.where}: the application access policy does not let the app open {self.mailbox} ({problem}); "
                f"add the mailbox to the policy's group (Test-ApplicationAccessPolicy -Identity {self.mailbox} -AppId "
                f"{self.config.graph.client_id} must say Granted), or set graph.mailbox to a mailbox it allows")
        if problem.status == 403 and problem.code in ("ErrorAccessDenied", "Authorization_RequestDenied",
                                                      "AccessDenied", "ErrorSendAsDenied"):
            if problem.code == "ErrorSendAsDenied":
                fix = (f"{self.mailbox} may not send as sender.email {self.config.sender.email}: grant it Send As, or "
                       "make graph.mailbox and sender.email the same")
            elif app:
                fix = (f"the app needs Mail.ReadWrite, Mail.Send and Calendars.ReadWrite on {self.mailbox}: as "
                       "application permissions with admin consent (the app's API permissions) and the mailbox in its "
                       "access policy, or as RBAC for Applications roles scoped to it "
                       f"(Test-ServicePrincipalAuthorization -Identity {self.config.graph.client_id} -Resource "
                       f"{self.mailbox})")
            else:
                fix = (f"sign in as {self.mailbox}'s user with 'followthru auth microsoft' (a delegate needs full "
                       "access to the mailbox)")
            return Unavailable(f"{self.where} refused access ({problem}); {fix}")
        if problem.code in NO_MAILBOX:
            what = "is not an Exchange Online mailbox (on premises, or no license)" \
                if problem.code in ("MailboxNotEnabledForRESTAPI", "MailboxNotSupported") else "does not exist"
            return Unavailable(f"{self.where}: {self.mailbox} {what} ({problem}); check graph.mailbox "
                               "(default: sender.email)")
        return problem

    def _gave_up(self, throttled: bool, text: str, attempts: int, delay: float) -> str:
        tries = f"{attempts} {'try' if attempts == 1 else 'tries'}"
        if throttled:
            return f"{self.where} is still throttling after {tries} ({text}); Followthru asks again in {delay:.0f} s"
        return f"{self.where}: {text} ({tries}); Followthru tries again later"


def delta_expired(error: GraphError) -> bool:
    """Does ``error`` say a delta link can no longer be used, so a full read is needed (410 Gone,
    or a 400 with ``syncStateNotFound``/``resyncRequired``)?"""
    return error.status == 410 or error.code.lower() in RESYNC_CODES


def quoted(value: str) -> str:
    """A string literal for an OData ``$filter``: single quotes, doubled inside."""
    return "'" + value.replace("'", "''") + "'"
