"""What went wrong, said so an operator can act on it, and how long to wait before trying again.

Shared by the loop (followthru.service), which waits after a failed pass or start, and by the pass
(followthru.daemon), which logs a failure of one input and pauses delivery while a server is away.
"""

from __future__ import annotations

import errno
import sqlite3

from followthru.place import WorkspacePaths
from followthru.postgres import DatabaseUnavailable

MIN_PAUSE_SECONDS = 5.0  # a mail server out of reach is tried again after this, then less and less often
MAX_PAUSE_SECONDS = 60.0


def explain_failure(error: BaseException, workspace: WorkspacePaths) -> str:
    """What went wrong in words an operator can act on."""
    store = workspace.store_file
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError):
        if "not a database" in text or "malformed" in text:
            return (
                f"the store {store} is damaged ({text}): stop Followthru and restore it from a backup; "
                "the plan files stay in plans/"
            )
        if "readonly" in text or "unable to open" in text:
            return (
                f"the store {store} cannot be written ({text}): check its owner, its mode and the file "
                "system, for it and its folder"
            )
        if "full" in text:
            return f"the disk holding {store} is full: free some space"
        return f"the store {store}: {text}"
    if isinstance(error, DatabaseUnavailable):
        return f"{error}: is the database server running, and are its host and port right?"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"the disk is full writing {error.filename or workspace.root}: free some space"
    if isinstance(error, OSError):
        return f"{error.filename or workspace.root}: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"
