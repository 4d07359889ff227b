"""Benchmark: the SMTP + IMAP backend against real Postfix and Dovecot on loopback.

Starts the same mail stack as the tests (tests/support/mailstack.py; needs root and Debian's
dovecot-imapd, dovecot-lmtpd and postfix) and measures:

1. Reply-to-status latency with IDLE. ``followthru run`` runs with every poll interval at five
   minutes, so only IDLE can wake it. For each of N people: their reply is handed to Postfix; the
   clock runs until the store shows their commitment as accepted. Reported from Postfix's
   acceptance and from the moment the reply lands in the Maildir (Dovecot's delivery).
2. A tick's cost against a folder with 10,000 old messages (processed mail flagged, so they stay):
   the first sync, then ticks with nothing new, compared with ticks against an empty folder; and
   the tick that picks up one new reply in each case.

Usage: python bench/mail_servers.py [--people N] [--old N]   (defaults: 20 and 10000)
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import tomllib  # noqa: E402

import tomli_w  # noqa: E402

from followthru.config import init_workspace, load_config  # noqa: E402
from followthru.daemon import Followthru  # noqa: E402
from support.mailstack import MailStack  # noqa: E402

ME = "followthru@example.com"


def workspace(root: Path, stack: MailStack, **imap: object) -> tuple[Path, dict]:
    config = init_workspace(root)
    data = tomllib.loads(config.read_text())
    server = {"host": "localhost", "security": "starttls", "username": ME, "ca_file": str(stack.ca_file)}
    data["sender"]["email"] = ME
    data["mail"]["backend"] = "smtp-imap"
    data["mail"]["smtp"] = {**server, "port": 10587, "password_env": "BENCH_PASSWORD"}
    data["mail"]["imap"] = {**server, "port": 10143, "password_env": "BENCH_PASSWORD", "poll_seconds": 300, **imap}
    data["schedule"].update(
        business_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], send_from="00:00", send_until="23:59"
    )
    data["workspace"]["poll_seconds"] = 300
    config.write_text(tomli_w.dumps(data))
    return config, {**os.environ, "BENCH_PASSWORD": stack.users[ME]}


def plan(people: list[str]) -> str:
    now = datetime.now(timezone.utc)
    day = lambda n: (now + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
    resources = "".join(
        f'\n[[resources]]\nid = "p{i}"\nname = "Person {i}"\nemail = "{email}"\nasks = ["Help"]\ndue = {day(6)}\n'
        for i, email in enumerate(people)
    )
    return (
        f'[plan]\nid = "bench"\ntitle = "Bench"\ntimezone = "UTC"\nrespond_by = {day(3)}\n\n'
        f'[owner]\nname = "Riley Rep"\nemail = "riley@example.com"\n{resources}'
    )


def reply_to(request: EmailMessage, sender: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = request["Reply-To"]
    reply["Subject"] = "Re: " + request["Subject"]
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = request["Message-ID"]
    reply.set_content("ACCEPT\n")
    return reply.as_bytes()


def state_of(store: Path, resource: str) -> str | None:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as connection:
            row = connection.execute("SELECT state FROM commitments WHERE resource_id = ?", (resource,)).fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError:
        return None


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[max(math.ceil(0.95 * len(ms)) - 1, 0)]
    return f"median {median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"


class IdleObserver:
    """A plain IMAP client in IDLE on Followthru's INBOX: when Dovecot reports new mail to anyone."""

    def __init__(self, stack: MailStack):
        self.client = stack.imap(ME)
        self.client.select_folder("INBOX", readonly=True)
        self.noticed_at: float | None = None
        self.stopping = threading.Event()
        self.client.idle()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def arm(self) -> None:
        self.noticed_at = None

    def _watch(self) -> None:
        while not self.stopping.is_set():
            for response in self.client.idle_check(timeout=0.5):
                if isinstance(response, tuple) and b"EXISTS" in response and self.noticed_at is None:
                    self.noticed_at = time.perf_counter()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.client.idle_done()
        self.client.logout()


def latency(stack: MailStack, base: Path, count: int) -> None:
    people = [f"person{i}@example.com" for i in range(count)]
    for email in people:
        if email not in stack.users:
            stack.add_user(email, "secret-" + email)
    for email in (ME, *people):
        stack.clear(email)
    config, env = workspace(base / "latency", stack)
    (config.parent / "plans" / "incoming" / "bench.toml").write_text(plan(people))
    log = open(config.parent / "daemon.log", "w")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "followthru", "-c", str(config), "run"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    store = config.parent / "followthru.sqlite3"
    new_mail = stack.base / "mail" / ME / "new"
    from_smtp, from_delivery, idle_notice = [], [], []
    observer = IdleObserver(stack)
    try:
        for i, email in enumerate(people):
            [request] = stack.wait_for_messages(email, 1, timeout=60)
            landed = set(os.listdir(new_mail)) if new_mail.exists() else set()
            observer.arm()
            started = time.perf_counter()
            stack.send(reply_to(request, email), email, [request["Reply-To"].addresses[0].addr_spec])
            delivered = None
            while state_of(store, f"p{i}") != "accepted":
                if delivered is None and new_mail.exists() and set(os.listdir(new_mail)) - landed:
                    delivered = time.perf_counter()
                if time.perf_counter() - started > 60:
                    raise SystemExit(f"p{i} not accepted after 60 s; see {log.name}")
                time.sleep(0.002)
            done = time.perf_counter()
            from_smtp.append(done - started)
            if observer.noticed_at is not None:
                idle_notice.append(observer.noticed_at - started)
            if delivered is not None:
                from_delivery.append(done - delivered)
    finally:
        observer.stop()
        daemon.terminate()
        daemon.wait(30)
        log.close()
    print(f"reply to status, from Postfix accepting the reply:   {summary(from_smtp)}")
    if idle_notice:
        print(f"  of which Dovecot's IDLE notice (another client's view): {summary(idle_notice)}")
    if from_delivery:
        print(f"reply to status, from the reply landing in the mailbox: {summary(from_delivery)}")


def append_old_mail(stack: MailStack, count: int) -> None:
    with stack.imap(ME) as client:
        for i in range(count):
            client.append(
                "INBOX",
                (
                    f"From: someone{i % 97}@example.org\r\nTo: {ME}\r\nSubject: Old message {i}\r\n"
                    f"Message-ID: <old-{i}-{time.time_ns()}@example.org>\r\n\r\n"
                    f"Nothing to do with any plan, number {i}.\r\n"
                ).encode(),
            )


def tick_cost(stack: MailStack, base: Path, old: int) -> None:
    results = {}
    for label, count in (("empty folder", 0), (f"{old:,} old messages", old)):
        stack.clear(ME)
        if count:
            started = time.perf_counter()
            append_old_mail(stack, count)
            print(f"  (appended {count:,} messages over IMAP in {time.perf_counter() - started:.1f} s)")
        config, env = workspace(base / label.replace(" ", "-").replace(",", ""), stack, processed_folder="", idle=False)
        os.environ["BENCH_PASSWORD"] = env["BENCH_PASSWORD"]
        service = Followthru(load_config(config))
        now = datetime.now(timezone.utc)
        started = time.perf_counter()
        first = service.tick(now)
        first_sync = time.perf_counter() - started
        idle = []
        for _ in range(1000):
            started = time.perf_counter()
            service.tick(now)
            idle.append(time.perf_counter() - started)
        new_reply = []
        for extra in (1, 2):  # the first reply a process reads also loads the reply reader's tables
            stack.send(
                b"From: sam.security@example.com\r\nTo: followthru@example.com\r\nSubject: new\r\n"
                b"Message-ID: <" + str(time.time_ns()).encode() + b"@example.com>\r\n\r\nACCEPT\r\n",
                "sam.security@example.com",
                [ME],
            )
            stack.wait_for_messages(ME, count + extra)
            started = time.perf_counter()
            report = service.tick(now)
            new_reply.append((time.perf_counter() - started, report.replies))
        service.close()
        results[label] = (first_sync, first.replies, median(idle), max(idle), new_reply)
    for label, (first_sync, first_replies, idle_median, idle_max, new_reply) in results.items():
        print(
            f"{label:>20}: first sync {first_sync:.2f} s ({first_replies} messages read); "
            f"tick with nothing new: median {idle_median * 1000:.2f} ms, max {idle_max * 1000:.2f} ms; "
            "ticks with one new reply: " + ", ".join(f"{t * 1000:.1f} ms ({n} read)" for t, n in new_reply)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--old", type=int, default=10_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="followthru-bench-") as folder:
        base = Path(folder)
        os.chmod(base, 0o755)
        stack = MailStack(base / "stack")
        stack.start()
        try:
            print(f"IDLE latency, {options.people} replies one after another:")
            latency(stack, base, options.people)
            print(f'Tick cost against a folder of {options.old:,} old messages (imap.processed_folder = ""):')
            tick_cost(stack, base, options.old)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
