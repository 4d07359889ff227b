"""A real, private PostgreSQL server on loopback for tests (run as root).

``PostgresServer()`` runs ``initdb`` and starts Debian's PostgreSQL server (the newest found under
/usr/lib/postgresql/*/bin, which is not on PATH) in a fresh ``tempfile.mkdtemp()`` folder. The data
folder, the server log (``<folder>/log``) and the unix socket all live there. ``initdb`` and
``postgres`` refuse to run as root, so everything touching the folder runs as the ``postgres`` system
user through ``runuser``. The server listens on 127.0.0.1 only, on a free port, with ``fsync = off``.

Authentication (pg_hba.conf): the unix socket trusts everyone; from 127.0.0.1 the ``postgres``
superuser is trusted and every other role must give its password (scram-sha-256, so a client that
ignores its password is refused). A LOGIN role ``followthru`` with a random password exists from the
start; ``new_database()`` hands out a fresh empty database it owns, under a URL without the password.

``server()`` starts one server per process on first use and stops it at interpreter exit, so tests
share a server but each takes its own database. ``restart()`` ends every open connection, the honest
way to test reconnects; ``stop()`` stops the server and removes its folder.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from support.processes import alive, tail

HOST = "127.0.0.1"
ROLE = "followthru"
SUPERUSER = "postgres"
INSTALL_ROOT = Path("/usr/lib/postgresql")
START_TIMEOUT = 30
STOP_TIMEOUT = 20
PORT_ATTEMPTS = 3

PG_HBA = f"""\
local all all trust
host  all {SUPERUSER} {HOST}/32 trust
host  all all {HOST}/32 scram-sha-256
"""


def _binaries() -> Path:
    """The bin folder of the newest PostgreSQL server installed, or a RuntimeError saying what is missing."""
    if os.geteuid() != 0:
        raise RuntimeError(
            "the PostgreSQL tests need root (they start the server as the postgres user with runuser): "
            "run them through .ci/run"
        )
    found = [path for path in INSTALL_ROOT.glob("*/bin") if (path / "initdb").is_file() and (path / "pg_ctl").is_file()]
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        found = []
    if not found or not shutil.which("runuser"):
        raise RuntimeError(
            f"the PostgreSQL tests need Debian's postgresql server ({INSTALL_ROOT}/*/bin and the postgres user), "
            "which is not installed here: .ci/run installs it"
        )
    return max(found, key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)] or [0])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server of its own in a temporary folder; see the module docstring."""

    host = HOST

    def __init__(self) -> None:
        self._bin = _binaries()
        self._password = secrets.token_urlsafe(24)
        self._names = itertools.count(1)
        self.base = Path(tempfile.mkdtemp(prefix="followthru-postgres-"))
        self.data = self.base / "data"
        self.log = self.base / "log"
        self._port = 0
        try:
            # postgres must enter and own the folder; its socket lives here, not in /var/run/postgresql.
            self.base.chmod(0o755)
            shutil.chown(self.base, SUPERUSER, SUPERUSER)
            self._as_postgres(
                "initdb", "-D", self.data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"
            )
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write("include 'followthru.conf'\n")
            (self.data / "pg_hba.conf").write_text(PG_HBA)
            self._start()
            self._create_role()
        except BaseException:
            self.stop()
            raise

    # -- what tests use ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def password(self) -> str:
        """The ``followthru`` role's password (never put in a URL, a command line or the log)."""
        return self._password

    def new_database(self, owner: str = ROLE) -> str:
        """Create a fresh empty database owned by ``owner``; returns its URL (without a password)."""
        name = f"{ROLE}_{next(self._names)}_{secrets.token_hex(4)}"
        with self._superuser() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
        return f"postgresql://{owner}@{HOST}:{self._port}/{name}"

    def superuser_url(self, dbname: str = "postgres") -> str:
        """A URL for the ``postgres`` superuser, trusted from 127.0.0.1 without a password."""
        return f"postgresql://{SUPERUSER}@{HOST}:{self._port}/{dbname}"

    def dump(self, url: str, to: Path) -> None:
        """``pg_dump -Fc`` of the database at ``url`` (as its owner), the way an operator backs it up."""
        self._client("pg_dump", "--format=custom", f"--file={to}", f"--dbname={url}")

    def restore(self, url: str, dump: Path) -> None:
        """``pg_restore --clean --if-exists`` of ``dump`` into the database at ``url``: the database as it
        was when the dump was taken."""
        self._client("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={url}", str(dump))

    def _client(self, program: str, *args: str) -> None:
        env = {**os.environ, "PGPASSWORD": self._password}
        result = subprocess.run([str(self._bin / program), *args], capture_output=True, text=True, env=env, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stderr.strip()}")

    def restart(self) -> None:
        """Restart the server (fast shutdown): every open connection ends; new ones work once this returns."""
        self._as_postgres("pg_ctl", "restart", "-D", self.data, "-l", self.log, "-m", "fast", "-w", "-t", START_TIMEOUT)

    def stop(self) -> None:
        """Stop the server (fast, else immediate, else killed) and remove its folder; safe to call twice."""
        if self.running():
            for mode in ("fast", "immediate"):
                try:
                    self._as_postgres("pg_ctl", "stop", "-D", self.data, "-m", mode, "-w", "-t", STOP_TIMEOUT)
                    break
                except (RuntimeError, subprocess.TimeoutExpired):
                    continue
            pid = self._postmaster_pid()
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + STOP_TIMEOUT
                while alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
        shutil.rmtree(self.base, ignore_errors=True)

    def running(self) -> bool:
        """Whether the server's postmaster process is alive."""
        return self._postmaster_pid() is not None

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------------------

    def _start(self) -> None:
        # The port is free when probed but may be taken before the server binds it: try another.
        for attempt in range(PORT_ATTEMPTS):
            self._port = _free_port()
            (self.data / "followthru.conf").write_text(
                f"listen_addresses = '{HOST}'\n"
                f"port = {self._port}\n"
                f"unix_socket_directories = '{self.base}'\n"
                "fsync = off\n"
            )
            try:
                self._as_postgres("pg_ctl", "start", "-D", self.data, "-l", self.log, "-w", "-t", START_TIMEOUT)
                return
            except RuntimeError:
                if attempt + 1 == PORT_ATTEMPTS or "could not bind" not in tail(self.log, 10):
                    raise

    def _create_role(self) -> None:
        with self._superuser() as conn:
            # Sent already hashed, so the password itself appears in no statement the server could log.
            verifier = conn.pgconn.encrypt_password(self._password.encode(), ROLE.encode(), b"scram-sha-256")
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(ROLE), sql.Literal(verifier.decode()))
            )

    def _superuser(self) -> psycopg.Connection[TupleRow]:
        return psycopg.connect(
            host=str(self.base), port=self._port, user=SUPERUSER, dbname="postgres", autocommit=True, connect_timeout=10
        )

    def _postmaster_pid(self) -> int | None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if alive(pid) else None

    def _as_postgres(self, program: str, *args: str | int | Path) -> None:
        command = ["runuser", "-u", SUPERUSER, "--", str(self._bin / program), *map(str, args)]
        # Files, not pipes: the postmaster that pg_ctl leaves behind must not hold our pipe open.
        with tempfile.TemporaryFile("w+") as out:
            proc = subprocess.run(
                command,
                cwd=self.base,
                env={**os.environ, "LC_ALL": "C"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=START_TIMEOUT * 2,
                check=False,
            )
            out.seek(0)
            output = out.read().strip()
        if proc.returncode:
            raise RuntimeError(
                f"{program} {' '.join(map(str, args))} exited {proc.returncode}: {output}\n"
                f"--- {self.log}\n{tail(self.log)}"
            )


_shared: PostgresServer | None = None
_owner = 0
_lock = threading.Lock()


def server() -> PostgresServer:
    """This process's shared server, started on first use and stopped at interpreter exit."""
    global _shared, _owner
    with _lock:
        if _shared is None or not _shared.running():
            if _shared is not None:
                _shared.stop()
            _shared = PostgresServer()
            if _owner != os.getpid():
                _owner = os.getpid()
                atexit.register(_stop_shared)
        return _shared


def _stop_shared() -> None:
    # A forked child that exits through atexit must not stop its parent's server.
    if _shared is not None and os.getpid() == _owner:
        _shared.stop()
