"""The ``followthru`` command line. Thin: it parses options and calls the modules that do the work.

Each command imports what it uses when it runs, so ``--help`` and the quick commands answer at once
instead of first loading the plan model, templates, calendars and every mail backend.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from followthru import __version__

# Pydantic looks for plugins by reading the entry points of every installed package the first time a
# model is used: 10 ms and more on each command, for plugins Followthru does not use. Setting the
# variable (even to an empty value) before running followthru keeps pydantic's own behaviour.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

if TYPE_CHECKING:
    from collections.abc import Callable
    from email.message import EmailMessage

    from followthru.config import Config
    from followthru.daemon import Followthru
    from followthru.lock import WorkspaceLock
    from followthru.place import Place
    from followthru.status import Reader

ReadT = TypeVar("ReadT")


class Context:
    def __init__(self, config_path: Path | None):
        self.config_path = config_path
        self._config: Config | None = None
        self._place: Place | None = None

    @property
    def path(self) -> Path:
        path = self.config_path or Path("config.toml")
        if not path.exists():
            fail(f"{path}: no config file here; pass -c CONFIG or run 'followthru init DIR'")
        return path

    def config(self) -> Config:
        """The loaded config; a clear error and exit 2 when it is missing or wrong."""
        from followthru.config import ConfigError, load_config

        if self._config is None:
            try:
                self._config = load_config(self.path)
            except ConfigError as error:
                fail(str(error))
        return self._config

    def place(self) -> Place:
        """Where the workspace keeps its store and plans: as remembered from the last check of the
        config's very bytes (see followthru.place), else from checking it now."""
        from followthru.place import remember, remembered

        if self._place is None:
            self._place = remembered(self.path)
        if self._place is None:
            try:
                checked = self.path.read_bytes()
            except OSError as error:
                fail(f"{self.path}: {error.strerror or error}")
            self._place = self.config().place()
            remember(self.path, checked, self._place)
        return self._place


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _private_files() -> None:
    """What this command creates (the store and its -wal/-shm, mail, moved plans, error notes) is
    readable by its owner only, whatever the shell's umask: it holds names, addresses and deals.
    The umask is put back when the command ends (it matters when the CLI runs inside a test)."""
    old = os.umask(0o077)
    click.get_current_context().call_on_close(lambda: os.umask(old))


def _pass_lock(obj: Context, command: str) -> WorkspaceLock:
    """The workspace's pass lock, held: waits for a pass another process is in (saying so once on
    stderr), and exits 1 with one line when that takes too long."""
    from followthru.lock import LockError, wait_for_pass

    config = obj.config()
    try:
        return wait_for_pass(
            config.store_file,
            command,
            config.root,
            lambda line: click.echo(line, err=True),
            shared=config.store_url is not None,
        )
    except LockError as error:
        fail(str(error), 1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="FOLLOWTHRU_CONFIG",
    help="The config file (default: ./config.toml, or $FOLLOWTHRU_CONFIG).",
)
@click.version_option(__version__, prog_name="followthru")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Followthru turns a sales rep's handoff plan into committed teammates."""
    ctx.obj = Context(config_path)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--try-out",
    is_flag=True,
    help="A workspace to try Followthru in: mail goes at any hour of any day, not in business hours.",
)
def init(directory: Path, try_out: bool) -> None:
    """Make a workspace in DIRECTORY: config.toml, plan folders, Maildirs and a secret key.

    An existing workspace is kept as it is: only missing folders are made."""
    from followthru.config import init_workspace

    _private_files()
    existed = (directory / "config.toml").exists()
    config = init_workspace(directory, try_out=try_out)
    kept = (
        "kept: config.toml, the secret key, plans and mail are as they were (missing folders made)" if existed else ""
    )
    kind = "Try-out workspace (mail goes at any hour)" if try_out and not existed else "Workspace"
    click.echo(
        f"{kind} {'already in' if existed else 'ready in'} {directory}/{'; ' + kept if kept else ''}\n"
        f"  config:      {config}\n"
        f"  drop plans:  {directory / 'plans' / 'incoming'}/\n"
        f"  outgoing:    {directory / 'mail' / 'outbox'}/new/\n"
        f"  replies:     {directory / 'mail' / 'inbox'}/new/\n"
        f"Start a plan with: followthru plan new --out my-plan.toml"
    )
    if existed and try_out:
        click.echo(f"{config}: not changed; set try_out = true under [workspace] to try out there", err=True)


def _now(value: str | None) -> datetime:
    """``--now``: an ISO 8601 time (naive means UTC), ``+DURATION`` from the real clock (``+1d``,
    ``+26h``: time travel for a try-out), or the real clock."""
    if not value:
        return datetime.now(timezone.utc)
    if value.startswith("+"):
        from followthru.durations import parse_duration

        try:
            return datetime.now(timezone.utc) + parse_duration(value[1:])
        except ValueError as error:
            fail(f"--now: {error}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now: {value!r} is not an ISO 8601 time like 2026-12-01T09:00:00+01:00, nor +1d from now")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _service(obj: Context) -> Followthru:
    """The service on the workspace, for the commands that change it (status and log only read: see
    :func:`_read_store`). A store that is missing, empty or another workspace's is refused with one line
    and exit status 3."""
    import sqlite3

    from followthru.config import ConfigError
    from followthru.daemon import Followthru
    from followthru.failures import explain_failure
    from followthru.journal import STORE_REFUSED_EXIT, StoreRefused

    _private_files()  # opening may create the store, the plan folders and the Maildirs
    try:
        return Followthru(obj.config())
    except ConfigError as error:
        fail(str(error))
    except StoreRefused as refused:
        fail(f"cannot start: {refused}", code=STORE_REFUSED_EXIT)
    except (sqlite3.DatabaseError, OSError) as error:
        fail(f"cannot start: {explain_failure(error, obj.config())}", code=1)


@main.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every pass.")
@click.pass_obj
def run(obj: Context, verbose: bool) -> None:
    """Run the daemon in the foreground until SIGTERM or SIGINT (systemd runs this).

    One run per workspace: a second one exits 1 at once, naming the first."""
    import logging

    from followthru.config import ConfigError
    from followthru.lock import LockError
    from followthru.service import run as run_daemon

    _private_files()
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = obj.config()
    try:
        config.token_secret()
        sys.exit(run_daemon(config))
    except ConfigError as error:
        fail(str(error))
    except LockError as error:
        fail(str(error), 1)


@main.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every request's failure in full.")
@click.pass_obj
def web(obj: Context, verbose: bool) -> None:
    """Serve the answer pages and the rep's board on web.listen, for the reverse proxy at web.base_url.

    Reads the store the daemon keeps and queues answers for it; sends nothing itself."""
    import logging

    from followthru.config import ConfigError
    from followthru.journal import StoreRefused

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = obj.config()
    try:
        from followthru.web import serve
    except ImportError as error:
        fail(f"followthru web needs the web extra ({error.name} is missing): pip install 'followthru[web]'")
    try:
        config.token_secret()
        serve(config)
    except ConfigError as error:
        fail(str(error))
    except StoreRefused as error:
        fail(f"cannot start: {error}", 3)
    except OSError as error:
        fail(f"cannot listen on {config.web.listen}: {error.strerror or error}", 1)


@main.command()
@click.argument("service", type=click.Choice(["google", "microsoft"]))
@click.pass_obj
def auth(obj: Context, service: str) -> None:
    """One-time sign-in where a backend acts for a user: stores a refresh token (mode 0600)."""
    from followthru.config import ConfigError

    config = obj.config()
    try:
        from followthru.backends import authorizer

        where = authorizer(config, service)(config, click.echo)
    except ConfigError as error:
        fail(str(error))
    except Exception as error:  # the sign-in failed: say why, never a traceback
        fail(f"auth {service}: {error}", code=1)
    click.echo(f"Signed in; the refresh token is in {where} (readable by you only).")


@main.command()
@click.pass_obj
def doctor(obj: Context) -> None:
    """Check the config, the workspace and every backend's login; sends nothing. Exit 1 if anything fails
    (2 if the config cannot be loaded at all)."""
    from followthru.doctor import run_checks

    obj.config()  # a config that cannot be loaded is named in one line, exit 2, as for every command
    checks = run_checks(obj.config_path or Path("config.toml"))
    for check in checks:
        click.echo(str(check))
    failed = sum(not c.ok for c in checks)
    click.echo(f"{failed} problem{'s' if failed != 1 else ''} found" if failed else "all good")
    sys.exit(1 if failed else 0)


@main.command()
@click.option(
    "--now", "now_text", help="Pretend it is this time: ISO 8601, or +1d, +26h from now (for tests and try-outs)."
)
@click.pass_obj
def tick(obj: Context, now_text: str | None) -> None:
    """One pass: read plans, read replies, send what is due.

    Waits for a pass another process (a run, another tick) is in; a big drop is taken a batch per
    pass, and the output says what was left for the next."""
    import logging
    import time

    _private_files()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    lock = _pass_lock(obj, "tick")
    if obj.config().workspace.try_out:
        click.echo(TRY_OUT, err=True)
    try:
        service = _service(obj)
        try:
            report = service.tick(_now(now_text))
            if report.waiting_files is not None and not report.more_waiting:
                time.sleep(report.waiting_files)  # a file still being written: take it in this pass too
                report = service.tick(_now(now_text))
        finally:
            service.close()
    finally:
        lock.close()
    click.echo(str(report))
    for error in report.errors:
        click.echo(f"error: {error}", err=True)


@main.command()
@click.argument("plan_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--now", "now_text", help="As of this time (ISO 8601, or +1d from now), after time travel with tick.")
@click.pass_obj
def status(obj: Context, plan_id: str | None, as_json: bool, now_text: str | None) -> None:
    """Where each plan stands: who committed, who is waited on, what happens next, what is queued
    and why, what needs you."""
    from followthru.status import plans as read_plans
    from followthru.status import to_json

    place = obj.place()
    now = _now(now_text)
    try:
        plans = _read_store(obj, lambda connection: read_plans(connection, place.sender_domain, plan_id, now))
    except LookupError as error:
        fail(str(error), 1)
    if as_json:
        click.echo(to_json({"plans": plans}))
        return
    if place.try_out:
        click.echo(TRY_OUT)
    if not plans:
        click.echo("No plans yet: drop a plan file into plans/incoming/.")
        return
    lines = []  # echoed at once: one echo per line is most of the time with thousands of plans
    for entry in plans:
        lines.append(f"{entry['id']}  {entry['state'].upper()}  {entry['title']}")
        lines += [f"  ! needs you: {item}" for item in entry["needs_attention"]]
        for c in entry["commitments"]:
            extra = f" (for {c['stands_in_for']})" if c["stands_in_for"] else ""
            extra += f"; proposed {c['proposed']}" if c["proposed"] else ""
            extra += f"; agreed due {c['agreed_due']}" if c["agreed_due"] else ""
            if c["next"]:
                step = NEXT_STEPS.get(c["next"]["step"], c["next"]["step"])
                extra += f"; next: {step}" + (f" {_short(c['next']['at'])}" if c["next"]["at"] else "")
            lines.append(f"  {c['resource']:<12} {c['state']:<10} {c['email']}{extra}")
        for q in entry["queued"]:
            lines.append(
                f"  queued: {q['kind'].replace('_', ' ')} to {', '.join(q['to'])} for {_short(q['at'])} ({q['why']})"
            )
        for m in entry["meetings"]:
            rsvps = ", ".join(f"{k}: {v}" for k, v in m["rsvps"].items())
            lines.append(
                f"  meeting {m['title']} (sequence {m['sequence']}, {len(m['attendees'])} invited"
                f"{'; cancelled' if m['cancelled'] else ''}){'; ' + rsvps if rsvps else ''}"
            )
    click.echo("\n".join(lines))


TRY_OUT = "Try-out workspace: mail goes at any hour of any day (try_out = true under [workspace] in config.toml)."
NEXT_STEPS = {
    "request": "request goes",
    "reminder": "reminder",
    "last_call": "last call",
    "deadline": "reply deadline",
    "back": "back from absence",
    "due_reminder": "due-date reminder",
    "due": "due",
    "owner": "waiting on your decision",
}


def _short(moment: str) -> str:
    """``Mon 30 Nov 13:30 UTC`` for a stored ISO time: status is read at a glance."""
    value = datetime.fromisoformat(moment).astimezone(timezone.utc)
    return f"{value:%a %d %b %H:%M} UTC"


@main.command(name="log")
@click.argument("plan_id", required=False)
@click.pass_obj
def log_command(obj: Context, plan_id: str | None) -> None:
    """The audit trail: every decision, oldest first."""
    from followthru.status import audit_log

    try:
        rows = _read_store(obj, lambda connection: audit_log(connection, plan_id))
    except LookupError as error:
        fail(str(error), 1)
    if rows:
        click.echo(
            "\n".join(
                f"{at}  {plan or '-'}{f' {resource}:' if resource else ''} {event}"
                for at, plan, resource, event in rows
            )
        )


def _read_store(obj: Context, read: Callable[[Reader | None], ReadT]) -> ReadT:
    """What ``read`` returns from the store opened for reading only (see followthru.status): no backend,
    no secret but a PostgreSQL store's password, nothing written. Refusals and failures read as they do
    when the store is opened for work."""
    import sqlite3

    from followthru.journal import STORE_REFUSED_EXIT, StoreRefused
    from followthru.status import open_read_only

    _private_files()  # reading a store in WAL mode may make its -wal and -shm files
    place = obj.place()
    try:
        try:
            connection = open_read_only(place)
        except LookupError as missing:  # the store's password is not where the config says
            fail(str(missing))
        try:
            return read(connection)
        finally:
            if connection is not None:
                connection.close()
    except StoreRefused as refused:
        fail(f"cannot start: {refused}", code=STORE_REFUSED_EXIT)
    except (sqlite3.DatabaseError, OSError) as error:
        from followthru.failures import explain_failure

        fail(f"cannot start: {explain_failure(error, place)}", code=1)


@main.command()
@click.argument("plan_id")
@click.argument("resource_id")
@click.argument("answer", type=click.Choice(["approve", "reject"]))
@click.option("--now", "now_text", help="Pretend it is this time (ISO 8601).")
@click.pass_obj
def decide(obj: Context, plan_id: str, resource_id: str, answer: str, now_text: str | None) -> None:
    """Approve or reject a resource's counter-proposal, or a new time proposed for a meeting
    (RESOURCE_ID is then the meeting's key), after the pass another process is in."""
    _change_then_pass(
        obj, "decide", now_text, lambda service, now: service.decide(plan_id, resource_id, answer == "approve", now)
    )
    click.echo(f"{plan_id}: {resource_id}'s counter-proposal {answer}d")


@main.command()
@click.argument("plan_id")
@click.argument("email")
@click.option("--name", help="The new owner's name (default: the address).")
@click.option("--now", "now_text", help="Pretend it is this time (ISO 8601).")
@click.pass_obj
def handover(obj: Context, plan_id: str, email: str, name: str | None, now_text: str | None) -> None:
    """Hand a plan to another owner; both are told. A plan file cannot do this by itself."""
    _change_then_pass(obj, "handover", now_text, lambda service, now: service.hand_over(plan_id, email, name, now))
    click.echo(f"{plan_id}: now owned by {email}")


def _change_then_pass(
    obj: Context, command: str, now_text: str | None, change: Callable[[Followthru, datetime], object]
) -> None:
    """An operator's change to a plan, then a pass so what it decides goes out: under the pass
    lock, after any pass another process is in. A refused change is one line and exit 1."""
    _private_files()
    lock = _pass_lock(obj, command)
    try:
        service = _service(obj)
        try:
            change(service, _now(now_text))
            service.tick(_now(now_text))
        except (LookupError, ValueError) as error:
            fail(str(error), 1)
        finally:
            service.close()
    finally:
        lock.close()


@main.command()
@click.argument("plan_id")
@click.argument("person")
@click.argument("text", required=False)
@click.option(
    "--as",
    "intent",
    type=click.Choice(["accept", "decline", "tentative", "counter", "question"]),
    default="accept",
    show_default=True,
    help="An example answer of this kind, when no TEXT is given.",
)
@click.option("--now", "now_text", help="Date the reply at this time (ISO 8601).")
@click.pass_obj
def reply(obj: Context, plan_id: str, person: str, text: str | None, intent: str, now_text: str | None) -> None:
    """Answer as PERSON (a resource id or email in PLAN_ID): writes their reply to the last request
    they got into the Maildir inbox, as their mail client would; the next pass reads it.

    For trying Followthru out: real people answer from their own mail client."""
    from followthru.handreply import EXAMPLES, put_in_inbox
    from followthru.handreply import reply as write_reply

    config = obj.config()
    if config.mail.backend != "maildir":
        fail(
            f"reply writes into the Maildir inbox; this workspace reads mail with {config.mail.backend!r}: "
            "answer from a mail client instead"
        )

    from followthru.status import last_request

    try:
        resource_id, email, sent = _read_store(obj, lambda connection: last_request(connection, plan_id, person))
    except LookupError as error:
        fail(str(error), 1)
    if sent is None:
        fail(f"{plan_id}: {resource_id} has not been asked anything yet", 1)
    raw, state, not_before = sent
    if not raw:
        fail(
            f"{plan_id}: the last request to {resource_id} was made more than store.keep_sent ago and its text "
            "is no longer kept; answer a newer one",
            1,
        )
    if state == "pending":
        click.echo(
            f"note: the request to {resource_id} is still queued (for {not_before}); answering it anyway", err=True
        )
    message = write_reply(bytes(raw), email, text or EXAMPLES[intent], _now(now_text))
    path = put_in_inbox(config.path(config.mail.maildir.inbox), message)
    click.echo(f"{path}: {email} answers {plan_id}: {(text or EXAMPLES[intent]).splitlines()[0]}")


def _messages(paths: tuple[Path, ...]) -> list[Path]:
    """The .eml files named, and those inside named folders (recursively), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.eml") if p.is_file())
        else:
            found.append(path)
    return found


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message per line.")
@click.option("--timezone", default=None, help="Where dates in replies are read (IANA name; default from config).")
@click.pass_obj
def classify(obj: Context, paths: tuple[Path, ...], as_json: bool, timezone: str | None) -> None:
    """What each reply means: accept, decline, tentative, counter, question, auto_reply, bounce or unclear."""
    from followthru.replies import read_reply

    zone = timezone or (obj.config().schedule.timezone if obj.config_path else "UTC")
    failed = False
    for path in _messages(paths):
        try:
            raw = path.read_bytes()
        except OSError as error:
            click.echo(f"{path}: cannot read: {error.strerror}", err=True)
            failed = True
            continue
        reply = read_reply(raw, zone)
        record = {
            "path": str(path),
            "intent": reply.intent,
            "confidence": round(reply.confidence, 2),
            "evidence": reply.evidence,
            "proposed_date": reply.proposed_date.isoformat() if reply.proposed_date else None,
            "return_date": reply.return_date.isoformat() if reply.return_date else None,
            "sender": reply.sender,
            "message_id": reply.message_id,
            "bounce": {
                "recipient": reply.bounce.recipient,
                "status": reply.bounce.status,
                "original_message_id": reply.bounce.original_message_id,
            }
            if reply.bounce
            else None,
        }
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            extra = "".join(f", {key} {record[key]}" for key in ("proposed_date", "return_date") if record[key])
            click.echo(f"{path}: {reply.intent} ({record['confidence']:.2f}{extra}) {reply.evidence}")
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def extract(path: Path) -> None:
    """The person's own new words in one message: quoted history, signature and disclaimers removed."""
    from followthru.replies import read_reply

    click.echo(read_reply(path.read_bytes()).words)


@main.group()
def plan() -> None:
    """Write, check and preview plan files."""


@plan.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--now", "now_text", help="With -c: check deadlines as of this time (ISO 8601, or +1d from now).")
@click.pass_obj
def check(obj: Context, files: tuple[Path, ...], now_text: str | None) -> None:
    """Check plan files: one line per problem as file:line: field: message; exit 1 on any.

    With -c CONFIG (or $FOLLOWTHRU_CONFIG), also what the workspace's daemon would refuse: addresses
    outside mail.allowed_domains, a new owner for a plan id it holds, and a new plan's reply
    deadlines that have passed."""
    from followthru.planfile import load_plan, owner_change, past_deadlines

    config = obj.config() if obj.config_path else None  # without -c: no allowed domains, UTC
    default_timezone = config.schedule.timezone if config else "UTC"
    allowed_domains = config.mail.allowed_domains if config else []
    owners = _plan_owners(obj) if config else {}
    now = _now(now_text)
    problems = 0
    for path in files:
        result = load_plan(path, default_timezone, allowed_domains)
        if config is not None and result.plan is not None and not result.problems:
            owner = owners.get(result.plan.id)
            if owner is None:  # a new plan (as far as this check knows): the daemon refuses past deadlines
                result.problems = past_deadlines(result, now, default_timezone)
            elif change := owner_change(result, owner):
                result.problems = [change]
        for problem in result.problems:
            click.echo(str(problem))
        problems += len(result.problems)
        if result.ok:
            click.echo(f"{path}: ok", err=True)
    sys.exit(1 if problems else 0)


def _plan_owners(obj: Context) -> dict[str, str]:
    """Plan id -> owner email of the plans the workspace's store holds (read only)."""

    def read(connection: Reader | None) -> dict[str, str]:
        if connection is None:
            return {}
        owners: dict[str, str] = dict(connection.execute("SELECT id, owner_email FROM plans").fetchall())
        return owners

    return _read_store(obj, read)


@plan.command()
def schema() -> None:
    """Print the JSON Schema of plan files, for editors."""
    from followthru.plan import Plan

    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **Plan.model_json_schema(),
        "title": "Followthru plan",
    }
    click.echo(json.dumps(document, indent=2))


@plan.command()
@click.option("--out", type=click.Path(path_type=Path), help="Write the plan here instead of to stdout.")
def new(out: Path | None) -> None:
    """Write a commented starter plan that passes 'plan check'."""
    from followthru.starter import starter_plan

    text = starter_plan(date.today())
    if out is None:
        click.echo(text, nl=False)
        return
    if out.exists():
        fail(f"{out}: already exists; choose another name")
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}; edit it, then: followthru plan check {out}", err=True)


@plan.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write each message as an .eml file in this folder (one subfolder per plan when there are several).",
)
@click.pass_obj
def preview(obj: Context, files: tuple[Path, ...], out: Path | None) -> None:
    """Show every message and invitation each plan in FILES (files or folders of plan files) would send
    when it starts; sends nothing."""
    from followthru.config import ConfigError
    from followthru.datafile import FORMATS
    from followthru.drafting.messages import Composer
    from followthru.drafting.render import Renderer
    from followthru.planfile import load_plan
    from followthru.preview import start_messages
    from followthru.progress import Progress

    config = obj.config()
    paths = [
        p
        for given in files
        for p in (sorted(f for f in given.iterdir() if f.suffix.lower() in FORMATS) if given.is_dir() else [given])
    ]
    if not paths:
        fail(f"no plan files (.toml, .yaml, .yml, .json) in {', '.join(map(str, files))}")
    try:
        composer = Composer(config, Renderer(config.templates_dir), config.token_secret())
    except ConfigError as error:
        fail(str(error))
    now, several, failed, written = datetime.now(timezone.utc), len(paths) > 1, 0, 0
    # A bar only where it cannot run through the messages printed on the same terminal.
    with Progress("previewing plans", total=len(paths), bar=out is not None or not sys.stdout.isatty()) as progress:
        for path in paths:
            result = load_plan(path, config.schedule.timezone, config.mail.allowed_domains)
            progress.advance()
            if result.plan is None or not result.ok:
                failed += 1
                click.echo("\n".join(map(str, result.problems)), err=True)
                continue
            outgoing = start_messages(result.plan, composer, now)
            written += len(outgoing)
            if out is not None:
                folder = out / result.plan.id if several else out
                folder.mkdir(parents=True, exist_ok=True)
                for number, item in enumerate(outgoing, start=1):
                    (folder / f"{number:02d}-{item.label}.eml").write_bytes(item.message.raw)
            else:
                if several:
                    click.echo(f"#### {path}: {len(outgoing)} messages")
                click.echo("\n".join(_summary(item.message.parsed()) for item in outgoing))
    plans = f"{len(paths) - failed} plan{'s' if len(paths) - failed != 1 else ''}"
    if out is not None:
        click.echo(f"{written} messages of {plans} written to {out}/", err=True)
    elif several:
        click.echo(f"{written} messages of {plans}", err=True)
    if failed:
        click.echo(f"{failed} of {len(paths)} plan files have problems (listed above); nothing was sent", err=True)
        sys.exit(1)


def _summary(message: EmailMessage) -> str:
    from email.utils import collapse_rfc2231_value

    lines = ["=" * 72, f"To:      {message['To']}", f"Subject: {message['Subject']}"]
    calendar = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
    if calendar is not None:
        method = collapse_rfc2231_value(calendar.get_param("method", "REQUEST"))  # a str, as compose wrote it
        lines.append("Invite:  " + method + " (text/calendar, with Accept/Decline)")
    body = message.get_body(("plain",))
    lines += ["", body.get_content().rstrip() if body else "", ""]
    return "\n".join(lines)


from followthru.cli_store import store  # noqa: E402 - click only; its commands import their work when run

main.add_command(store)
