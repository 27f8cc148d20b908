"""Outcome measures, exact on a hand-made dataset whose every figure is worked out here, on PostgreSQL and SQLite.

Working time is the default calendar: 08:30-17:00 Monday to Friday, Europe/London, England's bank holidays. The
dataset sits in January and February 2026 (GMT, so UTC is local time), with an empty March and April, and one
report made at 23:30 UTC on 30 April, which is 00:30 BST on 1 May: the council's May.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from deal_shared.db import make_engine, utcnow
from deal_shared.working_time import WorkingCalendar
from report_it.categories import seed_categories
from report_it.db import migrate
from report_it.main import create_app
from report_it.models import Report, ReportUpdate
from report_it.outcomes.measures import fix_hours
from report_it.outcomes.models import MONTH_COUNTERS, OutcomeFixTime, OutcomeMonth, OutcomeReportFact
from report_it.outcomes.populations import SHIPPED, parse, replace, seed_populations
from report_it.outcomes.refresh import mark_changed, rebuild, refresh
from tests.support.server import serve

CALENDAR = WorkingCalendar.from_settings()
FP_CENTRAL, FP_HINDLEY = "wigan_central", "ince_hindley_abram_platt_bridge"
POPULATIONS = """# test populations
ward_code,ward_name,footprint_code,population,year,source
wigan_central,Wigan Central,wigan_central,10000,2024,test
pemberton,Pemberton,wigan_central,8000,2024,test
douglas,Douglas,wigan_central,5000,2024,test
hindley,Hindley,ince_hindley_abram_platt_bridge,12000,2024,test
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def report(code: str, created: str, *, ward: str | None, footprint: str | None, channel: str = "app",
           status: str = "submitted", expected: str | None = None, fixed: str | None = None,
           closed: str | None = None) -> Report:  # fmt: skip
    return Report(
        id=uuid.uuid4(),
        reference=f"WG-{uuid.uuid4().hex[:4].upper()}-OUTC",
        category_code=code,
        status=status,
        lat=53.545,
        lon=-2.632,
        channel=channel,
        tracking_token_hash=b"x",
        created_at=at(created),
        updated_at=at(fixed or closed or created),
        expected_at=at(expected) if expected else None,
        fixed_at=at(fixed) if fixed else None,
        closed_at=at(closed) if closed else None,
        ward_code=ward,
        footprint_code=footprint,
    )


def moves(target: Report, *steps: tuple[str, str, str]) -> list[ReportUpdate]:
    return [
        ReportUpdate(report_id=target.id, actor_kind="staff", status_from=a, status_to=b, created_at=at(when))
        for when, a, b in steps
    ]


@pytest.fixture(scope="module")
def dataset(database_factory) -> tuple[str, dict[str, uuid.UUID]]:
    url = database_factory("report_it_outcomes")
    migrate(url)
    engine = make_engine(url)
    central = {"ward": "wigan_central", "footprint": FP_CENTRAL}
    hindley = {"ward": "hindley", "footprint": FP_HINDLEY}
    r = {
        # Fixed first time in 4 working hours, within its target of the next morning.
        "r1": report("litter", "2026-01-05T09:00", **central, status="fixed", expected="2026-01-06T09:00",
                     fixed="2026-01-05T13:00"),
        # Reopened twice; fixed for good on 4 February, a month late.
        "r2": report("litter", "2026-01-06T10:00", **central, channel="web", status="fixed",
                     expected="2026-01-07T10:00", fixed="2026-02-04T16:00"),
        # No target, open ever since.
        "r3": report("graffiti", "2026-01-14T09:00", **hindley, channel="staff", status="acknowledged"),
        # Overdue from 16 January, still open.
        "r4": report("litter", "2026-01-15T09:00", **central, channel="open311", status="in_progress",
                     expected="2026-01-16T09:00"),
        "r5": report("fly_tipping", "2026-01-19T09:00", **hindley, status="not_council_responsibility",
                     closed="2026-01-19T15:00"),
        "r6": report("fly_tipping", "2026-01-20T09:00", **hindley, channel="web", status="duplicate",
                     closed="2026-01-20T10:00"),
        # Safeguarding: counted borough-wide, never by ward or footprint.
        "r7": report("safeguarding_concern", "2026-02-02T09:00", **hindley, channel="staff"),
        "r8": report("litter", "2026-02-02T09:00", ward="pemberton", footprint=FP_CENTRAL, status="fixed",
                     expected="2026-02-02T17:00", fixed="2026-02-02T11:00"),
        "r9": report("litter", "2026-04-30T23:30", **central),
    }  # fmt: skip
    history = [
        *moves(r["r1"], ("2026-01-05T13:00", "submitted", "fixed")),
        *moves(
            r["r2"],
            ("2026-01-06T11:00", "submitted", "acknowledged"),
            ("2026-01-08T10:00", "acknowledged", "fixed"),
            ("2026-01-09T09:00", "fixed", "acknowledged"),
            ("2026-01-12T12:00", "acknowledged", "fixed"),
            ("2026-02-03T09:00", "fixed", "in_progress"),
            ("2026-02-04T16:00", "in_progress", "fixed"),
        ),
        *moves(r["r3"], ("2026-01-14T10:00", "submitted", "acknowledged")),
        *moves(r["r4"], ("2026-01-15T10:00", "submitted", "in_progress")),
        *moves(r["r5"], ("2026-01-19T15:00", "submitted", "not_council_responsibility")),
        *moves(r["r6"], ("2026-01-20T10:00", "submitted", "duplicate")),
        *moves(r["r8"], ("2026-02-02T11:00", "submitted", "fixed")),
    ]
    with Session(engine, expire_on_commit=False) as session:
        seed_categories(session)
        session.commit()
        session.add_all(r.values())
        session.commit()
        session.add_all(history)
        replace(session, parse(POPULATIONS), illustrative=False)
        session.commit()
        assert refresh(session, calendar=CALENDAR) == 9
        session.commit()
    engine.dispose()
    return url, {k: v.id for k, v in r.items()}


@pytest.fixture()
def session(dataset):
    engine = make_engine(dataset[0])
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.fixture(scope="module")
def outcomes_api(dataset, make_settings):
    app = create_app(make_settings(database_url=dataset[0], run_deliverer=False, run_router=False))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def figures(api: httpx.Client, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = api.get("/v1/outcomes/reports", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def by(rows: list[dict[str, Any]], *keys: str) -> dict[Any, dict[str, Any]]:
    return {(row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)): row for row in rows}


def test_fix_time_percentiles_from_a_histogram() -> None:
    # Values 1.0, 3.0, 5.0, 10.0 h: the median averages the middle two, the 90th percentile is the 4th of 4.
    assert fix_hours([(10, 1), (30, 1), (50, 1), (100, 1)]) == (4.0, 10.0)
    # Ten values 0.1 .. 1.0 h: nearest rank 9 of 10.
    assert fix_hours([(t, 1) for t in range(1, 11)]) == (round(0.55, 1), 0.9)
    assert fix_hours([(20, 3)]) == (2.0, 2.0)
    assert fix_hours([]) == (None, None)


def test_month_by_month_figures(outcomes_api, staff_headers) -> None:
    f = figures(outcomes_api, staff_headers, **{"from": "2026-01", "to": "2026-05"})
    months = by(f["rows"], "month")
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]  # empty months included
    jan, feb, mar, apr, may = (months[m] for m in months)
    # January: r1..r6 made; only r1 is fixed in January now (r2's last fix is in February).
    assert jan["reported"] == 6
    assert (jan["fixed"], jan["fixed_first_time"], jan["with_target"], jan["within_target"]) == (1, 1, 1, 1)
    assert (jan["median_fix_hours"], jan["p90_fix_hours"]) == (4.0, 4.0)  # Monday 09:00 to 13:00
    # Resolutions: r1 once, r2 twice (8 and 12 January), r5 and r6; r2 was reopened on 9 January.
    assert (jan["resolutions"], jan["reopens"], jan["reopen_rate"]) == (5, 1, 0.2)
    assert (jan["not_council_responsibility"], jan["duplicates"]) == (1, 1)
    # Open at the end of January: r3 (no target) and r4 (due 16 January: overdue).
    assert (jan["backlog_at_end"], jan["overdue_at_end"]) == (2, 1)
    # February: r7 and r8 made; r8 fixed in 2.0 working hours, r2's final fix on 4 February took
    # 7 h (6 January, 10:00-17:00) + 20 working days x 8.5 h (7 January to 3 February) + 7.5 h (4 February).
    r2_hours = 7 + 20 * 8.5 + 7.5
    assert r2_hours == 184.5
    assert feb["reported"] == 2
    assert (feb["fixed"], feb["fixed_first_time"], feb["with_target"], feb["within_target"]) == (2, 1, 2, 1)
    assert feb["fixed_first_time_share"] == 0.5 and feb["within_target_share"] == 0.5
    assert feb["median_fix_hours"] == round((2.0 + r2_hours) / 2, 1) and feb["p90_fix_hours"] == r2_hours
    assert (feb["resolutions"], feb["reopens"], feb["reopen_rate"]) == (2, 1, 0.5)
    # r7 (safeguarding) joins r3 and r4 in the backlog; r4 stays overdue.
    assert (feb["backlog_at_end"], feb["overdue_at_end"]) == (3, 1)
    for empty in (mar, apr):
        assert empty["reported"] == 0 and empty["fixed"] == 0 and empty["median_fix_hours"] is None
        assert empty["reopen_rate"] is None and (empty["backlog_at_end"], empty["overdue_at_end"]) == (3, 1)
    assert may["reported"] == 1 and (may["backlog_at_end"], may["overdue_at_end"]) == (4, 1)
    total = f["total"]
    assert (total["reported"], total["fixed"], total["resolutions"], total["reopens"]) == (9, 3, 7, 2)
    assert (total["median_fix_hours"], total["p90_fix_hours"]) == (4.0, r2_hours)  # of 2.0, 4.0 and 184.5
    assert (total["backlog_at_end"], total["overdue_at_end"]) == (4, 1)
    assert total["residents"] == 35000 and total["reports_per_1000"] == round(9 / 35000 * 1000, 2)


def test_reports_per_1000_residents_by_ward_and_footprint(outcomes_api, staff_headers) -> None:
    period = {"from": "2026-01", "to": "2026-02"}
    wards = by(figures(outcomes_api, staff_headers, **period, group_by="ward")["rows"], "ward")
    assert {w: row["reported"] for w, row in wards.items()} == {"": 1, "hindley": 3, "pemberton": 1, "wigan_central": 3}
    assert wards["wigan_central"]["residents"] == 10000 and wards["wigan_central"]["reports_per_1000"] == 0.3
    assert wards["hindley"]["reports_per_1000"] == 0.25  # 3 / 12,000 x 1,000
    assert wards[""]["residents"] is None and wards[""]["reports_per_1000"] is None  # the safeguarding concern
    footprints = by(figures(outcomes_api, staff_headers, **period, group_by="footprint")["rows"], "footprint")
    # Wigan Central's wards hold 10,000 + 8,000 + 5,000 (Douglas, with no reports) residents.
    assert footprints[FP_CENTRAL]["reported"] == 4 and footprints[FP_CENTRAL]["residents"] == 23000
    assert footprints[FP_CENTRAL]["reports_per_1000"] == round(4 / 23000 * 1000, 2)
    one_ward = figures(outcomes_api, staff_headers, **period, ward="pemberton", group_by="month,category")
    assert [(r["month"], r["category"], r["reported"], r["residents"]) for r in one_ward["rows"]] == [
        ("2026-02", "litter", 1, 8000)
    ]
    assert one_ward["total"]["reports_per_1000"] == 0.12  # 1 / 8,000 x 1,000 = 0.125, to two places


def test_channel_shift_by_month(outcomes_api, staff_headers) -> None:
    f = figures(outcomes_api, staff_headers, **{"from": "2026-01", "to": "2026-02", "group_by": "month,channel"})
    shares = {(r["month"], r["channel"]): (r["reported"], r["share_of_reported"]) for r in f["rows"]}
    assert shares == {
        ("2026-01", "app"): (2, round(2 / 6, 4)),  # r1, r5
        ("2026-01", "web"): (2, round(2 / 6, 4)),  # r2, r6
        ("2026-01", "staff"): (1, round(1 / 6, 4)),  # r3
        ("2026-01", "open311"): (1, round(1 / 6, 4)),  # r4
        ("2026-02", "staff"): (1, 0.5),  # r7
        ("2026-02", "app"): (1, 0.5),  # r8
        ("2026-02", "open311"): (0, 0.0),  # r4: nothing new in February, but still open
        ("2026-02", "web"): (0, 0.0),  # r2: nothing new, but fixed in February
    }
    # Fix times are not kept by channel: shown as unknown rather than wrong.
    assert all(r["median_fix_hours"] is None for r in f["rows"])


def test_csv_carries_the_same_figures(outcomes_api, staff_headers) -> None:
    response = outcomes_api.get(
        "/v1/outcomes/reports.csv", params={"from": "2026-01", "to": "2026-02", "group_by": "ward"},
        headers=staff_headers,
    )  # fmt: skip
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["ward"] for r in rows] == ["", "hindley", "pemberton", "wigan_central", "total"]
    central = rows[3]
    assert central["reported"] == "3" and central["reports_per_1000"] == "0.3" and central["fixed"] == "2"
    assert rows[-1]["reported"] == "8" and rows[-1]["residents"] == "35000"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"to": "26-01"}, "to"),
        ({"from": "2026-05", "to": "2026-01"}, "from"),
        ({"from": "2000-01", "to": "2026-01"}, "from"),
        ({"group_by": "month,postcode"}, "group_by"),
        ({"ward": ",".join(f"w{i}" for i in range(101))}, "ward"),
    ],
)
def test_bad_queries_are_422_naming_the_field(outcomes_api, staff_headers, params, field) -> None:
    response = outcomes_api.get("/v1/outcomes/reports", params=params, headers=staff_headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "InvalidOutcomeQuery" and problem["errors"][0]["field"] == f"query.{field}"


def test_staff_only(outcomes_api) -> None:
    assert outcomes_api.get("/v1/outcomes/reports").status_code == 401
    assert outcomes_api.get("/v1/outcomes/reports.csv").status_code == 401


def _rollups(session: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rollups' rows that count anything (a row brought back to zero is kept, and equals no row)."""
    months = [m.model_dump() for m in session.exec(select(OutcomeMonth))]
    fixes = [f.model_dump() for f in session.exec(select(OutcomeFixTime))]
    return (
        sorted(tuple(sorted(m.items())) for m in months if any(m[c] for c in MONTH_COUNTERS)),
        sorted(tuple(sorted(f.items())) for f in fixes if f["reports"]),
    )


def test_changes_are_followed_incrementally_and_match_a_rebuild(dataset, session, outcomes_api, staff_headers):
    _, ids = dataset
    # r4 is moved by its case into Hindley's footprint (no `updated_at` moves: the case sync marks it).
    r4 = session.get(Report, ids["r4"])
    r4.ward_code, r4.footprint_code = "hindley", FP_HINDLEY
    mark_changed(session, r4.id)
    # r8 is recategorised litter -> graffiti; r1 is reopened on 2 March.
    r8 = session.get(Report, ids["r8"])
    r8.category_code, r8.updated_at = "graffiti", utcnow()
    r1 = session.get(Report, ids["r1"])
    r1.status, r1.fixed_at, r1.updated_at = "acknowledged", None, utcnow()
    session.add_all([r4, r8, r1, *moves(r1, ("2026-03-02T09:00", "fixed", "acknowledged"))])
    session.commit()
    before = session.exec(select(func.count()).select_from(OutcomeReportFact)).one()
    f = figures(outcomes_api, staff_headers, **{"from": "2026-01", "to": "2026-03", "group_by": "ward"})
    wards = by(f["rows"], "ward")
    assert wards["wigan_central"]["reported"] == 2 and wards["hindley"]["reported"] == 4
    assert wards["hindley"]["overdue_at_end"] == 1 and "overdue_at_end" in wards["wigan_central"]
    months = by(figures(outcomes_api, staff_headers, **{"from": "2026-01", "to": "2026-03"})["rows"], "month")
    # r1 is no longer fixed (January loses its fix), its January resolution stays, and it is open again in March.
    assert (months["2026-01"]["fixed"], months["2026-01"]["resolutions"], months["2026-01"]["median_fix_hours"]) == (
        0, 5, None)  # fmt: skip
    assert months["2026-03"]["reopens"] == 1 and months["2026-03"]["backlog_at_end"] == 4
    categories = by(
        figures(outcomes_api, staff_headers, **{"from": "2026-02", "to": "2026-02", "group_by": "category"})["rows"],
        "category",
    )
    assert categories["graffiti"]["reported"] == 1 and categories["graffiti"]["fixed"] == 1
    assert categories.get("litter", {"reported": 0})["reported"] == 0
    # A second look recomputes nothing: every report is as last read.
    session.expire_all()
    assert refresh(session, calendar=CALENDAR) == 0
    session.commit()
    assert session.exec(select(func.count()).select_from(OutcomeReportFact)).one() == before == 9
    incremental = _rollups(session)
    rebuild(session, calendar=CALENDAR)
    session.commit()
    assert _rollups(session) == incremental


def test_shipped_populations_cover_the_25_wards_and_say_what_they_are(session) -> None:
    wards = parse(SHIPPED.read_text(encoding="utf-8"))
    assert len(wards) == 25 and sum(w.population for w in wards) == 324650
    assert {w.source for w in wards} == {"jrf-insight", "illustrative-share"}
    assert "ILLUSTRATIVE" in SHIPPED.read_text(encoding="utf-8").splitlines()[1]
    # Seeding never replaces what the council imported.
    assert seed_populations(session) == 0
