"""The README's Quickstart, run as written on a Saturday at 23:00 (libfaketime): the install-and-run
line shows the first request within 15 s of the daemon starting, and the walkthrough after it (status,
time travel to a reminder, a reply by hand, the all-committed summary) does what it says."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import signal
import subprocess
import time
import venv
from pathlib import Path

import pytest

from support.processes import forget_stale_faketime

ROOT = Path(__file__).resolve().parents[2]
SATURDAY_NIGHT = "2026-11-28 23:00:00"


def quickstart() -> tuple[str, list[str]]:
    """The install-and-run line and the walkthrough's commands, as the README writes them."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quickstart", 1)[1]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)
    walkthrough = [line.split("  #")[0].strip() for line in blocks[1].splitlines() if line.strip()]
    return blocks[0].strip(), walkthrough


def faketime() -> str:
    program = shutil.which("faketime")
    if program is None:
        pytest.fail("faketime is not installed: apt-get install faketime (.ci/run installs it)", pytrace=False)
    forget_stale_faketime()
    return program


@pytest.fixture(scope="module")
def machine(tmp_path_factory) -> dict[str, str]:
    """A fresh machine as far as Followthru goes: a clone of the sources and a new virtual
    environment (with the system's packages, so nothing is downloaded) whose bin comes first."""
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "followthru"
    shutil.copytree(
        ROOT,
        clone,
        ignore=shutil.ignore_patterns(
            ".git", "tests", "bench", "__pycache__", "*.egg-info", "build", "dist", ".ruff_cache", ".pytest_cache"
        ),
    )
    venv.create(base / "venv", system_site_packages=True, with_pip=True)
    bin_dir = base / "venv" / "bin"
    environment = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUAL_ENV": str(base / "venv"),
        # Only the wall clock is faked: timed waits run on the monotonic clock, which the kernel
        # keeps, and a faked one would make them wait for ever.
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    environment.pop("FOLLOWTHRU_CONFIG", None)
    return {"cwd": str(clone), **{f"env:{k}": v for k, v in environment.items()}}


def env_of(machine: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("env:"): v for k, v in machine.items() if k.startswith("env:")}


def outbox(cwd: Path) -> list[email.message.EmailMessage]:
    folder = cwd / "ws" / "mail" / "outbox" / "new"
    return (
        [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)
        ]
        if folder.is_dir()
        else []
    )


def test_the_quickstart_sends_the_first_request_on_a_saturday_night_and_the_walkthrough_works(machine):
    line, walkthrough = quickstart()
    cwd, environment = Path(machine["cwd"]), env_of(machine)
    fake = [faketime(), "-f", f"@{SATURDAY_NIGHT}"]
    log = cwd / "quickstart.log"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [*fake, "bash", "-c", line],
            cwd=cwd,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 600  # pip builds and installs the wheel first
        while "followthru running on" not in log.read_text(errors="replace"):
            assert daemon.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the daemon did not start: " + log.read_text(errors="replace")
            time.sleep(0.2)
        started = time.monotonic()
        while not [m for m in outbox(cwd) if m["X-Followthru-Kind"] == "request"]:
            assert time.monotonic() - started < 15, "no request within 15 s: " + log.read_text(errors="replace")
            time.sleep(0.2)
        [request] = [m for m in outbox(cwd) if m["X-Followthru-Kind"] == "request"]
        assert request["To"].addresses[0].addr_spec == "alex@example.com"
        assert request["Date"].datetime.strftime("%a %H") == "Sat 23"  # sent at once, on the faked Saturday night
        assert "a try-out workspace" in log.read_text()

        def run(command: str) -> str:
            done = subprocess.run(
                [*fake, "bash", "-c", command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            return done.stdout

        status, travel, answer, after, audit = walkthrough
        assert "alex         requested" in run(status)
        run(travel)
        assert [m for m in outbox(cwd) if m["X-Followthru-Kind"] == "reminder"], "no reminder a day later"
        run(answer)
        waited = time.monotonic()
        while "alex         accepted" not in (shown := run(after)):
            assert time.monotonic() - waited < 60, shown + log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        assert "COMMITTED" in shown
        kinds = {m["X-Followthru-Kind"] for m in outbox(cwd)}
        assert {"request", "reminder", "all_committed", "meeting"} <= kinds
        trail = run(audit)
        assert "alex: request sent to alex@example.com" in trail and "everyone committed: summary queued" in trail
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=30)
        forget_stale_faketime()
