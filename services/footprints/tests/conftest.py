"""Footprints served over real HTTP on each backend, with the illustrative boundaries and small factories."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from footprints.config import Settings
from footprints.db import migrate
from footprints.main import create_app
from footprints.models import Team, Worker
from footprints.places.store import load_illustrative
from tests.support.server import serve

# Approximate ward centres, well inside their illustrative wards.
WIGAN_CENTRAL = (53.547, -2.630)
LEIGH_EAST = (53.495, -2.493)
OUTSIDE = (53.40, -2.90)


def make_settings(url: str, dev_key, **overrides) -> Settings:
    return Settings(
        database_url=url,
        environment="test",
        auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
        places_refresh_s=0.0,
        outbox_poll_s=0.2,
        **overrides,
    )


@pytest.fixture()
def database(database_factory) -> str:
    url = database_factory("footprints")
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_illustrative(session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture()
def engine(database):
    engine = make_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture()
def footprints_url(database, dev_key, request) -> Iterator[str]:
    overrides = getattr(request, "param", {}) or {}
    with serve(create_app(make_settings(database, dev_key, **overrides))) as base:
        yield base


@pytest.fixture()
def api(footprints_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=footprints_url, timeout=30) as client:
        yield client


@pytest.fixture()
def add_team(engine):
    def make(*, footprint: str = "wigan_central", name: str | None = None) -> Team:
        with Session(engine, expire_on_commit=False) as session:
            team = Team(name=name or f"team {uuid.uuid4().hex[:6]}", footprint_code=footprint)
            session.add(team)
            session.commit()
            return team

    return make


@pytest.fixture()
def add_worker(engine):
    def make(
        team: Team,
        *,
        skills: tuple[str, ...] = ("street_cleansing",),
        at: tuple[float, float] = WIGAN_CENTRAL,
        fte: float = 1.0,
        points: float = 10.0,
        role: str = "worker",
        subject: str | None = None,
        name: str | None = None,
    ) -> Worker:
        with Session(engine, expire_on_commit=False) as session:
            worker = Worker(
                subject=subject or f"staff.{uuid.uuid4().hex[:8]}",
                display_name=name or f"Worker {uuid.uuid4().hex[:4]}",
                team_id=team.id,
                role=role,
                skills=list(skills),
                fte=fte,
                full_time_points=points,
                home_lat=at[0],
                home_long=at[1],
            )
            session.add(worker)
            session.commit()
            return worker

    return make
