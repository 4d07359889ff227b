"""The Maildir backend's delivery: a message handed over twice is stored once, also after a mail
client has moved it to cur/ with flags; and a send never lists a folder, so its cost does not grow
with the mailbox (bench/maildir_send.py measures it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from followthru.backends.maildir import MaildirBackend

RAW = b"From: followthru@example.com\r\nTo: sam@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"


@pytest.fixture
def backend(tmp_path: Path) -> MaildirBackend:
    return MaildirBackend(tmp_path / "mail" / "outbox", tmp_path / "mail" / "inbox")


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_message_handed_over_twice_is_stored_once(backend):
    assert backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com") == []
    assert backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com") == []
    (name,) = files(backend.outbox / "new")
    assert (backend.outbox / "new" / name).read_bytes() == b"Return-Path: <followthru@example.com>\r\n" + RAW
    backend.send("<b@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    assert len(files(backend.outbox / "new")) == 2


def test_a_message_a_client_moved_to_cur_is_not_stored_again(backend):
    backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    (name,) = files(backend.outbox / "new")
    os.rename(backend.outbox / "new" / name, backend.outbox / "cur" / f"{name}:2,RS")
    backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    assert files(backend.outbox / "new") == [] and files(backend.outbox / "cur") == [f"{name}:2,RS"]


def test_a_crash_before_the_marker_still_stores_once(backend):
    backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    for marker in backend.delivered.iterdir():
        marker.unlink()  # as if the daemon died between the rename into new/ and the marker
    backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    assert len(files(backend.outbox / "new")) == 1


def test_a_send_lists_no_folder(backend, monkeypatch):
    backend.send("<warm@example.com>", ["sam@example.com"], RAW, "followthru@example.com")

    def listing(*args, **kwargs):
        raise AssertionError("a send listed a folder")

    monkeypatch.setattr(os, "scandir", listing)
    monkeypatch.setattr(os, "listdir", listing)
    monkeypatch.setattr(Path, "glob", listing)
    monkeypatch.setattr(Path, "iterdir", listing)
    backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    monkeypatch.undo()
    assert len(files(backend.outbox / "new")) == 2


def test_the_markers_are_private_and_outside_the_maildir(backend):
    backend.send("<a@example.com>", ["sam@example.com"], RAW, "followthru@example.com")
    assert backend.delivered.parent == backend.outbox.parent and backend.delivered.name == ".outbox.delivered"
    assert stat.S_IMODE(backend.delivered.stat().st_mode) == 0o700
    (marker,) = backend.delivered.iterdir()
    assert stat.S_IMODE(marker.stat().st_mode) == 0o600 and marker.stat().st_size == 0
    assert files(backend.outbox) == ["cur", "new", "tmp"]  # nothing a mail client would take for a folder
