"""``followthru store ...``: commands on a workspace's store itself rather than on the work it holds.

The group is registered on :data:`followthru.cli.main`. A new subcommand is one more function here
under ``@store.command()``; like every command, it imports what it uses when it runs, so that
``followthru --help`` and the quick commands load nothing of it but click.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from followthru.cli import Context
    from followthru.place import Place
    from followthru.store_copy import Copied, Target


@click.group()
def store() -> None:
    """The store itself: copy it between SQLite and PostgreSQL, prune and vacuum it."""


@store.command(name="vacuum")
@click.option("--now", "now_text", help="Pretend it is this time: ISO 8601, or +1d, +26h from now.")
@click.pass_obj
def vacuum_command(obj: Context, now_text: str | None) -> None:
    """Let go of what store.keep_sent no longer keeps, then give the space back.

    Empties the bytes of the messages made more than store.keep_sent ago (their rows stay, so replies,
    bounces and resends are still matched), then VACUUM: SQLite rewrites its file, PostgreSQL frees
    the space for new rows. Waits for a pass another process is in; a daemon goes on beside it."""
    import sqlite3

    from followthru import pruning
    from followthru.cli import _now, _pass_lock, _private_files, fail
    from followthru.journal import STORE_REFUSED_EXIT, StoreRefused, open_store

    _private_files()
    config = obj.config()
    now = _now(now_text)
    lock = _pass_lock(obj, "store vacuum")
    try:
        try:
            opened, _journal = open_store(config, read_only=True)
        except StoreRefused as refused:
            fail(str(refused), STORE_REFUSED_EXIT)
        if opened.dialect == "sqlite" and not config.store_file.exists():
            opened.close()
            fail(f"no store yet at {config.store_file}: nothing to vacuum", 1)
        try:
            before = pruning.size(opened, config)
            emptied = pruning.prune_all(opened, now, config.store.keep_sent)
            pruning.vacuum(opened)
            after = pruning.size(opened, config)
        except (sqlite3.DatabaseError, OSError) as error:
            fail(f"store vacuum: {error}", 1)
        finally:
            opened.close()
    finally:
        lock.close()
    kept = config.store.keep_sent.days
    click.echo(
        f"emptied {emptied:,} messages made more than {kept} days ago; "
        f"the store went from {_megabytes(before)} to {_megabytes(after)}"
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


@store.command(name="copy")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option(
    "--from-password-env",
    "from_env",
    metavar="NAME",
    help="FROM's PostgreSQL password is in this environment variable (default: PGPASSWORD, ~/.pgpass).",
)
@click.option(
    "--to-password-env",
    "to_env",
    metavar="NAME",
    help="TO's PostgreSQL password is in this environment variable (default: PGPASSWORD, ~/.pgpass).",
)
@click.pass_obj
def copy_command(obj: Context, source: str, target: str, from_env: str | None, to_env: str | None) -> None:
    """Copy the store FROM into the new store TO, every row of every table, checked by counts.

    FROM and TO are each a SQLite file or a postgresql://USER@HOST:PORT/DATABASE URL (no password in
    it). FROM is only read; TO must not exist yet (a file) or hold nothing (a database). Stop every
    daemon on the workspace first. Exit 2 when a store cannot be had or is refused, 1 when the copy
    fails; TO is then as empty as before."""
    import sqlite3

    from followthru.cli import _private_files, fail
    from followthru.store_copy import CopyError, copy_store, where

    _private_files()  # a SQLite TO is the workspace's memory: its owner's only
    try:
        source_store, target_store = where(source, "FROM"), where(target, "TO")
        source_password = _password("--from-password-env", from_env, source_store)
        target_password = _password("--to-password-env", to_env, target_store)
        copied = copy_store(
            source_store, target_store, source_password, target_password, lambda line: click.echo(line, err=True)
        )
    except CopyError as error:
        fail(f"store copy: {error}", error.code)
    except (sqlite3.DatabaseError, OSError) as error:  # a server lost midway, a disk full: TO was rolled back
        fail(f"store copy: {error}; nothing was written to TO", 1)
    click.echo("\n".join(_report(copied, source_store, target_store)))
    click.echo("\n".join(_next_steps(obj, source_store, target_store)))


def _password(option: str, name: str | None, store: Target) -> str | None:
    """The password in the environment variable ``name``; None (libpq's own sources) without one."""
    from followthru.store_copy import CopyError

    if name is None:
        return None
    if not isinstance(store, str):
        raise CopyError(f"{option} is for a postgresql:// store, not the file {store}")
    value = os.environ.get(name)
    if not value:
        raise CopyError(f"{option}: the environment variable {name} is not set")
    return value


def _report(copied: Copied, source: Target, target: Target) -> list[str]:
    """One line per table with its rows in FROM and TO, and a summary."""
    from followthru.store_copy import named

    width = max(len(counted.table) for counted in copied.tables)
    lines = [f"{'table':<{width}}  {'FROM':>9}  {'TO':>9}"]
    lines += [f"{c.table:<{width}}  {c.source:>9,}  {c.target:>9,}" for c in copied.tables]
    lines += [f"not copied: {table} (not a table of Followthru's store)" for table in copied.not_copied]
    lines.append(
        f"copied {copied.rows:,} rows of {len(copied.tables)} tables from {named(source)} to {named(target)} "
        f"in {copied.seconds:.2f} s: every count matches"
    )
    return lines


def _next_steps(obj: Context, source: Target, target: Target) -> list[str]:
    """What the operator does next: point the config at TO, move the journal along, start again."""
    config = obj.config_path or Path("config.toml")
    place = _place(config) if isinstance(source, str) or isinstance(target, str) else None
    setting = f'store = "{target}"' if isinstance(target, str) else f'store = "{target.resolve()}"'
    password = (
        " with store_password_env or store_password_file (unless PGPASSWORD or ~/.pgpass gives the password)"
        if isinstance(target, str)
        else ""
    )
    return [
        "Next, with every daemon on this workspace still stopped:",
        f"  1. in {config}, under [workspace], set {setting}{password}",
        f"  2. {_journal_step(place, source, target)}",
        f"  3. followthru -c {config} doctor, then start the daemon",
    ]


def _place(config: Path) -> Place | None:
    """Where the workspace of ``config`` keeps its plans (and so a PostgreSQL store's journals);
    None without a config that passes its check."""
    from followthru.place import remembered

    if not config.is_file():
        return None
    place = remembered(config)
    if place is None:
        from followthru.config import ConfigError, load_config

        try:
            place = load_config(config).place()
        except ConfigError:
            return None
    return place


def _journal_step(place: Place | None, source: Target, target: Target) -> str:
    """Moving the journal to where the daemon looks for TO's (see followthru.journal): it keeps what
    lets a backup of the store be put back without resending. A SQLite store's journal is the file
    beside it; a PostgreSQL store's are in plans/journal/, one per host."""
    from dataclasses import replace

    from followthru.journal import journal_path, own_journal

    def journal(where: Target) -> Path | None:
        if isinstance(where, Path):
            return journal_path(where)
        return own_journal(replace(place, store_url=where)) if place else None

    later = "so a backup of this store can still be put back without resending"
    to = journal(target)
    if isinstance(source, Path):
        if to is None:
            return (
                f"move the journal {journal_path(source)} into the workspace's plans/journal/ folder, "
                f"as <this host's name>.journal (its .1 too, if there is one), {later}"
            )
        folder = f"mkdir -p -m 700 {to.parent} && " if isinstance(target, str) else ""
        return f"move the journal along: {folder}mv {journal_path(source)} {to} (its .1 too, if there is one), {later}"
    if isinstance(target, str):
        return "the journals in plans/journal/ go on with the new database as they are"
    found = sorted(to_move.parent.glob("*.journal")) if (to_move := journal(source)) else []
    if len(found) == 1:
        return f"move the journal along: mv {found[0]} {to} (its .1 too, if there is one), {later}"
    return (
        "the journals in plans/journal/ stay with the old database's backups; the daemon starts "
        f"{to} on its first start"
    )
