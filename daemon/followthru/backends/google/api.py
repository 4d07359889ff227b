"""Calling a Google API: throttling retried with backoff, and every failure said in one line.

:meth:`Api.call` executes one request built by googleapiclient. Answers that mean "later" --
429, 403 ``rateLimitExceeded``/``userRateLimitExceeded``, 5xx, a dropped connection -- go through
the shared retry loop of :mod:`followthru.backends.http_retry` (backoff, the time Google names in
``Retry-After`` or Gmail's "Retry after <time>", a budget per call, a quiet period after
throttling); a send is tried again only after throttling.

Answers no wait can fix become :class:`Unavailable` at once, naming the fix: an exhausted quota
(``quotaExceeded``, ``dailyLimitExceeded``), domain-wide delegation not granted (the token
endpoint's ``unauthorized_client``, or the API's 400 ``failedPrecondition``), an API not enabled
in the Cloud project, credentials refused. Any other error answer (404, 409, 410, a 400 about the
request) is raised as :class:`ApiError` for the caller, who knows what it means there.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from datetime import datetime
from typing import Any

import httplib2
from google.auth import exceptions as auth_errors
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from followthru.backends.base import Unavailable
from followthru.backends.google.auth import ADMIN_CONSOLE_PATH, scopes_for, session, subject_of
from followthru.backends.http_retry import Later, Retrying, ServiceError, retry_after, seconds_until
from followthru.config import Config

THROTTLED = {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
QUOTA = {"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"}
NOT_ENABLED = {"accessNotConfigured", "SERVICE_DISABLED"}
SCOPE_MISSING = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}


class ApiError(ServiceError):
    """An error answer of a Google API; its ``code`` is Google's reason (``notFound``, ``duplicate``,
    ``fullSyncRequired``...)."""

    @classmethod
    def of(cls, error: HttpError) -> ApiError:
        """Google's error body ``{"error": {"code", "message", "errors": [{"reason"...}], "status"}}``."""
        reasons, message = [], ""
        try:
            body = json.loads(error.content.decode("utf-8"))["error"]
            message = str(body.get("message", ""))
            reasons = [
                e.get("reason", "") for e in body.get("errors", []) + body.get("details", []) if isinstance(e, dict)
            ] + [str(body.get("status", ""))]
        except (ValueError, KeyError, TypeError, AttributeError):
            message = error.content.decode("utf-8", "replace")[:200]
        return cls(
            error.resp.status,
            next((r for r in reasons if r), ""),
            message.strip() or str(error.resp.reason or ""),
            _retry_after(error.resp.get("retry-after"), message),
        )

    @property
    def throttled(self) -> bool:
        return self.status == 429 or (self.status == 403 and self.code in THROTTLED)

    @property
    def transient(self) -> bool:
        return self.throttled or self.status >= 500


def _retry_after(header: str | None, message: str) -> float | None:
    """Seconds to wait: the Retry-After header, else Gmail's "Retry after 2026-11-30T15:00:00.000Z"
    in the message."""
    if header:
        return retry_after(header)
    found = re.search(r"[Rr]etry after (\d{4}-\d\d-\d\dT[\d:.]+Z)", message)
    return seconds_until(datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))) if found else None


class Api(Retrying):
    """One Google API (``gmail`` v1, ``calendar`` v3) for the configured account.

    Building it reads the key or token file (raises :class:`~followthru.config.ConfigError`) and
    the discovery document shipped with googleapiclient; nothing goes over the network until the
    first call. ``sleep`` is how the backoff waits.
    """

    def __init__(self, config: Config, name: str, version: str, where: str):
        super().__init__(where)
        self.config = config
        self.http, self.who = session(config, scopes_for(config))
        self.service = build(name, version, http=self.http, cache_discovery=False, static_discovery=True)

    def call(self, request: Any, repeatable: bool = True) -> dict[str, Any]:
        """Execute ``request`` (a googleapiclient HttpRequest); its decoded JSON answer.
        ``repeatable=False``: try again only when Google said it did not do it (throttling).

        Raises :class:`ApiError` for answers the caller handles, :class:`Unavailable` for the rest.
        """
        return self.retrying(lambda: self._attempt(request), repeatable)

    def _attempt(self, request: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = request.execute(num_retries=0)
            return answer
        except HttpError as error:
            problem = ApiError.of(error)
            if not problem.transient:
                raise self._final(problem) from None
            raise Later(str(problem), problem.throttled, problem.retry_after) from None
        except auth_errors.RefreshError as error:
            raise Unavailable(self._refused(error)) from None
        except (auth_errors.TransportError, httplib2.HttpLib2Error, OSError, ssl.SSLError) as error:
            raise Later(_network(error), throttled=False) from None

    def close(self) -> None:
        self.http.close()

    # -- what went wrong, and what to do ------------------------------------------------------------------
    def _final(self, problem: ApiError) -> Exception:
        if problem.status == 403 and problem.code in QUOTA:
            return Unavailable(
                f"{self.where}: the {problem.code} quota is used up ({problem.message}); Followthru "
                "tries again later. See the Cloud project's quotas (console.cloud.google.com > APIs & "
                "Services > Quotas) or Gmail's sending limits"
            )
        if problem.status == 400 and problem.code in ("failedPrecondition", "FAILED_PRECONDITION"):
            if self.config.google.auth == "oauth":
                return Unavailable(
                    f"{self.where} refused the request ({problem.message}): the signed-in account "
                    "has no Gmail or Calendar; sign in as the account of sender.email"
                )
            return Unavailable(
                f"{self.where} refused the request ({problem.message}): the service account may not "
                f"act as {subject_of(self.config)} (no domain-wide delegation, or that user has no "
                f"Gmail); {self._delegation_fix()}"
            )
        if problem.status == 403 and problem.code in NOT_ENABLED:
            return Unavailable(
                f"{self.where}: the API is not enabled in the Cloud project ({problem.message}); "
                "enable it under APIs & Services > Library"
            )
        if problem.status == 403 and problem.code in SCOPE_MISSING:
            return Unavailable(
                f"{self.where}: the access token lacks a scope ({problem.message}); "
                + (
                    self._delegation_fix()
                    if self.config.google.auth == "service-account"
                    else "run 'followthru auth google' again"
                )
            )
        if problem.status == 401:
            return Unavailable(f"{self.where} refused the credentials ({problem.message}); " + self._credentials_fix())
        return problem

    def _refused(self, error: auth_errors.RefreshError) -> str:
        """A token request Google's token endpoint refused."""
        data = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
        code, description = data.get("error", ""), data.get("error_description", "")
        said = f"{code}: {description}" if code else str(error.args[0] if error.args else error)
        prefix = f"{self.where}: Google refused a token ({said})"
        if self.config.google.auth == "oauth":
            return f"{prefix}; the sign-in was revoked or has expired: run 'followthru auth google' again"
        if code == "unauthorized_client":
            return f"{prefix}: domain-wide delegation is not granted; {self._delegation_fix()}"
        if "Invalid email or User ID" in description:
            return f"{prefix}: no such user {subject_of(self.config)}; check google.subject (default: sender.email)"
        if "JWT Signature" in description or code == "invalid_client":
            return (
                f"{prefix}: the key in google.service_account_file was deleted or is not valid; make a new key "
                "for the service account"
            )
        return f"{prefix}; {self._credentials_fix()}"

    def _credentials_fix(self) -> str:
        if self.config.google.auth == "oauth":
            return "run 'followthru auth google' again"
        return "check google.service_account_file and google.subject"

    def _delegation_fix(self) -> str:
        client = getattr(self.http.credentials, "service_account_email", "the service account")
        client_id = _client_id(self.config) or "the service account's client ID"
        return (
            f"a Workspace administrator must authorize client ID {client_id} ({client}) for the scopes "
            f"{','.join(scopes_for(self.config))} in {ADMIN_CONSOLE_PATH}"
        )


def _client_id(config: Config) -> str:
    """The numeric client ID of the service account key (the administrator authorizes this one)."""
    if config.google.service_account_file is None:
        return ""
    try:
        return str(json.loads(config.path(config.google.service_account_file).read_text()).get("client_id", ""))
    except (OSError, ValueError):
        return ""


def _network(error: BaseException) -> str:
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "Google did not answer in time"
    if isinstance(error, httplib2.ServerNotFoundError):
        return f"cannot resolve Google's address ({error}); check DNS and the network"
    if isinstance(error, auth_errors.TransportError):
        return f"cannot reach Google's token endpoint ({error})"
    return f"cannot reach Google ({getattr(error, 'strerror', None) or error})"
