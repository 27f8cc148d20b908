"""Idempotency records expire: each service deletes the answers older than its TTL, in batches, and a key sent
again after that is carried out as a new request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine, utcnow
from deal_shared.idempotency import IdempotencyRecordBase
from deal_shared.idempotency_expiry import purge_expired
from footprints.config import Settings as FootprintsSettings
from footprints.db import migrate as migrate_footprints
from footprints.main import create_app as footprints_app
from footprints.models import IdempotencyRecord as FootprintsRecord
from footprints.places.store import load_illustrative
from report_it.db import migrate as migrate_report_it
from report_it.models import IdempotencyRecord as ReportItRecord
from tests.support.databases import seeded
from tests.support.server import serve
from volunteering.db import migrate as migrate_volunteering
from volunteering.models import IdempotencyRecord as VolunteeringRecord

SERVICES: dict[str, tuple[Callable[[str], object], type[IdempotencyRecordBase]]] = {
    "report_it": (migrate_report_it, ReportItRecord),
    "footprints": (migrate_footprints, FootprintsRecord),
    "volunteering": (migrate_volunteering, VolunteeringRecord),
}


@pytest.mark.parametrize("service", SERVICES)
def test_records_older_than_the_ttl_go_in_batches_and_fresh_ones_stay(database_factory, service: str) -> None:
    migrate, model = SERVICES[service]
    url = database_factory(f"expiry_{service}")
    migrate(url)
    engine = make_engine(url)
    now = utcnow()
    try:
        with Session(engine) as session:
            for n in range(7):
                session.add(
                    model(key=f"old-{n}", request_hash="h", status_code=201, created_at=now - timedelta(days=3))
                )
            session.add(model(key="fresh", request_hash="h", status_code=201, created_at=now - timedelta(hours=47)))
            session.add(model(key="in-flight", request_hash="h", created_at=now))
            session.commit()
        assert purge_expired(engine, model, ttl=timedelta(hours=48), batch=3) == 7
        with Session(engine) as session:
            assert set(session.exec(select(model.key)).all()) == {"fresh", "in-flight"}
        assert purge_expired(engine, model, ttl=timedelta(hours=48)) == 0
    finally:
        engine.dispose()


def test_a_key_is_a_new_request_once_its_record_expired(database_factory, dev_key, token_for) -> None:
    url = seeded(database_factory("expiry_live"), migrate_footprints, load_illustrative)
    settings = FootprintsSettings(
        database_url=url,
        environment="test",
        auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
        deliver_in_process=False,
        idempotency_ttl_hours=1 / 3600,  # one second
        idempotency_purge_seconds=0.2,
    )
    admin = {"Authorization": f"Bearer {token_for('admin', 'manager', 'staff')}", "Idempotency-Key": "team-key"}
    engine = make_engine(url)
    try:
        with serve(footprints_app(settings)) as base, httpx.Client(base_url=base, timeout=10, headers=admin) as api:
            footprint = api.get("/v1/footprints").json()["features"][0]["properties"]["code"]
            first = api.post("/v1/teams", json={"name": f"Expiry {uuid.uuid4().hex[:6]}", "footprint_code": footprint})
            assert first.status_code == 201, first.text
            # While the record lasts, the same key with another body is refused.
            reused = api.post("/v1/teams", json={"name": "Another team", "footprint_code": footprint})
            assert reused.status_code == 422, reused.text
            deadline = time.monotonic() + 10
            while True:
                with Session(engine) as session:
                    if (
                        session.get(FootprintsRecord, "team-key") is None
                        and not session.exec(select(FootprintsRecord)).first()
                    ):
                        break
                assert time.monotonic() < deadline, "the expired record was never purged"
                time.sleep(0.1)
            again = api.post("/v1/teams", json={"name": "Another team", "footprint_code": footprint})
            assert again.status_code == 201, again.text
            assert again.json()["id"] != first.json()["id"]
    finally:
        engine.dispose()
