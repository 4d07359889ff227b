"""The private PostgreSQL server of tests/support/postgres.py: real logins, separate databases, restarts."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
import pytest

from support.postgres import PostgresServer, server


def test_a_new_database_takes_the_followthru_role_with_its_password():
    shared = server()
    url = shared.new_database()
    assert shared.password not in url
    assert urlsplit(url).hostname == "127.0.0.1" and urlsplit(url).port == shared.port
    with psycopg.connect(url, password=shared.password, connect_timeout=10) as conn:
        user, database, owner = conn.execute(
            "SELECT current_user, current_database(), pg_get_userbyid(datdba)"
            " FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        conn.execute("CREATE TABLE plans (id int PRIMARY KEY)")  # the owner may create tables in public
    assert (user, database, owner) == ("followthru", urlsplit(url).path.lstrip("/"), "followthru")


def test_a_wrong_or_missing_password_is_refused():
    shared = server()
    url = shared.new_database()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(url, password=shared.password + "x", connect_timeout=10)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, password="", connect_timeout=10)


def test_each_new_database_is_a_different_empty_one():
    shared = server()
    first, second = shared.new_database(), shared.new_database()
    assert first != second
    with psycopg.connect(first, password=shared.password, autocommit=True) as conn:
        conn.execute("CREATE TABLE only_here (n int)")
    with psycopg.connect(second, password=shared.password) as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        assert tables.fetchall() == []
    with psycopg.connect(shared.superuser_url(), autocommit=True) as conn:
        (user,) = conn.execute("SELECT current_user").fetchone()
        names = {name for (name,) in conn.execute("SELECT datname FROM pg_database")}
    assert user == "postgres"
    assert {urlsplit(first).path.lstrip("/"), urlsplit(second).path.lstrip("/")} <= names


def test_restart_ends_open_connections_and_new_ones_work_and_stop_removes_everything():
    # A server of its own: a restart would also cut connections other tests hold on the shared one.
    with PostgresServer() as own:
        url = own.new_database()
        old = psycopg.connect(url, password=own.password, autocommit=True)
        old.execute("CREATE TABLE kept (n int)")
        old.execute("INSERT INTO kept VALUES (1)")
        own.restart()
        assert own.running()
        with pytest.raises(psycopg.OperationalError):
            old.execute("SELECT 1")
        old.close()
        with psycopg.connect(url, password=own.password) as new:
            assert new.execute("SELECT n FROM kept").fetchall() == [(1,)]
        base = own.base
    assert not own.running()
    assert not base.exists()
