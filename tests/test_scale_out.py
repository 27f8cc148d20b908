"""Scale-out on one PostgreSQL: two Report IT processes and two Footprints processes serve as one service. A write
on one is seen on the other within the nearby refresh, case syncs are delivered once each while both deliverers
race for them, and a rebalance runs on one replica at a time."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from deal_shared.db import make_engine
from deal_shared.transaction_locks import lock_id
from footprints.db import migrate as migrate_footprints
from footprints.demo import load_demo_people
from footprints.models import Case
from footprints.places.store import load_illustrative
from footprints.rebalance_lock import LOCK as REBALANCE_LOCK
from report_it.categories import seed_categories
from report_it.db import migrate as migrate_report_it
from report_it.models import OutboxMessage
from services.report_it.tests.test_feed_and_cases import wait_until
from tests.support.databases import seeded
from tests.support.postgres import create_database, drop_database
from tests.support.processes import service_process
from tests.support.server import free_port

REFRESH_S = 1.0
REPORTS = 40


@dataclass
class Deployment:
    report_it: list[str]
    footprints: list[str]
    reports_url: str
    places_url: str


@pytest.fixture(scope="module")
def deployment(postgres_admin_url: str, dev_key: Path, tmp_path_factory) -> Iterator[Deployment]:
    names = [f"deal_scale_{service}_{uuid.uuid4().hex[:8]}" for service in ("report_it", "footprints")]
    reports_url, places_url = (create_database(postgres_admin_url, name) for name in names)
    seeded(reports_url, migrate_report_it, seed_categories)
    seeded(places_url, migrate_footprints, load_illustrative, load_demo_people)
    photos = tmp_path_factory.mktemp("scale-photos")
    report_it_ports, footprints_ports = [free_port(), free_port()], [free_port(), free_port()]
    common = {"ENVIRONMENT": "test", "AUTH__DEV_MODE": "true", "AUTH__DEV_KEY_PATH": str(dev_key)}
    try:
        with ExitStack() as stack:
            footprints = [
                stack.enter_context(
                    service_process(
                        "footprints.cli",
                        {
                            **os.environ,
                            **{f"FOOTPRINTS_{k}": v for k, v in common.items()},
                            "FOOTPRINTS_DATABASE_URL": places_url,
                            "FOOTPRINTS_REPORT_IT_URL": f"http://127.0.0.1:{report_it_ports[n]}",
                            "FOOTPRINTS_OUTBOX_POLL_S": "0.2",
                        },
                        port,
                    )
                )
                for n, port in enumerate(footprints_ports)
            ]
            report_it = [
                stack.enter_context(
                    service_process(
                        "report_it.cli",
                        {
                            **os.environ,
                            **{f"REPORT_IT_{k}": v for k, v in common.items()},
                            "REPORT_IT_DATABASE_URL": reports_url,
                            "REPORT_IT_FOOTPRINTS_URL": f"http://127.0.0.1:{footprints_ports[n]}",
                            "REPORT_IT_PHOTO_DIR": str(photos),
                            "REPORT_IT_NEARBY_REFRESH_SECONDS": str(REFRESH_S),
                            "REPORT_IT_DELIVERY_POLL_SECONDS": "0.1",
                        },
                        port,
                    )
                )
                for n, port in enumerate(report_it_ports)
            ]
            yield Deployment(report_it, footprints, reports_url, places_url)
    finally:
        for name in names:
            drop_database(postgres_admin_url, name)


def test_a_report_made_on_one_replica_is_nearby_on_the_other_within_the_refresh(deployment: Deployment) -> None:
    where = {"lat": 53.5431, "long": -2.6402}
    one, other = deployment.report_it
    made = httpx.post(f"{one}/v1/reports", json={"category": "litter", "location": where})
    assert made.status_code == 201, made.text
    made_at = time.monotonic()
    query = {"category": "litter", "lat": where["lat"], "long": where["long"], "radius_m": 50}

    def seen_on_the_other() -> bool:
        answer = httpx.get(f"{other}/v1/reports/nearby", params=query)
        assert answer.status_code == 200, answer.text
        return made.json()["id"] in {report["id"] for report in answer.json()}

    wait_until(seen_on_the_other, timeout=REFRESH_S + 4)
    # The refresh period plus one pass of reading the changes; generous for a shared 2-core machine.
    assert time.monotonic() - made_at <= REFRESH_S + 3


def test_case_syncs_are_delivered_once_each_while_both_deliverers_race(deployment: Deployment, token_for) -> None:
    staff = {"Authorization": f"Bearer {token_for('staff', sub='scale.officer')}"}

    def make_and_acknowledge(n: int) -> str:
        base = deployment.report_it[n % 2]
        where = {"lat": 53.52 + (n % 20) * 0.003, "long": -2.66 + (n // 20) * 0.01}
        made = httpx.post(f"{base}/v1/reports", json={"category": "litter", "location": where}, timeout=30)
        assert made.status_code == 201, made.text
        report_id = made.json()["id"]
        # Acknowledged on the other replica: each replica's deliverer finds work written by both.
        acked = httpx.post(
            f"{deployment.report_it[(n + 1) % 2]}/v1/reports/{report_id}/updates",
            json={"status": "acknowledged"},
            headers=staff,
            timeout=30,
        )
        assert acked.status_code in (200, 201), acked.text
        return report_id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(make_and_acknowledge, range(REPORTS)))
    reports = make_engine(deployment.reports_url)
    places = make_engine(deployment.places_url)
    try:

        def syncs() -> list[OutboxMessage]:
            with Session(reports) as session:
                query = select(OutboxMessage).where(
                    col(OutboxMessage.kind) == "case", col(OutboxMessage.report_id).in_([uuid.UUID(i) for i in ids])
                )
                return list(session.exec(query).all())

        wait_until(lambda: len(syncs()) >= REPORTS and all(m.state == "delivered" for m in syncs()), timeout=60)
        # Each message was leased by one deliverer only: one attempt, never a second send by the other.
        assert sorted(m.attempts for m in syncs()) == [1] * len(syncs())
        with Session(places) as session:
            cases = session.exec(select(Case).where(col(Case.source_id).in_(ids))).all()
        assert sorted(c.source_id for c in cases) == sorted(ids)  # one case per report
    finally:
        reports.dispose()
        places.dispose()


def test_a_rebalance_runs_on_one_replica_at_a_time(deployment: Deployment, token_for) -> None:
    manager = {"Authorization": f"Bearer {token_for('manager', 'staff', sub='scale.manager')}"}
    body = {"time_budget_s": 1}
    places = make_engine(deployment.places_url)
    try:
        # While a run holds the lock (here: the test, as a third process would), both replicas refuse at once.
        with places.connect() as holder:
            holder.begin()
            assert holder.execute(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id(REBALANCE_LOCK)}
            ).scalar()
            for base in deployment.footprints:
                refused = httpx.post(f"{base}/v1/rebalance-runs", json=body, headers=manager, timeout=30)
                assert refused.status_code == 409, refused.text
                assert refused.json()["title"] == "A rebalance is already running"
                assert refused.headers["Retry-After"] == "5"
            holder.rollback()
        # Once it is free, replicas asked at once each either run or are told one is running: never an error.
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(
                    lambda n: httpx.post(
                        f"{deployment.footprints[n % 2]}/v1/rebalance-runs", json=body, headers=manager, timeout=60
                    ),
                    range(4),
                )
            )
        assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
        assert any(a.status_code == 201 for a in answers)
    finally:
        places.dispose()
