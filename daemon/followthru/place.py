"""Where a workspace keeps its store and plans, as its checked config says: all that the read-only
commands (``status``, ``log``) need, without loading the config's schema.

Checking ``config.toml`` loads pydantic and builds the config's models, about 70 ms: half of what a
quick command may take. So a config that passed is remembered: its :class:`Place`, the SHA-256 of
the file's bytes and the version of Followthru that checked it, in a small JSON file in the user's
cache folder (systemd's ``$CACHE_DIRECTORY``, else ``$XDG_CACHE_HOME/followthru``, else
``~/.cache/followthru``). :func:`remembered` gives the Place back only while all three still match
and the store's folder is still there; anything else (an edited config, a new version, a folder
gone, a cache that cannot be read or written) means the whole check again, with its errors.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from followthru import __version__


class WorkspacePaths(Protocol):
    """What finding, judging and opening a workspace's store needs: a :class:`Place` or a whole Config.

    ``store_file`` is the SQLite file, or for a PostgreSQL store (``store_url``) the name beside which
    the daemon keeps its local files (the journal, the locks) in the config's folder."""

    @property
    def root(self) -> Path: ...

    @property
    def store_file(self) -> Path: ...

    @property
    def store_url(self) -> str | None: ...

    @property
    def plans_dir(self) -> Path: ...

    def store_password(self) -> str | None: ...


@dataclass(frozen=True)
class Place:
    """A workspace's folder, store file and plans folder (absolute, or relative to the current folder
    as the config's own folder was given), its sender's domain and whether it is a try-out one."""

    root: Path
    store_file: Path
    plans_dir: Path
    sender_domain: str
    try_out: bool
    store_url: str | None = None
    store_password_env: str | None = None
    store_password_file: Path | None = None

    def store_password(self) -> str | None:
        """The PostgreSQL store's password from ``workspace.store_password_env``, else from the file
        ``workspace.store_password_file``; None leaves it to libpq (``PGPASSWORD``, ``~/.pgpass``).
        LookupError, in one line saying what to set, when the one named is not there."""
        if self.store_password_env:
            value = os.environ.get(self.store_password_env)
            if value:
                return value
            if not self.store_password_file:
                raise LookupError(
                    f"workspace.store_password: the environment variable {self.store_password_env} is not set"
                )
        if self.store_password_file:
            try:
                value = self.store_password_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as error:
                reason = error.strerror if isinstance(error, OSError) else "not text"
                raise LookupError(
                    f"workspace.store_password_file: cannot read {self.store_password_file}: {reason}"
                ) from None
            if not value:
                raise LookupError(f"workspace.store_password_file: {self.store_password_file} is empty")
            if self.store_password_file.stat().st_mode & 0o077:  # as for every other secret's file
                import logging  # only then: status and log start without it

                logging.getLogger(__name__).warning(
                    "%s can be read by other users; run: chmod 600 %s",
                    self.store_password_file,
                    self.store_password_file,
                )
            return value
        return None


def remembered(config_file: Path) -> Place | None:
    """The Place a check of ``config_file`` found, when the file has not changed since; else None."""
    try:
        content = config_file.read_bytes()
        saved = json.loads(_cache_file(config_file).read_text(encoding="utf-8"))
        if saved["version"] != __version__ or saved["sha256"] != hashlib.sha256(content).hexdigest():
            return None
        place = saved["place"]
        found = Place(
            root=Path(place["root"]),
            store_file=Path(place["store_file"]),
            plans_dir=Path(place["plans_dir"]),
            sender_domain=str(place["sender_domain"]),
            try_out=place["try_out"] is True,
            store_url=_text(place["store_url"]),
            store_password_env=_text(place["store_password_env"]),
            store_password_file=Path(place["store_password_file"]) if place["store_password_file"] else None,
        )
    except (OSError, RuntimeError, ValueError, KeyError, TypeError):
        return None
    return found if found.store_file.parent.is_dir() else None  # a folder gone: the check says so


def remember(config_file: Path, checked: bytes, place: Place) -> None:
    """Keep ``place``, found by checking the bytes ``checked``, for :func:`remembered`; nothing when the
    file holds other bytes now (changed while it was checked) or the cache folder cannot be written."""
    try:
        if config_file.read_bytes() != checked:
            return
        cache = _cache_file(config_file)
        cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        record = {
            "config": str(config_file.resolve()),
            "version": __version__,
            "sha256": hashlib.sha256(checked).hexdigest(),
            "place": {name: str(value) if isinstance(value, Path) else value for name, value in asdict(place).items()},
        }
        temporary = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.replace(temporary, cache)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to find ~/.cache in
        pass  # only speed is lost: the next command checks the config again


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{value!r} is not text")


def _cache_file(config_file: Path) -> Path:
    """One file per config file (by its absolute path) in the cache folder."""
    systemd = os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
    if systemd:
        folder = Path(systemd)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "followthru"
    key = hashlib.sha256(str(config_file.resolve()).encode()).hexdigest()[:24]
    return folder / f"config-{key}.json"
