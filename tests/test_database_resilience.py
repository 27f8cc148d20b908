"""Shared database plumbing under failure: dead pooled connections are replaced; no database is a 503."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from deal_shared import db
from deal_shared.db import make_engine
from deal_shared.service_db import SessionDep
from deal_shared.web import install_common
from tests.support.server import free_port, serve


def app_on(database_url: str) -> FastAPI:
    app = FastAPI()
    app.state.engine = make_engine(database_url)
    install_common(app, service="resilience-test", readiness_checks=lambda: [])

    @app.post("/notes/{body}")
    def add_note(body: str, session: SessionDep) -> dict:
        session.execute(text("CREATE TABLE IF NOT EXISTS note (body text)"))
        session.execute(text("INSERT INTO note VALUES (:body)"), {"body": body})
        return {"added": body}

    @app.get("/notes")
    def notes(session: SessionDep) -> list[str]:
        return [row[0] for row in session.execute(text("SELECT body FROM note ORDER BY body"))]

    return app


@pytest.fixture()
def postgres_url(postgres_admin_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    from tests.support.postgres import create_database, drop_database

    name = f"deal_test_resilience_{abs(hash(request.node.name)) % 10**8}"
    url = create_database(postgres_admin_url, name)
    yield url
    drop_database(postgres_admin_url, name)


def test_writes_commit_and_reads_see_them(postgres_url: str) -> None:
    with serve(app_on(postgres_url)) as base, httpx.Client(base_url=base) as api:
        assert api.post("/notes/first").status_code == 200
        assert api.post("/notes/second").status_code == 200
        assert api.get("/notes").json() == ["first", "second"]


def test_connections_killed_while_idle_are_replaced(
    postgres_url: str, postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    with serve(app_on(postgres_url)) as base, httpx.Client(base_url=base) as api:
        assert api.post("/notes/before").status_code == 200
        database = postgres_url.rsplit("/", 1)[1]
        with psycopg.connect(postgres_admin_url.replace("+psycopg", ""), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (database,)
            ).fetchone()[0]
        assert killed >= 1  # the pooled connection is now dead
        assert api.get("/notes").json() == ["before"]
        assert api.post("/notes/after").status_code == 200


def test_an_unreachable_database_is_a_503_with_retry_after() -> None:
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing_here"
    with serve(app_on(unreachable)) as base, httpx.Client(base_url=base, timeout=30) as api:
        response = api.post("/notes/lost")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "DatabaseUnavailable"
