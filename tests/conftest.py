"""Shared fixtures: the example plan, a ready workspace, a Maildir workspace driven through the CLI,
a CLI runner, a new store on each kind of database, and the mail stack."""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from followthru.cli import main
from followthru.config import init_workspace, load_config
from followthru.daemon import Followthru
from followthru.drafting.views import PlanViews
from followthru.planfile import load_plan
from support.daemon_pass import START, drop
from support.workspace import Workspace, maildir_workspace

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme-q4.toml"


def pytest_configure(config: pytest.Config) -> None:
    """Commands the tests run, in this process or in new ones, remember checked configs in a cache
    folder of the test run's own (see followthru.place), never in the user's ~/.cache."""
    os.environ.pop("CACHE_DIRECTORY", None)
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="followthru-test-cache-")


@pytest.fixture(params=["sqlite", "postgresql"])
def each_store(request: pytest.FixtureRequest, tmp_path: Path):
    """A new, empty store: a SQLite file, then a PostgreSQL database (support.postgres: a real server,
    root only, started on first use)."""
    from followthru.store import Store
    from support import postgres

    if request.param == "sqlite":
        opened = Store(tmp_path / "state.sqlite3")
    else:
        server = postgres.server()
        opened = Store(server.new_database(), server.password)
    yield opened
    opened.close()


@pytest.fixture
def example_data() -> dict:
    with EXAMPLE.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture
def views() -> PlanViews:
    """The example plan as templates see it."""
    return PlanViews(load_plan(EXAMPLE).plan)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh workspace made by ``followthru init``; returns its config path."""
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A Maildir workspace sending as followthru@example.com, each command in a new process."""
    return maildir_workspace(tmp_path / "ws")


@pytest.fixture
def service(workspace: Path):
    """A daemon in this process that has started the example plan at START (Maildir, sending as
    followthru@example.com)."""
    text = workspace.read_text().replace(
        'email = "followthru@localhost.localdomain"', 'email = "followthru@example.com"'
    )
    workspace.write_text(text)
    daemon = Followthru(load_config(workspace))
    drop(daemon, EXAMPLE.read_text())
    daemon.tick(START)
    yield daemon
    daemon.close()


@pytest.fixture
def cli():
    """Run the CLI in-process: ``cli("plan", "check", path)`` -> click Result."""
    runner = CliRunner()

    def run(*args: str | Path):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def mail_stack():
    """A real Dovecot + Postfix on loopback (see tests/support/mailstack.py); needs root."""
    if os.geteuid() != 0 or not (shutil.which("dovecot") and shutil.which("postfix")):
        pytest.fail(
            "the mail server tests need root and Debian's dovecot-imapd, dovecot-lmtpd and postfix: "
            "run them through .ci/run, which installs them"
        )
    from support.mailstack import MailStack  # lazily: only these tests need imapclient

    # Not under pytest's temporary folder: pytest keeps that 0700, and another pytest run starting
    # meanwhile would make it so again, shutting Dovecot's and Postfix's users out mid-run.
    base = Path(tempfile.mkdtemp(prefix="followthru-mailstack-"))
    stack = MailStack(base)
    stack.start()
    yield stack
    stack.stop()
    shutil.rmtree(base, ignore_errors=True)
