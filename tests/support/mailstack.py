"""A real mail stack on loopback for integration tests (run as root).

Dovecot runs from its own config in a base directory; Postfix is the system one, configured in
/etc/postfix with ``postconf`` (it is global, so the setup is idempotent). Everything listens on
127.0.0.1 only:

    25     SMTP (Postfix), no AUTH needed from 127.0.0.0/8, STARTTLS offered
    10587  submission (Postfix), STARTTLS and SASL AUTH (via Dovecot) required
    10465  submissions (Postfix), implicit TLS, SASL AUTH required
    10143  IMAP (Dovecot), STARTTLS offered, plain-text login allowed
    10993  IMAPS (Dovecot), implicit TLS
    10024  LMTP (Dovecot); Postfix delivers example.com and example.test here

Dovecot stores Maildirs under ``<base>/mail/<email>`` as the ``mail`` user and strips ``+detail``
from recipients. Postfix has no recipient maps, so an unknown user is accepted at SMTP time,
refused by LMTP, and bounced (multipart/report) to the envelope sender. At RCPT time
``tempfail@example.com`` gets 451 and ``refused@example.com`` gets 550 on all three SMTP ports;
at MAIL FROM, ``blocked.sender@example.com`` gets 553.
Certificates for ``localhost``/127.0.0.1 come from a throwaway CA in ``ca_file``. The ports and
/etc/postfix are machine-wide, so ``start()`` waits on a lock file while another stack runs.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import signal
import smtplib
import socket
import stat
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import IO

import imapclient
from imapclient.exceptions import IMAPClientError

from support.processes import alive, tail

HOST = "127.0.0.1"
SMTP_PORT, SUBMISSION_PORT, SMTPS_PORT = 25, 10587, 10465
IMAP_PORT, IMAPS_PORT, LMTP_PORT = 10143, 10993, 10024
DOMAIN = "example.com"
LOCALPARTS = (
    "followthru",
    "riley",
    "sam.security",
    "lee.legal",
    "sol.engineer",
    "pat.backup",
    "kim.standby",
    "morgan.manager",
    "casey.csm",
)
POSTFIX_CONFIG = Path("/etc/postfix")
POSTFIX_SPOOL = Path("/var/spool/postfix")
QUEUES = ("maildrop", "incoming", "active", "deferred", "hold")
AUTH_SOCKET = POSTFIX_SPOOL / "private" / "auth"
LOCK_FILE = Path(tempfile.gettempdir()) / "followthru-mailstack.lock"
START_TIMEOUT = 20.0
LOCK_TIMEOUT = 600.0

DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap lmtp
listen = {host}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
mail_location = maildir:{base}/mail/%u
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
default_login_user = dovenull
default_internal_user = dovecot
recipient_delimiter = +
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={base}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp}
  }}
}}
# Documented way to turn off the auth penalty (up to 15 s per login from an IP after failed
# logins): auth cannot reach anvil's penalty socket. Tests log in with wrong passwords on purpose.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  unix_listener {auth_socket} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""

SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _run(*cmd: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    # A file, not a pipe: daemons (dovecot, postfix's master) keep inherited pipes open for
    # good, so reading a pipe to EOF would never return.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run(
            [str(c) for c in cmd], stdin=subprocess.DEVNULL, stdout=out, stderr=err, text=True, timeout=60, check=False
        )
        out.seek(0), err.seek(0)
        proc.stdout, proc.stderr = out.read(), err.read()
    if check and proc.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode}: {(proc.stderr + proc.stdout).strip()}")
    return proc


def _port_open(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=0.5).close()
        return True
    except OSError:
        return False


class MailStack:
    """Dovecot + Postfix on loopback; see the module docstring for ports and behaviour."""

    host = HOST
    smtp_port, submission_port, smtps_port = SMTP_PORT, SUBMISSION_PORT, SMTPS_PORT
    imap_port, imaps_port, lmtp_port = IMAP_PORT, IMAPS_PORT, LMTP_PORT

    def __init__(self, base: Path) -> None:
        self.base = Path(base).resolve()
        self.ca_file = self.base / "tls" / "ca.pem"
        self.cert_file = self.base / "tls" / "server.pem"
        self.key_file = self.base / "tls" / "server.key"
        self.dovecot_conf = self.base / "dovecot.conf"
        self.dovecot_log = self.base / "dovecot.log"
        self.postfix_log = self.base / "postfix.log"
        self.passwd_file = self.base / "users"
        self.access_map = self.base / "recipient_access"
        self.sender_map = self.base / "sender_access"
        self.users: dict[str, str] = {f"{name}@{DOMAIN}": f"secret-{name}" for name in LOCALPARTS}
        self._lock: IO[str] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Configure and start Dovecot and Postfix; no-op for parts already running."""
        if self._lock is None:
            self._acquire_lock()
            self._setup()  # again after a stop(): another stack may have rewritten /etc/postfix
        self.start_imap()
        self.start_smtp()

    def stop(self) -> None:
        self.stop_smtp()
        self.stop_imap()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def start_imap(self) -> None:
        if self._dovecot_pid() is None:
            _run("dovecot", "-c", self.dovecot_conf)
        self._wait_ports([IMAP_PORT, IMAPS_PORT, LMTP_PORT], up=True)

    def stop_imap(self) -> None:
        pid = self._dovecot_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            self._wait(lambda: not alive(pid), f"dovecot (pid {pid}) to exit")
        # A real restart ends every session: the master's children (imap, imap-login...) may outlive it.
        for child in _dovecot_children():
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._wait(lambda: not any(alive(p) for p in _dovecot_children()), "dovecot's processes to exit")
        self._wait_ports([IMAP_PORT, IMAPS_PORT, LMTP_PORT], up=False)

    def start_smtp(self) -> None:
        if not self._postfix_running():
            _run("postfix", "start")
        self._wait_ports([SMTP_PORT, SUBMISSION_PORT, SMTPS_PORT], up=True)

    def stop_smtp(self) -> None:
        if self._postfix_running():
            _run("postfix", "stop")
        self._wait_ports([SMTP_PORT, SUBMISSION_PORT, SMTPS_PORT], up=False)

    def flush_queue(self, check: bool = True) -> None:
        _run("postqueue", "-f", check=check)

    def queue_empty(self) -> bool:
        """True when Postfix holds no mail (read from the spool, so it works while stopped)."""
        return not any(path.is_file() for queue in QUEUES for path in (POSTFIX_SPOOL / queue).rglob("*"))

    def add_user(self, email: str, password: str) -> None:
        """Add a mailbox user; Dovecot notices the changed passwd-file on the next lookup."""
        self.users[email] = password
        with self.passwd_file.open("a") as handle:
            handle.write(f"{email}:{{PLAIN}}{password}\n")

    # -- helpers for tests -------------------------------------------------------------------

    def imap(self, email: str) -> imapclient.IMAPClient:
        """An IMAPClient logged in as ``email`` over plain IMAP on 10143."""
        client = imapclient.IMAPClient(HOST, port=IMAP_PORT, ssl=False, timeout=10)
        client.login(email, self.users[email])
        return client

    def messages(self, email: str, folder: str = "INBOX") -> list[EmailMessage]:
        """Every message in ``folder``, oldest first, with LF line endings."""
        with self.imap(email) as client:
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
        parser = BytesParser(policy=default_policy)
        # IMAP sends CRLF, which the parser would keep inside bodies; tests compare with "\n".
        return [parser.parsebytes(fetched[uid][b"BODY[]"].replace(b"\r\n", b"\n")) for uid in sorted(fetched)]

    def wait_for_messages(
        self, email: str, count: int, folder: str = "INBOX", timeout: float = 20
    ) -> list[EmailMessage]:
        """Poll until ``folder`` holds at least ``count`` messages, flushing Postfix's queue."""
        deadline = time.monotonic() + timeout
        next_flush = 0.0
        found: list[EmailMessage] = []
        error: Exception | None = None
        while True:
            try:
                found, error = self.messages(email, folder), None
            except IMAPClientError as exc:  # e.g. the folder does not exist yet
                found, error = [], exc
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{email}/{folder}: {len(found)} of {count} messages after {timeout} s"
                    f"{f' (last IMAP error: {error})' if error else ''}; "
                    f"queue: {_run('postqueue', '-p', check=False).stdout.strip()}\n"
                    f"postfix log:\n{tail(self.postfix_log, 15)}"
                )
            if time.monotonic() >= next_flush:
                self.flush_queue(check=False)
                next_flush = time.monotonic() + 1
            time.sleep(0.2)

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> dict:
        """Submit over plain SMTP on port 25; returns smtplib's refused-recipients dict."""
        with smtplib.SMTP(HOST, SMTP_PORT, local_hostname="localhost", timeout=10) as smtp:
            return smtp.sendmail(sender, recipients, raw)

    def clear(self, email: str) -> None:
        """Delete every message in every folder of ``email``."""
        with self.imap(email) as client:
            for flags, _delimiter, name in client.list_folders():
                if b"\\Noselect" in flags:
                    continue
                client.select_folder(name)
                uids = client.search("ALL")
                if uids:
                    client.delete_messages(uids)
                    client.expunge()

    # -- internals ---------------------------------------------------------------------------

    def _acquire_lock(self) -> None:
        # /etc/postfix and the ports are machine-wide: a second stack (another pytest run on
        # this machine) waits for the first to stop instead of breaking it.
        handle = LOCK_FILE.open("a+")
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise RuntimeError(f"another MailStack held {LOCK_FILE} for {LOCK_TIMEOUT:.0f} s") from None
                time.sleep(0.5)
        self._lock = handle

    def _setup(self) -> None:
        # Holding the lock, no other stack runs: a Dovecot still here was left by a test run that
        # was killed, and would answer on our ports with its own users.
        for pid in _dovecot_children(masters=True):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for path in (self.base / "tls", self.base / "state", self.base / "mail"):
            path.mkdir(parents=True, exist_ok=True)
        # pytest's basetemp is 0700; Dovecot's processes (mail, dovecot, dovenull) and Postfix's
        # must be able to reach files below it.
        for directory in (self.base, *self.base.parents):
            mode = directory.stat().st_mode
            if not mode & stat.S_IXOTH:
                directory.chmod(mode | stat.S_IXOTH)
        shutil.chown(self.base / "mail", "mail", "mail")
        self._make_certificates()
        self.passwd_file.write_text("".join(f"{email}:{{PLAIN}}{password}\n" for email, password in self.users.items()))
        self.passwd_file.chmod(0o644)
        self.dovecot_conf.write_text(
            DOVECOT_CONF.format(
                base=self.base,
                host=HOST,
                cert=self.cert_file,
                key=self.key_file,
                imap=IMAP_PORT,
                imaps=IMAPS_PORT,
                lmtp=LMTP_PORT,
                auth_socket=AUTH_SOCKET,
            )
        )
        self.access_map.write_text(
            f"tempfail@{DOMAIN} 451 4.3.0 Try again later\nrefused@{DOMAIN} 550 5.1.1 No such user here\n"
        )
        self.sender_map.write_text(f"blocked.sender@{DOMAIN} 553 5.7.1 Sender refused by policy\n")
        # A Postfix left running (by an earlier session) must pick up this configuration.
        if self._postfix_running():
            _run("postfix", "stop")
            self._wait(lambda: not self._postfix_running(), "the old postfix to stop")
        self._configure_postfix()
        # Mail left by an earlier session would confuse tests. Postfix is stopped here, so its queue
        # files can go directly (postsuper would log to a maillog_file it may not be allowed to open).
        for queue in QUEUES + ("bounce", "defer", "trace", "flush"):
            for path in (POSTFIX_SPOOL / queue).glob("*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def _make_certificates(self) -> None:
        tls = self.base / "tls"
        ext = tls / "server.ext"
        ext.write_text(SERVER_EXTENSIONS)
        _run(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-keyout",
            tls / "ca.key",
            "-out",
            self.ca_file,
            "-subj",
            "/CN=followthru test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        )
        _run(
            "openssl",
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            self.key_file,
            "-out",
            tls / "server.csr",
            "-subj",
            "/CN=localhost",
        )
        _run(
            "openssl",
            "x509",
            "-req",
            "-in",
            tls / "server.csr",
            "-CA",
            self.ca_file,
            "-CAkey",
            tls / "ca.key",
            "-set_serial",
            str(secrets.randbits(63)),
            "-days",
            "3650",
            "-extfile",
            ext,
            "-out",
            self.cert_file,
        )

    def _configure_postfix(self) -> None:
        # Debian chroots most services into /var/spool/postfix, which its init script (not run
        # here) would populate; without a chroot nothing needs copying. Queried before any edit:
        # postconf takes 2 s to read a main.cf written within the last second.
        chrooted = [
            line.split(" = ")[0]
            for line in _run("postconf", "-F", "*/*/chroot").stdout.splitlines()
            if line.endswith("= y")
        ]
        access = f"texthash:{self.access_map}"
        _run(
            "postconf",
            "-e",
            *(
                f"{name} = {value}"
                for name, value in {
                    "maillog_file": self.postfix_log,
                    "maillog_file_prefixes": f"/var, /dev/stdout, {self.base}",
                    "inet_interfaces": "loopback-only",
                    "inet_protocols": "ipv4",
                    "mydestination": "",
                    "myhostname": "mail.example.com",
                    "virtual_mailbox_domains": "example.com example.test",
                    "virtual_transport": f"lmtp:inet:{HOST}:{LMTP_PORT}",
                    # Nothing leaves the machine: other domains bounce at once instead of queueing.
                    "default_transport": "error:outside the test domains",
                    "mynetworks": "127.0.0.0/8",
                    "smtpd_relay_restrictions": (
                        "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
                    ),
                    "smtpd_recipient_restrictions": f"check_recipient_access {access}, permit",
                    "smtpd_sender_restrictions": f"check_sender_access texthash:{self.sender_map}",
                    "smtpd_tls_cert_file": self.cert_file,
                    "smtpd_tls_key_file": self.key_file,
                    "smtpd_tls_security_level": "may",
                    "queue_run_delay": "1s",
                    "minimal_backoff_time": "1s",
                    "maximal_backoff_time": "2s",
                    "maximal_queue_lifetime": "1h",
                    "bounce_queue_lifetime": "1h",
                    # Postfix sleeps after each rejection and slows arrivals by default; tests need neither.
                    "smtpd_error_sleep_time": "0",
                    "in_flow_delay": "0",
                }.items()
            ),
        )
        sasl = {
            "smtpd_sasl_auth_enable": "yes",
            "smtpd_sasl_type": "dovecot",
            "smtpd_sasl_path": "private/auth",
            "smtpd_relay_restrictions": "permit_sasl_authenticated,reject",
            "smtpd_recipient_restrictions": f"check_recipient_access,{access},permit_sasl_authenticated,reject",
        }
        services = {
            str(SUBMISSION_PORT): {"syslog_name": "postfix/submission", "smtpd_tls_security_level": "encrypt", **sasl},
            str(SMTPS_PORT): {"syslog_name": "postfix/submissions", "smtpd_tls_wrappermode": "yes", **sasl},
        }
        # -M replaces a whole entry (with its -o lines), so reruns add nothing.
        _run("postconf", "-M", *(f"{name}/inet={name} inet n - n - - smtpd" for name in services))
        _run(
            "postconf",
            "-P",
            *(
                f"{name}/inet/{option}={value}"
                for name, options in services.items()
                for option, value in options.items()
            ),
        )
        if chrooted:
            _run("postconf", "-F", *(f"{field}=n" for field in chrooted))
        # Postfix re-reads (after sleeping 2 s) any main.cf or texthash file modified within the
        # last second, in case it is half-written; these are complete, so make them look older.
        past = time.time() - 10
        for path in (POSTFIX_CONFIG / "main.cf", self.access_map, self.sender_map):
            os.utime(path, (past, past))

    def _dovecot_pid(self) -> int | None:
        try:
            pid = int((self.base / "run" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if alive(pid) else None

    @staticmethod
    def _postfix_running() -> bool:
        return _run("postfix", "status", check=False).returncode == 0

    def _wait_ports(self, ports: list[int], up: bool) -> None:
        state = "accept connections" if up else "close"
        self._wait(lambda: all(_port_open(p) == up for p in ports), f"ports {', '.join(map(str, ports))} to {state}")

    def _wait(self, condition, what: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"timed out after {timeout:.0f} s waiting for {what}\n"
                    f"--- {self.dovecot_log}\n{tail(self.dovecot_log)}\n"
                    f"--- {self.postfix_log}\n{tail(self.postfix_log)}"
                )
            time.sleep(0.1)


def _dovecot_children(masters: bool = False) -> list[int]:
    """Dovecot's service processes (and, with ``masters``, any Dovecot master too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            program = command.split(b"\0", 1)[0]
            if command.startswith(b"dovecot/") or (masters and program.endswith(b"/dovecot")):
                found.append(int(entry.name))
    return found
