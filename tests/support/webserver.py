"""A real ``followthru -c CONFIG web`` process on a free loopback port, for tests that drive a browser.

:func:`serve_on_free_port` points a workspace's ``[web]`` section at ``http://127.0.0.1:PORT`` (so the
links in its messages lead to the server) before anything is sent; :class:`WebServer` starts the
process, waits until it answers, and stops it (killing it if it does not stop), keeping its log for
the message of a failure. Given a time, the process runs under libfaketime with its wall clock
starting there, so that its pages agree with a daemon driven by ``tick --now``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from support.processes import forget_stale_faketime, tail

START_TIMEOUT = 30.0


def free_port() -> int:
    """A loopback port nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_on_free_port(config: Path, source: Path | None = None, user_header: str = "") -> str:
    """Set the ``[web]`` section of a workspace's config (as ``followthru init`` wrote it) to listen on
    a free loopback port with that address as ``base_url`` and no proxy in front; returns the address.
    With ``source``, ``config`` is written as a copy of that config (beside it, so that its paths name
    the same workspace); ``user_header`` names the header that says who is signed in."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    text = (source or config).read_text()
    replacements = {
        r'^base_url = ".*"$': f'base_url = "{base_url}"',
        r'^listen = ".*"$': f'listen = "127.0.0.1:{port}"',
        r"^proxies = \d+$": "proxies = 0",
        r'^user_header = ".*"$': f'user_header = "{user_header}"',
    }
    web_start = text.index("\n[web]\n")
    web_end = text.find("\n[", web_start + 1)
    while web_end != -1 and text.startswith("\n[[web.", web_end):
        web_end = text.find("\n[", web_end + 1)
    section = text[web_start : web_end if web_end != -1 else len(text)]
    for pattern, line in replacements.items():
        section, count = re.subn(pattern, line, section, count=1, flags=re.MULTILINE)
        assert count == 1, f"no line {pattern!r} in the [web] section of {config}"
    config.write_text(text[:web_start] + section + (text[web_end:] if web_end != -1 else ""))
    return base_url


class WebServer:
    """``followthru -c CONFIG web`` in a process of its own session; use as a context manager."""

    def __init__(self, config: Path, base_url: str, log: Path, clock: datetime | None = None):
        self.config = config
        self.base_url = base_url
        self.log = log
        self.clock = clock
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> WebServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> None:
        command = [sys.executable, "-m", "followthru", "-c", str(self.config), "web"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.clock is not None:
            program = shutil.which("faketime")
            assert program, "faketime is not installed: apt-get install faketime (.ci/run installs it)"
            forget_stale_faketime()
            start = self.clock.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            command = [program, "-f", f"@{start}", *command]
            # Only the wall clock is faked: the server's timed waits run on the monotonic clock.
            env.update(TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.stop()
            raise

    def _wait_until_it_answers(self) -> None:
        assert self.process is not None
        host, _, port = self.base_url.removeprefix("http://").rpartition(":")
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"followthru web ended with {self.process.returncode} before answering:\n{tail(self.log)}"
                )
            connection = http.client.HTTPConnection(host, int(port), timeout=2)
            try:
                connection.request("GET", "/static/web.css")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            if time.monotonic() > deadline:
                raise AssertionError(f"followthru web did not answer within {START_TIMEOUT:.0f} s:\n{tail(self.log)}")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM to the process's group (the server, and faketime's wrapper around it), then SIGKILL
        when it has not ended within 5 seconds."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        if self.clock is not None:
            forget_stale_faketime()

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log, lines)
