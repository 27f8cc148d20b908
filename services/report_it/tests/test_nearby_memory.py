"""The nearby lookup's in-memory model: the same answers as the database, this process's writes seen at once, other
processes' writes within a refresh."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from uuid import UUID

import httpx
import pytest
from PIL import Image
from sqlalchemy import update
from sqlmodel import Session, col, select

from deal_shared.db import make_engine, utcnow
from deal_shared.report_it import OPEN_STATUSES, ReportPublic
from report_it.api.nearby import look_of, public_renderer
from report_it.category_cache import CategoryCache
from report_it.main import create_app
from report_it.models import Category, Report
from report_it.nearby_index import OpenReportIndex
from report_it.reports import nearby_open_reports
from services.report_it.tests.test_nearby import ANSWERS, nearby, north_of, report
from tests.support.server import serve

CENTRE = {"lat": 53.5300, "long": -2.6000}
CATEGORIES = ["fly_tipping", "graffiti", "litter"]
OPEN_VALUES = [status.value for status in OPEN_STATUSES]
STATUSES = ["submitted", "acknowledged", "in_progress", "fixed", "closed", "duplicate"]


def _seed(engine, count: int, rng: random.Random) -> None:
    now = utcnow()
    with Session(engine) as session:
        for i in range(count):
            at = now - timedelta(minutes=rng.randint(0, 10_000))
            session.add(
                Report(
                    reference=f"T-{i}",
                    category_code=rng.choice(CATEGORIES),
                    status=rng.choice(STATUSES),
                    lat=CENTRE["lat"] + rng.uniform(-0.01, 0.01),
                    lon=CENTRE["long"] + rng.uniform(-0.015, 0.015),
                    channel="app",
                    tracking_token_hash=b"x",
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()


def test_the_model_finds_what_the_database_finds(fresh_db: str) -> None:
    rng = random.Random(5)
    engine = make_engine(fresh_db)
    try:
        _seed(engine, 1_500, rng)
        index = OpenReportIndex(engine)
        assert index.load() > 0
        with Session(engine) as session, engine.connect() as connection:
            categories = {code: session.get(Category, code) for code in CATEGORIES}
            for _ in range(150):
                code = rng.choice(CATEGORIES)
                lat = CENTRE["lat"] + rng.uniform(-0.012, 0.012)
                lon = CENTRE["long"] + rng.uniform(-0.018, 0.018)
                radius = rng.choice([50, 250, 600, 2_000])
                expected = nearby_open_reports(
                    connection, category=categories[code], lat=lat, lon=lon, radius_m=radius, limit=20
                )
                found = index.nearest(code, lat, lon, radius, 20)
                assert [report_id for report_id, _ in found] == [row.id for row, _ in expected]
                assert [round(d, 6) for _, d in found] == [round(d, 6) for _, d in expected]
    finally:
        engine.dispose()


@pytest.fixture()
def served(make_settings, fresh_db) -> Iterator[tuple[str, OpenReportIndex]]:
    app = create_app(make_settings(database_url=fresh_db, nearby_refresh_seconds=0.1))
    with serve(app) as base:
        index = app.state.nearby_index
        wait_for(lambda: index.ready)
        yield base, index


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_own_writes_are_in_the_next_lookup(served, staff_headers) -> None:
    base, index = served
    with httpx.Client(base_url=base, timeout=30) as api:
        spot = north_of(CENTRE, 3_000)
        made = report(api, "fly_tipping", spot)
        assert index.ready
        assert [item["id"] for item in nearby(api, "fly_tipping", spot)] == [made["id"]]

        supported = api.post(f"/v1/reports/{made['id']}/support", json={})
        assert supported.status_code == 200, supported.text
        assert nearby(api, "fly_tipping", spot)[0]["support_count"] == 1

        fixed = api.post(f"/v1/reports/{made['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
        assert fixed.status_code in (200, 201), fixed.text
        assert nearby(api, "fly_tipping", spot) == []


def test_other_processes_writes_arrive_within_a_refresh(served, fresh_db: str) -> None:
    base, _ = served
    other = make_engine(fresh_db)  # another replica, or the command line, writing to the same database
    try:
        with httpx.Client(base_url=base, timeout=30) as api:
            spot = north_of(CENTRE, 5_000)
            made = report(api, "graffiti", spot)
            assert [item["id"] for item in nearby(api, "graffiti", spot)] == [made["id"]]
            with other.begin() as connection:
                connection.execute(
                    update(Report).where(Report.id == UUID(made["id"])).values(status="closed", updated_at=utcnow())
                )
            wait_for(lambda: nearby(api, "graffiti", spot) == [])

            with Session(other) as session:
                session.add(
                    Report(
                        reference="T-OTHER",
                        category_code="graffiti",
                        lat=spot["lat"],
                        lon=spot["long"],
                        answers=ANSWERS["graffiti"],
                        channel="phone",
                        tracking_token_hash=b"x",
                    )
                )
                session.commit()
            wait_for(lambda: [item["reference"] for item in nearby(api, "graffiti", spot)] == ["T-OTHER"])
    finally:
        other.dispose()


def test_the_same_answer_from_memory_and_from_the_database(make_settings, fresh_db: str) -> None:
    spot = north_of(CENTRE, 7_000)
    answers = []
    for in_memory in (True, False):
        app = create_app(make_settings(database_url=fresh_db, nearby_in_memory=in_memory))
        with serve(app) as base, httpx.Client(base_url=base, timeout=30) as api:
            if in_memory:
                for metres in (0, 40, 90):
                    report(api, "graffiti", north_of(spot, metres), photo=metres == 40)
                wait_for(lambda index=app.state.nearby_index: index.ready)
            response = api.get("/v1/reports/nearby", params={"category": "graffiti", **spot})
            assert response.status_code == 200, response.text
            answers.append(response.content.replace(base.encode(), b"<base>"))  # two servers, two ports
    assert len(httpx.Response(200, content=answers[0]).json()) == 3
    assert answers[0] == answers[1]


def test_loaded_reports_are_rendered_ahead_as_the_public_sees_them(make_settings, fresh_db: str) -> None:
    rng = random.Random(9)
    engine = make_engine(fresh_db)
    try:
        _seed(engine, 300, rng)
        settings = make_settings(database_url=fresh_db, public_base_url="https://report.example")
        index = OpenReportIndex(engine, render=public_renderer(CategoryCache(engine), settings))
        held = index.load()
        assert index.warm
        with Session(engine) as session:
            rows = {r.id: r for r in session.exec(select(Report).where(col(Report.status).in_(OPEN_VALUES)))}
            looks = {code: look_of(session.get(Category, code)) for code in CATEGORIES}
        assert held == len(rows) > 0
        for report_id, row in rows.items():
            body = index.rendered(report_id, exact=True, base="https://report.example", look=looks[row.category_code])
            assert body is not None
            shown = ReportPublic.model_validate_json(body)
            assert (shown.id, shown.reference, shown.status) == (row.id, row.reference, row.status)
    finally:
        engine.dispose()


def test_a_sensitive_report_is_coarsened_for_the_public_and_exact_for_staff(served, staff_headers) -> None:
    base, index = served
    spot = north_of(CENTRE, 9_000)
    with httpx.Client(base_url=base, timeout=30) as api:
        made = api.post(
            "/v1/reports",
            json={
                "category": "needles",
                "location": spot,
                "description": "Two needles by the bench",
                "answers": {"near_children": "yes"},
            },
        )
        assert made.status_code == 201, made.text
        assert index.ready
        for _ in range(2):  # rendered on the first lookup, kept for the second
            public = api.get("/v1/reports/nearby", params={"category": "needles", **spot}).json()
            staff = api.get("/v1/reports/nearby", params={"category": "needles", **spot}, headers=staff_headers).json()
            assert [item["id"] for item in public] == [item["id"] for item in staff] == [made.json()["id"]]
            assert public[0]["location_coarsened"] is True and public[0]["description"] is None
            assert public[0]["location"] != {"lat": spot["lat"], "long": spot["long"]}
            assert staff[0]["location_coarsened"] is False
            assert staff[0]["description"] == "Two needles by the bench"


def test_photos_added_later_show_in_the_next_lookup(served) -> None:
    base, index = served
    spot = north_of(CENTRE, 6_000)
    with httpx.Client(base_url=base, timeout=30) as api:
        made = report(api, "graffiti", spot)
        assert index.ready
        assert nearby(api, "graffiti", spot)[0]["photos"] == []  # rendered now, and kept
        out = io.BytesIO()
        Image.new("RGB", (48, 32), (20, 60, 200)).save(out, "JPEG")
        added = api.post(
            f"/v1/reports/{made['id']}/photos",
            files=[("photos", ("wall.jpg", out.getvalue(), "image/jpeg"))],
            headers={"X-Tracking-Token": made["tracking_token"]},
        )
        assert added.status_code in (200, 201), added.text
        assert len(nearby(api, "graffiti", spot)[0]["photos"]) == 1
