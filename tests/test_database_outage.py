"""A database that goes away mid-run (crashed and started again on a throwaway cluster): never a 500, every 503 in
problem format with Retry-After, "nothing was saved" only when that is known, and retries with the same
Idempotency-Key settle on one stored answer."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from deal_shared.devtoken import ensure_dev_key
from deal_shared.service_db import SessionDep
from deal_shared.web import install_common
from report_it.config import Settings
from report_it.main import create_app
from services.report_it.tests.conftest import migrated_with_categories
from tests.support.postgres import ThrowawayCluster, create_database
from tests.support.server import serve

FLY_TIP = {
    "category": "fly_tipping",
    "location": {"lat": 53.545, "long": -2.632},
    "description": "Sofa dumped on the pavement",
    "answers": {"size": "car_boot", "waste_type": ["household"]},
}


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayCluster]:
    made = ThrowawayCluster()
    yield made
    made.stop()


def assert_unavailable(response: httpx.Response) -> str:
    """A well-formed 503; returns what it says was saved."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["code"] == "DatabaseUnavailable" and problem["request_id"]
    assert problem["saved"] in ("no", "unknown")
    return problem["saved"]


def test_report_it_through_a_database_crash_answers_201_or_503_and_keys_settle_on_one_report(
    cluster: ThrowawayCluster,
) -> None:
    url = migrated_with_categories(create_database(cluster.url, f"outage_{uuid.uuid4().hex[:8]}"))
    key_path = Path(tempfile.mkdtemp()) / "signing-key.json"
    ensure_dev_key(key_path)
    settings = Settings(
        database_url=url,
        environment="test",
        photo_dir=Path(tempfile.mkdtemp()),
        auth=AuthSettings(dev_mode=True, dev_key_path=key_path),
        footprints_url="http://127.0.0.1:9",
        run_deliverer=False,
    )
    statuses: Counter[tuple[bool, int]] = Counter()
    unkeyed_created: list[str] = []
    unkeyed_unknown = 0
    keyed_answers: dict[str, list[str]] = {}  # key -> ids of every 201 to it
    pending: list[str] = []  # keys last answered 503
    stop = threading.Event()
    lock = threading.Lock()

    def client(keyed: bool, api: httpx.Client) -> None:
        nonlocal unkeyed_unknown
        while not stop.is_set():
            key = uuid.uuid4().hex
            response = api.post("/v1/reports", json=FLY_TIP, headers={"Idempotency-Key": key} if keyed else {})
            with lock:
                statuses[(keyed, response.status_code)] += 1
                if response.status_code == 201:
                    (keyed_answers.setdefault(key, []) if keyed else unkeyed_created).append(response.json()["id"])
                    continue
                saved = assert_unavailable(response)
                if keyed:
                    pending.append(key)
                elif saved == "unknown":
                    unkeyed_unknown += 1

    with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as api:
        threads = [threading.Thread(target=client, args=(i % 2 == 0, api)) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        cluster.crash()
        time.sleep(1.5)
        cluster.start()
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join()
        # The keyed clients retry what was refused, with the same key, until it is answered.
        for key in pending:
            for _ in range(50):
                response = api.post("/v1/reports", json=FLY_TIP, headers={"Idempotency-Key": key})
                if response.status_code == 201:
                    keyed_answers.setdefault(key, []).append(response.json()["id"])
                    break
                assert_unavailable(response)
                time.sleep(0.2)
            else:
                pytest.fail(f"key {key} never answered")
            again = api.post("/v1/reports", json=FLY_TIP, headers={"Idempotency-Key": key})
            assert again.status_code == 201 and again.json()["id"] == keyed_answers[key][-1]

    assert {code for _, code in statuses} <= {201, 503}, statuses
    assert statuses[(True, 503)] + statuses[(False, 503)] > 0, "the crash was not seen"
    assert all(len(set(ids)) == 1 for ids in keyed_answers.values())  # one report per key, whatever the retries
    engine = make_engine(url)
    with engine.connect() as connection:
        stored = {row[0] for row in connection.execute(text("SELECT id::text FROM report"))}
    engine.dispose()
    keyed_ids = {ids[0] for ids in keyed_answers.values()}
    assert keyed_ids | set(unkeyed_created) <= stored  # every accepted report is kept
    # Beyond those, only unkeyed requests told "not known" may have been stored.
    assert len(stored) - len(keyed_ids) - len(unkeyed_created) <= unkeyed_unknown


def notes_app(database_url: str) -> FastAPI:
    app = FastAPI()
    app.state.engine = make_engine(database_url)
    install_common(app, service="outage-test", readiness_checks=lambda: [])

    @app.post("/notes/{body}")
    def add_note(body: str, session: SessionDep) -> dict:
        session.execute(text("INSERT INTO note VALUES (:body)"), {"body": body})
        return {"added": body}

    return app


def _terminate(admin_url: str, pid: int) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_commit_lost_on_the_wire_is_a_503_that_does_not_claim_nothing_was_saved(cluster: ThrowawayCluster) -> None:
    url = create_database(cluster.url, f"outage_notes_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE note (body text)")
    app = notes_app(url)
    engine = app.state.engine

    @event.listens_for(engine, "commit")
    def _lose_the_connection(connection) -> None:
        # The commit is about to be sent: the server drops this connection first.
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        _terminate(cluster.url, pid)

    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as api:
        response = api.post("/notes/lost-commit")
        assert assert_unavailable(response) == "unknown"
        assert "not known" in response.json()["detail"]
        event.remove(engine, "commit", _lose_the_connection)
        assert api.post("/notes/after").status_code == 200


def test_a_statement_refused_before_any_commit_says_nothing_was_saved(cluster: ThrowawayCluster) -> None:
    url = create_database(cluster.url, f"outage_early_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE note (body text)")
    app = notes_app(url)
    engine = app.state.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _lose_the_connection(connection, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT"):
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            _terminate(cluster.url, pid)

    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as api:
        response = api.post("/notes/never-sent")
        assert assert_unavailable(response) == "no"
        assert "nothing was saved" in response.json()["detail"]
