"""Volunteering served over real HTTP on a fresh database per test, on each backend under test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine, utcnow
from tests.support.server import free_port, serve
from volunteering.api.deps import now
from volunteering.config import Settings
from volunteering.db import migrate
from volunteering.main import create_app

FULL_TIME = 37.0


@dataclass
class Volunteering:
    base: str
    settings: Settings
    engine: Engine
    token_for: Callable[..., str]
    clock: list[datetime | None] = field(default_factory=lambda: [None])

    def set_now(self, moment: datetime | None) -> None:
        """Move the server's clock (None: the real time), e.g. to the day after a booking."""
        self.clock[0] = moment

    def as_(self, sub: str, *roles: str) -> httpx.Client:
        token = self.token_for(*(roles or ("staff",)), sub=sub)
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def admin(self) -> httpx.Client:
        return self.as_("admin.one", "staff", "admin")

    def add_staff(self, subject: str, **fields: Any) -> dict:
        body = {
            "name": subject.replace(".", " ").title(),
            "directorate": "Place",
            "team": "Street Cleansing",
            "line_manager_subject": "manager.one",
            "contracted_weekly_hours": FULL_TIME,
        } | fields
        with self.admin() as admin:
            response = admin.put(f"/v1/staff/{subject}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def add_organisation(self, **fields: Any) -> dict:
        body = {"name": "Wigan Community Larder", "location": {"lat": 53.5455, "long": -2.632}} | fields
        with self.as_("organiser.one", "staff", "team_leader") as organiser:
            response = organiser.post("/v1/organisations", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def add_opportunity(self, organisation_id: str, **fields: Any) -> dict:
        body = {
            "organisation_id": organisation_id,
            "title": "Sort food parcels",
            "starts_at": "2031-06-10T09:00:00+01:00",
            "ends_at": "2031-06-10T12:42:00+01:00",
            "places": 5,
            "skills": ["food_handling"],
        } | fields
        with self.as_("organiser.one", "staff", "team_leader") as organiser:
            response = organiser.post("/v1/opportunities", json=body)
        assert response.status_code == 201, response.text
        return response.json()


def closed_port_url() -> str:
    """An address where nothing listens: footprints (or Report IT) is down."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture()
def make_volunteering(database_factory, dev_key, token_for) -> Iterator[Callable[..., Any]]:
    """Start a Volunteering server on a fresh database; settings can be overridden per test."""
    stack: list[Any] = []

    def start(**overrides: Any) -> Volunteering:
        url = database_factory("volunteering")
        migrate(url)
        settings = Settings(
            database_url=url,
            environment="test",
            auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
            **(
                {"footprints_url": closed_port_url(), "report_it_url": closed_port_url(), "run_background": False}
                | overrides
            ),
        )
        clock: list[datetime | None] = [None]
        app = create_app(settings)
        app.dependency_overrides[now] = lambda: clock[0] or utcnow()
        context = serve(app)
        base = context.__enter__()
        engine = make_engine(url)
        stack.append((context, engine))
        return Volunteering(base=base, settings=settings, engine=engine, token_for=token_for, clock=clock)

    yield start
    for context, engine in reversed(stack):
        engine.dispose()
        context.__exit__(None, None, None)


@pytest.fixture()
def vol(make_volunteering) -> Volunteering:
    return make_volunteering()
