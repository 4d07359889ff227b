"""Calling Microsoft Graph: throttling retried with backoff, an expired token renewed once, and
every failure said in one line.

:meth:`Graph.call` sends one request to Graph v1.0 for the configured mailbox
(``/users/{mailbox}/...``). Answers that mean "later" -- 429 (Graph's throttling, from the
service or from Exchange Online's per-mailbox limits), 5xx, a dropped connection -- go through the
shared retry loop of :mod:`followthru.backends.http_retry` (backoff, ``Retry-After``, a budget per
call, a quiet period after throttling); ``sendMail`` is tried again only after a 429.

A 401 (``InvalidAuthenticationToken``: the token expired early or was revoked) makes MSAL fetch a
new token, and the request goes once more; a second 401 is :class:`Unavailable`. Answers no wait
can fix become :class:`Unavailable` at once, naming the fix: the mailbox outside the
application access policy, a permission not granted, no such mailbox. Any other error answer
(404 for a message or event, 409, 410, a 400 about the request) is raised as :class:`GraphError`
for the caller, who knows what it means there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from followthru.backends.base import Unavailable
from followthru.backends.graph import auth
from followthru.backends.graph.auth import SignIn, mailbox_of, network_problem
from followthru.backends.http_retry import Later, Retrying, ServiceError, retry_after
from followthru.config import Config

log = logging.getLogger(__name__)

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


class GraphError(ServiceError):
    """An error answer of Microsoft Graph; its ``code`` is Graph's (``ErrorItemNotFound``,
    ``syncStateNotFound``...)."""

    @classmethod
    def of(cls, response: requests.Response) -> GraphError:
        """Graph's error body ``{"error": {"code", "message", "innerError": {...}}}``."""
        code, message = "", ""
        try:
            body = response.json()["error"]
            code, message = str(body.get("code", "")), str(body.get("message", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            message = response.text[:200]
        return cls(
            response.status_code,
            code,
            " ".join(message.split()) or response.reason or "",
            retry_after(response.headers.get("Retry-After")),
        )


class Graph(Retrying):
    """Microsoft Graph for the configured mailbox (``graph.mailbox``, default ``sender.email``).

    Building it reads the secret or token cache (raises :class:`~followthru.config.ConfigError`);
    nothing goes over the network until the first call. ``sleep`` is how the backoff waits.
    """

    def __init__(self, config: Config, what: str):
        settings = config.graph
        self.config = config
        self.mailbox = mailbox_of(config)
        super().__init__(f"Microsoft Graph {what} ({self.mailbox})")
        self.host = urlsplit(settings.endpoint).netloc
        self.session = auth.http_session(settings.timeout)  # looked up here: the tests' seam
        self.sign_in = SignIn(config, self.session)
        self.user_url = f"{settings.endpoint.rstrip('/')}/users/{quote(self.mailbox)}"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        repeatable: bool = True,
        signed: bool = True,
    ) -> requests.Response:
        """Send one request; its answer when it succeeded (status below 400).

        ``path`` is relative to ``/users/{mailbox}`` or a whole URL (a next or delta link);
        ``body`` goes as JSON, ``content`` as it is (give its Content-Type in ``headers``).
        ``repeatable=False``: tried again only after a 429. ``signed=False``: no Authorization
        header (an upload session's URL carries its own token). Raises :class:`GraphError` for
        answers the caller handles and :class:`Unavailable` for the rest.
        """
        url = path if path.startswith("https://") or path.startswith("http://") else self.user_url + path
        renewed = False

        def attempt() -> requests.Response:
            nonlocal renewed
            renew = False
            while True:
                sent = dict(headers or {})
                if signed:
                    sent["Authorization"] = "Bearer " + self.sign_in.token(renew=renew)
                try:
                    response = self.session.request(method, url, params=params, json=body, data=content, headers=sent)
                except requests.RequestException as error:
                    raise Later(network_problem(error, self.host), throttled=False) from None
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
                raise Later(str(problem), problem.status == THROTTLED, problem.retry_after)

        return self.retrying(attempt, repeatable)

    def get(
        self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """GET ``path``; its JSON answer."""
        answer: dict[str, Any] = self.call("GET", path, params=params, headers=headers).json()
        return answer

    def pages(
        self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
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
                f"{self.config.graph.client_id} must say Granted), or set graph.mailbox to a mailbox it allows"
            )
        if problem.status == 403 and problem.code in (
            "ErrorAccessDenied",
            "Authorization_RequestDenied",
            "AccessDenied",
            "ErrorSendAsDenied",
        ):
            if problem.code == "ErrorSendAsDenied":
                fix = (
                    f"{self.mailbox} may not send as sender.email {self.config.sender.email}: grant it Send As, or "
                    "make graph.mailbox and sender.email the same"
                )
            elif app:
                fix = (
                    f"the app needs Mail.ReadWrite, Mail.Send and Calendars.ReadWrite on {self.mailbox}: as "
                    "application permissions with admin consent (the app's API permissions) and the mailbox in its "
                    "access policy, or as RBAC for Applications roles scoped to it "
                    f"(Test-ServicePrincipalAuthorization -Identity {self.config.graph.client_id} -Resource "
                    f"{self.mailbox})"
                )
            else:
                fix = (
                    f"sign in as {self.mailbox}'s user with 'followthru auth microsoft' (a delegate needs full "
                    "access to the mailbox)"
                )
            return Unavailable(f"{self.where} refused access ({problem}); {fix}")
        if problem.code in NO_MAILBOX:
            what = (
                "is not an Exchange Online mailbox (on premises, or no license)"
                if problem.code in ("MailboxNotEnabledForRESTAPI", "MailboxNotSupported")
                else "does not exist"
            )
            return Unavailable(
                f"{self.where}: {self.mailbox} {what} ({problem}); check graph.mailbox (default: sender.email)"
            )
        return problem


def delta_expired(error: GraphError) -> bool:
    """Does ``error`` say a delta link can no longer be used, so a full read is needed (410 Gone,
    or a 400 with ``syncStateNotFound``/``resyncRequired``)?"""
    return error.status == 410 or error.code.lower() in RESYNC_CODES


def quoted(value: str) -> str:
    """A string literal for an OData ``$filter``: single quotes, doubled inside."""
    return "'" + value.replace("'", "''") + "'"
