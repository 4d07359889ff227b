"""Files shipped with Followthru: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_path(name: str) -> Path:
    """The path of a shipped file or folder (``templates``, ``config.example.toml``).

    A wheel carries them inside the package; a source checkout (editable install, tests) keeps them
    at the top of the repository, two levels above the package.
    """
    inside = _PACKAGE / name
    return inside if inside.exists() else _PACKAGE.parents[1] / name
