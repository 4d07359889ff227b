"""The journals of a workspace on PostgreSQL (followthru.journal.Journals): one file per host in
plans/journal/, numbered by the store, read together in order; an entry two files hold is read once."""

from __future__ import annotations

import logging

from followthru.journal import Journal, Journals


def entry(seq: int, rid: str, kind: str = "seen") -> dict:
    return {"seq": seq, "rid": rid, "type": kind, "at": "2026-11-30T15:00:00+00:00"}


def test_entries_of_several_hosts_are_read_in_the_stores_order(tmp_path):
    folder = tmp_path / "journal"
    folder.mkdir()
    first = Journals.open(folder / "alpha.journal", "ws", 0)
    first.append([entry(1, "a"), entry(2, "b")])
    second = Journals.open(folder / "beta.journal", "ws", 2)
    second.append([entry(3, "c")])
    first.append([entry(4, "d")])
    # A daemon on beta killed after appending 5 and 6, before its commit; alpha numbers them again.
    second.append([entry(5, "e"), entry(6, "f")])
    first.append([entry(5, "e"), entry(6, "f"), entry(7, "g")])

    for journals in (first, second):
        assert journals.reach == 7
        assert [(e["seq"], e["rid"]) for e in journals.since(0)] == [
            (1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e"), (6, "f"), (7, "g")
        ]  # fmt: skip
        assert [e["rid"] for e in journals.since(4)] == ["e", "f", "g"]
    assert journals.since(7) == []
    assert (first.last_seq, second.last_seq) == (7, 6)  # each host appends after its own last entry


def test_a_host_joining_a_busy_workspace_starts_its_journal_without_a_warning(tmp_path, caplog):
    folder = tmp_path / "journal"
    folder.mkdir()
    Journals.open(folder / "alpha.journal", "ws", 0).append([entry(n, f"r{n}") for n in range(1, 41)])
    with caplog.at_level(logging.WARNING):
        joining = Journals.open(folder / "beta.journal", "ws", 40)
    assert caplog.records == []
    assert (folder / "beta.journal").stat().st_mode & 0o777 == 0o600
    assert joining.reach == 40 and joining.last_seq == 40  # its header starts after the store


def test_a_store_older_than_every_journal_is_told_what_is_gone(tmp_path, caplog):
    folder = tmp_path / "journal"
    folder.mkdir()
    alone = Journal.open(folder / "alpha.journal", "ws", 10)
    alone.append([entry(11, "k"), entry(12, "l")])
    with caplog.at_level(logging.WARNING):
        found = Journals.open(folder / "alpha.journal", "ws", 12).since(5)
    assert [e["rid"] for e in found] == ["k", "l"]
    assert "entries 6 to 10 are gone" in caplog.text
