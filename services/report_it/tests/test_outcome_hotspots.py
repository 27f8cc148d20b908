"""Hotspot recurrence: for hotspots cleared in a period, reports at their place in the weeks before and after,
against comparable hotspots over the same weeks (a difference in differences), with the counts behind it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from deal_shared.db import make_engine, utcnow
from report_it.categories import seed_categories
from report_it.db import migrate
from report_it.main import create_app
from report_it.models import Report
from tests.support.server import serve

# Three places in the borough, kilometres apart.
A = (53.5500, -2.6300)
B = (53.5600, -2.6000)
E = (53.5300, -2.7000)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def report(place: tuple[float, float], created: datetime, *, fixed: datetime | None = None,
           category: str = "fly_tipping", metres_north: float = 0.0) -> Report:  # fmt: skip
    return Report(
        id=uuid.uuid4(),
        reference=f"WG-{uuid.uuid4().hex[:4].upper()}-HOTS",
        category_code=category,
        status="fixed" if fixed else "submitted",
        lat=place[0] + metres_north / 111_320,
        lon=place[1],
        channel="app",
        tracking_token_hash=b"x",
        created_at=created,
        updated_at=fixed or created,
        fixed_at=fixed,
    )


@pytest.fixture(scope="module")
def hotspots_api(database_factory, make_settings):
    url = database_factory("report_it_hotspot_outcomes")
    migrate(url)
    now = utcnow()
    rows = [
        # A: three reports in February, all fixed, the last fix on 2 March: cleared then. One comes back after.
        report(A, at("2026-02-10T09:00"), fixed=at("2026-02-20T12:00")),
        report(A, at("2026-02-12T09:00"), fixed=at("2026-02-25T12:00"), metres_north=40),
        report(A, at("2026-02-14T09:00"), fixed=at("2026-03-02T12:00"), metres_north=-40),
        report(A, at("2026-03-20T09:00"), metres_north=20),
        # B: a hotspot nobody cleared; more reports keep coming (3 in the four weeks before 2 March, 4 after).
        *[report(B, at(day), metres_north=10 * n) for n, day in enumerate(
            ["2026-02-15T09:00", "2026-02-18T09:00", "2026-02-20T09:00", "2026-03-05T09:00",
             "2026-03-10T09:00", "2026-03-15T09:00", "2026-03-25T09:00"])],
        # E: cleared on 10 March, nothing after; A (cleared within E's weeks) is no comparison for E, nor E for A.
        report(E, at("2026-02-11T09:00"), fixed=at("2026-03-01T12:00")),
        report(E, at("2026-02-12T09:00"), fixed=at("2026-03-05T12:00"), metres_north=30),
        report(E, at("2026-02-13T09:00"), fixed=at("2026-03-10T12:00"), metres_north=60),
        # A hotspot cleared a week ago: its four weeks after have not passed.
        *[report(E, now - timedelta(days=days), fixed=now - timedelta(days=7), metres_north=30 * n)
          for n, days in enumerate((40, 38, 36))],
        # Needles are sensitive: never counted at a place, however many.
        *[report(A, at("2026-02-10T10:00"), category="needles", fixed=at("2026-03-03T09:00")) for _ in range(3)],
    ]  # fmt: skip
    engine = make_engine(url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
        session.add_all(rows)
        session.commit()
    engine.dispose()
    app = create_app(make_settings(database_url=url, run_deliverer=False, run_router=False, volunteering_url=""))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def recurrence(api: httpx.Client, headers: dict[str, str], **params: str) -> dict:
    answer = api.get("/v1/outcomes/hotspots", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_cleared_hotspots_against_comparable_ones(hotspots_api, staff_headers) -> None:
    found = recurrence(hotspots_api, staff_headers, **{"from": "2026-03", "to": "2026-03", "weeks": "4"})
    assert found["categories"] and "needles" not in found["categories"]
    cleared = {(round(c["centre_lat"], 2), round(c["centre_long"], 2)): c for c in found["cleared"]}
    assert set(cleared) == {(round(A[0], 2), round(A[1], 2)), (round(E[0], 2), round(E[1], 2))}
    a = cleared[round(A[0], 2), round(A[1], 2)]
    # A: 3 before, 1 after (-2); its one comparison, B: 3 before, 4 after (+1): -2 - (+1) = -3.
    assert (a["report_count"], a["before"], a["after"]) == (3, 3, 1)
    assert a["cleared_at"].startswith("2026-03-02T12:00")
    assert (a["comparisons"], a["comparison_before"], a["comparison_after"]) == (1, 3.0, 4.0)
    assert a["difference_in_differences"] == -3.0
    e = cleared[round(E[0], 2), round(E[1], 2)]
    # E: 3 before, 0 after (-3). B over E's weeks (to and from 10 March 12:00): 5 before (that morning's among
    # them), 2 after (-3): no difference, -3 - (-3) = 0.
    assert (e["before"], e["after"], e["comparisons"], e["comparison_before"], e["comparison_after"]) == (
        3, 0, 1, 5.0, 2.0
    )  # fmt: skip
    assert e["difference_in_differences"] == 0.0
    assert found["estimated_from"] == 2 and found["difference_in_differences"] == -1.5
    assert found["too_recent"] == 0
    # Clean-ups are counted only where Volunteering can be asked (tests/test_outcome_cleanups.py).
    assert found["cleanups_counted"] is False and "REPORT_IT_VOLUNTEERING_URL" in found["cleanups_note"]
    assert {c["cleared_by"] for c in found["cleared"]} == {"fixed"}


def test_a_hotspot_cleared_too_recently_is_counted_apart(hotspots_api, staff_headers) -> None:
    now = utcnow()
    month_of = (now - timedelta(days=7)).strftime("%Y-%m")
    found = recurrence(hotspots_api, staff_headers, **{"from": month_of, "to": now.strftime("%Y-%m"), "weeks": "4"})
    assert found["too_recent"] == 1 and found["cleared"] == [] and found["difference_in_differences"] is None


def test_one_category_and_bad_queries(hotspots_api, staff_headers) -> None:
    litter = recurrence(hotspots_api, staff_headers, **{"from": "2026-03", "to": "2026-03", "category": "litter"})
    assert litter["categories"] == ["litter"] and litter["cleared"] == []
    for params, field in (({"weeks": "0"}, "weeks"), ({"weeks": "27"}, "weeks"), ({"from": "2026-13"}, "from")):
        refused = hotspots_api.get("/v1/outcomes/hotspots", params=params, headers=staff_headers)
        assert refused.status_code == 422, refused.text
        assert field in refused.text
    assert hotspots_api.get("/v1/outcomes/hotspots").status_code == 401
