"""The operator's ``config.toml``: workspace paths, backends, sender, send window, reminders, secrets.

:func:`load_config` returns a :class:`Config` or raises :class:`ConfigError`, whose lines name the
file, line and key of every problem. Relative paths are relative to the config file's folder.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from followthru.datafile import FieldProblem, FileError, Problem, format_path, read_data, validate
from followthru.durations import Offset
from followthru.place import Place
from followthru.postgres import database_name, is_url, shown, url_fault
from followthru.shipped import shipped_path
from followthru.values import (
    DAY,
    HOUR,
    MINUTE,
    Domain,
    Email,
    Flag,
    Language,
    Line,
    TimeZoneName,
    duration,
    listed,
    offset,
    seconds,
    whole,
)

log = logging.getLogger(__name__)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Weekday, ...] = get_args(Weekday)
WORKSPACE_DIRS = ("plans/incoming", "plans/active", "plans/rejected", "plans/archive")
MAILDIRS = ("mail/outbox", "mail/inbox")


def _clock(value: str | time) -> time:
    if isinstance(value, time) and value.tzinfo is None and not (value.second or value.microsecond):
        return value  # TOML's own local time, 08:30:00
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        raise ValueError(f"{value!r} is not a time of day like '09:00'")
    hours, minutes = (int(p) for p in value.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{value!r} is not a time of day like '09:00'")
    return time(hours, minutes)


def _env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value


def _listen(value: str) -> str:
    match = re.fullmatch(r"([^\s:]+):(\d{1,5})", value)
    if not match or not 0 <= int(match.group(2)) <= 65535:  # 0: any free port
        raise ValueError(
            f"{value[:60]!r} is not an address and port to listen on, like '127.0.0.1:8765' (port 0 to 65535)"
        )
    return value


def _holidays(value: str) -> str:
    if not value:
        return value
    import holidays

    country, _, subdivision = value.partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        raise ValueError(f"{value!r} is not a country code the holidays library knows (like 'US' or 'DE-BY')") from None
    return value


Clock = Annotated[time, BeforeValidator(_clock)]
EnvName = Annotated[str, AfterValidator(_env_name)]
# The ranges an operator could mean; docs/reference/configuration.md lists them.
FolderPoll = Annotated[float, seconds(0.1, HOUR)]  # plans dropped are seen within this
ServicePoll = Annotated[float, seconds(0, DAY, above=True)]  # under a second only makes sense against a test server
Timeout = Annotated[float, seconds(1, 10 * MINUTE)]
Port = Annotated[int, whole(1, 65535, example=587)]
RetryFor = Annotated[timedelta, duration(timedelta(minutes=1), timedelta(days=30))]
ReminderOffset = Annotated[Offset, offset(timedelta(minutes=1), timedelta(days=90), most_business_days=60)]
MAX_REMINDERS = 10  # reminders of one kind; more would be pestering
MAX_DOMAINS = 1000


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _store(value: Any) -> Any:
    """A SQLite file's path, or a PostgreSQL database's URL with no password in it."""
    if isinstance(value, str) and is_url(value.strip()):
        fault = url_fault(value.strip())
        if fault == "port":
            raise ValueError(f"{shown(value)} has a port that is not a number from 1 to 65535")
        if fault == "password":
            raise ValueError(
                "the URL holds a password: take it out and set workspace.store_password_env or "
                "workspace.store_password_file (or PGPASSWORD, or ~/.pgpass)"
            )
        return value.strip()
    if isinstance(value, str) and "://" in value:
        raise ValueError(f"{shown(value)} is neither a file nor a postgresql:// URL")
    return Path(value) if isinstance(value, str) else value


class Workspace(_Section):
    plans: Path = Path("plans")
    # A SQLite file, or a PostgreSQL database: postgresql://user@host:port/database
    store: Annotated[Path | str, BeforeValidator(_store)] = Path("followthru.sqlite3")
    store_password_env: EnvName | None = None
    store_password_file: Path | None = None
    templates: Path = Path("templates")
    poll_seconds: FolderPoll = 5.0
    try_out: Flag = False  # mail goes at any hour of any day; the daemon and status say so


class Sender(_Section):
    name: Line = "Followthru"
    email: Email = "followthru@localhost.localdomain"
    plus_addressing: Flag = True


class MaildirBackend(_Section):
    outbox: Path = Path("mail/outbox")
    inbox: Path = Path("mail/inbox")


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {
    "smtp": {"starttls": 587, "tls": 465, "plain": 25},
    "imap": {"starttls": 143, "tls": 993, "plain": 143},
}


class Server(_Section):
    """How to reach and log in to one mail server. The password is never in this file."""

    host: str = "localhost"
    port: Port | None = None
    security: Literal["starttls", "tls", "plain"] = "starttls"
    username: str = ""
    password_env: EnvName | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    timeout: Timeout = 30.0

    @model_validator(mode="after")
    def _plain_only_to_this_machine(self) -> Server:
        if self.security == "plain" and self.host.lower() not in LOOPBACK_HOSTS and not self.host.startswith("127."):
            raise ValueError(
                f"security = 'plain' sends mail and passwords in the clear, so it is only allowed "
                f"to this machine (localhost, 127.0.0.1, ::1), not to {self.host!r}; "
                "use 'starttls' or 'tls'"
            )
        return self

    def port_for(self, protocol: str) -> int:
        return self.port or DEFAULT_PORTS[protocol][self.security]


class SmtpServer(Server):
    helo: str = ""
    retry_for: RetryFor = timedelta(days=2)


class ImapServer(Server):
    folder: str = Field(default="INBOX", min_length=1)
    processed_folder: str = "Followthru"
    idle: Flag = True
    poll_seconds: ServicePoll = 60.0


class Mail(_Section):
    backend: Literal["maildir", "smtp-imap", "exchange", "google", "graph"] = "maildir"
    maildir: MaildirBackend = MaildirBackend()
    smtp: SmtpServer = SmtpServer()
    imap: ImapServer = ImapServer()
    aliases: dict[Email, list[Email]] = Field(default={})
    authserv_id: str = ""  # whose Authentication-Results count; empty: the topmost header's
    # Plans may name addresses in these domains (and their subdomains) only; empty: any domain.
    allowed_domains: Annotated[list[Domain], listed('["acme.example"]')] = Field(default=[], max_length=MAX_DOMAINS)


class Calendar(_Section):
    backend: Literal["imip", "exchange", "google", "graph"] = "imip"
    attendees: Literal["committed", "all"] = "committed"


class Exchange(_Section):
    """Exchange Server (or a tenant that still allows EWS), through exchangelib."""

    server: str = ""  # the host, e.g. "mail.example.com"; autodiscover is not used
    service_endpoint: str = ""  # the full EWS address; wins over server
    mailbox: Email | None = None  # the mailbox Followthru uses; default: sender.email
    auth: Literal["oauth-app", "oauth-delegated", "ntlm", "basic"] = "oauth-app"
    username: str = ""  # ntlm and basic: DOMAIN\\user or user@domain
    password_env: EnvName | None = None
    password_file: Path | None = None
    tenant_id: str = ""  # oauth
    client_id: str = ""
    client_secret_env: EnvName | None = None  # oauth-app
    client_secret_file: Path | None = None
    token_file: Path = Path("exchange-token.json")  # oauth-delegated: the refresh token, kept 0600
    processed_folder: str = "Followthru"
    poll_seconds: ServicePoll = 30.0
    timeout: Timeout = 60.0


class Graph(_Section):
    """Microsoft 365 (Exchange Online) through Microsoft Graph, signed in with MSAL."""

    tenant_id: str = ""
    client_id: str = ""
    auth: Literal["app", "device-code"] = "app"  # app: client credentials; device-code: a user signs in once
    client_secret_env: EnvName | None = None  # app
    client_secret_file: Path | None = None
    mailbox: Email | None = None  # the mailbox Followthru uses; default: sender.email
    token_cache_file: Path = Path("graph-token.json")  # MSAL's token cache, kept 0600
    processed_folder: str = "Followthru"
    poll_seconds: ServicePoll = 30.0
    timeout: Timeout = 60.0
    endpoint: str = "https://graph.microsoft.com/v1.0"  # national clouds have their own
    authority_host: str = "https://login.microsoftonline.com"
    notification_url: str = ""  # a public HTTPS address for change notifications; empty: polling only
    notification_listen: Annotated[str, AfterValidator(_listen)] = "127.0.0.1:8765"  # behind notification_url


class Google(_Section):
    """Google Workspace or Gmail: the Gmail API and the Calendar API."""

    auth: Literal["service-account", "oauth"] = "service-account"
    service_account_file: Path | None = None  # the JSON key; only its owner may read it
    subject: Email | None = None  # the user a service account acts as; default: sender.email
    client_secrets_file: Path | None = None  # oauth: the installed app's client JSON
    token_file: Path = Path("google-token.json")  # oauth: the refresh token, kept 0600
    calendar_id: str = "primary"
    processed_label: str = "Followthru"
    poll_seconds: ServicePoll = 30.0


class Schedule(_Section):
    timezone: TimeZoneName = "UTC"
    business_days: list[Weekday] = Field(default_factory=lambda: list(DAYS[:5]), min_length=1)
    send_from: Clock = time(8, 30)
    send_until: Clock = time(18, 0)
    holidays: Annotated[str, AfterValidator(_holidays)] = ""
    digest_at: Clock = time(8, 30)
    language: Language = "en"


class Reminders(_Section):
    after_request: Annotated[list[ReminderOffset], listed('["1bd"]')] = Field(
        default_factory=lambda: [Offset(business_days=1)], max_length=MAX_REMINDERS
    )
    before_deadline: Annotated[list[ReminderOffset], listed('["4h"]')] = Field(
        default_factory=lambda: [Offset.parse("4h")], max_length=MAX_REMINDERS
    )
    before_due: ReminderOffset = Offset(business_days=1)


KeepSent = Annotated[timedelta, duration(timedelta(days=1), timedelta(days=3650))]


class StoreSettings(_Section):
    keep_sent: KeepSent = timedelta(days=30)  # then a message's bytes go; its row (ids, who, when) stays


class Secrets(_Section):
    token_secret_env: EnvName = "FOLLOWTHRU_TOKEN_SECRET"
    token_secret_file: Path | None = Path("secret.key")


WebhookEvent = Literal[
    "plan_committed", "commitment_declined", "commitment_countered", "needs_attention", "plan_closed"
]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = get_args(WebhookEvent)
SignInMinutes = Annotated[int, whole(5, 24 * 60, example=15)]
SessionHours = Annotated[int, whole(1, 24 * 30, example=12)]
Proxies = Annotated[int, whole(0, 5, example=1)]


def _web_url(value: str) -> str:
    """An http(s) address with a host and no query or fragment; a trailing slash is dropped."""
    from urllib.parse import urlsplit

    value = value.strip()
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{value[:80]!r} is not an address like 'https://followthru.example.com' (http or https)")
    return value.rstrip("/")


def _header_name(value: str) -> str:
    if value and not re.fullmatch(r"[A-Za-z0-9-]{1,64}", value):
        raise ValueError(f"{value[:70]!r} is not an HTTP header name like 'X-Forwarded-Email'")
    return value


WebUrl = Annotated[str, AfterValidator(_web_url)]


def _webhook_url(value: str) -> str:
    from urllib.parse import urlsplit

    if "@" in urlsplit(value).netloc:  # never sent as a login, and shown in every log line about the webhook
        raise ValueError("a webhook's address holds no user name or password; its bodies are signed with its secret")
    return value


class Webhook(_Section):
    url: Annotated[WebUrl, AfterValidator(_webhook_url), Field(min_length=1)]
    events: list[WebhookEvent] = Field(default_factory=lambda: list(WEBHOOK_EVENTS), min_length=1)
    secret_env: EnvName | None = None
    secret_file: Path | None = None

    @model_validator(mode="after")
    def _has_secret(self) -> Webhook:
        if not self.secret_env and not self.secret_file:
            raise ValueError("a webhook needs secret_env or secret_file: its bodies are signed with that secret")
        return self


class Web(_Section):
    base_url: WebUrl = ""  # the public address of `followthru web`; with it, requests carry answer buttons
    listen: Annotated[str, AfterValidator(_listen)] = "127.0.0.1:8025"
    user_header: Annotated[str, AfterValidator(_header_name)] = ""  # trusted only when set
    admins: list[Email] = Field(default_factory=list, max_length=1000)
    proxies: Proxies = 1
    sign_in_minutes: SignInMinutes = 15
    session_hours: SessionHours = 12
    webhooks: list[Webhook] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_webhook_an_address(self) -> Web:
        urls = [hook.url for hook in self.webhooks]  # a queued event names its webhook by its address
        twice = next((url for url in urls if urls.count(url) > 1), None)
        if twice:
            raise ValueError(f"two webhooks have the address {twice[:80]!r}; give each its own")
        return self


class Config(_Section):
    """A loaded config; :attr:`root` is the folder relative paths are resolved against, and
    :attr:`source` the file it was loaded from (None when made in code)."""

    root: Path = Path(".")
    source: Path | None = None
    workspace: Workspace = Workspace()
    sender: Sender = Sender()
    mail: Mail = Mail()
    calendar: Calendar = Calendar()
    exchange: Exchange = Exchange()
    google: Google = Google()
    graph: Graph = Graph()
    schedule: Schedule = Schedule()
    reminders: Reminders = Reminders()
    store: StoreSettings = StoreSettings()
    secrets: Secrets = Secrets()
    web: Web = Web()

    def path(self, relative: Path) -> Path:
        return relative if relative.is_absolute() else self.root / relative

    @property
    def plans_dir(self) -> Path:
        return self.path(self.workspace.plans)

    @property
    def store_url(self) -> str | None:
        """The PostgreSQL store's URL; None for a SQLite store."""
        store = self.workspace.store
        return store if isinstance(store, str) else None

    @property
    def store_file(self) -> Path:
        """The SQLite store, or for a PostgreSQL one the name its journal and locks are kept beside
        (``<database>.postgresql`` in the config's folder)."""
        store = self.workspace.store
        return self.root / f"{database_name(store)}.postgresql" if isinstance(store, str) else self.path(store)

    def store_password(self) -> str | None:
        """See :meth:`followthru.place.Place.store_password`; ConfigError when the one named is missing."""
        try:
            return self.place().store_password()
        except LookupError as error:
            raise ConfigError([str(error)]) from None

    def place(self) -> Place:
        """What the read-only commands need of this config (see followthru.place)."""
        password_file = self.workspace.store_password_file
        return Place(
            root=self.root,
            store_file=self.store_file,
            plans_dir=self.plans_dir,
            sender_domain=self.sender.email.rpartition("@")[2],
            try_out=self.workspace.try_out,
            store_url=self.store_url,
            store_password_env=self.workspace.store_password_env,
            store_password_file=self.path(password_file) if password_file else None,
        )

    @property
    def templates_dir(self) -> Path:
        return self.path(self.workspace.templates)

    def token_secret(self) -> bytes:
        """The HMAC key for reply tokens: from the environment, else the secret file.

        Raises :class:`ConfigError` naming the keys to set when neither gives one.
        """
        value = self.read_secret(
            "secrets.token_secret",
            self.secrets.token_secret_env,
            self.secrets.token_secret_file,
            hint="run 'followthru init' or set " + self.secrets.token_secret_env,
        )
        if len(value) < 16:
            raise ConfigError(["secrets.token_secret: the secret holds fewer than 16 characters"])
        return value

    def webhook_secret(self, index: int) -> bytes:
        """The key that signs the bodies of ``web.webhooks[index]``; ConfigError saying what to set."""
        hook = self.web.webhooks[index]
        return self.read_secret(
            f"web.webhooks[{index}].secret",
            hook.secret_env,
            hook.secret_file,
            hint=f"set web.webhooks[{index}].secret_env or secret_file",
        )

    def password(self, section: str, server: Server) -> str | None:
        """The password of ``section`` (``mail.smtp``, ``mail.imap``); None when it needs no login."""
        if not server.username:
            return None
        return self.read_secret(
            f"{section}.password",
            server.password_env,
            server.password_file,
            hint=f"set {section}.password_env or {section}.password_file",
        ).decode()

    def read_secret(self, key: str, env_name: str | None, file: Path | None, hint: str) -> bytes:
        """A secret from the environment variable ``env_name``, else from ``file``, which only its owner
        may read (a warning is logged otherwise). Raises :class:`ConfigError` saying what to set."""
        from_env = os.environ.get(env_name) if env_name else None
        if from_env:
            return from_env.encode()
        if file:
            path = self.path(file)
            try:
                mode = path.stat().st_mode
                value = path.read_bytes().strip()
            except OSError as error:
                raise ConfigError([f"{key}_file: cannot read {path}: {error.strerror}; {hint}"]) from None
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                log.warning("%s can be read by other users; run: chmod 600 %s", path, path)
            if value:
                return value
            raise ConfigError([f"{key}_file: {path} is empty; {hint}"])
        if env_name:
            raise ConfigError([f"{key}: the environment variable {env_name} is not set; {hint}"])
        raise ConfigError([f"{key}: no secret configured; {hint}"])


class ConfigError(Exception):
    """The config cannot be used; ``problems`` has one readable line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_config(path: Path | str) -> Config:
    """Read and check a config file. Raises :class:`ConfigError` with one line per problem."""
    path = Path(path)
    if path.suffix.lower() != ".toml":
        raise ConfigError([f"{path}: the config is a .toml file"])
    try:
        data, lines = read_data(path, "config file")
    except FileError as error:
        where = f"{path}:{error.line}" if error.line else str(path)
        raise ConfigError([f"{where}: {error}"]) from None
    for internal in ("root", "source"):
        if internal in data:
            raise ConfigError([f"{path}:{lines.line((internal,))}: {internal}: unknown key"])
    config, problems = validate(Config, {**data, "root": path.resolve().parent, "source": path.resolve()})
    if config is not None:
        problems = _whole_config_problems(config, data)
    if problems:
        raise ConfigError(
            [str(Problem(str(path), lines.line(loc), format_path(loc), message)) for loc, message in problems]
        )
    assert config is not None, "validate returns no model only together with its problems"
    return config


def _whole_config_problems(config: Config, data: dict[str, Any]) -> list[FieldProblem]:
    """What no single key shows: the send window's order, and the paths that must exist now.

    Secret and key files are not looked for here: an environment variable may stand in for them,
    and where they are read (and in ``doctor``) a missing one is named with its fix.
    """
    problems: list[FieldProblem] = []
    if config.schedule.send_from >= config.schedule.send_until:
        problems.append((("schedule", "send_until"), "must be later than schedule.send_from"))
    store = config.store_file  # a database's: doctor and the first start say whether it can be reached
    if config.store_url is None and store.is_dir():
        problems.append(
            (
                ("workspace", "store"),
                f"{store} is a folder; name the store's file, like '{store / 'followthru.sqlite3'}'",
            )
        )
    elif config.store_url is None and not store.parent.is_dir():
        problems.append(
            (
                ("workspace", "store"),
                f"the folder {store.parent} does not exist; make it, or name a store file in a folder that does",
            )
        )
    if "templates" in data.get("workspace", {}) and not config.templates_dir.is_dir():
        problems.append(
            (
                ("workspace", "templates"),
                f"the folder {config.templates_dir} does not exist; make it (it may stay empty), or remove the key",
            )
        )
    if config.mail.backend == "smtp-imap":
        for name in ("smtp", "imap"):
            ca_file = getattr(config.mail, name).ca_file
            if ca_file is not None and not config.path(ca_file).is_file():
                problems.append(
                    (
                        ("mail", name, "ca_file"),
                        f"{config.path(ca_file)} does not exist; point it "
                        "at your CA's certificate (PEM), or remove the key",
                    )
                )
    return problems


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), replacing the file in one step,
    so a reader never sees half a token file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # a leftover temporary file would keep its old mode
        handle.write(text)
    os.replace(temporary, path)


def example_config() -> str:
    """The text of ``config.example.toml`` as shipped with the package."""
    return shipped_path("config.example.toml").read_text(encoding="utf-8")


TRY_OUT_LINE = "try_out = false"


def init_workspace(directory: Path, try_out: bool = False) -> Path:
    """Make a workspace that works at once: config, plan folders, Maildirs, a secret. Never overwrites.

    ``try_out`` writes a config with ``workspace.try_out = true``: messages go at any hour, so a
    first try at night or on a weekend shows mail at once. Returns the path of the config file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for folder in WORKSPACE_DIRS + ("templates",):
        (directory / folder).mkdir(parents=True, exist_ok=True)
    for maildir in MAILDIRS:
        for sub in ("tmp", "new", "cur"):
            (directory / maildir / sub).mkdir(parents=True, exist_ok=True)
    config = directory / "config.toml"
    if not config.exists():
        text = example_config()
        if try_out:
            text = text.replace(TRY_OUT_LINE, TRY_OUT_LINE.replace("false", "true"), 1)
        config.write_text(text, encoding="utf-8")
    secret = directory / "secret.key"
    if not secret.exists():
        import secrets  # only here: every command loads this module, few make a workspace

        descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    return config
