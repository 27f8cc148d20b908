"""A peer that comes back is noticed at once: Report IT's case syncs waiting out a long backoff while Footprints was
away are all delivered within seconds of its return, not when each one's wait runs out."""

from __future__ import annotations

import httpx
from sqlmodel import Session, col, select

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from footprints.config import Settings as FootprintsSettings
from footprints.db import migrate as migrate_footprints
from footprints.main import create_app as footprints_app
from footprints.places.store import load_illustrative
from report_it.categories import seed_categories
from report_it.config import Settings as ReportItSettings
from report_it.db import migrate as migrate_report_it
from report_it.main import create_app as report_it_app
from report_it.models import OutboxMessage
from services.report_it.tests.test_feed_and_cases import wait_until
from tests.support.databases import seeded
from tests.support.server import free_port, serve


def case_messages(url: str) -> list[OutboxMessage]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "case")).all())
    finally:
        engine.dispose()


def test_case_syncs_resume_within_seconds_of_footprints_coming_back(
    database_factory, dev_key, token_for, tmp_path
) -> None:
    auth = AuthSettings(dev_mode=True, dev_key_path=dev_key)
    places_db = seeded(database_factory("footprints_recovery"), migrate_footprints, load_illustrative)
    reports_db = seeded(database_factory("report_it_recovery"), migrate_report_it, seed_categories)
    port = free_port()  # where Footprints will listen once it is back; nothing does yet
    report_it = report_it_app(
        ReportItSettings(
            database_url=reports_db,
            environment="test",
            auth=auth,
            footprints_url=f"http://127.0.0.1:{port}",
            photo_dir=tmp_path / "photos",
            delivery_poll_seconds=0.2,
            # After a failure a message waits up to an hour: only the probe can bring it back sooner.
            delivery_backoff_seconds=3600.0,
            delivery_backoff_max_seconds=3600.0,
            delivery_probe_seconds=1.0,
        )
    )
    staff = {"Authorization": f"Bearer {token_for('staff', sub='recovery.officer')}"}
    with serve(report_it) as base, httpx.Client(base_url=base, timeout=30) as api:
        for n in range(4):
            where = {"lat": 53.545 + n * 0.001, "long": -2.632}
            made = api.post("/v1/reports", json={"category": "litter", "location": where})
            assert made.status_code == 201, made.text
            acked = api.post(f"/v1/reports/{made.json()['id']}/updates", json={"status": "acknowledged"}, headers=staff)
            assert acked.status_code in (200, 201), acked.text
        wait_until(
            lambda: len(case_messages(reports_db)) == 4 and all(m.attempts >= 1 for m in case_messages(reports_db))
        )
        assert all(m.state == "pending" and m.last_error for m in case_messages(reports_db))
        footprints = footprints_app(
            FootprintsSettings(database_url=places_db, environment="test", auth=auth, places_refresh_s=0.0)
        )
        with serve(footprints, port=port):
            # Each message's own wait would run for up to an hour; the probe finds Footprints back in about one.
            wait_until(lambda: all(m.state == "delivered" for m in case_messages(reports_db)), timeout=10)
