"""Signing in to Microsoft Entra ID with MSAL, and the one HTTP connection everything goes through.

Two kinds of sign-in (``graph.auth``):

- ``app`` (the default): the client credentials grant. The app registration holds the
  *application* permissions Mail.ReadWrite, Mail.Send and Calendars.ReadWrite with an
  administrator's consent, and an application access policy (or RBAC for Applications) in
  Exchange Online keeps it to Followthru's mailbox. The client secret comes from
  ``graph.client_secret_env`` or ``graph.client_secret_file``. MSAL keeps the access token in
  memory and asks for a new one shortly before it expires.
- ``device-code``: a user signs in once with ``followthru auth microsoft`` (:func:`authorize`),
  typing a code at Microsoft's device login page, and consents to the *delegated* permissions
  Mail.ReadWrite, Mail.Send and Calendars.ReadWrite (MSAL adds offline_access, which brings the
  refresh token). MSAL's token cache is kept in ``graph.token_cache_file``, readable by its owner
  only; access tokens later come from its refresh token, and the file is rewritten whenever MSAL
  changes the cache.

Only the permissions of the backends in use are asked for: Mail.* when ``mail.backend`` is
``graph``, Calendars.ReadWrite when ``calendar.backend`` is.

:func:`http_session` makes the one ``requests.Session`` of a backend, the only place where this
package opens connections. MSAL gets it as its ``http_client``, so the sign-in's requests -- the
tenant's OpenID configuration, the token and device code endpoints -- take the same way as the
Graph calls. Instance discovery is off: the authority is ``graph.authority_host`` and
``graph.tenant_id`` as configured (a national cloud names its own host).

Tokens, the client secret and the refresh token are never logged nor put in an error message;
what Microsoft's sign-in says when it refuses (``AADSTS7000215: Invalid client secret
provided.``) is, with the key to change.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import requests
from msal.exceptions import MsalServiceError

from followthru.backends.base import Unavailable, readable_by_others
from followthru.config import Config, ConfigError, write_private

log = logging.getLogger(__name__)

MAIL_PERMISSIONS = ("Mail.ReadWrite", "Mail.Send")
CALENDAR_PERMISSIONS = ("Calendars.ReadWrite",)
APP_REGISTRATIONS = "Entra admin center > Identity > Applications > App registrations"
# The AADSTS error numbers that name a fix, and the fix. {secret} is the key holding the secret.
FIXES = {
    7000215: "the client secret is wrong: put the secret's Value (not its Secret ID) from the app's Certificates & "
    "secrets into {secret}",
    7000222: "the client secret has expired: add a new one under the app's Certificates & secrets and put its Value "
    "into {secret}",
    700016: "there is no app {client_id} in tenant {tenant}: check graph.client_id and graph.tenant_id",
    90002: "there is no tenant {tenant}: check graph.tenant_id (the Directory (tenant) ID on the app's Overview)",
    900023: "{tenant} is not a tenant: check graph.tenant_id (the Directory (tenant) ID on the app's Overview)",
    7000218: "the app registration does not allow the device code flow: turn on Authentication > Allow public "
    "client flows",
    65001: "nobody has consented to the permissions: an administrator must grant admin consent under the app's "
    "API permissions",
}
SIGN_IN_AGAIN = {50076, 50079, 50158, 50173, 70008, 700082, 700084, 70043}  # MFA, revoked, expired


def http_session(timeout: float) -> requests.Session:
    """The HTTP connection pool of one backend: Graph calls and MSAL's sign-in requests all go
    through it, each with ``timeout`` seconds unless a call gives its own."""
    return _Session(timeout)


class _Session(requests.Session):
    """requests has no session-wide timeout, and MSAL gives none: this one adds it."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def mailbox_of(config: Config) -> str:
    """The mailbox and calendar Followthru acts on: ``graph.mailbox``, else ``sender.email``."""
    return (config.graph.mailbox or config.sender.email).lower()


def resource_of(endpoint: str) -> str:
    """``https://graph.microsoft.com`` for ``https://graph.microsoft.com/v1.0``: what scopes are of."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def delegated_scopes(config: Config) -> list[str]:
    """The delegated permissions the configured backends need, as scopes of Graph."""
    resource = resource_of(config.graph.endpoint)
    names = (MAIL_PERMISSIONS if config.mail.backend == "graph" else ()) + (
        CALENDAR_PERMISSIONS if config.calendar.backend == "graph" else ()
    )
    return [f"{resource}/{name}" for name in names]


def token_cache_problem(config: Config) -> str | None:
    """What is wrong with the mode of the token cache file (readable by other users), or None."""
    if config.graph.auth != "device-code":
        return None
    return readable_by_others("graph.token_cache_file", config.path(config.graph.token_cache_file))


class SignIn:
    """Access tokens for Microsoft Graph from MSAL, for the configured app and mailbox.

    Building one reads the secret or the token cache file (raises
    :class:`~followthru.config.ConfigError` saying what to set); nothing goes over the network
    until the first :meth:`token`.
    """

    def __init__(self, config: Config, session: requests.Session):
        self.config = config
        self.settings = config.graph
        self.session = session
        self.host = urlsplit(self.settings.authority_host).netloc or self.settings.authority_host
        if not self.settings.tenant_id:
            raise ConfigError(
                [
                    "graph.tenant_id: not set; copy the Directory (tenant) ID from the app's Overview in "
                    + APP_REGISTRATIONS
                ]
            )
        if not self.settings.client_id:
            raise ConfigError(
                [
                    "graph.client_id: not set; copy the Application (client) ID from the app's Overview in "
                    + APP_REGISTRATIONS
                ]
            )
        self.authority = f"{self.settings.authority_host.rstrip('/')}/{self.settings.tenant_id}"
        self._app: msal.ClientApplication | None = None
        if self.settings.auth == "app":
            self.secret_key = self._secret_key()
            self._secret = config.read_secret(
                "graph.client_secret",
                self.settings.client_secret_env,
                self.settings.client_secret_file,
                hint="set graph.client_secret_env or graph.client_secret_file to the Value of a client secret from "
                "the app's Certificates & secrets",
            ).decode()
            self.scopes = [resource_of(self.settings.endpoint) + "/.default"]
            self.who = f"app {self.settings.client_id} of tenant {self.settings.tenant_id}"
        else:
            self.cache_path = config.path(self.settings.token_cache_file)
            self.cache = _load_cache(self.cache_path)
            self.scopes = delegated_scopes(config)
            self.who = f"signed in with the token cache {self.cache_path}"

    def _secret_key(self) -> str:
        if self.settings.client_secret_env and os.environ.get(self.settings.client_secret_env):
            return f"graph.client_secret_env ({self.settings.client_secret_env})"
        if self.settings.client_secret_file:
            return f"graph.client_secret_file ({self.config.path(self.settings.client_secret_file)})"
        return "graph.client_secret_env"

    def token(self, renew: bool = False) -> str:
        """A current access token. ``renew``: Graph refused the one MSAL holds (it expired early,
        or was revoked), so get a new one from the token endpoint. Raises
        :class:`~followthru.backends.base.Unavailable` saying what to fix when the sign-in is refused
        or cannot be reached."""
        try:
            app = self._application()
        except requests.RequestException as error:
            raise Unavailable(
                f"Microsoft's sign-in ({self.host}): {network_problem(error, self.host)}; Followthru tries again later"
            ) from None
        except ValueError as error:  # MSAL could not read the tenant's OpenID configuration
            raise Unavailable(
                f"Microsoft's sign-in ({self.host}) does not know the tenant "
                f"{self.settings.tenant_id!r} ({_first_line(error)[:160]}); check graph.tenant_id and "
                "graph.authority_host"
            ) from None
        try:
            result = self._acquire(app, renew)
        except requests.RequestException as error:
            raise Unavailable(
                f"Microsoft's sign-in ({self.host}): {network_problem(error, self.host)}; Followthru tries again later"
            ) from None
        except (ValueError, MsalServiceError) as error:  # a 5xx, or not JSON: an outage's page
            raise Unavailable(
                f"Microsoft's sign-in ({self.host}) answered with no token ({_first_line(error)[:160]});"
                " Followthru tries again later"
            ) from None
        if "access_token" not in result:
            raise Unavailable(self._refused(result))
        token: str = result["access_token"]
        return token

    def _acquire(self, app: msal.ClientApplication, renew: bool) -> dict[str, Any]:
        if self.settings.auth == "app":
            if renew:
                app.remove_tokens_for_client()
            granted: dict[str, Any] = app.acquire_token_for_client(scopes=self.scopes)
            return granted
        accounts = app.get_accounts(username=mailbox_of(self.config)) or app.get_accounts()
        if not accounts:
            return {"error": "no_account", "error_description": f"the token cache {self.cache_path} holds no sign-in"}
        result: dict[str, Any] | None = app.acquire_token_silent_with_error(
            self.scopes, accounts[0], force_refresh=renew
        )
        if result is None:  # no refresh token for these scopes: the sign-in asked for fewer
            result = {"error": "no_token", "error_description": "the sign-in does not cover " + " ".join(self.scopes)}
        self.who = f"signed in as {accounts[0].get('username')} (token cache {self.cache_path})"
        if self.cache.has_state_changed:
            write_private(self.cache_path, self.cache.serialize())
            self.cache.has_state_changed = False
        return result

    def _application(self) -> msal.ClientApplication:
        """MSAL's application, made on first use: making it reads the tenant's OpenID configuration."""
        if self._app is None:
            if self.settings.auth == "app":
                self._app = msal.ConfidentialClientApplication(
                    self.settings.client_id,
                    client_credential=self._secret,
                    authority=self.authority,
                    http_client=self.session,
                    instance_discovery=False,
                    token_cache=msal.TokenCache(),
                )
            else:
                self._app = public_application(self.config, self.session, self.cache)
        return self._app

    def _refused(self, result: dict[str, Any]) -> str:
        """One line for a token request Microsoft's sign-in refused, with the fix."""
        code = str(result.get("error", ""))
        description = _first_sentence(str(result.get("error_description", "")))
        numbers = set(result.get("error_codes") or []) | {int(n) for n in re.findall(r"AADSTS(\d+)", description)}
        said = f"{code}: {description}" if description else code
        prefix = f"Microsoft's sign-in ({self.host}) refused a token ({said})"
        return f"{prefix}; {explain_refusal(self.config, code, numbers, getattr(self, 'secret_key', ''))}"


def explain_refusal(config: Config, code: str, numbers: set[int], secret_key: str = "") -> str:
    """What to change after the sign-in refused with ``code`` and the AADSTS ``numbers``."""
    settings = config.graph
    for number, fix in FIXES.items():
        if number in numbers:
            return fix.format(
                secret=secret_key or "graph.client_secret_env", client_id=settings.client_id, tenant=settings.tenant_id
            )
    if settings.auth == "device-code":
        if code in ("no_account", "no_token", "invalid_grant") or numbers & SIGN_IN_AGAIN:
            return "run 'followthru auth microsoft' again"
        return "check graph.client_id and graph.tenant_id, then run 'followthru auth microsoft' again"
    return f"check graph.tenant_id, graph.client_id and the client secret in {secret_key or 'graph.client_secret_env'}"


def public_application(
    config: Config, session: requests.Session, cache: msal.SerializableTokenCache
) -> msal.PublicClientApplication:
    """MSAL's public client for the device code flow and its refreshes, over ``session``."""
    settings = config.graph
    return msal.PublicClientApplication(
        settings.client_id,
        authority=f"{settings.authority_host.rstrip('/')}/{settings.tenant_id}",
        http_client=session,
        instance_discovery=False,
        token_cache=cache,
    )


def network_problem(error: BaseException, host: str) -> str:
    """A network failure in words: which host, what happened."""
    if isinstance(error, requests.Timeout):
        return f"{host} did not answer in time"
    if isinstance(error, requests.ConnectionError):
        reason = error.args[0] if error.args else error
        reason = getattr(reason, "reason", reason)
        return f"cannot reach {host} ({_first_line(reason)[:200]})"
    return f"{host}: {_first_line(error)[:200]}"


def _load_cache(path: Path) -> msal.SerializableTokenCache:
    hint = "run 'followthru auth microsoft' once to sign in"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"graph.token_cache_file: {path} does not exist; {hint}"]) from None
    except OSError as error:
        raise ConfigError([f"graph.token_cache_file: cannot read {path}: {error.strerror}; {hint}"]) from None
    problem = readable_by_others("graph.token_cache_file", path)
    if problem:
        log.warning("%s", problem)
    cache = msal.SerializableTokenCache()
    try:
        json.loads(text)
        cache.deserialize(text)
    except ValueError:
        raise ConfigError([f"graph.token_cache_file: {path} is not an MSAL token cache; {hint}"]) from None
    return cache


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _first_sentence(description: str) -> str:
    """``AADSTS7000215: Invalid client secret provided.`` of Entra's long description (which goes
    on with advice, a trace ID and a timestamp)."""
    text = description.split("Trace ID:")[0].strip()
    text = " ".join(text.split())
    found = re.match(r"(.+?\.)(\s|$)", text)
    return (found.group(1) if found else text)[:200]


# -- the one-time sign-in ----------------------------------------------------------------------------------
def authorize(config: Config, echo: Callable[[str], None]) -> Path:
    """MSAL's device code flow, run once: ``echo`` shows Microsoft's message (the address and the
    code), the user signs in there as the mailbox's user, and MSAL's token cache goes to
    ``graph.token_cache_file`` (mode 0600). Returns that path. Raises
    :class:`~followthru.config.ConfigError` (not configured for it) or
    :class:`~followthru.backends.base.Unavailable` (refused, expired, out of reach)."""
    settings = config.graph
    if settings.auth != "device-code":
        raise ConfigError(
            [
                "graph.auth is 'app': the app signs in with its client secret and needs no sign-in; set "
                "graph.auth = 'device-code' to act with a user's own sign-in instead"
            ]
        )
    scopes = delegated_scopes(config)
    if not scopes:
        raise ConfigError(["neither mail.backend nor calendar.backend is 'graph': nothing to sign in for"])
    for key, value in (("graph.tenant_id", settings.tenant_id), ("graph.client_id", settings.client_id)):
        if not value:
            raise ConfigError([f"{key}: not set; copy it from the app's Overview in {APP_REGISTRATIONS}"])
    host = urlsplit(settings.authority_host).netloc or settings.authority_host
    cache = msal.SerializableTokenCache()
    session = http_session(settings.timeout)
    try:
        app = public_application(config, session, cache)
        flow = app.initiate_device_flow(scopes=scopes)
        if "user_code" not in flow:
            raise Unavailable(_device_refused(config, host, flow))
        echo(f"{flow['message']}\n\nSign in as {mailbox_of(config)}. Waiting for the sign-in...")
        result = app.acquire_token_by_device_flow(flow)
    except requests.RequestException as error:
        raise Unavailable(f"Microsoft's sign-in: {network_problem(error, host)}") from None
    except ValueError as error:
        raise Unavailable(
            f"Microsoft's sign-in ({host}) does not know the tenant {settings.tenant_id!r} "
            f"({_first_line(error)[:160]}); check graph.tenant_id"
        ) from None
    finally:
        session.close()
    if "access_token" not in result:
        raise Unavailable(_device_refused(config, host, result))
    claims = result.get("id_token_claims") or {}
    who = str(claims.get("preferred_username", "")).lower()
    if who and who != mailbox_of(config):
        echo(
            f"Note: signed in as {who}, but the mailbox is {mailbox_of(config)}: {who} needs full access to it, "
            "or sign in again as that mailbox's user."
        )
    target = config.path(settings.token_cache_file)
    write_private(target, cache.serialize())
    return target


def _device_refused(config: Config, host: str, result: dict[str, Any]) -> str:
    code = str(result.get("error", ""))
    description = _first_sentence(str(result.get("error_description", "")))
    numbers = set(result.get("error_codes") or []) | {int(n) for n in re.findall(r"AADSTS(\d+)", description)}
    if code == "expired_token":
        fix = "nobody signed in within the time given; run 'followthru auth microsoft' again"
    elif code in ("authorization_declined", "access_denied"):
        fix = "the sign-in was declined; run 'followthru auth microsoft' again and accept"
    else:
        fix = explain_refusal(config, code, numbers)
    return f"Microsoft's sign-in ({host}) refused the device code sign-in ({code}: {description}); {fix}"
