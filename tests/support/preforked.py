"""Start ``followthru`` commands without paying for the interpreter's start-up each time.

A crash test that kills a command a hundred times would otherwise spend most of its time starting
Python and importing the package (about 0.4 s a run, longer than most of the work it wants to
interrupt). ``Preforked`` runs this file as a server process that imports the whole package once
and then forks a child per command: each child is a separate process in its own session (its
worker processes join that session's process group), runs the command line exactly as
``python -m followthru`` does, and can be SIGKILLed like any other. Only the start-up is shared.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path


class Preforked:
    """The client side, in the test: ``run(args, timeout)`` starts a command and either waits for it
    or SIGKILLs its process group at ``timeout`` seconds."""

    def __init__(self):
        self.server = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buffer = b""
        assert self.line(timeout=120) == "ready", "the fork server did not start"

    def line(self, timeout: float | None) -> str | None:
        """The server's next line, or None if none comes within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([self.server.stdout], [], [], left)
            if not readable:
                return None
            chunk = os.read(self.server.stdout.fileno(), 4096)
            assert chunk, "the fork server ended"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def run(self, args: list[str], kill_after: float | None = None, stderr: Path | None = None) -> int | None:
        """Run ``followthru *args``: its exit code, or None when it was killed at ``kill_after`` seconds."""
        request = {"args": args, "stderr": str(stderr) if stderr else None}
        self.server.stdin.write(json.dumps(request).encode() + b"\n")
        self.server.stdin.flush()
        pid = int(self.line(timeout=60).removeprefix("started "))
        finished = self.line(timeout=kill_after)
        if finished is None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it ended that very moment; the server tells how
            finished = self.line(timeout=60)
        status = int(finished.removeprefix("ended "))
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            return None
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(timeout=30)


def warm_up() -> None:
    """Import every module of the package (and so what they import), as a busy run would."""
    import importlib
    import pkgutil

    import followthru
    import followthru.cli  # noqa: F401

    for module in pkgutil.walk_packages(followthru.__path__, "followthru."):
        if module.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:
            pass  # a backend whose optional packages are not installed


def child(args: list[str], stderr: str | None) -> None:
    """In the forked child: a new session, no terminal or pipes of the server, then the command."""
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if stderr else null, 2)
    code = 1
    try:
        from followthru.cli import main

        sys.argv = ["followthru", *args]
        main(args, prog_name="followthru")
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    warm_up()
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    replies.write(b"ready\n")
    replies.flush()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(request["args"], request["stderr"])
        replies.write(f"started {pid}\n".encode())
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(f"ended {status}\n".encode())
        replies.flush()


if __name__ == "__main__":  # not when a spawned worker process imports this file as its main module
    serve()
