"""Which modules a command loads: run it in a new interpreter and list ``sys.modules`` afterwards."""

from __future__ import annotations

import os
import subprocess
import sys


def loaded_by(*args: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules loaded by running the command line with ``args`` in a new interpreter, and its output."""
    probe = (
        "import sys\n"
        "from followthru.cli import main\n"
        "try:\n"
        f"    main({list(args)!r}, standalone_mode=False)\n"
        "finally:\n"
        "    print('\\0' + ' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env or os.environ.copy()
    )
    assert result.returncode == 0, result.stderr
    output, _, modules = result.stdout.rpartition("\0")
    return set(modules.split()), output


def matching(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {m for m in modules if m in names or m.startswith(tuple(name + "." for name in names))}
