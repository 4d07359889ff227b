"""Signing in to Exchange: a password (NTLM or basic) for Exchange Server on premises, or OAuth2
from Microsoft Entra ID for a tenant that still allows EWS.

- ``ntlm`` and ``basic``: ``exchange.username`` and its password (``exchange.password_env`` or
  ``exchange.password_file``). The user opens the mailbox as itself or as a delegate with Full
  Access to it.
- ``oauth-app``: the client credentials grant. The app registration has the EWS application
  permission ``full_access_as_app`` and acts on the mailbox through EWS impersonation. exchangelib
  fetches the token and fetches a new one when it expires.
- ``oauth-delegated``: the authorization code grant, for a user who consented to the delegated
  permission ``EWS.AccessAsUser.All``. :func:`authorize` (``followthru auth microsoft``) signs in
  once and keeps the refresh token in ``exchange.token_file``, readable by its owner only. Each
  access token later comes from that refresh token, and the new refresh token Microsoft sends
  back replaces it in the file. MSAL makes these token requests.

Every HTTP request, the token requests included, goes through exchangelib's transport adapter
class (``BaseProtocol.HTTP_ADAPTER_CLS``): a proxy or TLS setting made there covers sign-ins too.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import click
import msal
import requests
from exchangelib import DELEGATE, IMPERSONATION, Credentials, OAuth2AuthorizationCodeCredentials, OAuth2Credentials
from exchangelib.account import Identity
from exchangelib.credentials import BaseCredentials
from exchangelib.protocol import BaseProtocol
from exchangelib.transport import BASIC, NTLM, OAUTH2

from followthru.backends.base import Unavailable
from followthru.backends.exchange.redact import keep_secret, keep_token
from followthru.config import Config, ConfigError, write_private

AUTHORITY = "https://login.microsoftonline.com"
AUTHORITY_HOST = "login.microsoftonline.com"
EWS_RESOURCE = "https://outlook.office365.com"
USER_SCOPE = f"{EWS_RESOURCE}/EWS.AccessAsUser.All"
# The redirect URI Entra offers for apps without a web server: a blank page whose address holds the code.
REDIRECT_URI = f"{AUTHORITY}/common/oauth2/nativeclient"


@dataclass(frozen=True)
class SignIn:
    """How the backend logs in: exchangelib's credentials, and the words its messages use."""

    credentials: BaseCredentials
    auth_type: str
    access_type: str
    who: str  # for doctor and errors: "CORP\\svc (NTLM)"
    fix: str  # what to check when the login is refused

    @property
    def oauth(self) -> bool:
        return bool(self.auth_type == OAUTH2)  # exchangelib's constants are untyped


def sign_in(config: Config, mailbox: str) -> SignIn:
    """The credentials ``config`` describes. Reads every secret now; raises :class:`ConfigError`
    naming the key to set when one is missing. Nothing goes over the network here."""
    exchange = config.exchange
    if exchange.auth in ("ntlm", "basic"):
        if not exchange.username:
            raise ConfigError(
                [
                    f"exchange.username: exchange.auth = '{exchange.auth}' needs the user that logs "
                    "in, like 'CORP\\\\svc-followthru' or 'svc-followthru@example.com'"
                ]
            )
        password = config.read_secret(
            "exchange.password",
            exchange.password_env,
            exchange.password_file,
            hint="set exchange.password_env or exchange.password_file",
        ).decode()
        keep_secret(password)
        keep_secret(f"{exchange.username}:{password}")  # what a basic authorization header encodes
        kind = NTLM if exchange.auth == "ntlm" else BASIC
        fix = "check exchange.username and the password (exchange.password_env or exchange.password_file)"
        if kind == BASIC:
            fix += "; servers that refuse basic authentication may take exchange.auth = 'ntlm'"
        return SignIn(
            Credentials(exchange.username, password),
            kind,
            DELEGATE,
            f"{exchange.username} ({'NTLM' if kind == NTLM else 'basic authentication'})",
            fix,
        )
    _require(config, "tenant_id", "the directory (tenant) ID of the app registration")
    _require(config, "client_id", "the application (client) ID of the app registration")
    if exchange.auth == "oauth-app":
        secret = _client_secret(config, required=True)
        credentials = AppCredentials(
            client_id=exchange.client_id,
            client_secret=secret,
            tenant_id=exchange.tenant_id,
            identity=Identity(primary_smtp_address=mailbox),
        )
        return SignIn(
            credentials,
            OAUTH2,
            IMPERSONATION,
            f"app {exchange.client_id} (OAuth2 client credentials)",
            "check exchange.tenant_id, exchange.client_id, and that the app has the EWS permission "
            "full_access_as_app with admin consent",
        )
    tokens = DelegatedTokens(config)
    signed_in = tokens.stored().get("account") or "the signed-in user"  # fails now when nobody signed in yet
    return SignIn(
        DelegatedCredentials(tokens),
        OAUTH2,
        DELEGATE,
        f"{signed_in} (OAuth2 delegated sign-in)",
        "run 'followthru auth microsoft' again, signing in as a user who may open the mailbox",
    )


def _require(config: Config, key: str, what: str) -> None:
    if not getattr(config.exchange, key):
        raise ConfigError([f"exchange.{key}: exchange.auth = '{config.exchange.auth}' needs {what}"])


def _client_secret(config: Config, required: bool) -> str | None:
    exchange = config.exchange
    if not required and not (exchange.client_secret_env or exchange.client_secret_file):
        return None  # a public client: the delegated sign-in needs no secret
    secret = config.read_secret(
        "exchange.client_secret",
        exchange.client_secret_env,
        exchange.client_secret_file,
        hint="set exchange.client_secret_env or exchange.client_secret_file to the value of "
        "a client secret of the app registration",
    ).decode()
    keep_secret(secret)
    return secret


def http_session(timeout: float) -> requests.Session:
    """A session for MSAL that uses exchangelib's transport adapter, as exchangelib's own sessions do."""
    session = _TimeoutSession(timeout)
    session.mount("https://", BaseProtocol.HTTP_ADAPTER_CLS())
    return session


class _TimeoutSession(requests.Session):
    """requests has no session-wide timeout; MSAL gives the sessions it makes itself one the same way."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


class AppCredentials(OAuth2Credentials):
    """exchangelib's client credentials, without requests-oauthlib's refresh: given a client id and
    secret it would renew an expired token with the refresh-token grant, which an app token has no
    refresh token for. Without it, an expired token makes exchangelib drop the session and fetch a
    new token with the client credentials grant. Each new token is kept out of the log."""

    def session_params(self) -> dict[str, Any]:
        return {"token": self.access_token}

    def on_token_auto_refreshed(self, access_token: dict[str, Any]) -> None:
        keep_token(access_token.get("access_token", ""))
        super().on_token_auto_refreshed(access_token)


class DelegatedTokens:
    """The delegated sign-in: the refresh token in ``exchange.token_file``, used through MSAL."""

    def __init__(self, config: Config):
        exchange = config.exchange
        self.path = config.path(exchange.token_file)
        self.client_id = exchange.client_id
        self.tenant_id = exchange.tenant_id
        self.timeout = exchange.timeout
        self._secret = _client_secret(config, required=False)
        self._application: msal.ClientApplication | None = None

    def application(self) -> msal.ClientApplication:
        if self._application is None:
            options = dict(authority=f"{AUTHORITY}/{self.tenant_id}", http_client=http_session(self.timeout))
            if self._secret:
                self._application = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self._secret, **options
                )
            else:
                self._application = msal.PublicClientApplication(self.client_id, **options)
        return self._application

    def stored(self) -> dict[str, Any]:
        """What ``followthru auth microsoft`` saved. Raises :class:`ConfigError` when there is nothing."""
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                [f"exchange.token_file: {self.path} does not exist; run 'followthru auth microsoft' to sign in"]
            ) from None
        except (OSError, ValueError) as error:
            raise ConfigError(
                [
                    f"exchange.token_file: cannot read {self.path} ({error}); run 'followthru auth "
                    "microsoft' to sign in again"
                ]
            ) from None
        if data.get("client_id") != self.client_id or not data.get("refresh_token"):
            raise ConfigError(
                [
                    f"exchange.token_file: {self.path} holds no sign-in for the app {self.client_id}; "
                    "run 'followthru auth microsoft'"
                ]
            )
        keep_token(data["refresh_token"])
        return data

    def access_token(self) -> dict[str, Any]:
        """A new access token from the stored refresh token; the refresh token that comes back is
        saved in place of the old one. Raises :class:`Unavailable` when Microsoft refuses."""
        data = self.stored()
        try:
            result = self.application().acquire_token_by_refresh_token(data["refresh_token"], scopes=[USER_SCOPE])
        except (requests.RequestException, ValueError) as error:
            raise Unavailable(
                f"cannot reach {AUTHORITY_HOST} to renew the Exchange sign-in ({_short(error)}); "
                "it is tried again later"
            ) from None
        if "access_token" not in result:
            raise Unavailable(
                f"{AUTHORITY_HOST} refused to renew the Exchange sign-in ({_aad_error(result)}); "
                "run 'followthru auth microsoft' to sign in again"
            )
        keep_token(result["access_token"])
        if result.get("refresh_token"):
            self.save(result["refresh_token"], data.get("account", ""))
        expires_in = int(result.get("expires_in", 3600))
        return {
            "access_token": result["access_token"],
            "token_type": "Bearer",
            "expires_in": expires_in,
            "expires_at": time.time() + expires_in,
        }

    def save(self, refresh_token: str, account: str) -> None:
        """Write the token file with mode 0600, replacing the old one in one step."""
        keep_token(refresh_token)
        write_private(
            self.path,
            json.dumps(
                {
                    "client_id": self.client_id,
                    "tenant_id": self.tenant_id,
                    "account": account,
                    "refresh_token": refresh_token,
                    "saved_at": int(time.time()),
                }
            ),
        )


class DelegatedCredentials(OAuth2AuthorizationCodeCredentials):
    """exchangelib's authorization code credentials, renewed from the stored refresh token.

    Without a client secret exchangelib never refreshes on its own: when the access token has
    expired it calls :meth:`refresh` (and Followthru calls it when the server refuses the token).
    The first access token is fetched on the first request, not when the object is made.
    """

    def __init__(self, tokens: DelegatedTokens):
        super().__init__(client_id=tokens.client_id, tenant_id=tokens.tenant_id)
        self._tokens = tokens

    def refresh(self, session: requests.Session | None = None) -> None:
        self.access_token = self._tokens.access_token()

    def session_params(self) -> dict[str, Any]:
        if self.access_token is None:
            self.refresh()
        params: dict[str, Any] = super().session_params()
        return params


def authorize(config: Config, echo: Callable[[str], None]) -> Path:
    """``followthru auth microsoft``: the authorization code flow for ``exchange.auth =
    'oauth-delegated'``. Prints the sign-in address, reads back the address the browser ends on
    (or only its code), and saves the refresh token. Returns the token file's path."""
    exchange = config.exchange
    if exchange.auth != "oauth-delegated":
        raise ConfigError(
            [
                f"exchange.auth is '{exchange.auth}': 'followthru auth microsoft' is for "
                "exchange.auth = 'oauth-delegated'"
            ]
        )
    _require(config, "tenant_id", "the directory (tenant) ID of the app registration")
    _require(config, "client_id", "the application (client) ID of the app registration")
    tokens = DelegatedTokens(config)
    application = tokens.application()
    with warnings.catch_warnings():
        # MSAL recommends form_post, which needs a web server to receive the code; here the person
        # copies the address the code comes back in. PKCE and the state check still apply.
        warnings.filterwarnings("ignore", message="response_mode='form_post'", category=UserWarning)
        flow = application.initiate_auth_code_flow(
            scopes=[USER_SCOPE], redirect_uri=REDIRECT_URI, login_hint=exchange.username or None, response_mode="query"
        )
    mailbox = exchange.mailbox or config.sender.email
    echo(f"Open this address in a browser and sign in as a user who may open {mailbox}:")
    echo("")
    echo(flow["auth_uri"])
    echo("")
    echo("After you allow access the browser shows an empty page. Copy that page's whole address")
    echo("(it starts with " + REDIRECT_URI + "?code=) and paste it here.")
    answer = click.prompt("Address", prompt_suffix=": ").strip()
    reply = dict(parse_qsl(urlsplit(answer).query)) if "?" in answer else {"code": answer, "state": flow["state"]}
    if "error" in reply:
        raise ValueError(f"the sign-in ended with {reply['error']}: {reply.get('error_description', '')}".strip())
    if "code" not in reply:
        raise ValueError("the pasted address holds no code=; paste the whole address of the empty page")
    result = application.acquire_token_by_auth_code_flow(flow, reply, scopes=[USER_SCOPE])
    if "refresh_token" not in result:
        raise ValueError(f"Microsoft did not issue the tokens ({_aad_error(result)})")
    claims = result.get("id_token_claims") or {}
    tokens.save(result["refresh_token"], claims.get("preferred_username", exchange.username))
    return tokens.path


def _aad_error(result: dict[str, Any]) -> str:
    """An Entra error as one short line: the AADSTS code and its first sentence, no trace ids."""
    description = str(result.get("error_description") or "").split(" Trace ID:")[0].strip()
    first = description.split(". ")[0].rstrip(".") if description else ""
    return f"{result.get('error', 'error')}: {first}" if first else str(result.get("error", "no answer"))


def _short(error: BaseException) -> str:
    return str(error).split("\n")[0][:200] or type(error).__name__
