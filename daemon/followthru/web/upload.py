"""Pages of the rep's board for plan files: uploading one (checked as ``followthru plan check`` and
as the daemon checks it, problems shown against the file's lines) and downloading the active
version. A checked file goes into ``plans/incoming`` under a dot-name the daemon skips and is then
renamed, so the daemon never reads half a file; one waiting there is never overwritten.

The routes are the board's (followthru.web.board's blueprint), registered when this module is imported.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import abort, request, url_for
from werkzeug.wrappers import Response

from followthru.datafile import FORMATS, Problem
from followthru.planfile import PlanResult, load_plan, owner_change, past_deadlines
from followthru.web.app import config, is_admin, now, render, store
from followthru.web.board import own_plan, pages, signed_in

SOURCE_CONTEXT = 3  # lines shown around each bad one of a long uploaded file
SOURCE_WHOLE = 400  # an uploaded file this long or shorter is shown whole


@pages.get("/upload")
def upload() -> Response:
    signed_in()
    return render("upload.html", title="Upload a plan", problems=None)


@pages.post("/upload")
def take_upload() -> Response:
    who = signed_in()
    given = request.files.get("plan")
    name = Path((given.filename or "") if given else "").name.replace("\\", "/").rpartition("/")[2]
    name = name.lstrip(".").replace("\x00", "")[:120]
    suffix = Path(name).suffix.lower()
    if given is None or suffix not in FORMATS:
        problem = Problem(name, None, "(file)", "choose a plan file ending .toml, .yaml, .yml or .json")
        return render(
            "upload.html", status=400, title="Upload a plan", problems=[problem], general=[problem], name=name
        )
    data = given.read()
    with tempfile.TemporaryDirectory(prefix="followthru-upload-") as folder:
        path = Path(folder) / name
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(data)
        result = _check_upload(path, who)
        if not result.ok:
            problems = [Problem(name, p.line, p.path, p.message.replace(str(path), name)) for p in result.problems]
            source, general = _source(data, problems)
            return render(
                "upload.html",
                status=400,
                title="Upload a plan",
                problems=problems,
                general=general,
                source=source,
                name=name,
            )
        assert result.plan is not None, "a plan read without problems"
        plan_id = result.plan.id
        target = _place(data, plan_id, suffix, path)
    if target is None:
        lines = [
            "An earlier upload of this plan is still waiting to be taken in, and this file does not name its "
            "plan.id: try again in a minute, or set plan.id in the file."
        ]
        return render("notice.html", status=409, title="Not taken yet", lines=lines, links=[])
    return render(
        "notice.html",
        title="Taken",
        lines=["Taken: the daemon starts it within seconds."],
        links=[(url_for("board.plan", plan_id=plan_id), "Open the plan")],
    )


def _check_upload(path: Path, who: str) -> PlanResult:
    """The checks of ``followthru plan check`` with the workspace, as the daemon applies them, and
    that the plan is the signed-in owner's (an admin may upload anyone's)."""
    settings = config()
    result = load_plan(path, settings.schedule.timezone, settings.mail.allowed_domains)
    if result.plan is None or result.problems:
        return result
    lines = result.lines
    where = lines.line(("owner", "email")) if lines else None
    if not is_admin(who) and result.plan.owner.email.lower() != who:
        result.problems = [
            Problem(str(path), where, "owner.email", f"you are signed in as {who}: upload plans you own")
        ]
        return result
    row = store().connection.execute("SELECT owner_email FROM plans WHERE id = ?", (result.plan.id,)).fetchone()
    if row is None:
        result.problems = past_deadlines(result, now(), settings.schedule.timezone)
    elif change := owner_change(result, row[0]):
        if not is_admin(who):  # another owner's plan: its owner's address is not for everyone
            where = lines.line(("plan", "id")) if lines else None
            change = Problem(str(path), where, "plan.id", f"the id {result.plan.id!r} is taken; choose another")
        result.problems = [change]
    return result


def _place(data: bytes, plan_id: str, suffix: str, checked: Path) -> Path | None:
    """Put a checked file into plans/incoming as ``<plan id><suffix>``: written under a dot-name the
    daemon skips, then renamed. A file waiting there is never overwritten: the new one gets a stamp
    after its id, unless its plan id is its file name (then None: it would name another plan)."""
    incoming = config().plans_dir / "incoming"
    target = incoming / f"{plan_id}{suffix}"
    if target.exists():
        if checked.stem.lower() == plan_id and not _names_its_id(checked):
            return None
        stamp_text = now().strftime("%Y%m%dT%H%M%S") + secrets.token_hex(3)
        target = incoming / f"{plan_id}.{stamp_text}{suffix}"
    handle, temporary = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=incoming)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _names_its_id(path: Path) -> bool:
    """Whether a plan file sets ``plan.id`` itself (else its id is its file name)."""
    from followthru.datafile import parse
    from followthru.plan import LIST_LIMITS

    data, _ = parse(path, "plan file", LIST_LIMITS)
    section = data.get("plan") if isinstance(data, dict) else None
    return isinstance(section, dict) and section.get("id") not in (None, "")


def _source(data: bytes, problems: list[Problem]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The uploaded file's lines, numbered, each bad line with its problems (a long file only around
    its bad lines; a line numbered None stands for lines left out), and the problems of no line."""
    lines = data.decode("utf-8", "replace").splitlines()
    bad: dict[int, list[str]] = {}
    for p in problems:
        if p.line and 1 <= p.line <= len(lines):
            bad.setdefault(p.line, []).append(f"{p.path}: {p.message}")
    if len(lines) <= SOURCE_WHOLE:
        shown = set(range(1, len(lines) + 1))
    else:
        shown = {n for line in bad for n in range(line - SOURCE_CONTEXT, line + SOURCE_CONTEXT + 1)}
    out: list[dict[str, Any]] = []
    for number in sorted(n for n in shown if 1 <= n <= len(lines)):
        if out and out[-1]["number"] != number - 1:
            out.append({"number": None, "text": "…", "problems": []})
        out.append({"number": number, "text": lines[number - 1], "problems": bad.get(number, [])})
    return out, [p for p in problems if not (p.line and 1 <= p.line <= len(lines))]


@pages.get("/plans/<plan_id>/download")
def download(plan_id: str) -> Response:
    who = signed_in()
    stored = own_plan(plan_id, who)
    active = config().plans_dir / "active"
    for suffix in FORMATS:
        path = active / f"{stored.plan.id}{suffix}"
        if path.is_file():
            response = Response(path.read_bytes(), mimetype=_MIME[FORMATS[suffix]])
            response.headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
            return response
    abort(404)


_MIME = {"toml": "application/toml", "yaml": "application/yaml", "json": "application/json"}
