"""Reading replies compiles the vocabulary once per process: a second reading of the same
messages compiles none of the reader's regular expressions and reads no vocabulary file."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from followthru.replies import intent_lexicon, read_reply, settle_for

DATA = Path(__file__).parents[1] / "data"


def test_a_second_reading_compiles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [path.read_bytes() for path in sorted((DATA / "corpus").glob("*.eml"))]
    messages += [path.read_bytes() for path in sorted((DATA / "replies").glob("*.eml"))]
    assert len(messages) > 250
    first = [read_reply(raw, "Europe/Berlin") for raw in messages]
    for reply in first:
        settle_for(reply, reply.proposed_date)

    compiled: list[str] = []
    real_compile = re._compiler.compile  # type: ignore[attr-defined]

    def counting(pattern: object, flags: int) -> object:
        # the standard library's MIME parser compiles each multipart boundary: not ours
        caller = sys._getframe(1)
        while caller.f_back is not None and caller.f_code.co_filename.endswith(("re/__init__.py", "_compiler.py")):
            caller = caller.f_back
        if "followthru" in caller.f_code.co_filename:
            compiled.append(f"{caller.f_code.co_filename}:{caller.f_lineno}: {str(pattern)[:80]}")
        return real_compile(pattern, flags)

    monkeypatch.setattr(re._compiler, "compile", counting)  # type: ignore[attr-defined]
    monkeypatch.setattr(intent_lexicon, "_read_toml", lambda path: pytest.fail(f"{path} read again"))
    again = [read_reply(raw, "Europe/Berlin") for raw in messages]
    for reply in again:
        settle_for(reply, reply.proposed_date)
    assert compiled == []
    assert [(r.intent, r.proposed_date, r.words) for r in again] == [
        (r.intent, r.proposed_date, r.words) for r in first
    ]
