"""Statistics, CSV exports and retention, exact on a known dataset in a database of their own."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, select

from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.db import migrate
from report_it.main import create_app
from report_it.models import OutboxMessage, Report, ReportUpdate, Subscription
from report_it.retention import anonymise_closed_reports, months_before
from report_it.stats import median, nearest_rank
from report_it.visibility import coarsen
from tests.support.server import serve

A = coarsen(53.545, -2.632, 100)  # the centre of a 100 m cell, so points a few metres off stay in it
B = (53.50, -2.52)


def at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def row(code, created, *, status="submitted", fixed_h=None, target_h=None, channel="app", area=None, where=A, **kw):
    fixed = created + timedelta(hours=fixed_h) if fixed_h is not None else None
    return Report(
        id=uuid.uuid4(),
        reference=f"WG-{uuid.uuid4().hex[:4].upper()}-TEST",
        category_code=code,
        status=status,
        lat=where[0],
        lon=where[1],
        channel=channel,
        tracking_token_hash=b"x",
        created_at=created,
        updated_at=created,
        fixed_at=fixed,
        expected_at=created + timedelta(hours=target_h) if target_h is not None else None,
        footprint_code=area,
        **kw,
    )


@pytest.fixture(scope="module")
def dataset(database_factory):
    url = database_factory("report_it_stats")
    migrate(url)
    engine = make_engine(url)
    a_bit_north = (A[0] + 0.00003, A[1])
    rows = {
        "r1": row("litter", at("2026-01-05", 10), status="fixed", fixed_h=10, target_h=24, area="SDF1",
                  reporter_email="one@example.org", reporter_wants_updates=True),
        "r2": row("litter", at("2026-01-10"), status="fixed", fixed_h=30, target_h=24, channel="web", area="SDF1",
                  where=a_bit_north, reporter_email="two@example.org", reporter_name="Two"),
        "r3": row("litter", at("2026-02-01"), status="fixed", fixed_h=50, target_h=48, area="SDF2", where=B,
                  reporter_email="three@example.org"),
        "r4": row("graffiti", at("2026-02-03"), status="fixed", fixed_h=100, channel="staff"),
        "r5": row("graffiti", at("2026-02-04"), status="acknowledged"),
        "r6": row("litter", at("2026-02-05"), status="no_further_action", channel="phone",
                  closed_at=at("2026-02-06")),
        "r7": row("safeguarding_concern", at("2026-02-06"), channel="staff", area="SDF1"),
        "r8": row("safeguarding_concern", at("2026-02-06", 5), channel="staff", area="SDF1"),
    }  # fmt: skip
    ids = {k: str(v.id) for k, v in rows.items()}
    with Session(engine, expire_on_commit=False) as session:
        seed_categories(session)
        session.commit()
        session.add_all(rows.values())
        session.commit()
        session.add(Subscription(report_id=rows["r2"].id, email="fan@example.org"))
        session.add(ReportUpdate(report_id=rows["r1"].id, actor_kind="staff", actor_department="waste",
                                 status_from="submitted", status_to="fixed", public_text="Cleared, thanks",
                                 created_at=at("2026-01-05", 20)))  # fmt: skip
        session.add(ReportUpdate(report_id=rows["r7"].id, actor_kind="staff", internal_note="sg"))
        session.add(OutboxMessage(kind="email", report_id=rows["r2"].id, payload={"to": "two@example.org"}))
        session.commit()
    engine.dispose()
    return url, ids


@pytest.fixture(scope="module")
def stats_api(dataset, make_settings):
    url, _ = dataset
    app = create_app(make_settings(database_url=url, run_deliverer=False))
    with serve(app) as base, httpx.Client(base_url=base) as client:
        yield client


def test_percentile_definitions() -> None:
    assert median([10, 30, 50, 100]) == 40 and median([3, 1, 2]) == 2 and median([]) is None
    assert nearest_rank([10, 30, 50, 100], 90) == 100 and nearest_rank(list(range(1, 11)), 90) == 9
    assert nearest_rank([7], 90) == 7


def test_statistics_are_exact_on_a_known_dataset(stats_api, staff_headers) -> None:
    response = stats_api.get("/v1/stats/reports", headers=staff_headers)
    assert response.status_code == 200, response.text
    s = response.json()
    assert s["total"] == 8
    assert s["by_category"] == {"graffiti": 2, "litter": 4, "safeguarding_concern": 2}
    assert s["by_status_group"] == {"open": 3, "fixed": 4, "closed": 1}
    assert s["by_month"] == {"2026-01": 2, "2026-02": 6}
    assert s["by_channel"] == {"app": 3, "phone": 1, "staff": 3, "web": 1}
    # Safeguarding concerns are never broken down by area or place.
    assert s["by_area"] == {"SDF1": 2, "SDF2": 1, "unplaced": 3}
    assert s["time_to_fix"] == {
        "fixed_count": 4,
        "median_hours": 40.0,
        "p90_hours": 100.0,
        "with_target_count": 3,
        "within_target_count": 1,
        "within_target_share": 0.3333,
    }
    cell = dict(zip(("lat", "long"), coarsen(*A, 100), strict=True))
    assert s["repeat_locations"] == [
        {"category": "litter", "centre": cell, "report_count": 3},
        {"category": "graffiti", "centre": cell, "report_count": 2},
    ]
    february = stats_api.get(
        "/v1/stats/reports", params={"created_from": "2026-02-01T00:00:00Z"}, headers=staff_headers
    ).json()
    assert february["total"] == 6 and february["time_to_fix"]["fixed_count"] == 2
    litter = stats_api.get("/v1/stats/reports", params={"category": "litter"}, headers=staff_headers).json()
    assert litter["total"] == 4
    assert stats_api.get("/v1/stats/reports").status_code == 401


def test_csv_exports_stream_reports_and_updates_without_safeguarding(stats_api, dataset, staff_headers) -> None:
    _, ids = dataset
    with stats_api.stream("GET", "/v1/exports/reports.csv", headers=staff_headers) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        text = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6 and {r["id"] for r in rows} == {ids[k] for k in ("r1", "r2", "r3", "r4", "r5", "r6")}
    first = next(r for r in rows if r["id"] == ids["r1"])
    assert first["category"] == "litter" and first["team"] == "street_cleansing" and first["state_group"] == "fixed"
    assert first["fixed_within_target"] == "true" and first["area"] == "SDF1"
    assert first["created"].startswith("2026-01-05T10:00:00") and first["fixed"].startswith("2026-01-05T20:00")
    assert "safeguarding" not in text and "example.org" not in text
    updates = list(csv.DictReader(io.StringIO(stats_api.get("/v1/exports/updates.csv", headers=staff_headers).text)))
    assert [(u["report_id"], u["state"], u["public_text"]) for u in updates] == [
        (ids["r1"], "fixed", "Cleared, thanks")
    ]
    assert stats_api.get("/v1/exports/reports.csv").status_code == 401


def test_retention_anonymises_contact_details_of_long_closed_reports(dataset) -> None:
    url, ids = dataset
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            # Ten months before 23 November 2026 is 23 January: r1 and r2 were fixed before then, r3 after.
            assert months_before(datetime(2026, 11, 23, tzinfo=UTC), 10) == datetime(2026, 1, 23, tzinfo=UTC)
            assert anonymise_closed_reports(session, months=10, now=datetime(2026, 11, 23, tzinfo=UTC)) == 2
            session.commit()
            r1, r2, r3 = (session.get(Report, uuid.UUID(ids[k])) for k in ("r1", "r2", "r3"))
            assert r1.reporter_email is None and r1.reporter_wants_updates is False and r1.anonymised_at
            assert r2.reporter_email is None and r2.reporter_name is None
            assert r3.reporter_email == "three@example.org"
            assert session.exec(select(Subscription)).all() == []
            assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "email")).all() == []
            assert r2.status == "fixed" and r2.fixed_at is not None  # the report itself stays for statistics
    finally:
        engine.dispose()
    env = {**os.environ, "REPORT_IT_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", "from report_it.cli import main; main()", "anonymise", "--months", "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "anonymised 1 reports" in done.stdout
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            assert session.get(Report, uuid.UUID(ids["r3"])).reporter_email is None
            assert session.get(Report, uuid.UUID(ids["r5"])).anonymised_at is None  # still open
    finally:
        engine.dispose()
