"""Benchmark: a big drop at once, taken by the real daemon (``followthru run``) in bounded passes.

Two cases, each in a fresh workspace made by ``followthru init`` (Maildir + SQLite), with a send
window open at every hour so every message is delivered in the pass that makes it (the worst case):

- plans:   N plan files (3 people, a stakeholder, a meeting each) dropped into plans/incoming at once;
- replies: N replies (an ACCEPT from each person asked by N/5 running plans) dropped into
           mail/inbox/new at once.

The daemon runs with $NOTIFY_SOCKET set to a socket of ours, as under systemd: after every pass it
reports ``STATUS=last pass X s``, which is what is measured. Reported per case: passes, the longest
and the median pass, the total time from the drop to the last file taken, and files per second.

Usage: python bench/big_drop.py [N]   (default: 20000)
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]

PLAN = """\
[plan]
id = "plan-{n}"
title = "Customer {n} - expansion"
customer = "Customer {n}"
timezone = "UTC"
respond_by = 2030-12-02T17:00:00

[owner]
name = "Rep {owner}"
email = "rep{owner}@example.com"
{resources}
[[stakeholders]]
name = "Manager {owner}"
email = "manager{owner}@example.com"
updates = ["started"]

[[meetings]]
id = "check-in"
title = "Check-in {n}"
start = 2030-12-03T10:00:00
duration = "30m"
"""

RESOURCE = """
[[resources]]
id = "r{i}"
name = "Person {n}-{i}"
email = "p{n}-{i}@example.com"
role = "Engineer"
asks = ["Do part {i} of plan {n}"]
due = 2030-12-09
"""


class Daemon:
    """``followthru run`` on a workspace, with our socket as systemd's notify socket."""

    def __init__(self, config: Path, socket_path: Path):
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(str(socket_path))
        self.socket.settimeout(0.2)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "followthru", "-c", str(config), "run"],
            env={**os.environ, "NOTIFY_SOCKET": str(socket_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def passes_until(self, done, limit: float = 1800.0) -> tuple[list[float], float]:
        """Each pass's seconds, and the time until ``done()`` held after a pass."""
        started, passes = time.monotonic(), []
        while time.monotonic() - started < limit:
            try:
                datagram = self.socket.recv(4096).decode()
            except TimeoutError:
                continue
            found = re.search(r"STATUS=last pass ([0-9.]+)s", datagram)
            if found:
                passes.append(float(found.group(1)))
                if done():
                    return passes, time.monotonic() - started
        raise SystemExit(f"not done after {limit} s ({len(passes)} passes)")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.socket.close()


def workspace(directory: Path) -> Path:
    subprocess.run([sys.executable, "-m", "followthru", "init", str(directory)], check=True, capture_output=True)
    config = directory / "config.toml"
    text = config.read_text()
    text = re.sub(
        r"(?m)^business_days = .*$", 'business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]', text
    )
    text = re.sub(r"(?m)^send_from = .*$", 'send_from = "00:00"', text)
    text = re.sub(r"(?m)^send_until = .*$", 'send_until = "23:59"', text)
    config.write_text(text.replace('"followthru@localhost.localdomain"', '"followthru@example.com"'))
    return config


def drop(folder: Path, files: dict[str, bytes]) -> None:
    """Write the files aside, then move them all in: dropped at once, and settled (ready at once)."""
    aside = folder.parent / ".aside"
    aside.mkdir()
    old = time.time() - 10
    for name, content in files.items():
        (aside / name).write_bytes(content)
        os.utime(aside / name, (old, old))
    for name in files:
        os.replace(aside / name, folder / name)
    aside.rmdir()


def drop_plans(incoming: Path, count: int, people: int = 3) -> None:
    drop(
        incoming,
        {
            f"plan-{n}.toml": PLAN.format(
                n=n, owner=n % 50, resources="".join(RESOURCE.format(i=i, n=n) for i in range(people))
            ).encode()
            for n in range(count)
        },
    )


def drained(root: Path) -> bool:
    """No message waits in the outbox (read from the store while the daemon runs: WAL allows it)."""
    with sqlite3.connect(f"file:{root / 'followthru.sqlite3'}?mode=ro", uri=True) as store:
        return store.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0] == 0


def summary(case: str, count: int, passes: list[float], total: float) -> dict:
    return {
        "case": case,
        "files": count,
        "passes": len(passes),
        "longest_pass_s": round(max(passes), 2),
        "median_pass_s": round(median(passes), 2),
        "total_s": round(total, 1),
        "files_per_s": round(count / total, 1),
    }


def plans_case(base: Path, count: int) -> dict:
    config = workspace(base / "plans-ws")
    incoming = base / "plans-ws" / "plans" / "incoming"
    daemon = Daemon(config, base / "plans.sock")
    try:
        daemon.passes_until(lambda: True, limit=60)  # the first, empty pass: the daemon is up
        drop_plans(incoming, count)
        passes, total = daemon.passes_until(lambda: not any(incoming.iterdir()))
    finally:
        daemon.stop()
    return summary("plans", count, passes, total)


def replies_case(base: Path, count: int) -> dict:
    root = base / "replies-ws"
    config = workspace(root)
    incoming, inbox = root / "plans" / "incoming", root / "mail" / "inbox" / "new"
    daemon = Daemon(config, base / "replies-setup.sock")
    try:
        daemon.passes_until(lambda: True, limit=60)
        drop_plans(incoming, count // 5, people=5)  # one request per reply to come
        daemon.passes_until(lambda: not any(incoming.iterdir()) and drained(root))
    finally:
        daemon.stop()
    requests = []
    for path in (root / "mail" / "outbox" / "new").iterdir():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["X-Followthru-Kind"] == "request":
            requests.append(message)
    replies = {}
    for number, request in enumerate(requests[:count]):
        reply = EmailMessage()
        reply["From"] = request["To"]
        reply["To"] = request["Reply-To"] or request["From"]
        reply["Subject"] = "Re: " + request["Subject"]
        reply["Message-ID"] = make_msgid(domain="example.com")
        reply["In-Reply-To"] = reply["References"] = request["Message-ID"]
        reply.set_content("ACCEPT - happy to help\n")
        replies[f"{number:06d}.eml"] = reply.as_bytes()
    daemon = Daemon(config, base / "replies.sock")
    try:
        daemon.passes_until(lambda: True, limit=60)
        drop(inbox, replies)
        passes, total = daemon.passes_until(lambda: not any(inbox.iterdir()))
    finally:
        daemon.stop()
    return summary("replies", len(requests[:count]), passes, total)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as directory:
        print(json.dumps(plans_case(Path(directory), count)), flush=True)
        print(json.dumps(replies_case(Path(directory), count)), flush=True)


if __name__ == "__main__":
    main()
