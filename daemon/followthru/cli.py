"""The ``followthru`` command line. Thin: it parses options and calls the modules that do the work."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click

from followthru import __version__
from followthru.config import Config, ConfigError, init_workspace, load_config
from followthru.messages import Composer
from followthru.plan import Plan
from followthru.planfile import load_plan
from followthru.preview import start_messages
from followthru.render import Renderer
from followthru.starter import starter_plan


class Context:
    def __init__(self, config_path: Path | None):
        self.config_path = config_path
        self._config: Config | None = None

    def config(self) -> Config:
        """The loaded config; a clear error and exit 2 when it is missing or wrong."""
        if self._config is None:
            path = self.config_path or Path("config.toml")
            if not path.exists():
                fail(f"{path}: no config file here; pass -c CONFIG or run 'followthru init DIR'")
            try:
                self._config = load_config(path)
            except ConfigError as error:
                fail(str(error))
        return self._config


def fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), envvar="FOLLOWTHRU_CONFIG",
              help="The config file (default: ./config.toml, or $FOLLOWTHRU_CONFIG).")
@click.version_option(__version__, prog_name="followthru")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Followthru turns a sales rep's handoff plan into committed teammates."""
    ctx.obj = Context(config_path)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Make a workspace in DIRECTORY: config.toml, plan folders, Maildirs and a secret key."""
    config = init_workspace(directory)
    click.echo(f"Workspace ready in {directory}/\n"
               f"  config:      {config}\n"
               f"  drop plans:  {directory / 'plans' / 'incoming'}/\n"
               f"  outgoing:    {directory / 'mail' / 'outbox'}/new/\n"
               f"  replies:     {directory / 'mail' / 'inbox'}/new/\n"
               f"Start a plan with: followthru plan new --out my-plan.toml")


@main.group()
def plan() -> None:
    """Write, check and preview plan files."""


@plan.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def check(obj: Context, files: tuple[Path, ...]) -> None:
    """Check plan files: one line per problem as file:line: field: message; exit 1 on any."""
    default_timezone = obj.config().schedule.timezone if obj.config_path else "UTC"
    problems = 0
    for path in files:
        result = load_plan(path, default_timezone)
        for problem in result.problems:
            click.echo(str(problem))
        problems += len(result.problems)
        if result.ok:
            click.echo(f"{path}: ok", err=True)
    sys.exit(1 if problems else 0)


@plan.command()
def schema() -> None:
    """Print the JSON Schema of plan files, for editors."""
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
    text = starter_plan(date.today())
    if out is None:
        click.echo(text, nl=False)
        return
    if out.exists():
        fail(f"{out}: already exists; choose another name")
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}; edit it, then: followthru plan check {out}", err=True)


@plan.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Write each message as an .eml file in this folder.")
@click.pass_obj
def preview(obj: Context, file: Path, out: Path | None) -> None:
    """Show every message and invitation FILE would send when it starts; sends nothing."""
    config = obj.config()
    result = load_plan(file, config.schedule.timezone)
    if not result.ok:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    try:
        composer = Composer(config, Renderer(config.templates_dir), config.token_secret())
    except ConfigError as error:
        fail(str(error))
    outgoing = start_messages(result.plan, composer, datetime.now(timezone.utc))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for number, item in enumerate(outgoing, start=1):
            (out / f"{number:02d}-{item.label}.eml").write_bytes(item.message.as_bytes())
        click.echo(f"{len(outgoing)} messages written to {out}/", err=True)
        return
    for item in outgoing:
        click.echo(_summary(item.message))


def _summary(message) -> str:
    lines = ["=" * 72, f"To:      {message['To']}", f"Subject: {message['Subject']}"]
    calendar = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
    if calendar is not None:
        lines.append("Invite:  " + calendar.get_param("method", "REQUEST") + " (text/calendar, with Accept/Decline)")
    body = message.get_body(("plain",))
    lines += ["", body.get_content().rstrip() if body else "", ""]
    return "\n".join(lines)
