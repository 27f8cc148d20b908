"""Lookups whose work is bounded whatever they are asked: positions far outside the borough are refused before any
work, the nearby model's walk is capped, and a wide walk never holds up the event loop."""

from __future__ import annotations

import random
import threading

import httpx
import pytest

from deal_shared.db import make_engine
from deal_shared.geo import load_borough
from report_it.nearby_index import OpenReportIndex, walks_inline
from services.report_it.tests.test_nearby import SPOT, nearby, report
from services.report_it.tests.test_nearby_memory import CATEGORIES, CENTRE, _seed

FAR_AWAY = [
    ({"lat": 89.9999, "long": 179.9999}, "query.lat"),
    ({"lat": -90, "long": -180}, "query.lat"),
    ({"lat": 90, "long": 0}, "query.lat"),
    ({"lat": 53.53, "long": 179.9999}, "query.long"),
    ({"lat": 53.53, "long": -3.5}, "query.long"),
    ({"lat": 51.5, "long": -0.12}, "query.lat"),  # London
]


@pytest.mark.parametrize(("at", "field"), FAR_AWAY)
def test_a_position_far_outside_the_borough_is_refused_naming_the_field(api: httpx.Client, at, field) -> None:
    response = api.get("/v1/reports/nearby", params={"category": "litter", **at, "radius_m": 5000}, timeout=10)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "OutsideBorough"
    assert [e["field"] for e in problem["errors"]] == [field]


def test_not_a_number_is_refused(api: httpx.Client) -> None:
    for lat in ("nan", "inf", "-inf", "1e309"):
        response = api.get("/v1/reports/nearby", params={"category": "litter", "lat": lat, "long": -2.6}, timeout=10)
        assert response.status_code == 422, (lat, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_just_over_the_boundary_is_still_answered(api: httpx.Client) -> None:
    borough = load_borough()
    min_lon, _, max_lon, max_lat = borough.geometry.bounds
    # 5 km north of the outline's northern edge: a real question ("is it reported on my side?"), answered.
    at = {"lat": max_lat + 0.045, "long": (min_lon + max_lon) / 2}
    assert nearby(api, "litter", at, radius_m=5000) == []


def test_a_wide_lookup_is_answered_and_the_service_stays_responsive(api: httpx.Client) -> None:
    made = report(api, "litter", SPOT)
    found = nearby(api, "litter", SPOT, radius_m=5000)
    assert made["id"] in [item["id"] for item in found]
    # Many wide lookups at once, while the readiness probe is asked: every one answers.
    answers: list[int] = []

    def ask() -> None:
        answers.append(
            api.get("/v1/reports/nearby", params={"category": "litter", **SPOT, "radius_m": 5000}).status_code
        )

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert api.get("/readyz", timeout=10).status_code == 200
    for thread in threads:
        thread.join(30)
    assert answers == [200] * 8


def test_the_walk_is_bounded_near_the_poles_and_gives_the_same_answers(fresh_db: str) -> None:
    engine = make_engine(fresh_db)
    try:
        _seed(engine, 600, random.Random(11))
        index = OpenReportIndex(engine)
        index.load()
        # Towards a pole the window would hold billions of cells; the model walks the cells it has instead.
        for lat, lon in ((89.9999, 179.9999), (90.0, 0.0), (-90.0, -180.0), (89.0, -2.6)):
            assert index.nearest("litter", lat, lon, 5000, 20) == []
        assert not walks_inline(89.9999, 5000)
        assert walks_inline(CENTRE["lat"], 250)
        # Both ways of walking (the window, or every cell held) find the same reports.
        rng = random.Random(3)
        for _ in range(60):
            code = rng.choice(CATEGORIES)
            lat = CENTRE["lat"] + rng.uniform(-0.012, 0.012)
            lon = CENTRE["long"] + rng.uniform(-0.018, 0.018)
            radius = rng.choice([50, 250, 600, 2_000, 5_000])
            wide = index.nearest(code, lat, lon, radius, 20)
            cells = index._cells
            index._cells = {**cells, **{("padding", i, 0): [] for i in range(200_000)}}  # forces the window walk
            try:
                narrow = index.nearest(code, lat, lon, radius, 20)
            finally:
                index._cells = cells
            assert wide == narrow
    finally:
        engine.dispose()


def test_hotspots_group_at_most_the_newest_reports_of_their_bound(fresh_db: str, monkeypatch) -> None:
    from datetime import timedelta

    from sqlmodel import Session

    from deal_shared.db import utcnow
    from report_it import clusters

    engine = make_engine(fresh_db)
    try:
        _seed(engine, 300, random.Random(7))
        since = utcnow() - timedelta(days=30)
        with Session(engine) as session:
            everything = clusters.find_clusters(
                session, categories=CATEGORIES, since=since, min_reports=1, link_m=150, link_days=30
            )
            monkeypatch.setattr(clusters, "MAX_REPORTS", 40)
            bounded = clusters.find_clusters(
                session, categories=CATEGORIES, since=since, min_reports=1, link_m=150, link_days=30
            )
        counted = sum(c.report_count for c in bounded)
        assert counted == 40 < sum(c.report_count for c in everything)
        newest = max(c.last_reported_at for c in everything)
        assert max(c.last_reported_at for c in bounded) == newest, "the newest are kept, the oldest left out"
    finally:
        engine.dispose()
