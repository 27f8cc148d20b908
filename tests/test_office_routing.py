"""Routing by area across the services: Report IT asks the real Footprints where a new report is, then routes it."""

from __future__ import annotations

import httpx
from sqlmodel import Session

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
from services.report_it.tests.test_feed_and_cases import wait_until
from tests.support.server import serve

WIGAN_CENTRAL = {"lat": 53.547, "long": -2.630}
LEIGH_EAST = {"lat": 53.495, "long": -2.493}


def test_a_rule_for_one_footprint_acknowledges_only_reports_placed_in_it(
    database_factory, dev_key, token_for, tmp_path
) -> None:
    photos = tmp_path / "photos"
    auth = AuthSettings(dev_mode=True, dev_key_path=dev_key)
    places_db = database_factory("footprints")
    migrate_footprints(places_db)
    engine = make_engine(places_db)
    with Session(engine) as session:
        load_illustrative(session)
        session.commit()
    engine.dispose()
    reports_db = database_factory("report_it")
    migrate_report_it(reports_db)
    engine = make_engine(reports_db)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
    engine.dispose()
    footprints = footprints_app(
        FootprintsSettings(database_url=places_db, environment="test", auth=auth, places_refresh_s=0.0)
    )
    with serve(footprints) as places_url, httpx.Client(base_url=places_url) as places:
        central = places.get("/v1/locate", params=WIGAN_CENTRAL).json()["footprint"]["code"]
        report_it = report_it_app(
            ReportItSettings(
                database_url=reports_db,
                environment="test",
                auth=auth,
                footprints_url=places_url,
                routing_poll_seconds=0.1,
                photo_dir=photos,
            )
        )
        with serve(report_it) as base, httpx.Client(base_url=base, timeout=30) as api:
            admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.area')}"}
            rule = {"name": "Central litter", "category": "litter", "footprint": central, "decision": "acknowledge"}
            assert api.post("/v1/routing-rules", json=rule, headers=admin).status_code == 201
            made = {
                name: api.post("/v1/reports", json={"category": "litter", "location": where}).json()["id"]
                for name, where in (("central", WIGAN_CENTRAL), ("leigh", LEIGH_EAST))
            }
            staff = {"Authorization": f"Bearer {token_for('staff', sub='area.viewer')}"}

            def status(name: str) -> str:
                return api.get(f"/v1/reports/{made[name]}", headers=staff).json()["status"]

            def leigh_placed() -> bool:
                items = api.get("/v1/triage/queue", headers=staff).json()["items"]
                return any(i["id"] == made["leigh"] and i["footprint"] for i in items)

            # The router takes reports one at a time: wait for both, not only the one the rule acknowledges.
            wait_until(lambda: status("central") == "acknowledged" and leigh_placed())
            queue = api.get("/v1/triage/queue", params={"footprint": central}, headers=staff).json()
            assert queue["items"] == []
            waiting = api.get("/v1/triage/queue", headers=staff).json()["items"]
            assert [(i["id"], status("leigh")) for i in waiting] == [(made["leigh"], "submitted")]
            assert waiting[0]["footprint"] not in (None, central)
