"""A checked config is remembered by its bytes, so ``status`` and ``log`` need not check it again; any
change, a new version, a folder gone or a broken cache means the whole check again, errors included."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import followthru.place
from followthru.config import init_workspace, load_config
from followthru.place import Place, remember, remembered
from support.modules import loaded_by, matching


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return init_workspace(tmp_path / "ws")


def cache_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "followthru").glob("config-*.json"))


def checked(config: Path) -> Place:
    place = load_config(config).place()
    remember(config, config.read_bytes(), place)
    return place


def test_a_checked_config_is_remembered_privately_and_given_back(config, tmp_path):
    assert remembered(config) is None
    place = checked(config)
    assert place == Place(
        root=config.parent.resolve(),
        store_file=config.parent.resolve() / "followthru.sqlite3",
        plans_dir=config.parent.resolve() / "plans",
        sender_domain="localhost.localdomain",
        try_out=False,
    )
    assert remembered(config) == place
    [cache] = cache_files(tmp_path)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert json.loads(cache.read_text())["config"] == str(config.resolve())


def test_any_edit_of_the_config_means_checking_it_again(config):
    checked(config)
    config.write_text(config.read_text() + "\n# a comment changes the bytes\n")
    assert remembered(config) is None


def test_another_version_or_a_broken_cache_is_not_trusted(config, tmp_path, monkeypatch):
    checked(config)
    monkeypatch.setattr(followthru.place, "__version__", "99.0")
    assert remembered(config) is None
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    [cache] = cache_files(tmp_path)
    for broken in ("", "{", "[]", '{"version": 1}', json.dumps({**json.loads(cache.read_text()), "place": {}})):
        cache.write_text(broken)
        assert remembered(config) is None, broken


def test_a_store_folder_gone_means_checking_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = init_workspace(tmp_path / "ws")
    (tmp_path / "ws" / "data").mkdir()
    config.write_text(config.read_text().replace('store = "followthru.sqlite3"', 'store = "data/followthru.sqlite3"'))
    assert checked(config).store_file.parent.name == "data"
    (tmp_path / "ws" / "data").rmdir()
    assert remembered(config) is None


def test_a_config_changed_while_it_was_checked_is_not_remembered(config, tmp_path):
    before = config.read_bytes()
    place = load_config(config).place()
    config.write_text(config.read_text() + "\n# edited meanwhile\n")
    remember(config, before, place)
    assert cache_files(tmp_path) == []
    assert remembered(config) is None


def test_a_cache_that_cannot_be_written_costs_only_time(config, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(config))  # a file: no folder can be made in it
    checked(config)  # no error
    assert remembered(config) is None


def test_systemd_cache_directory_comes_first(config, tmp_path, monkeypatch):
    monkeypatch.setenv("CACHE_DIRECTORY", f"{tmp_path / 'systemd'}:{tmp_path / 'other'}")
    checked(config)
    assert len(list((tmp_path / "systemd").glob("config-*.json"))) == 1
    assert cache_files(tmp_path) == []


# -- through the command line ----------------------------------------------------------------------------------------
def test_status_after_a_check_loads_no_schema_and_shows_what_it_did(config, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first, output = loaded_by("-c", str(config), "status", env=env)
    assert "pydantic" in first and output.startswith("No plans yet")
    again, output_again = loaded_by("-c", str(config), "status", env=env)
    assert matching(again, ("pydantic", "followthru.config")) == set()
    assert output_again == output
    log_modules, _ = loaded_by("-c", str(config), "log", env=env)
    assert matching(log_modules, ("pydantic", "followthru.config")) == set()


def test_a_config_broken_after_it_was_remembered_is_reported_by_status(config, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    loaded_by("-c", str(config), "status", env=env)
    text = config.read_text()
    config.write_text(text.replace('send_from = "08:30"', 'send_from = "25:00"'))
    result = subprocess.run(
        [sys.executable, "-m", "followthru", "-c", str(config), "status"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2
    assert "schedule.send_from: '25:00' is not a time of day" in result.stderr


def test_what_status_shows_follows_an_edited_config(config, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    _, before = loaded_by("-c", str(config), "status", env=env)
    assert not before.startswith("Try-out")
    config.write_text(config.read_text().replace("try_out = false", "try_out = true"))
    _, after = loaded_by("-c", str(config), "status", env=env)
    assert after.startswith("Try-out workspace")


def test_a_store_password_file_others_can_read_is_warned_about(tmp_path, caplog):
    secret = tmp_path / "store-password"
    secret.write_text("s3cret-pw\n")
    place = Place(tmp_path, tmp_path / "x", tmp_path, "example.com", False, "postgresql://u@h/db", None, secret)
    secret.chmod(0o600)
    assert place.store_password() == "s3cret-pw"
    assert caplog.records == []
    secret.chmod(0o644)
    assert place.store_password() == "s3cret-pw"
    assert [r.getMessage() for r in caplog.records] == [f"{secret} can be read by other users; run: chmod 600 {secret}"]
    assert "s3cret-pw" not in caplog.text
