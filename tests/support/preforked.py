"""Start ``followthru`` commands without paying for the interpreter's start-up each time.

Starting Python and importing the package takes about 0.4 s, longer than most commands the tests
run: the crash test kills a command a hundred times, the scenario tests run one per step.
``Preforked`` runs this file as a server process that imports the whole package once and then
forks a child per command: each child is a separate process in its own session (its worker
processes join that session's process group), with the caller's environment and working folder,
runs the command line exactly as ``python -m followthru`` does, and can be SIGKILLed like any
other. Only the start-up is shared. ``run_followthru`` is ``subprocess.run`` for ``followthru``
commands on one such server per test session.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class Preforked:
    """The client side, in the test: ``run(args, timeout)`` starts a command and either waits for it
    or SIGKILLs its process group at ``timeout`` seconds."""

    def __init__(self):
        self.server = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
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

    def run(
        self,
        args: list[str],
        kill_after: float | None = None,
        stdout: Path | None = None,
        stderr: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> int | None:
        """Run ``followthru *args``: its exit code, or None when it was killed at ``kill_after`` seconds.
        Its output goes to the files named, or nowhere; its environment is ``env`` or this process's."""
        request = {
            "args": args,
            "stdout": str(stdout) if stdout else None,
            "stderr": str(stderr) if stderr else None,
            "env": dict(os.environ if env is None else env),
            "cwd": os.getcwd(),
        }
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

    def completed(
        self, args: list[str], env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        """Like ``subprocess.run(..., capture_output=True, text=True, timeout=timeout)``."""
        with tempfile.TemporaryDirectory(prefix="followthru-output-") as folder:
            stdout, stderr = Path(folder) / "stdout", Path(folder) / "stderr"
            code = self.run(args, kill_after=timeout, stdout=stdout, stderr=stderr, env=env)
            if code is None:
                raise subprocess.TimeoutExpired(["followthru", *args], timeout)
            return subprocess.CompletedProcess(["followthru", *args], code, stdout.read_text(), stderr.read_text())

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(timeout=30)


_shared: Preforked | None = None


def run_followthru(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``followthru *args`` in a process of its own, forked from this test session's server."""
    global _shared
    if _shared is None:
        _shared = Preforked()
        atexit.register(_shared.close)
    return _shared.completed(list(args), env=env, timeout=timeout)


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


def child(request: dict) -> None:
    """In the forked child: a new session, the caller's environment and folder, the output where it
    asked, none of the server's pipes; then the command."""
    os.setsid()
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()  # a TZ of the caller's
    os.chdir(request["cwd"])
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if path else null, fd)
    args = request["args"]
    code = 1
    try:
        from followthru.cli import main

        sys.argv = ["followthru", *args]
        main(args, prog_name="followthru")
        code = 0
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            code = exit_.code or 0
        else:  # sys.exit("message"), as Python prints it
            print(exit_.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
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
            child(request)
        replies.write(f"started {pid}\n".encode())
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(f"ended {status}\n".encode())
        replies.flush()


if __name__ == "__main__":  # not when a spawned worker process imports this file as its main module
    serve()
