"""Forwarding, exact on a hand-made dataset whose every figure is worked out here, on PostgreSQL and SQLite: a
report recategorised, one whose case moved between footprints, one both, one neither, and one recategorised a month
after it was made (counted with the month it was made).

Working time is the default calendar: 08:30-17:00 Monday to Friday, Europe/London (GMT in January and February,
so UTC is local time), England's bank holidays (none in these weeks). 5 January 2026 is a Monday.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from deal_shared.db import make_engine, utcnow
from deal_shared.working_time import WorkingCalendar
from report_it.categories import seed_categories
from report_it.db import migrate
from report_it.main import create_app
from report_it.models import Report, ReportUpdate
from report_it.outcomes.populations import parse, replace
from report_it.outcomes.refresh import rebuild, refresh
from services.report_it.tests.test_lifecycle import new_report
from services.report_it.tests.test_outcomes import _rollups
from tests.support.server import serve

CALENDAR = WorkingCalendar.from_settings()
CENTRAL, HINDLEY = "wigan_central", "ince_hindley_abram_platt_bridge"
POPULATIONS = """ward_code,ward_name,footprint_code,population
wigan_central,Wigan Central,wigan_central,10000
hindley,Hindley,ince_hindley_abram_platt_bridge,12000
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def report(code: str, created: str, *, footprint: str, ward: str) -> Report:
    return Report(
        id=uuid.uuid4(), reference=f"WG-{uuid.uuid4().hex[:4].upper()}-FWD", category_code=code, status="acknowledged",
        lat=53.545, lon=-2.632, channel="app", tracking_token_hash=b"x", created_at=at(created),
        updated_at=at(created), ward_code=ward, footprint_code=footprint,
    )  # fmt: skip


def change(target: Report, when: str, *changes: tuple[str, Any, Any]) -> ReportUpdate:
    return ReportUpdate(
        report_id=target.id, actor_kind="staff", created_at=at(when), internal_note="moved",
        changes=[{"field": f, "old": old, "new": new} for f, old, new in changes],
    )  # fmt: skip


@pytest.fixture(scope="module")
def dataset(database_factory) -> str:
    url = database_factory("report_it_forwarding")
    migrate(url)
    engine = make_engine(url)
    central, hindley = {"footprint": CENTRAL, "ward": "wigan_central"}, {"footprint": HINDLEY, "ward": "hindley"}
    # Each report as it is now: recategorised to its current category, moved to its current footprint.
    a = report("graffiti", "2026-01-05T09:00", **central)
    b = report("fly_tipping", "2026-01-06T09:00", **central)
    c = report("fly_tipping", "2026-01-08T10:00", **hindley)
    d = report("litter", "2026-01-12T09:00", **central)
    e = report("graffiti", "2026-02-02T09:00", **central)
    history = [
        # a: recategorised at 13:30 the same Monday: 4.5 working hours.
        change(a, "2026-01-05T13:30", ("category", "litter", "graffiti"), ("team", "street", "graffiti")),
        # b: moved from Hindley's footprint at 10:00 the next day: Tuesday 09:00-17:00 and Wednesday 08:30-10:00.
        change(b, "2026-01-07T10:00", ("footprint", HINDLEY, CENTRAL)),
        # c: recategorised an hour in, moved footprint at 10:00 on Friday: 7 h on Thursday + 1.5 h on Friday.
        change(c, "2026-01-08T11:00", ("category", "litter", "fly_tipping")),
        change(c, "2026-01-09T10:00", ("footprint", CENTRAL, HINDLEY)),
        # d: never handed on: a priority change, and its case's first placement in a footprint (from none).
        change(d, "2026-01-12T10:00", ("priority", "normal", "high"), ("footprint", None, CENTRAL)),
        # e: made in February, recategorised on 2 March: four whole working weeks, 20 x 8.5 h = 170 h, February's.
        change(e, "2026-03-02T09:00", ("category", "litter", "graffiti")),
    ]
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
        session.add_all([a, b, c, d, e])
        session.commit()
        session.add_all(history)
        replace(session, parse(POPULATIONS), illustrative=False)
        session.commit()
        assert refresh(session, calendar=CALENDAR) == 5
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def outcomes_api(dataset, make_settings):
    app = create_app(make_settings(database_url=dataset, run_deliverer=False, run_router=False))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def figures(api: httpx.Client, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = api.get("/v1/outcomes/reports", params={"from": "2026-01", "to": "2026-03", **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


FIELDS = ("reported", "forwarded", "forwarded_share", "recategorised", "moved_footprint", "forwards",
          "forward_hours_mean")  # fmt: skip


def pick(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[f] for f in FIELDS)


def test_forwarding_per_month(outcomes_api, staff_headers) -> None:
    f = figures(outcomes_api, staff_headers)
    months = {row["month"]: pick(row) for row in f["rows"]}
    # January: a, b, c forwarded of four; a and c recategorised, b and c moved; 1 + 1 + 2 hand-offs;
    # (4.5 + 9.5 + 8.5) / 3 = 7.5 h.
    assert months["2026-01"] == (4, 3, 0.75, 2, 2, 4, 7.5)
    # February: e, made then, although recategorised in March.
    assert months["2026-02"] == (1, 1, 1.0, 1, 0, 1, 170.0)
    assert months["2026-03"] == (0, 0, None, 0, 0, 0, None)
    # All three months: (4.5 + 9.5 + 8.5 + 170) / 4 = 48.125 h.
    assert pick(f["total"]) == (5, 4, 0.8, 3, 2, 5, 48.1)


def test_forwarding_per_footprint_ward_and_category(outcomes_api, staff_headers) -> None:
    footprints = {r["footprint"]: pick(r) for r in figures(outcomes_api, staff_headers, group_by="footprint")["rows"]}
    # Each report under its current footprint: a, b, d, e in the centre; c in Hindley's.
    assert footprints == {
        CENTRAL: (4, 3, 0.75, 2, 1, 3, round((4.5 + 9.5 + 170) / 3, 1)),
        HINDLEY: (1, 1, 1.0, 1, 1, 2, 8.5),
    }
    wards = {r["ward"]: pick(r) for r in figures(outcomes_api, staff_headers, group_by="ward")["rows"]}
    assert wards["hindley"] == footprints[HINDLEY]
    categories = {
        (r["month"], r["category"]): pick(r)
        for r in figures(outcomes_api, staff_headers, group_by="month,category")["rows"]
        if r["reported"]  # the open reports give later months rows of their backlog alone
    }
    assert categories == {
        ("2026-01", "graffiti"): (1, 1, 1.0, 1, 0, 1, 4.5),
        ("2026-01", "fly_tipping"): (2, 2, 1.0, 1, 2, 3, 9.0),
        ("2026-01", "litter"): (1, 0, 0.0, 0, 0, 0, None),
        ("2026-02", "graffiti"): (1, 1, 1.0, 1, 0, 1, 170.0),
    }


def test_forwarding_in_the_csv(outcomes_api, staff_headers) -> None:
    response = outcomes_api.get(
        "/v1/outcomes/reports.csv", params={"from": "2026-01", "to": "2026-01", "group_by": ""}, headers=staff_headers
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {f: rows[-1][f] for f in FIELDS} == {
        "reported": "4", "forwarded": "3", "forwarded_share": "0.75", "recategorised": "2", "moved_footprint": "2",
        "forwards": "4", "forward_hours_mean": "7.5",
    }  # fmt: skip


def test_the_rollups_equal_a_rebuild(dataset) -> None:
    engine = make_engine(dataset)
    with Session(engine) as session:
        refresh(session, calendar=CALENDAR)
        incremental = _rollups(session)
        assert any(row for row in incremental[0] if ("forwarded", 1) in row)
        rebuild(session, calendar=CALENDAR)
        assert _rollups(session) == incremental
        session.rollback()
    engine.dispose()


def test_a_recategorisation_and_a_case_moved_by_footprints_count_as_they_happen(
    outcomes_api, staff_headers, token_for
) -> None:
    this_month = utcnow().astimezone(CALENDAR.zone).strftime("%Y-%m")
    service = {"Authorization": f"Bearer {token_for('service', sub='service:footprints')}"}
    made = [new_report(outcomes_api) for _ in range(3)]
    recategorised = outcomes_api.patch(
        f"/v1/reports/{made[0]['id']}", json={"category": "litter"}, headers=staff_headers
    )
    assert recategorised.status_code == 200, recategorised.text
    url = f"/v1/reports/{made[1]['id']}/case-events"
    for sequence, footprint in enumerate((CENTRAL, HINDLEY), start=1):
        body = {"event_id": f"evt-{uuid.uuid4()}", "kind": "allocated" if sequence == 1 else "reallocated",
                "occurred_at": utcnow().isoformat(), "sequence": sequence, "footprint_code": footprint}  # fmt: skip
        assert outcomes_api.post(url, json=body, headers=service).status_code == 200
    f = figures(outcomes_api, staff_headers, **{"from": this_month, "to": this_month})
    # The first placement (from none) is not a hand-off; the move to Hindley's footprint is.
    assert pick(f["total"])[:6] == (3, 2, round(2 / 3, 4), 1, 1, 2)
    # The move is on the timeline for staff, as a footprint change; the public timeline does not show where it went.
    staff_view = outcomes_api.get(f"/v1/reports/{made[1]['id']}/updates", headers=staff_headers).json()
    public_view = outcomes_api.get(f"/v1/reports/{made[1]['id']}/updates").json()
    moved = [c for u in staff_view for c in u["changes"] if c["field"] == "footprint"]
    assert [(c["old"], c["new"]) for c in moved] == [(None, CENTRAL), (CENTRAL, HINDLEY)]
    assert not [c for u in public_view for c in u["changes"] if c["field"] == "footprint"]
