"""The plan folders: which dropped files are ready, and moving them to active/, archive/ or rejected/.

Partial files are never read: hidden files, editor and download leftovers (``.tmp``, ``.part``,
``~``...) and files changed within the last ``settle`` seconds wait. Files are moved with
``os.replace`` (atomic on one file system); nothing is ever deleted.
"""

from __future__ import annotations

import heapq
import logging
import os
import stat
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from followthru.datafile import FORMATS

if TYPE_CHECKING:
    from watchdog.events import FileSystemEvent

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".swp", ".swx", ".crdownload", ".download", "~")


PLAN_FOLDERS = ("incoming", "active", "rejected", "archive")


def plan_folders(plans: Path) -> dict[str, Path]:
    """The plan folders by name, made where missing."""
    folders = {name: plans / name for name in PLAN_FOLDERS}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return folders


class Ready(NamedTuple):
    """What :func:`ready_files` found: the files to take now, oldest first; seconds until the next
    still-settling file is ready (None when none settles); how many ready files were left for later."""

    files: list[Path]
    wait: float | None
    left: int


def ready_files(incoming: Path, settle: float = 1.0, limit: int | None = None) -> Ready:
    """The files in ``incoming`` ready to read, at most ``limit`` of them, the oldest first (by
    modification time, then name), so a big drop is taken over several passes and no file waits
    behind newer ones. Listing costs one ``stat`` per file, whatever ``limit`` is."""
    ready: list[tuple[float, str]] = []
    wait: float | None = None
    clock = time.time()
    with os.scandir(incoming) as scan:
        for entry in scan:
            name = entry.name
            if name.startswith((".", "#")) or name.endswith(PARTIAL_SUFFIXES) or name.endswith(".errors.txt"):
                continue
            if not (entry.is_file(follow_symlinks=False) or entry.is_symlink()):
                continue  # a folder: not ours to touch
            try:
                modified = entry.stat(follow_symlinks=False).st_mtime
            except OSError:  # gone since the folder was listed (a sync client's temporary file)
                continue
            age = clock - modified
            if -settle < age < settle:  # written just now: perhaps still being written
                wait = min(wait if wait is not None else settle, settle - age)
                continue
            # Older, or further in the future than a write in progress can be: the file comes from a
            # clock that is ahead (a file server, a restored copy) and waiting for it would never end.
            ready.append((modified, entry.path))
    chosen = sorted(ready) if limit is None or len(ready) <= limit else heapq.nsmallest(limit, ready)
    files = []
    for _, text in chosen:
        path = Path(text)
        if not _is_utf8(path.name):
            renamed = _utf8_name(path)
            if renamed is None:
                continue
            path = renamed
        files.append(path)
    return Ready(files, wait, len(ready) - len(chosen))


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utf8_name(path: Path) -> Path | None:
    """Rename a file whose name is not UTF-8 (its bytes read as lone surrogates, which no log line,
    error file or email can hold) to the same name with those bytes written as ``\\xff``; None
    when that fails (the file then waits)."""
    name = os.fsencode(path.name).decode("utf-8", "backslashreplace")
    target = _free_name(path.parent, name)
    try:
        os.replace(path, target)
    except OSError as error:
        log.warning("cannot rename %r to a UTF-8 name: %s", path.name, error)
        return None
    log.warning("renamed %r to %s: file names are read as UTF-8", path.name, target.name)
    return target


def is_plan_file(path: Path) -> bool:
    return path.suffix.lower() in FORMATS


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or with a time stamp when that exists already: never overwrite."""
    target = folder / name
    if not target.exists():
        return target
    stem, dot, suffix = name.partition(".")
    moment = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{stem}.{moment}{dot}{suffix}"


def _private(path: Path) -> None:
    """Take group and other permissions off a file moved into the workspace: a plan names people
    and deals, and the rep's umask made it readable by everyone. A file we do not own stays as it
    is (the folders around it are private anyway)."""
    try:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            os.chmod(path, stat.S_IMODE(mode) & 0o700)
    except OSError as error:
        log.warning("cannot make %s private: %s", path, error.strerror or error)


def claim(path: Path, folders: dict[str, Path], plan_id: str) -> Path:
    """Move a valid plan into ``active/<id><ext>``, readable by the owner only; the version it
    replaces goes to ``archive/``."""
    for suffix in set(FORMATS):
        earlier = folders["active"] / f"{plan_id}{suffix}"
        if earlier.exists():
            archived = _free_name(folders["archive"], earlier.name)
            os.replace(earlier, archived)
            _private(archived)
    target = folders["active"] / f"{plan_id}{path.suffix.lower()}"
    os.replace(path, target)
    _private(target)
    return target


def reject(path: Path, folders: dict[str, Path], problems: list[str]) -> Path:
    """Move an invalid file to ``rejected/``, readable by the owner only, with ``<name>.errors.txt``
    beside it."""
    target = _free_name(folders["rejected"], path.name)
    errors = target.with_name(target.name + ".errors.txt")
    lines = [p.replace(str(path), target.name, 1) for p in problems]
    # backslashreplace: a file name that is not UTF-8 (read as lone surrogates) must not stop the move
    errors.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="backslashreplace")
    os.replace(path, target)
    _private(target)
    return target


class Wakeup:
    """Wakes the daemon when files appear in the watched folders (inotify through watchdog), when a
    backend calls :meth:`set`, and otherwise every ``poll_seconds``: network shares often send no events."""

    def __init__(self, folders: list[Path], poll_seconds: float):
        self.poll_seconds = poll_seconds
        self.event = threading.Event()
        self.observer = None
        try:
            from watchdog.observers import Observer

            observer = Observer()
            observer.start()
            self.observer = observer
        except Exception as error:  # no inotify (limits, odd file systems): polling still works
            log.warning("file events unavailable (%s); polling every %ss", error, poll_seconds)
        for folder in folders:
            self.watch_folder(folder)

    def watch_folder(self, folder: Path | str) -> None:
        """Wake on any change in ``folder`` too."""
        if self.observer is None:
            return
        from watchdog.events import FileSystemEventHandler

        wakeup = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                wakeup.event.set()

        try:
            self.observer.schedule(Handler(), str(folder), recursive=False)
        except Exception as error:
            log.warning("cannot watch %s (%s); polling every %ss", folder, error, self.poll_seconds)

    def wait(self, seconds: float | None = None) -> None:
        self.event.wait(self.poll_seconds if seconds is None else min(seconds, self.poll_seconds))
        self.event.clear()

    def set(self) -> None:
        self.event.set()

    def stop(self) -> None:
        self.event.set()
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
