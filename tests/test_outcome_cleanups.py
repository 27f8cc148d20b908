"""A community clean-up held at a hotspot, as Volunteering records it, clears the hotspot in Report IT's hotspot
recurrence as the council's own fixes do: both services really running, Report IT asking with its own token."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.config import Settings as ReportItSettings
from report_it.db import migrate as migrate_report_it
from report_it.main import create_app as report_it_app
from report_it.models import Report
from tests.support.server import free_port, serve
from volunteering.api.deps import now as volunteering_now
from volunteering.config import Settings as VolunteeringSettings
from volunteering.db import migrate as migrate_volunteering
from volunteering.main import create_app as volunteering_app

B = (53.5600, -2.6000)
A = (53.5500, -2.6300)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fly_tip(place: tuple[float, float], created: str, metres_north: float = 0.0) -> Report:
    return Report(
        id=uuid.uuid4(),
        reference=f"WG-{uuid.uuid4().hex[:4].upper()}-CLNP",
        category_code="fly_tipping",
        status="submitted",
        lat=place[0] + metres_north / 111_320,
        lon=place[1],
        channel="app",
        tracking_token_hash=b"x",
        created_at=at(created),
        updated_at=at(created),
    )


def hold_a_clean_up(base: str, token_for, clock: list[datetime]) -> None:
    admin = {"Authorization": f"Bearer {token_for('staff', 'admin', sub='admin.one')}"}
    organiser = {"Authorization": f"Bearer {token_for('staff', 'team_leader', sub='organiser.one')}"}
    with httpx.Client(base_url=base, timeout=30) as api:
        for subject, manager in (("boss.one", None), ("picker.one", "boss.one")):
            body = {"name": subject.title(), "directorate": "Place", "team": "Street Cleansing",
                    "line_manager_subject": manager, "contracted_weekly_hours": 37}  # fmt: skip
            api.put(f"/v1/staff/{subject}", json=body, headers=admin).raise_for_status()
        org = api.post("/v1/organisations", headers=organiser,
                       json={"name": "Pickers", "location": {"lat": B[0], "long": B[1]}})  # fmt: skip
        assert org.status_code == 201, org.text
        source = {"category": "fly_tipping", "report_count": 3, "report_ids": [str(uuid.uuid4()) for _ in range(3)]}
        opportunity = api.post("/v1/opportunities", headers=organiser, json={
            "organisation_id": org.json()["id"], "title": "Community clean-up at the lay-by",
            "starts_at": "2026-03-12T09:00:00+00:00", "ends_at": "2026-03-12T12:00:00+00:00", "places": 5,
            "skills": ["litter_picking"], "location": {"lat": B[0], "long": B[1]}, "suggested_from": source,
        })  # fmt: skip
        assert opportunity.status_code == 201, opportunity.text
        picker = {"Authorization": f"Bearer {token_for('staff', sub='picker.one')}"}
        boss = {"Authorization": f"Bearer {token_for('staff', sub='boss.one')}"}
        booked = api.post("/v1/bookings", json={"opportunity_id": opportunity.json()["id"]}, headers=picker)
        assert booked.status_code == 201, booked.text
        api.post(
            f"/v1/bookings/{booked.json()['id']}/decision", json={"approve": True}, headers=boss
        ).raise_for_status()
        clock[0] = at("2026-03-12T17:00")
        attended = api.post(f"/v1/bookings/{booked.json()['id']}/attendance", json={"attendance": "attended"},
                            headers=boss)  # fmt: skip
        assert attended.status_code == 200, attended.text


def test_a_clean_up_at_a_hotspot_clears_it(database_factory, dev_key, token_for, tmp_path) -> None:
    auth = AuthSettings(dev_mode=True, dev_key_path=dev_key)
    volunteering_db = database_factory("cleanups_volunteering")
    migrate_volunteering(volunteering_db)
    closed = f"http://127.0.0.1:{free_port()}"
    volunteering = volunteering_app(
        VolunteeringSettings(
            database_url=volunteering_db,
            environment="test",
            auth=auth,
            footprints_url=closed,
            report_it_url=closed,
            run_background=False,
        )
    )
    clock = [at("2026-03-01T09:00")]
    volunteering.dependency_overrides[volunteering_now] = lambda: clock[0]
    reports_db = database_factory("cleanups_report_it")
    migrate_report_it(reports_db)
    engine = make_engine(reports_db)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
        # B: a hotspot still open when the clean-up is held on 12 March; two reports come back after it.
        session.add_all(
            [
                fly_tip(B, day, 15 * n)
                for n, day in enumerate(
                    ["2026-02-20T09:00", "2026-02-25T09:00", "2026-03-01T09:00", "2026-03-20T09:00", "2026-03-28T09:00"]
                )
            ]
        )
        # A: a hotspot nobody cleared, busier after than before (2 before 12 March, 3 after).
        session.add_all(
            [
                fly_tip(A, day, 15 * n)
                for n, day in enumerate(
                    ["2026-02-25T09:00", "2026-03-05T09:00", "2026-03-15T09:00", "2026-03-22T09:00", "2026-04-01T09:00"]
                )
            ]
        )
        session.commit()  # fmt: skip
    engine.dispose()
    staff = {"Authorization": f"Bearer {token_for('staff', sub='officer.one')}"}
    with serve(volunteering) as volunteering_base:
        hold_a_clean_up(volunteering_base, token_for, clock)
        report_it = report_it_app(
            ReportItSettings(
                database_url=reports_db,
                environment="test",
                auth=auth,
                photo_dir=tmp_path / "photos",
                footprints_url=closed,
                volunteering_url=volunteering_base,
                run_deliverer=False,
                run_router=False,
            )
        )
        with serve(report_it) as base, httpx.Client(base_url=base, timeout=30, headers=staff) as api:
            found = api.get("/v1/outcomes/hotspots", params={"from": "2026-03", "to": "2026-03", "weeks": "4"})
            assert found.status_code == 200, found.text
    figures = found.json()
    assert figures["cleanups_counted"] is True and figures["cleanups_note"] is None
    (b,) = figures["cleared"]
    # Its place: 12 Feb to 12 Mar: 3 reports; 12 Mar to 9 Apr: 2. A over the same weeks: 2 before, 3 after.
    assert (b["cleared_by"], b["cleared_at"][:16]) == ("clean_up", "2026-03-12T09:00")
    assert (b["before"], b["after"], b["comparisons"], b["comparison_before"], b["comparison_after"]) == (
        3, 2, 1, 2.0, 3.0
    )  # fmt: skip
    assert b["difference_in_differences"] == -2.0  # (2 - 3) - (3 - 2)

    # With Volunteering away, the answer still comes, saying clean-ups were not counted.
    report_it = report_it_app(
        ReportItSettings(database_url=reports_db, environment="test", auth=auth, photo_dir=tmp_path / "photos",
                         footprints_url=closed, volunteering_url=closed, run_deliverer=False, run_router=False)
    )  # fmt: skip
    with serve(report_it) as base, httpx.Client(base_url=base, timeout=30, headers=staff) as api:
        away = api.get("/v1/outcomes/hotspots", params={"from": "2026-03", "to": "2026-03", "weeks": "4"}).json()
    assert away["cleanups_counted"] is False and "not counted" in away["cleanups_note"] and away["cleared"] == []
