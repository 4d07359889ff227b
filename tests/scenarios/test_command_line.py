"""The command line on the embedded default (Maildir), with --now, one process per step: what the
whole-loop scenario (tests/scenarios/test_whole_loop.py, on every backend) leaves aside: files still being
written, deciding a counter-proposal on the command line, the status table, and many plans at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from support.workspace import EXAMPLE, find, states


def test_partial_and_hidden_files_wait(ws):
    incoming = ws.root / "plans" / "incoming"
    (incoming / ".acme-q4.toml").write_text(EXAMPLE.read_text())
    (incoming / "acme-q4.toml.part").write_text(EXAMPLE.read_text()[:100])
    ws.tick("2026-11-30T15:00:00+00:00")
    assert sorted(p.name for p in incoming.iterdir()) == [".acme-q4.toml", "acme-q4.toml.part"]
    assert not any((ws.root / "plans" / "rejected").iterdir())


def test_decide_command(ws):
    ws.drop_plan(EXAMPLE.read_text())
    started = ws.tick("2026-11-30T15:00:00+00:00")
    ws.answer(find(started, "request", "lee"), "lee.legal@example.com", "Could we do Dec 14 instead of Dec 10?")
    ws.tick("2026-11-30T16:00:00+00:00")
    if states(ws.status())["lee"] != "countered":
        pytest.fail(f"the reply was read as {ws.status()['commitments']}")
    ws.cli("decide", "acme-q4", "lee", "reject", "--now", "2026-11-30T16:30:00+00:00")
    assert states(ws.status())["lee"] == "declined"  # no backup for Lee
    refused = subprocess.run(
        [sys.executable, "-m", "followthru", "-c", str(ws.config), "decide", "acme-q4", "lee", "approve"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "no counter-proposal waiting" in refused.stderr


def test_status_table_for_people(ws):
    ws.drop_plan(EXAMPLE.read_text())
    ws.tick("2026-11-30T15:00:00+00:00")
    table = ws.cli("status").stdout
    assert "acme-q4  ACTIVE  ACME Corp - Q4 expansion" in table
    assert "sam" in table and "requested" in table and "meeting ACME Q4 expansion - review" in table


def test_many_plans_at_once_are_prepared_on_every_core(ws):
    """Past PARALLEL_FROM files, plans are read and drafted in worker processes."""
    from followthru.workers import PARALLEL_FROM

    count = PARALLEL_FROM + 4
    for n in range(count):
        ws.drop_plan(EXAMPLE.read_text().replace('id = "acme-q4"', f'id = "acme-{n}"'), f"acme-{n}.toml")
    ws.drop_plan(EXAMPLE.read_text().replace('backups = ["pat"]', 'backups = ["pet"]'), "broken.toml")
    sent = ws.tick("2026-11-30T15:00:00+00:00")
    while more := ws.tick("2026-11-30T15:00:00+00:00"):  # a pass delivers at most 600 messages
        sent += more
    requests = Counter(
        (m["X-Followthru-Plan"], m["X-Followthru-Resource"]) for m in sent if m["X-Followthru-Kind"] == "request"
    )
    assert len(requests) == count * 3 and set(requests.values()) == {1}
    # 3 requests, 2 updates and 1 invitation in 3 copies (languages and timezones) each; 1 rejection notice
    assert len(sent) == count * 8 + 1
    assert (ws.root / "plans" / "rejected" / "broken.toml").exists()
    plans = json.loads(ws.cli("status", "--json").stdout)["plans"]
    assert len(plans) == count and {p["state"] for p in plans} == {"active"}
