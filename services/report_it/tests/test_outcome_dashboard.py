"""The outcomes dashboard's own figures, exact on a hand-made January 2026 (GMT, so UTC is local time; the 5th is a
Monday), on PostgreSQL and SQLite: time-to-fix bands per footprint, and the open ward table with small numbers
withheld. Working time: 08:30-17:00 Monday to Friday."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session

from deal_shared.db import make_engine
from deal_shared.working_time import WorkingCalendar
from report_it.categories import seed_categories
from report_it.db import migrate
from report_it.main import create_app
from report_it.models import Report
from report_it.outcomes.open_data import withheld
from report_it.outcomes.populations import parse, replace
from report_it.outcomes.refresh import refresh
from tests.support.server import serve

CALENDAR = WorkingCalendar.from_settings()
CENTRAL, HINDLEY = "wigan_central", "ince_hindley_abram_platt_bridge"
POPULATIONS = """ward_code,ward_name,footprint_code,population
wigan_central,Wigan Central,wigan_central,10000
pemberton,Pemberton,wigan_central,7000
douglas,Douglas,wigan_central,5000
orrell,Orrell,wigan_central,9000
hindley,Hindley,ince_hindley_abram_platt_bridge,12000
"""
JANUARY = {"from": "2026-01", "to": "2026-01"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def report(ward: str, *, fixed: str | None = None, code: str = "litter", created: str = "2026-01-05T09:00") -> Report:
    footprint = HINDLEY if ward == "hindley" else CENTRAL
    return Report(
        id=uuid.uuid4(), reference=f"WG-{uuid.uuid4().hex[:4].upper()}-DASH", category_code=code,
        status="fixed" if fixed else "acknowledged", lat=53.545, lon=-2.632, channel="app", tracking_token_hash=b"x",
        created_at=at(created), updated_at=at(fixed or created), fixed_at=at(fixed) if fixed else None,
        ward_code=ward, footprint_code=footprint, reporter_name="Ann Resident", reporter_email="ann@example.org",
    )  # fmt: skip


@pytest.fixture(scope="module")
def dataset(database_factory) -> str:
    url = database_factory("report_it_dashboard")
    migrate(url)
    engine = make_engine(url)
    # Wigan Central: six fixed, made Monday 09:00, taking 1, 3, 5, 7, 9.5 (to Tuesday 10:00) and 59.5 working hours
    # (to Wednesday 14 January 09:00: 8 + 6 x 8.5 + 0.5).
    fixes = ["2026-01-05T10:00", "2026-01-05T12:00", "2026-01-05T14:00", "2026-01-05T16:00", "2026-01-06T10:00",
             "2026-01-14T09:00"]  # fmt: skip
    reports = [report("wigan_central", fixed=f) for f in fixes]
    reports += [report("hindley") for _ in range(2)]
    reports += [report("pemberton") for _ in range(7)]
    reports += [report("douglas") for _ in range(5)]
    # Never published by place: a safeguarding concern and a sensitive category.
    reports += [report("orrell", code="safeguarding_concern"), report("orrell", code="needles")]
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
        session.add_all(reports)
        replace(session, parse(POPULATIONS), illustrative=False)
        session.commit()
        assert refresh(session, calendar=CALENDAR) == len(reports)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def api(dataset, make_settings):
    # Nothing listens on port 9: Footprints cannot be asked for ward shapes.
    settings = make_settings(database_url=dataset, run_deliverer=False, run_router=False,
                             footprints_url="http://127.0.0.1:9")  # fmt: skip
    with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def get(api: httpx.Client, path: str, headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
    response = api.get(path, params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


def test_fix_time_bands_per_footprint(api, staff_headers) -> None:
    f = get(api, "/v1/outcomes/fix-times", staff_headers, **JANUARY).json()
    assert [b["label"] for b in f["bands"]] == ["under 4 h", "4 h to 1 day", "1 to 2 days", "2 to 5 days",
                                                "1 to 2 weeks", "over 2 weeks"]  # fmt: skip
    # 1 and 3 h; 5 and 7 h; 9.5 h; none; 59.5 h. Median of six: (5 + 7) / 2; 90th percentile: the 6th of 6.
    expected = {"footprint": CENTRAL, "reports": [2, 2, 1, 0, 1, 0], "fixed": 6, "median_fix_hours": 6.0,
                "p90_fix_hours": 59.5}  # fmt: skip
    assert f["rows"] == [expected]
    assert f["total"] == {**expected, "footprint": None}
    rows = list(csv.reader(io.StringIO(get(api, "/v1/outcomes/fix-times.csv", staff_headers, **JANUARY).text)))
    assert rows[0][:3] == ["footprint", "under 4 h", "4 h to 1 day"]
    assert rows[1] == [CENTRAL, "2", "2", "1", "0", "1", "0", "6", "6.0", "59.5"]
    assert rows[2][0] == "total"


def test_fix_times_refuse_a_channel_and_are_for_staff(api, staff_headers) -> None:
    refused = api.get("/v1/outcomes/fix-times", params={"channel": "app"}, headers=staff_headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "query.channel"
    assert api.get("/v1/outcomes/fix-times").status_code == 401
    assert api.get("/v1/outcomes/hotspots.csv").status_code == 401


def test_the_open_ward_table_withholds_small_numbers(api) -> None:
    f = get(api, "/v1/open-data/outcomes/wards", **JANUARY).json()
    wards = {row["ward"]: row for row in f["rows"]}
    # Hindley's 2 reports are withheld; then Douglas's 5, the next smallest, so that Hindley's cannot be recovered
    # from the total.
    assert [w for w, row in wards.items() if row["suppressed"]] == ["douglas", "hindley"]
    assert wards["hindley"]["reported"] is None and wards["douglas"]["reports_per_1000"] is None
    pemberton = {k: wards["pemberton"][k] for k in ("reported", "reports_per_1000", "fixed", "median_fix_hours")}
    assert pemberton == {"reported": 7, "reports_per_1000": 1.0, "fixed": 0, "median_fix_hours": None}
    assert (wards["wigan_central"]["reported"], wards["wigan_central"]["fixed"]) == (6, 6)
    assert (wards["wigan_central"]["median_fix_hours"], wards["wigan_central"]["reports_per_1000"]) == (6.0, 0.6)
    # Orrell's only reports are a safeguarding concern and a sensitive category: neither is published by place.
    assert (wards["orrell"]["reported"], wards["orrell"]["suppressed"]) == (0, False)
    assert f["total_reported"] == 6 + 2 + 7 + 5 and "needles" not in f["categories"]
    assert "reporter" not in str(f) and "Ann" not in str(f)


def test_the_open_ward_table_as_csv(api) -> None:
    rows = list(csv.DictReader(io.StringIO(get(api, "/v1/open-data/outcomes/wards.csv", **JANUARY).text)))
    by_ward = {row["ward"]: row for row in rows}
    assert by_ward["hindley"]["reported"] == "[c]" and by_ward["douglas"]["median_fix_hours"] == "[c]"
    assert by_ward["pemberton"]["reported"] == "7" and by_ward["pemberton"]["median_fix_hours"] == ""
    assert by_ward["total"]["reported"] == "20"


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [([2, 7, 5, 0], {0, 2}), ([2, 3, 9], {0, 1}), ([6, 7], set()), ([4], {0}), ([0, 0, 1], {2})],
)
def test_which_counts_are_withheld(counts: list[int], hidden: set[int]) -> None:
    assert withheld(counts, 5) == hidden


def test_ward_shapes_say_why_when_footprints_cannot_be_asked(api) -> None:
    shapes = get(api, "/v1/outcomes/ward-shapes").json()
    assert shapes["wards"] == [] and "Footprints" in shapes["note"]


def test_hotspots_as_csv(api, staff_headers) -> None:
    text = get(api, "/v1/outcomes/hotspots.csv", staff_headers, **JANUARY).text
    assert text.splitlines()[0].startswith("category,centre_lat,centre_long,radius_m,report_count,cleared_at")


def test_figures_without_the_fix_time_percentiles(api, staff_headers) -> None:
    bare = get(api, "/v1/outcomes/reports", staff_headers, **JANUARY, group_by="", fix_times="false").json()["total"]
    full = get(api, "/v1/outcomes/reports", staff_headers, **JANUARY, group_by="").json()["total"]
    assert (bare["fixed"], bare["median_fix_hours"], bare["p90_fix_hours"]) == (6, None, None)
    assert (full["fixed"], full["median_fix_hours"], full["p90_fix_hours"]) == (6, 6.0, 59.5)
