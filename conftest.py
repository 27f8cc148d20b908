"""Test-run fixtures shared by every suite: databases on real PostgreSQL and on SQLite, and signing keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deal_shared.devtoken import ensure_dev_key, mint_token
from tests.support.postgres import ThrowawayCluster, create_database, drop_database, find_server

# The suite sends thousands of anonymous reports from one address and contact: Report IT's abuse limits are off
# for it (services started by the tests inherit this), and their own tests switch them on.
os.environ.setdefault("REPORT_IT_ANONYMOUS_WRITES_PER_MINUTE", "0")
os.environ.setdefault("REPORT_IT_CONTACT_REPORTS_PER_DAY", "0")
os.environ.setdefault("REPORT_IT_REPEAT_HINT_MINUTES", "0")

_cluster: ThrowawayCluster | None = None


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    global _cluster
    try:
        url, _cluster = find_server()
    except Exception as exc:  # any failure to find or start one: stop with one line
        pytest.exit(f"make test needs PostgreSQL and could not find or start one: {exc}", returncode=2)
    yield url
    if _cluster is not None:
        _cluster.stop()


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_factory(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Make fresh databases for this run (dropped at the end), on the backend under test."""
    made: list[str] = []
    admin_url = request.getfixturevalue("postgres_admin_url") if backend == "postgresql" else None

    def make(service: str) -> str:
        if admin_url is None:
            return f"sqlite:///{tmp_path_factory.mktemp(service) / (service + '.db')}"
        name = f"deal_test_{service}_{uuid.uuid4().hex[:10]}"
        made.append(name)
        return create_database(admin_url, name)

    yield make
    for name in made:
        drop_database(admin_url, name)


@pytest.fixture(scope="session")
def dev_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "dev-signing-key.json"
    ensure_dev_key(path)
    return path


@pytest.fixture(scope="session")
def token_for(dev_key: Path):
    def mint(*roles: str, sub: str = "officer.one", **claims) -> str:
        return mint_token(dev_key, subject=sub, roles=list(roles), **claims)

    return mint
