"""Reference pages generated from the code: every key of ``config.toml`` and every field of a plan file.

:func:`config_reference` and :func:`plan_reference` return Markdown, one table per section (key, type,
default, description), read from the pydantic models in :mod:`followthru.config` and :mod:`followthru.plan`:
their fields, types, constraints and defaults. A field's description comes from the model (``Field(description=...)``),
else from the plan's JSON Schema, else from :data:`DESCRIPTIONS` below.

``python -m followthru.reference [FOLDER]`` writes ``configuration.md`` and ``plan-file.md`` into FOLDER
(default: ``docs/reference`` of the source checkout); ``tests/test_docs.py`` fails when they are stale.
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from followthru.config import Config
from followthru.durations import Offset
from followthru.plan import Plan

FILES = {"configuration.md": "config_reference", "plan-file.md": "plan_reference"}
COMMAND = "python -m followthru.reference"

# Descriptions of fields whose model gives none, keyed by "Model.field" (a base class's key serves
# its subclasses: "Server.host" describes mail.smtp.host and mail.imap.host).
DESCRIPTIONS = {
    # config.toml
    "Workspace.plans": "Holds the plan folders `incoming/`, `active/`, `rejected/` and `archive/`.",
    "Workspace.store": "The state store: a SQLite file, whose folder must exist, or a PostgreSQL database as "
    "`postgresql://user@host:5432/database`, with no password in it (`pip install 'followthru[postgres]'`).",
    "Workspace.store_password_env": "The environment variable holding the PostgreSQL store's password; with "
    "neither this nor the file, libpq's `PGPASSWORD` and `~/.pgpass` are used.",
    "Workspace.store_password_file": "A file (mode 0600) holding the PostgreSQL store's password, read when the "
    "environment variable is not set.",
    "Workspace.templates": "Your template overrides; must exist when the key is set.",
    "Workspace.poll_seconds": "How often folders are looked at where file-system events are not available.",
    "Workspace.try_out": "A try-out workspace: mail goes at any hour of any day, ignoring `[schedule]`'s business "
    "days, holidays and send hours (`followthru init --try-out`). Keep false in production.",
    "Sender.name": "The From name of every message.",
    "Sender.email": "The From of every message and ORGANIZER of every invitation; replies come back here.",
    "Sender.plus_addressing": "Replies go to `followthru+TOKEN@...` so each reply finds its request.",
    "Mail.backend": "Which backend sends and reads mail: `maildir` needs no account; `smtp-imap` is your mail "
    "server; `exchange`, `google`, `graph` are the services.",
    "Mail.aliases": 'Other addresses a person may answer from: `{ "a@x.com" = ["alias@x.com"] }`.',
    "Mail.authserv_id": "Whose Authentication-Results header counts (your mail server's name in it); "
    "empty: the topmost.",
    "Mail.allowed_domains": "The only domains (and their subdomains) a plan may name addresses in; empty: any.",
    "MaildirBackend.outbox": "Outgoing mail is written here as RFC 5322 files (a Maildir).",
    "MaildirBackend.inbox": "Replies are read from `new/` of this Maildir.",
    "Server.host": "The server.",
    "Server.port": "The port; default: by `security` (SMTP 587, 465, 25; IMAP 143, 993, 143).",
    "Server.security": "`starttls`, `tls` (TLS from the first byte), or `plain` (this machine only).",
    "Server.username": "The login; empty: no login.",
    "Server.password_env": "The environment variable holding the password.",
    "Server.password_file": "The file holding the password, when the variable is unset (chmod 600).",
    "Server.ca_file": "A CA to trust besides the system's; must exist.",
    "Server.timeout": "Seconds to wait for the server.",
    "SmtpServer.helo": "The name given in EHLO; empty: the sender's domain.",
    "SmtpServer.retry_for": "How long a message refused with a 4xx answer is tried again.",
    "ImapServer.folder": "Where replies are read.",
    "ImapServer.processed_folder": "Where read messages are moved (made if missing); empty: they are flagged "
    "`\\Seen` and `$Followthru` instead.",
    "ImapServer.idle": "IMAP IDLE: the server tells Followthru at once when mail arrives.",
    "ImapServer.poll_seconds": "How often to look anyway; without IDLE every pass looks.",
    "Calendar.backend": "`imip`: invitations as calendar emails; `exchange`, `google`, `graph`: events in that "
    "calendar service, which invites by itself.",
    "Calendar.attendees": "Who a meeting invites when the plan does not say.",
    "Exchange.server": "The Exchange host; EWS is `https://{server}/EWS/Exchange.asmx`.",
    "Exchange.service_endpoint": "The full EWS address; wins over `server`.",
    "Exchange.mailbox": "The mailbox Followthru sends from, reads and keeps meetings in; default: `sender.email`.",
    "Exchange.auth": "`ntlm`, `basic` (on premises), `oauth-app`, `oauth-delegated` (Microsoft 365).",
    "Exchange.username": "`ntlm`, `basic`: `CORP\\user` or `user@example.com`; `oauth-delegated`: the account "
    "suggested at sign-in.",
    "Exchange.password_env": "`ntlm`, `basic`: the environment variable holding the password.",
    "Exchange.password_file": "`ntlm`, `basic`: the file holding the password (chmod 600).",
    "Exchange.tenant_id": "`oauth-*`: the app registration's Directory (tenant) ID.",
    "Exchange.client_id": "`oauth-*`: the app registration's Application (client) ID.",
    "Exchange.client_secret_env": "`oauth-app`: the environment variable holding the client secret.",
    "Exchange.client_secret_file": "`oauth-app`: the file holding the client secret (chmod 600).",
    "Exchange.token_file": "`oauth-delegated`: where `followthru auth microsoft` keeps the refresh token (0600).",
    "Exchange.processed_folder": "Where read mail is moved, beside the Inbox (made if missing); empty: it stays.",
    "Exchange.poll_seconds": "How often the Inbox and the calendar's answers are asked for while "
    "`followthru run` runs.",
    "Exchange.timeout": "Seconds to wait for an answer.",
    "Graph.tenant_id": "The Directory (tenant) ID, or the tenant's domain.",
    "Graph.client_id": "The Application (client) ID of the app registration.",
    "Graph.auth": "`app` (client credentials, application permissions) or `device-code` (a user's sign-in).",
    "Graph.client_secret_env": "`app`: the environment variable holding the client secret's Value.",
    "Graph.client_secret_file": "`app`: the file holding the client secret's Value (chmod 600).",
    "Graph.mailbox": "The mailbox and calendar Followthru uses; default: `sender.email`.",
    "Graph.token_cache_file": "`device-code`: MSAL's token cache (0600).",
    "Graph.processed_folder": "The folder read mail moves to (made if missing); empty: it stays in the Inbox.",
    "Graph.poll_seconds": "How often the Inbox is asked for new mail while `followthru run` runs.",
    "Graph.timeout": "Seconds to wait for one answer.",
    "Graph.endpoint": "Graph's address; national clouds have their own.",
    "Graph.authority_host": "The sign-in's address; national clouds have their own.",
    "Graph.notification_url": "A public HTTPS address for change notifications; empty: polling only.",
    "Graph.notification_listen": "Where Followthru listens for change notifications, behind your reverse proxy.",
    "Google.auth": "`service-account` (domain-wide delegation) or `oauth` (a user's sign-in).",
    "Google.service_account_file": "The service account's JSON key; only its owner may read it.",
    "Google.subject": "The account the service account acts as; default: `sender.email`.",
    "Google.client_secrets_file": "`oauth`: the Desktop app client's JSON.",
    "Google.token_file": "`oauth`: where `followthru auth google` keeps the refresh token (0600).",
    "Google.calendar_id": "The calendar that holds the meetings.",
    "Google.processed_label": "The label read mail gets (made if missing); empty: it only leaves the INBOX.",
    "Google.poll_seconds": "How often Gmail is asked for new mail while `followthru run` runs.",
    "Schedule.timezone": "For plans and people that name none.",
    "Schedule.business_days": "Days messages may go out, in the recipient's timezone.",
    "Schedule.send_from": "Start of the send window, in the recipient's timezone; before `send_until`.",
    "Schedule.send_until": "End of the send window, in the recipient's timezone.",
    "Schedule.holidays": "Public holidays on which nothing is sent; empty: none.",
    "Schedule.digest_at": "When the owner's daily digest goes out, in the owner's timezone.",
    "Schedule.language": "For people whose language is not given.",
    "Reminders.after_request": "Reminders while no answer has come, counted from the request.",
    "Reminders.before_deadline": "Last calls before the reply deadline.",
    "Reminders.before_due": "The due-date reminder to everyone who accepted.",
    "StoreSettings.keep_sent": "How long a message's text is kept after it was made (sent, failed or withdrawn); "
    "then its bytes go and its row stays, so late replies, bounces and resends are still matched; so do the "
    "documents of plan versions (the plan as it is now stays). The audit trail is kept. `followthru store vacuum` "
    "gives the space back.",
    "Secrets.token_secret_env": "The environment variable holding the key that signs reply tokens.",
    "Secrets.token_secret_file": "Used when the variable is unset; must be chmod 600.",
    "Web.base_url": "The public address of `followthru web` behind your reverse proxy; with it, requests, "
    "reminders and last calls carry answer buttons, and owners can sign in by a mailed link. Empty: no links.",
    "Web.listen": "Where `followthru web` listens; keep it on loopback behind the reverse proxy.",
    "Web.user_header": "The reverse proxy's header naming the signed-in user's email (such as "
    "`X-Forwarded-Email`); trusted only when set, so the proxy must set or strip it on every request. "
    "Empty: owners sign in by a mailed link.",
    "Web.admins": "Addresses that see every plan on the board.",
    "Web.proxies": "How many reverse proxies stand in front; their `X-Forwarded-For` and `-Proto` are trusted "
    "that many hops deep (the rate limits count client addresses by it). 0: none.",
    "Web.sign_in_minutes": "How long a mailed sign-in link works; it works once.",
    "Web.session_hours": "How long a sign-in lasts in the browser.",
    "Web.webhooks": "Addresses that get each plan event as signed JSON ([web](../web.md#webhooks)).",
    "Webhook.url": "Where the events are posted (http or https).",
    "Webhook.events": "Which events: `plan_committed`, `commitment_declined`, `commitment_countered`, "
    "`needs_attention`, `plan_closed`.",
    "Webhook.secret_env": "The environment variable holding the secret the bodies are signed with.",
    "Webhook.secret_file": "The file holding that secret, when the variable is unset (chmod 600).",
    # plan files
    "PlanInfo.title": "Shown in every subject.",
    "PlanInfo.customer": "The customer's name.",
    "PlanInfo.priorities": "What matters most, in order; shown in every message.",
    "PlanInfo.context": "Background shown in every request.",
    "PlanInfo.status": "`cancelled` withdraws the plan and cancels its meetings.",
    "Owner.name": "The rep's name.",
    "Owner.email": "The rep's address: notices and digests go here.",
    "Owner.timezone": "How times are shown to the rep; default: the plan's.",
    "Owner.language": "The language of the rep's notices and digests.",
    "Resource.id": "Referenced by backups, step owners and meeting attendees; unique.",
    "Resource.name": "The person's name.",
    "Resource.email": "The person's address; unique among resources.",
    "Resource.role": "Their role, shown to the team.",
    "Resource.asks": "What is asked of them; required unless `standby`.",
    "Resource.due": "When the asks are due; required unless `standby`. A date means by the end of that day.",
    "Resource.respond_by": "This person's own reply deadline; default: `plan.respond_by`.",
    "Resource.backups": "Resource ids asked in this order if this person drops out.",
    "Resource.standby": "Asked only when someone they back up drops out.",
    "Resource.language": "Picks `templates/<language>/` and the words of that language when present.",
    "Resource.timezone": "How times are shown to them and when mail reaches them; default: the plan's.",
    "Step.what": "The step.",
    "Step.how": "How it is done.",
    "Step.due": "When it is due.",
    "Contingency.risk": "What could go wrong.",
    "Contingency.response": "What the team does then.",
    "Stakeholder.name": "The stakeholder's name.",
    "Stakeholder.email": "The stakeholder's address.",
    "Stakeholder.why": "Why they are kept informed.",
    "Stakeholder.updates": "The milestones they hear about.",
    "Stakeholder.language": "The language of their updates.",
    "Stakeholder.timezone": "How times are shown to them; default: the plan's.",
    "Meeting.kind": "A follow-up or a review meeting.",
    "Meeting.title": "The meeting's title.",
    "Meeting.start": "When it starts (the first time, for a repeating meeting).",
    "Meeting.repeat": "How it repeats: `daily`, `weekly`, `biweekly`, `monthly`, or an RRULE.",
    "Meeting.count": "How many times it takes place; only with `repeat`, not with `until`.",
    "Meeting.until": "Until when it repeats; only with `repeat`, not with `count`.",
    "Meeting.location": "Where it takes place (a room or an address to join).",
    "Meeting.description": "Text shown in the invitation.",
    "Plan.plan": "The plan itself.",
    "Plan.owner": "The rep who owns the plan.",
    "Plan.resources": "The people asked to commit, and their standbys.",
    "Plan.steps": "The next steps: what, how, who, by when.",
    "Plan.contingencies": "Risks and the response to each, shown to the team.",
    "Plan.stakeholders": "People kept informed at milestones, never asked to act.",
    "Plan.meetings": "Follow-up and review meetings, sent as calendar invitations.",
}

# What a validator function means for the value it accepts, by the function's name.
_KINDS = {
    "email_address": "email address",
    "_timezone": "IANA timezone name",
    "_language": "language code (`en`, `de`, `pt-BR`)",
    "_date_or_moment": "date, or date and time",
    "_moment": "date and time",
    "_duration": "duration (`30m`, `1h30m`, `PT45M`, or whole minutes)",
    "_repeat": "`daily`, `weekly`, `biweekly`, `monthly`, or an RRULE",
    "_clock": 'time of day, `"HH:MM"`',
    "_env_name": "environment variable name",
    "_listen": 'address and port, `"HOST:PORT"` (port 0 to 65535)',
    "_holidays": "country code, optionally with a region (`US`, `DE-BY`)",
    "_domain": "domain name",
    "_flag": "`true` or `false`",
}
_BASES = {
    str: "text",
    int: "whole number",
    float: "number",
    bool: "`true` or `false`",
    Path: "path",
    time: "time of day",
    timedelta: "duration",
    date: "date",
    datetime: "date and time",
    Offset: "duration",
}


def _closure(func: Any) -> dict[str, Any]:
    cells = getattr(func, "__closure__", None) or ()
    return dict(zip(func.__code__.co_freevars, (cell.cell_contents for cell in cells), strict=True))


def _kind(metadata: tuple[Any, ...]) -> str | None:
    """What the validators among ``metadata`` accept, with its range when they check one."""
    for item in metadata:
        func = getattr(item, "func", None)
        if func is None:
            continue
        if func.__name__ in _KINDS:
            return _KINDS[func.__name__]
        maker = func.__qualname__.split(".<locals>.")[0]
        values = _closure(func)
        if maker == "seconds":
            return f"seconds, {values['bounds']}"
        if maker == "whole":
            return f"whole number, {values['low']} to {values['high']}"
        if maker == "duration":
            return f'duration in quotes (`"2d"`), {values["bounds"]}'
        if maker == "offset":
            return f'duration in quotes (`"4h"`, `"1bd"`), {values["bounds"]}'
    return None


def _either(choices: list[str]) -> str:
    return choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + " or " + choices[-1]


def _limits(metadata: tuple[Any, ...], unit: str = "") -> str:
    """``"1 to 500"`` or ``"at most 40 characters"`` from length and value constraints."""
    low = high = None
    for item in metadata:
        low = next((getattr(item, name) for name in ("min_length", "ge") if getattr(item, name, None)), low)
        high = next((getattr(item, name) for name in ("max_length", "le") if getattr(item, name, None)), high)
    unit = f" {unit}" if unit else ""
    if low == 1 and not high and unit.strip():
        return "not empty"
    if low and high:
        return f"{low} to {high}{unit}"
    if high:
        return f"at most {high}{unit}"
    if low:
        return f"at least {low}{unit}"
    return ""


def type_text(annotation: Any, metadata: tuple[Any, ...] = ()) -> str:
    """How a value of ``annotation`` (with pydantic ``metadata``) is written, in words."""
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return type_text(base, (*extra, *metadata))
    kind = _kind(metadata)
    if kind:
        return kind
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return _either([type_text(arg, metadata) for arg in get_args(annotation) if arg is not type(None)])
    if origin is Literal:
        return _either([f"`{json.dumps(value)}`" for value in get_args(annotation)])
    if origin is list:
        limits = _limits(metadata, "entries")
        return f"list, each: {type_text(get_args(annotation)[0])}" + (f"; {limits}" if limits else "")
    if origin is dict:
        key, value = get_args(annotation)
        return f"table (key: {type_text(key)}; value: {type_text(value)})"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    text = _BASES.get(annotation, getattr(annotation, "__name__", str(annotation)))
    if annotation is str:
        if any(getattr(item, "func", None) and item.func.__name__ == "one_line" for item in metadata):
            text = "one line of text"
        pattern = next((item.pattern for item in metadata if getattr(item, "pattern", None)), None)
        if pattern:
            text = f"`{pattern.strip('^$')}`"
        limits = _limits(metadata, "characters")
        return f"{text}, {limits}" if limits else text
    limits = _limits(metadata)
    return f"{text}, {limits}" if limits else text


def _toml(value: Any) -> str:
    """A default value as it is written in a TOML file."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, time):
        return json.dumps(value.strftime("%H:%M"))
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        for size, unit in ((24 * 60, "d"), (60, "h"), (1, "m")):
            if minutes % size == 0:
                return json.dumps(f"{minutes // size}{unit}")
    if isinstance(value, Offset):
        return json.dumps(str(value))
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    return "none" if value is None else f"`{_toml(value)}`"


def description(model: type[BaseModel], name: str, info: FieldInfo, schema: dict[str, Any] | None = None) -> str:
    """The field's own description, else its JSON Schema's, else :data:`DESCRIPTIONS`; "" when none has one."""
    if info.description:
        return info.description
    from_schema: str | None = (
        (schema or {}).get("$defs", {}).get(model.__name__, {}).get("properties", {}).get(name, {}).get("description")
    )
    if from_schema:
        return from_schema
    for cls in model.__mro__:
        if f"{cls.__name__}.{name}" in DESCRIPTIONS:
            return DESCRIPTIONS[f"{cls.__name__}.{name}"]
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _sentence(text: str) -> str:
    text = _cell(text)
    return text + "." if text and not text.endswith((".", ")", "`")) else text


def _model_of(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _list_model(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) is list:
        return _model_of(get_args(annotation)[0])
    return None


def field_rows(model: type[BaseModel], schema: dict[str, Any] | None = None) -> Iterator[tuple[str, str, str, str]]:
    """(name, type, default, description) of each plain field of ``model``; sections are left out."""
    for name, info in model.model_fields.items():
        if _model_of(info.annotation) or (model is Config and name in ("root", "source")):
            continue
        yield (
            name,
            type_text(info.annotation, tuple(info.metadata)),
            default_text(info),
            description(model, name, info, schema),
        )


def _table(rows: list[tuple[str, str, str, str]], first: str) -> list[str]:
    lines = [f"| {first} | type | default | description |", "|---|---|---|---|"]
    lines += [
        f"| `{name}` | {_cell(kind)} | {_cell(default)} | {_sentence(text)} |" for name, kind, default, text in rows
    ]
    return lines


def _doc(model: type[BaseModel]) -> str:
    text = model.__dict__.get("__doc__") or ""
    return " ".join(text.split("\n\n")[0].split()).replace("``", "`")


def _sections(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, type[BaseModel]]]:
    """Each section as its TOML header names it: ``web``, and ``[web.webhooks]`` for an array of tables."""
    for name, info in model.model_fields.items():
        section = _model_of(info.annotation)
        if section is not None:
            yield f"{prefix}{name}", section
            yield from _sections(section, f"{prefix}{name}.")
        elif (listed := _list_model(info.annotation)) is not None:
            yield f"[{prefix}{name}]", listed


def _generated(source: str, guide: str, guide_title: str) -> list[str]:
    return [
        f"<!-- Generated by `{COMMAND}` from {source}; do not edit by hand. -->",
        "",
        f"Generated from {source}. For explanations and examples, see [{guide_title}]({guide}).",
    ]


def config_reference() -> str:
    """Every key of ``config.toml``, one table per section, from :class:`followthru.config.Config`."""
    lines = ["# Configuration reference", ""]
    lines += _generated("`daemon/followthru/config.py`", "../configuration.md", "Configuration")
    lines += [
        "",
        (
            "Every key is optional. Relative paths are relative to the config file's folder. "
            "A value of the wrong type or outside its range stops every command that reads the config."
        ),
    ]
    for path, model in _sections(Config):
        rows = list(field_rows(model))
        if not rows:
            continue
        lines += ["", f"## `[{path}]`", ""]
        if _doc(model):
            lines += [_doc(model), ""]
        lines += _table(rows, "key")
    return "\n".join(lines) + "\n"


def plan_reference() -> str:
    """Every field of a plan file, one table per section, from :class:`followthru.plan.Plan`."""
    schema = Plan.model_json_schema()
    lines = ["# Plan file reference", ""]
    lines += _generated("`daemon/followthru/plan.py`", "../plan-file.md", "Plan files")
    lines += [
        "",
        (
            "A plan is a TOML, YAML or JSON file with these sections and fields. "
            "`followthru plan schema` prints the same as a JSON Schema."
        ),
        "",
        "| section | written as | entries | description |",
        "|---|---|---|---|",
    ]
    sections = []
    for name, info in Plan.model_fields.items():
        single, many = _model_of(info.annotation), _list_model(info.annotation)
        written = f"`[{name}]`" if single else f"`[[{name}]]`"
        entries = "one, required" if single else (_limits(tuple(info.metadata)) or "any number")
        if many and not info.is_required():
            entries += ", optional"
        lines.append(f"| `{name}` | {written} | {entries} | {_sentence(description(Plan, name, info, schema))} |")
        section = single or many
        assert section is not None, "every field of a plan is a section, or a list of them"
        sections.append((written, section))
    for written, model in sections:
        lines += ["", f"## {written}", ""]
        if _doc(model):
            lines += [_doc(model), ""]
        lines += _table(list(field_rows(model, schema)), "field")
    return "\n".join(lines) + "\n"


def default_folder() -> Path:
    """``docs/reference`` of the source checkout this module lies in, else of the current folder."""
    checkout = Path(__file__).resolve().parents[2]
    return (checkout if (checkout / "pyproject.toml").exists() else Path.cwd()) / "docs" / "reference"


def pages() -> dict[str, str]:
    """File name -> text of every generated page."""
    return {name: globals()[function]() for name, function in FILES.items()}


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
