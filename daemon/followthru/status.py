"""What ``status`` and ``log`` show, read straight from the store.

A read-only query: it opens no mail or calendar backend, reads no secret and writes nothing. Stored
plans are not validated again: intake validated each one, and the store holds the validated
document, so only the few fields shown are taken from it (by SQLite, which is much faster at it than
loading 10,000 documents into the plan model); the title is the copy stored beside it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from json.encoder import encode_basestring_ascii as _string  # what json.dumps writes text with
from typing import TYPE_CHECKING, Any

from followthru.uids import event_uid, meeting_key

if TYPE_CHECKING:
    from followthru.place import WorkspacePaths
    from followthru.postgres import PostgresConnection

    Reader = sqlite3.Connection | PostgresConnection  # a store opened by open_read_only

PLANS = """
    SELECT id, version, state, attention, title,
        (SELECT json_group_object(json_extract(value, '$.id'), json_extract(value, '$.email'))
         FROM json_each(document, '$.resources')),
        (SELECT json_group_array(json_array(json_extract(value, '$.id'), json_extract(value, '$.title')))
         FROM json_each(document, '$.meetings'))
    FROM plans {where} ORDER BY id"""
# The same on PostgreSQL, whose JSON functions have other names (and whose aggregates of no rows are NULL).
PLANS_POSTGRES = """
    SELECT id, version, state, attention, title,
        (SELECT COALESCE(json_object_agg(value->>'id', value->>'email'), '{{}}')::text
         FROM json_array_elements(document::json->'resources')),
        (SELECT COALESCE(json_agg(json_build_array(value->>'id', value->>'title')), '[]')::text
         FROM json_array_elements(document::json->'meetings'))
    FROM plans {where} ORDER BY id"""
# The order Store.load gives (its lookups walk the primary keys), so the output stays as it was.
COMMITMENTS = """
    SELECT plan_id, resource_id, state, intent, stands_in_for, updated_at, proposed, agreed_due, next_step, next_at
    FROM commitments {where} ORDER BY plan_id, resource_id"""
# Messages waiting in the outbox (the index of pending messages serves it, whatever was sent before).
QUEUED = """
    SELECT plan_id, resource_id, kind, recipients, not_before, attempts, error FROM outbox
    WHERE status = 'pending' {also} ORDER BY not_before, id"""
MEETINGS = """
    SELECT plan_id, meeting_key, sequence, attendees, cancelled, rsvps FROM meetings
    WHERE sequence >= 0 {also} ORDER BY plan_id, meeting_key"""
AUDIT = "SELECT at, plan_id, resource_id, event FROM audit {where} ORDER BY id"


def open_read_only(workspace: WorkspacePaths) -> Reader | None:
    """The workspace's store, opened for reading only; None when there is none yet (a new workspace
    reads as an empty one). A store that is not this workspace's memory is refused
    (:class:`~followthru.journal.StoreRefused`) as it is when opened for work."""
    from followthru.journal import StoreRefused, examine_store

    problem, examined = examine_store(workspace)
    if problem:
        if examined is not None:
            examined.close()
        raise StoreRefused(problem)
    if workspace.store_url is not None:
        from followthru.postgres import PostgresConnection

        database = examined or PostgresConnection(workspace.store_url, workspace.store_password())
        if not database.execute("SELECT to_regclass('plans') IS NOT NULL").fetchone()[0]:
            database.close()
            return None
        database.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one moment, as below
        return database
    path = workspace.store_file
    if not path.exists():
        return None
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        if connection.execute("PRAGMA user_version").fetchone()[0] == 0:  # an empty file: no tables yet
            connection.close()
            return None
        connection.execute("BEGIN")  # every read sees the same moment, whatever a running daemon commits meanwhile
    except BaseException:
        connection.close()
        raise
    return connection


def plans(
    connection: Reader | None, domain: str, plan_id: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Plans in the ``status --json`` shape of docs/design.md (``plan_id``: that one, else all, by id);
    LookupError for an id the store does not hold. ``domain`` is the sender's, which calendar UIDs end
    in; ``now`` (default: the clock) tells a queued message waiting for its time from one due now."""
    where, args = ("WHERE id = ?", (plan_id,)) if plan_id else ("", ())
    postgres = getattr(connection, "dialect", "sqlite") == "postgresql"
    rows = _query(connection, (PLANS_POSTGRES if postgres else PLANS).format(where=where), args)
    if plan_id and not rows:
        raise LookupError(f"no plan with the id {plan_id!r}")
    where = "WHERE plan_id = ?" if plan_id else ""
    commitments: dict[str, list[dict[str, Any]]] = {}
    for pid, resource, state, intent, stands_in_for, updated_at, proposed, agreed_due, step, step_at in _query(
        connection, COMMITMENTS.format(where=where), args
    ):
        commitments.setdefault(pid, []).append(
            {
                "resource": resource,
                "email": "",
                "state": state,
                "intent": intent,
                "stands_in_for": stands_in_for,
                # as Store.load reads it back, so the text is the datetime's, whatever was stored
                "updated_at": _iso(updated_at),
                "proposed": proposed,
                "agreed_due": agreed_due,
                "next": {"step": step, "at": _iso(step_at)} if step else None,
            }
        )
    moment = now or datetime.now(timezone.utc)
    queued: dict[str, list[dict[str, Any]]] = {}
    for pid, resource, kind, recipients, not_before, attempts, error in _query(
        connection, QUEUED.format(also="AND plan_id = ?" if plan_id else ""), args
    ):
        at = datetime.fromisoformat(not_before)
        why = (
            f"sending again after: {error}"
            if attempts and error
            else "waiting for its send window"
            if at > moment
            else "goes with the next pass"
        )
        queued.setdefault(pid, []).append(
            {"kind": kind, "resource": resource, "to": json.loads(recipients), "at": at.isoformat(), "why": why}
        )
    meetings: dict[str, list[tuple[Any, ...]]] = {}
    for row in _query(connection, MEETINGS.format(also="AND plan_id = ?" if plan_id else ""), args):
        meetings.setdefault(row[0], []).append(tuple(row))
    result = []
    for pid, version, state, attention, title, emails, planned in rows:
        emails = json.loads(emails)
        titles = {meeting_key(key, name): name for key, name in json.loads(planned)}
        for commitment in commitments.get(pid, ()):
            commitment["email"] = emails.get(commitment["resource"], "")  # "" once removed from the plan
        result.append(
            {
                "id": pid,
                "title": title,
                "state": state,
                "version": version,
                "needs_attention": json.loads(attention),
                "commitments": commitments.get(pid, []),
                "queued": queued.get(pid, []),
                "meetings": [
                    {
                        "title": titles.get(key, key),
                        "key": key,
                        "uid": event_uid(pid, key, domain),
                        "sequence": sequence,
                        "attendees": json.loads(attendees),
                        "cancelled": bool(cancelled),
                        "rsvps": json.loads(rsvps),
                    }
                    for _, key, sequence, attendees, cancelled, rsvps in meetings.get(pid, ())
                ],
            }
        )
    return result


def audit_log(connection: Reader | None, plan_id: str | None = None) -> list[tuple[Any, ...]]:
    """The audit trail, oldest first: (at, plan_id, resource_id, event) rows; LookupError for a plan id
    the store does not hold (as :func:`plans`)."""
    where, args = ("WHERE plan_id = ?", (plan_id,)) if plan_id else ("", ())
    if plan_id and not _query(connection, "SELECT 1 FROM plans WHERE id = ?", args):
        raise LookupError(f"no plan with the id {plan_id!r}")
    return _query(connection, AUDIT.format(where=where), args)


def last_request(
    connection: Reader | None, plan_id: str, person: str
) -> tuple[str, str, tuple[bytes, str, str] | None]:
    """(resource id, email, last request) of ``person`` (a resource id or email) in a plan: the newest
    request, backup request, reminder or last call to them that was not withdrawn, as (raw message,
    outbox status, not before), or None when nothing was queued for them. LookupError for an
    unknown plan or person."""
    found = _query(
        connection,
        "SELECT json_extract(value, '$.id'), json_extract(value, '$.email') FROM plans, "
        "json_each(plans.document, '$.resources') WHERE plans.id = ? AND "
        "(json_extract(value, '$.id') = ? OR lower(json_extract(value, '$.email')) = ?)",
        (plan_id, person, person.lower()),
    )
    if not found:
        known = _query(connection, "SELECT 1 FROM plans WHERE id = ?", (plan_id,))
        raise LookupError(f"{plan_id}: no resource {person!r}" if known else f"no plan with the id {plan_id!r}")
    resource_id, email = found[0]
    sent = _query(
        connection,
        "SELECT raw, status, not_before FROM outbox WHERE plan_id = ? AND resource_id = ? AND "
        "kind IN ('request', 'backup_request', 'reminder', 'last_call') AND "
        "status != 'withdrawn' ORDER BY id DESC LIMIT 1",
        (plan_id, resource_id),
    )
    return resource_id, email, (bytes(sent[0][0]), sent[0][1], sent[0][2]) if sent else None


def _iso(stamp: str | None) -> str | None:
    """A stored time as ``datetime.isoformat`` writes it: what Store.stamp wrote already is (UTC to the
    second, 25 characters); anything older is read and written again."""
    if not stamp:
        return None
    if len(stamp) == 25 and stamp.endswith("+00:00"):
        return stamp
    return datetime.fromisoformat(stamp).isoformat()


def _query(connection: Reader | None, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [] if connection is None else [tuple(row) for row in connection.execute(sql, args)]


def to_json(value: Any) -> str:
    """``json.dumps(value, indent=2)``, character for character, for what :func:`plans` returns (dicts with
    text keys, lists, text, whole numbers, booleans and None). The standard library writes indented JSON
    in pure Python, a generator per level: for 10,000 plans that alone took a third of the second
    ``status --json`` may take; writing straight into one list takes about half as long."""
    out: list[str] = []
    _write(value, "\n", out)
    return "".join(out)


def _write(value: Any, newline: str, out: list[str]) -> None:
    if isinstance(value, dict):
        items: Any = value.items()
        opening, closing = "{", "}"
    elif isinstance(value, list):
        items = ((None, item) for item in value)
        opening, closing = "[", "]"
    else:
        out.append(_scalar(value))
        return
    if not value:
        out.append(opening + closing)
        return
    inner = newline + "  "
    separator = opening + inner
    for key, item in items:
        label = separator if key is None else f"{separator}{_string(key)}: "
        if isinstance(item, (dict, list)):
            out.append(label)
            _write(item, inner, out)
        else:
            out.append(label + _scalar(item))
        separator = "," + inner
    out.append(newline + closing)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)  # json.dumps' default, ensure_ascii
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return json.dumps(value)
