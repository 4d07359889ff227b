"""``followthru store copy FROM TO`` on a real workspace and a real PostgreSQL server (started by the
tests): SQLite to PostgreSQL and back with every row and value of every table, the copy working as
the store it came from (the same status and audit trail, nothing sent again, new rows after the
copied ones), a TO that is not empty refused and left as it was, a failed copy leaving nothing
half-written, a daemon at work refused, and bad input as one line with exit 2 that never shows a
password."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import followthru.store
from followthru.lock import run_lock
from followthru.postgres import PostgresConnection
from followthru.store import Store
from followthru.store_copy import CopyError, copy_store
from followthru.store_schema import MIGRATIONS
from support import postgres
from support.modules import loaded_by, matching
from support.workspace import Workspace, find, maildir_workspace, run_followthru

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "acme-q4.toml").read_text()
START = "2026-11-30T15:00:00+00:00"
LAST = "2026-12-01T15:00:00+00:00"
PASSWORD_ENV = "FOLLOWTHRU_TEST_COPY_PASSWORD"
STORE = "followthru.sqlite3"


def schema_tables() -> set[str]:
    """Every table the migrations make, read from their text (not from the code under test)."""
    return set(re.findall(r"CREATE TABLE (\w+)", "\n".join(MIGRATIONS)))


class Original:
    """A SQLite workspace at work, driven through the command line: a plan taken in, a reply, a day
    later; what status and log showed then."""

    def __init__(self, root: Path):
        self.ws = maildir_workspace(root)
        self.ws.drop_plan(EXAMPLE)
        first = self.ws.tick(START)
        self.ws.answer(find(first, "request", "sam"), "sam.security@example.com", "Yes, I commit to this.")
        self.ws.tick("2026-11-30T16:00:00+00:00")
        self.ws.tick(LAST)
        self.store = root / STORE
        self.status = self.ws.cli("status", "--json", "--now", LAST).stdout
        self.log = self.ws.cli("log").stdout


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Original:
    return Original(tmp_path_factory.mktemp("copy") / "ws")


@pytest.fixture
def password(monkeypatch) -> str:
    server = postgres.server()
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    return server.password


@pytest.fixture
def database(password) -> str:
    return postgres.server().new_database()


def copy(*args: str, config: Path | None = None):
    """``followthru [-c CONFIG] store copy ARGS`` in a process of its own."""
    return run_followthru(*(["-c", str(config)] if config else []), "store", "copy", *args)


def copied(*args: str, config: Path | None = None):
    result = copy(*args, config=config)
    assert result.returncode == 0, result.stderr + result.stdout
    return result


def refused(*args: str, code: int = 2) -> str:
    """The one line a refused copy says, after checking it is one line, the exit code and no traceback."""
    result = copy(*args)
    assert result.returncode == code, result.stderr + result.stdout
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("store copy: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def connect(target: Path | str) -> Any:
    if isinstance(target, Path):
        return sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
    return PostgresConnection(target, postgres.server().password)


def dump(target: Path | str, tables: set[str] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table of the schema, each as (column, value) pairs, in a stable order."""
    connection = connect(target)
    try:
        result = {}
        for table in sorted(tables or schema_tables()):
            cursor = connection.execute(f"SELECT * FROM {table}")
            names = [column[0] for column in cursor.description]
            rows = [tuple(zip(names, row)) for row in cursor.fetchall()]
            result[table] = sorted(rows, key=repr)
        return result
    finally:
        connection.close()


def counts_shown(output: str) -> dict[str, tuple[int, int]]:
    """The table lines of a copy's report: table -> (rows in FROM, rows in TO)."""
    found = re.findall(r"^(\w+) +([\d,]+) +([\d,]+)$", output, flags=re.M)
    return {table: (int(a.replace(",", "")), int(b.replace(",", ""))) for table, a, b in found}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- every row, both ways -----------------------------------------------------------------------------------
def test_sqlite_to_postgresql_and_back_keeps_every_row_and_value(original, database, tmp_path):
    before = digest(original.store)
    there = copied(str(original.store), database, "--to-password-env", PASSWORD_ENV)
    back = tmp_path / "back.sqlite3"
    again = copied(database, str(back), "--from-password-env", PASSWORD_ENV)

    rows = dump(original.store)
    assert dump(database) == rows and dump(back) == rows
    for report in (there.stdout, again.stdout):
        assert counts_shown(report) == {table: (len(rows[table]), len(rows[table])) for table in schema_tables()}
        assert re.search(r"^copied [\d,]+ rows of 15 tables from .* in [\d.]+ s: every count matches$", report, re.M)
    for table in ("plans", "plan_versions", "commitments", "meetings", "outbox", "inbound", "audit", "asks"):
        assert rows[table], f"the walk left {table} empty: the test shows nothing for it"
    raws = [dict(row)["raw"] for store in (database, back) for row in dump(store, {"outbox"})["outbox"]]
    assert raws and all(isinstance(raw, bytes) and b"\nSubject: " in raw for raw in raws)
    [identity] = rows["journal_state"]
    assert dict(identity)["workspace"] and dict(identity)["seq"] > 0  # the journal still matches the copy
    assert digest(original.store) == before  # FROM is only read


def fill_every_table(path: Path) -> None:
    """One more row in every table, of values of each column's type: text with what text may hold,
    bytes of every value, NULL wherever a column takes it."""
    connection = sqlite3.connect(path)
    try:
        for table in schema_tables() - {"journal_state"}:  # journal_state holds one row, id 1
            columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
            values = []
            for _, name, kind, not_null, _, _ in columns:
                if name == "id":
                    values.append(10_000)
                elif not not_null and name.endswith(("_at", "error", "file")):
                    values.append(None)
                elif "INT" in kind:
                    values.append(7)
                elif kind == "BLOB":
                    values.append(bytes(range(256)))
                elif "DOUBLE" in kind or "REAL" in kind:
                    values.append(1.5)
                else:
                    values.append(f"{table}.{name} é \u2028 😀 '\"; --")
            placeholders = ", ".join("?" * len(values))
            connection.execute(f"INSERT INTO {table} VALUES ({placeholders})", values)
        connection.commit()
    finally:
        connection.close()


def test_every_table_of_the_schema_is_copied_with_its_rows(original, database, tmp_path):
    full = tmp_path / "full.sqlite3"
    shutil.copy(original.store, full)
    fill_every_table(full)
    password = postgres.server().password
    there = copy_store(full, database, target_password=password)
    back = tmp_path / "back.sqlite3"
    copy_store(database, back, source_password=password)
    assert {counted.table for counted in there.tables} == schema_tables()
    rows = dump(full)
    assert all(rows[table] for table in schema_tables())
    assert dump(database) == rows and dump(back) == rows
    assert there.rows == sum(map(len, rows.values())) and there.not_copied == []


def test_a_table_a_later_migration_adds_is_copied_too(monkeypatch, database, tmp_path):
    later = "CREATE TABLE later_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL, body BLOB DEFAULT NULL);"
    monkeypatch.setattr(followthru.store, "MIGRATIONS", [*MIGRATIONS, later])
    source = tmp_path / "later.sqlite3"
    store = Store(source)
    store.connection.execute("INSERT INTO later_notes (id, note, body) VALUES (5, 'kept', x'00ff')")
    store.connection.execute("INSERT INTO later_notes (id, note, body) VALUES (9, 'too', NULL)")
    store.close()
    password = postgres.server().password
    result = copy_store(source, database, target_password=password)
    assert ("later_notes", 2, 2) in [(c.table, c.source, c.target) for c in result.tables]
    copy = Store(database, password)
    try:
        assert [tuple(r) for r in copy.connection.execute("SELECT * FROM later_notes ORDER BY id")] == [
            (5, "kept", b"\x00\xff"),
            (9, "too", None),
        ]
        copy.connection.execute("INSERT INTO later_notes (note) VALUES ('new')")  # its sequence is past 9
        assert copy.connection.execute("SELECT MAX(id) FROM later_notes").fetchone()[0] == 10
    finally:
        copy.close()


# -- the copy at work ---------------------------------------------------------------------------------------
def follow_next_steps(ws: Workspace, report: str, target: str) -> Path:
    """What the copy's report says to do: the config pointed at TO, the journal moved along (to the
    path it names, which is returned)."""
    setting = re.search(r"set (store = \"[^\"]+\")", report).group(1)
    assert setting == f'store = "{target}"'
    extra = f'\nstore_password_env = "{PASSWORD_ENV}"' if "://" in target else ""
    text = ws.config.read_text()
    ws.config.write_text(re.sub(r'^store = "[^"]*"$', setting + extra, text, count=1, flags=re.M))
    folder = re.search(r"mkdir -p -m 700 (\S+) && ", report)
    if folder:
        os.makedirs(folder.group(1), mode=0o700)
    moved, to = re.search(r"mv (\S+) (\S+) ", report).groups()
    os.rename(moved, to)
    return Path(to)


@pytest.mark.parametrize("way", ["postgresql", "sqlite by way of postgresql"])
def test_the_copy_works_as_the_store_it_came_from(original, database, tmp_path, way):
    shutil.copytree(original.ws.root, tmp_path / "ws")
    ws = Workspace(tmp_path / "ws")
    ws.seen = {path.name for path in (ws.root / "mail" / "outbox" / "new").iterdir()}
    report = copied(str(ws.root / STORE), database, "--to-password-env", PASSWORD_ENV, config=ws.config).stdout
    journal = follow_next_steps(ws, report, database)
    assert journal.parent == ws.root / "plans" / "journal"
    if way != "postgresql":
        back = ws.root / "back.sqlite3"
        report = copied(database, str(back), "--from-password-env", PASSWORD_ENV, config=ws.config).stdout
        journal = follow_next_steps(ws, report, str(back.resolve()))
        assert journal == ws.root / "back.sqlite3.journal"
    kept = journal.stat().st_size

    assert ws.cli("status", "--json", "--now", LAST).stdout == original.status
    assert ws.cli("log").stdout == original.log
    assert ws.tick(LAST) == []  # nothing sent again

    sol = find(ws.all_mail(), "request", "sol")
    ws.answer(sol, "sol.engineer@example.com", "Yes, I commit to this.")
    ws.tick("2026-12-01T16:00:00+00:00")  # new rows: ids after the copied ones
    assert journal.stat().st_size > kept  # the daemon writes the journal moved to it
    assert [p.name for p in ws.root.rglob("*.journal")] == [journal.name]  # and no other
    commitments = {c["resource"]: c["state"] for c in ws.status()["commitments"]}
    assert commitments["sol"] == "accepted" and commitments["sam"] == "accepted"
    log = ws.cli("log").stdout
    assert log.startswith(original.log) and len(log) > len(original.log)


# -- refusals -----------------------------------------------------------------------------------------------
def test_a_store_that_is_not_empty_is_refused_and_left_as_it_was(original, database, tmp_path):
    copied(str(original.store), database, "--to-password-env", PASSWORD_ENV)
    rows = dump(database)
    line = refused(str(original.store), database, "--to-password-env", PASSWORD_ENV)
    assert f"TO {database} is not empty: its table plans holds 1 row" in line
    assert dump(database) == rows

    existing = tmp_path / "existing.sqlite3"
    shutil.copy(original.store, existing)
    before = digest(existing)
    assert f"TO {existing} already exists" in refused(database, str(existing), "--from-password-env", PASSWORD_ENV)
    assert digest(existing) == before


def test_a_failed_copy_writes_nothing_and_may_be_run_again(original, database, tmp_path):
    broken = tmp_path / "broken.sqlite3"
    shutil.copy(original.store, broken)
    with sqlite3.connect(broken) as connection:  # PostgreSQL's text holds no NUL: refused there
        connection.execute("UPDATE audit SET event = ? WHERE id = (SELECT MAX(id) FROM audit)", ("a\x00b",))
    connection.close()
    line = refused(str(broken), database, "--to-password-env", PASSWORD_ENV, code=1)
    assert "copying audit:" in line and f"nothing was written to TO {database}" in line
    left = dump(database)
    assert left.pop("journal_state") == [(("id", 1), ("workspace", None), ("seq", 0))]  # as a new store holds it
    assert not any(left.values())

    copied(str(original.store), database, "--to-password-env", PASSWORD_ENV)  # the same TO, again
    assert dump(database) == dump(original.store)


def test_a_daemon_at_work_on_from_is_refused(original, database, tmp_path):
    source = tmp_path / STORE
    shutil.copy(original.store, source)
    lock = run_lock(source, tmp_path)
    try:
        line = refused(str(source), str(tmp_path / "to.sqlite3"), code=1)
    finally:
        lock.close()
    assert f"FROM {source}: followthru run (pid {os.getpid()}" in line and "stop it" in line
    assert not (tmp_path / "to.sqlite3").exists()

    copied(str(source), database, "--to-password-env", PASSWORD_ENV)
    daemon = PostgresConnection(database, postgres.server().password)  # connects as followthru does
    try:
        line = refused(database, str(tmp_path / "to.sqlite3"), "--from-password-env", PASSWORD_ENV, code=1)
    finally:
        daemon.close()
    assert "1 other followthru connection is open on it" in line and "stop every daemon" in line
    copied(database, str(tmp_path / "to.sqlite3"), "--from-password-env", PASSWORD_ENV)  # gone: copied


@pytest.mark.parametrize("step,says", [(-1, "older than this Followthru's"), (1, "newer than this Followthru's")])
def test_from_at_another_schema_version_is_refused_and_not_upgraded(original, tmp_path, step, says):
    source = tmp_path / "other.sqlite3"
    shutil.copy(original.store, source)
    with sqlite3.connect(source) as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + step}")
    connection.close()
    before = digest(source)
    line = refused(str(source), str(tmp_path / "to.sqlite3"))
    assert f"schema version {len(MIGRATIONS) + step}, {says} {len(MIGRATIONS)}" in line
    assert digest(source) == before and not (tmp_path / "to.sqlite3").exists()


def test_bad_input_is_one_line_with_exit_2(original, password, tmp_path, monkeypatch):
    to = str(tmp_path / "to.sqlite3")
    (tmp_path / "notes.txt").write_text("not a store\n")
    unreachable = "postgresql://followthru@127.0.0.1:1/followthru"  # nothing listens on port 1
    cases = {
        "no such file": (str(tmp_path / "missing.sqlite3"), to),
        "is not a file": (str(tmp_path), to),
        "cannot be read: file is not a database": (str(tmp_path / "notes.txt"), to),
        "is the database server running": (str(original.store), unreachable, "--to-password-env", PASSWORD_ENV),
        "password authentication failed": (
            str(original.store),
            postgres.server().new_database(),
            "--to-password-env",
            "WRONG",
        ),
        "the environment variable UNSET_VARIABLE is not set": (
            str(original.store),
            postgres.server().new_database(),
            "--to-password-env",
            "UNSET_VARIABLE",
        ),
        "neither a SQLite file nor a postgresql:// URL": ("mysql://db/followthru", to),
        "the folder": (str(original.store), str(tmp_path / "nowhere" / "to.sqlite3")),
    }
    monkeypatch.setenv("WRONG", "not-the-password")
    monkeypatch.delenv("UNSET_VARIABLE", raising=False)
    for says, args in cases.items():
        assert says in refused(*args), says
    assert not Path(to).exists()


def test_no_output_shows_the_password(original, database, password, tmp_path):
    outputs = [
        copy(str(original.store), database, "--to-password-env", PASSWORD_ENV),
        copy(str(original.store), database, "--to-password-env", PASSWORD_ENV),  # refused: not empty
        copy(database, str(tmp_path / "back.sqlite3"), "--from-password-env", PASSWORD_ENV),
        copy(database.replace("followthru@", f"followthru:{password}@"), str(tmp_path / "again.sqlite3")),
    ]
    assert [result.returncode for result in outputs] == [0, 2, 0, 2]
    assert "the URL holds a password" in outputs[3].stderr and "followthru:***@" in outputs[3].stderr
    assert not [result for result in outputs if password in result.stdout + result.stderr]
    assert not (tmp_path / "again.sqlite3").exists()


# -- what the command loads ---------------------------------------------------------------------------------
def test_a_copy_between_files_loads_no_psycopg_and_no_config_schema(original, tmp_path):
    modules, output = loaded_by("store", "copy", str(original.store), str(tmp_path / "to.sqlite3"))
    assert "every count matches" in output
    assert matching(modules, ("psycopg", "pydantic", "jinja2", "followthru.daemon", "followthru.engine")) == set()
    assert dump(tmp_path / "to.sqlite3") == dump(original.store)


def test_the_store_group_is_listed_and_explains_copy():
    modules, output = loaded_by("store", "--help")
    assert "copy" in output and matching(modules, ("psycopg", "pydantic", "followthru.store_copy")) == set()
    result = run_followthru("store", "copy", "--help")
    assert result.returncode == 0 and "--from-password-env NAME" in result.stdout
    assert "store" in run_followthru("--help").stdout


def test_copy_store_raises_one_error_for_a_refusal(tmp_path):
    with pytest.raises(CopyError) as refusal:
        copy_store(tmp_path / "missing.sqlite3", tmp_path / "to.sqlite3")
    assert refusal.value.code == 2 and str(refusal.value) == f"FROM {tmp_path / 'missing.sqlite3'}: no such file"
    assert json.dumps(str(refusal.value)).count("\\n") == 0
