"""The Defra fly-tipping return: an officer records each fly-tipping report's Defra fields (suggested from the report's
answers), refused fields say which and what is allowed, and a quarter's return lists incidents missing a field first,
then exports the complete ones one row each and the aggregate table, on both databases."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session

from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.db import migrate
from report_it.main import create_app
from report_it.models import Report
from tests.support.server import serve


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Made:
    """A report the fixture stores (afresh on each backend); the tests name it by id and reference."""

    created: str
    category: str = "fly_tipping"
    status: str = "fixed"
    answers: dict = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    reference: str = field(default_factory=lambda: f"WG-{uuid.uuid4().hex[:4].upper()}-FLYT")

    def row(self) -> Report:
        return Report(
            id=self.id,
            reference=self.reference,
            category_code=self.category,
            status=self.status,
            lat=53.545,
            lon=-2.632,
            channel="app",
            tracking_token_hash=b"x",
            answers=self.answers,
            ward_code=WARD,
            created_at=at(self.created),
            updated_at=at(self.created),
        )


WARD = "E05000841"


# 2026-27-Q2 is July to September 2026, by the borough's clock (BST: an hour ahead of UTC).
QUARTER = "2026-27-Q2"
IN_QUARTER = {
    # Recorded by the test below: the first of July in Wigan, though still 30 June in UTC.
    "a": Made("2026-06-30T23:30", answers={"size": "bag", "waste_type": ["household"]}),
    "b": Made("2026-07-15T10:00"),
    "c": Made("2026-08-01T09:00", status="in_progress"),
    "d": Made("2026-09-10T14:00"),
    # Never recorded: listed as missing every field.
    "e": Made("2026-09-20T08:00", status="in_progress"),
}
OUTSIDE = [
    Made("2026-09-30T23:30"),  # 1 October in Wigan: the next quarter
    Made("2026-06-30T22:30"),  # 30 June 23:30 in Wigan: the last quarter
    Made("2026-08-02T09:00", status="duplicate"),  # the same fly-tip again
    Made("2026-08-03T09:00", status="not_council_responsibility"),
    Made("2026-08-04T09:00", category="litter"),
]
# For the API tests, in another year.
SUGGESTED = Made("2025-05-01T09:00", answers={"size": "tipper_lorry", "waste_type": ["household", "asbestos"]})
PRIVATE = Made("2025-05-02T09:00", answers={"size": "transit_van", "on_private_land": "yes"})
LITTER = Made("2025-05-03T09:00", category="litter")


@pytest.fixture(scope="module")
def flytipping_api(database_factory, make_settings):
    url = database_factory("report_it_flytipping")
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
        session.add_all([m.row() for m in (*IN_QUARTER.values(), *OUTSIDE, SUGGESTED, PRIVATE, LITTER)])
        session.commit()
    engine.dispose()
    app = create_app(make_settings(database_url=url, run_deliverer=False, run_router=False, volunteering_url=""))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


FULL = {
    "land_type": "highway",
    "waste_type": "other_household",
    "size": "small_van_load",
    "cost_band": "small_van_load",
    "enforcement_action": "none",
}


def record(api: httpx.Client, headers: dict[str, str], target: Made, **fields: str) -> dict:
    answer = api.put(f"/v1/flytipping/incidents/{target.id}", json={**FULL, **fields}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_defaults_come_from_the_reports_answers(flytipping_api, staff_headers) -> None:
    got = flytipping_api.get(f"/v1/flytipping/incidents/{SUGGESTED.id}", headers=staff_headers).json()
    # Asbestos among the waste types is the one that counts; the size's cost band comes with the size.
    assert (got["recorded"], got["waste_type"], got["size"], got["cost_band"]) == (
        False, "asbestos", "tipper_lorry_load", "tipper_lorry_load"
    )  # fmt: skip
    assert got["land_type"] is None and got["enforcement_action"] == "none"
    assert got["missing"] == ["land_type", "waste_type", "size", "cost_band", "enforcement_action"]
    private = flytipping_api.get(f"/v1/flytipping/incidents/{PRIVATE.id}", headers=staff_headers).json()
    assert (private["land_type"], private["size"], private["waste_type"]) == (
        "private_residential", "transit_van_load", None
    )  # fmt: skip
    codes = flytipping_api.get("/v1/flytipping/codes", headers=staff_headers).json()
    assert "gov.uk" in codes["source"]
    assert [c["code"] for c in codes["sizes"]][:3] == ["single_black_bag", "single_item", "car_boot_or_less"]
    assert codes["size_cost_bands"]["transit_van_load"] == "transit_van_load"


def test_recording_and_correcting_the_fields(flytipping_api, staff_headers) -> None:
    first = record(flytipping_api, staff_headers, SUGGESTED, waste_type="asbestos")
    assert first["recorded"] is True and first["missing"] == [] and first["recorded_by_name"] == "Sam Street"
    again = record(flytipping_api, staff_headers, SUGGESTED, enforcement_action="warning_letter")
    assert (again["waste_type"], again["enforcement_action"]) == ("other_household", "warning_letter")
    read = flytipping_api.get(f"/v1/flytipping/incidents/{SUGGESTED.id}", headers=staff_headers).json()
    assert read == again
    # A phone's outbox resending after a lost answer gets the first answer again.
    keyed = {**staff_headers, "Idempotency-Key": str(uuid.uuid4())}
    sent = [flytipping_api.put(f"/v1/flytipping/incidents/{SUGGESTED.id}", json=FULL, headers=keyed) for _ in "12"]
    assert [r.status_code for r in sent] == [200, 200]
    assert sent[1].headers.get("Idempotent-Replayed") == "true" and sent[1].json() == sent[0].json()


def test_missing_and_unknown_fields_are_named_with_what_is_allowed(flytipping_api, staff_headers) -> None:
    body = {"land_type": "moon", "size": "small_van_load", "cost_band": "small_van_load", "enforcement_action": "none"}
    refused = flytipping_api.put(f"/v1/flytipping/incidents/{PRIVATE.id}", json=body, headers=staff_headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "InvalidFlyTippingFields"
    assert {e["field"] for e in problem["errors"]} == {"body.land_type", "body.waste_type"}
    reasons = {e["field"]: e["reason"] for e in problem["errors"]}
    assert reasons["body.land_type"].startswith("'moon' is not one of: highway, footpath_bridleway")
    assert reasons["body.waste_type"].startswith("required; one of: household_black_bags")
    assert "watercourse_bank" in problem["allowed"]["land_type"]
    # Nothing was recorded.
    still = flytipping_api.get(f"/v1/flytipping/incidents/{PRIVATE.id}", headers=staff_headers).json()
    assert still["recorded"] is False


def test_only_fly_tipping_reports_and_only_staff(flytipping_api, staff_headers, token_for) -> None:
    litter = flytipping_api.put(f"/v1/flytipping/incidents/{LITTER.id}", json=FULL, headers=staff_headers)
    assert litter.status_code == 422 and litter.json()["code"] == "NotFlyTipping"
    assert LITTER.reference in litter.json()["detail"]
    unknown = flytipping_api.get(f"/v1/flytipping/incidents/{uuid.uuid4()}", headers=staff_headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "ReportNotFound"
    assert flytipping_api.get("/v1/flytipping/return").status_code == 401
    resident = {"Authorization": f"Bearer {token_for(sub='resident.one')}"}
    assert flytipping_api.get("/v1/flytipping/return", headers=resident).status_code == 403
    assert flytipping_api.put(f"/v1/flytipping/incidents/{PRIVATE.id}", json=FULL, headers=resident).status_code == 403


def test_a_quarter_must_be_a_financial_quarter(flytipping_api, staff_headers) -> None:
    for bad in ("2026-Q3", "2026-28-Q1", "2026-27-Q5", "last"):
        refused = flytipping_api.get("/v1/flytipping/return", params={"quarter": bad}, headers=staff_headers)
        assert refused.status_code == 422, bad
        assert refused.json()["code"] == "InvalidQuarter" and "2026-27-Q3" in refused.json()["detail"]


def test_the_quarters_return_lists_the_incomplete_first_and_exports_the_rest(flytipping_api, staff_headers) -> None:
    a, b, c, d, e = (IN_QUARTER[k] for k in "abcde")
    record(flytipping_api, staff_headers, a, size="car_boot_or_less", cost_band="car_boot_or_less")
    record(flytipping_api, staff_headers, b, land_type="back_alleyway", waste_type="white_goods", size="single_item",
           cost_band="single_item", enforcement_action="fixed_penalty_notice")  # fmt: skip
    record(flytipping_api, staff_headers, c, enforcement_action="warning_letter")
    record(flytipping_api, staff_headers, d, waste_type="asbestos", size="tipper_lorry_load",
           cost_band="tipper_lorry_load", enforcement_action="warning_letter")  # fmt: skip

    found = flytipping_api.get("/v1/flytipping/return", params={"quarter": QUARTER}, headers=staff_headers).json()
    assert (found["quarter"], found["starts"], found["ends"]) == (QUARTER, "2026-07-01", "2026-09-30")
    # e first (nothing recorded), then a-d by date; the reports outside the quarter or no incident are not there.
    assert [i["reference"] for i in found["incidents"]] == [r.reference for r in (e, a, b, c, d)]
    assert found["incidents"][0]["missing"] == ["land_type", "waste_type", "size", "cost_band", "enforcement_action"]
    assert found["incomplete"] == 1
    assert found["incidents"][1]["incident_date"] == "2026-07-01"

    table = found["aggregate"]
    # Highway: a (other household), c (other household), d (asbestos); back alleyway: b (white goods).
    assert table["total"] == 4
    assert table["land_by_waste"]["highway"]["other_household"] == 2
    assert table["land_by_waste"]["highway"]["asbestos"] == 1
    assert table["land_by_waste"]["back_alleyway"]["white_goods"] == 1
    assert sum(sum(row.values()) for row in table["land_by_waste"].values()) == 4
    assert len(table["land_by_waste"]) == 10 and len(table["land_by_waste"]["railway"]) == 15
    assert table["by_size"] == {
        "single_black_bag": 0, "single_item": 1, "car_boot_or_less": 1, "small_van_load": 1,
        "transit_van_load": 0, "tipper_lorry_load": 1, "significant_multiple_loads": 0,
    }  # fmt: skip
    assert {k: v for k, v in table["actions"].items() if v} == {
        "none": 1, "fixed_penalty_notice": 1, "warning_letter": 2
    }  # fmt: skip

    rows = flytipping_api.get("/v1/flytipping/return/incidents.csv", params={"quarter": QUARTER}, headers=staff_headers)
    assert rows.headers["content-type"].startswith("text/csv")
    assert f"flytipping-incidents-{QUARTER}.csv" in rows.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(rows.text)))
    assert lines[0] == [
        "Incident reference", "Date of incident", "Land type", "Waste type", "Size", "Clearance cost band",
        "Enforcement action", "Ward",
    ]  # fmt: skip
    # e is not exported: it misses every field.
    assert lines[1:] == [
        [a.reference, "01/07/2026", "Highway", "Other household waste", "Car boot or less",
         "Clearance as for a car boot or less", "No action", "E05000841"],
        [b.reference, "15/07/2026", "Back alleyway", "White goods", "Single item", "Clearance as for a single item",
         "Fixed penalty notice", "E05000841"],
        [c.reference, "01/08/2026", "Highway", "Other household waste", "Small van load",
         "Clearance as for a small van load", "Warning letter", "E05000841"],
        [d.reference, "10/09/2026", "Highway", "Asbestos", "Tipper lorry load", "Clearance as for a tipper lorry load",
         "Warning letter", "E05000841"],
    ]  # fmt: skip

    sums = flytipping_api.get("/v1/flytipping/return/aggregate.csv", params={"quarter": QUARTER}, headers=staff_headers)
    grid = list(csv.reader(io.StringIO(sums.text)))
    assert grid[0] == [f"Fly-tipping incidents {QUARTER}: land type by waste type"]
    header = grid[1]
    assert header[0] == "Land type" and header[-1] == "Total" and len(header) == 17
    by_land = {row[0]: row[1:] for row in grid[2:13]}
    highway = dict(zip(header[1:], by_land["Highway"], strict=True))
    assert (highway["Other household waste"], highway["Asbestos"], highway["Total"]) == ("2", "1", "3")
    assert by_land["Back alleyway"][-1] == "1" and by_land["Railway"][-1] == "0"
    assert by_land["Total"][-1] == "4"
    sizes_at = grid.index(["Size", "Incidents"])
    assert grid[sizes_at + 2] == ["Single item", "1"] and grid[sizes_at + 8] == ["Total", "4"]
    actions_at = grid.index(["Enforcement action", "Incidents"])
    actions = dict(grid[actions_at + 1 : actions_at + 13])
    assert (actions["No action"], actions["Warning letter"], actions["Fixed penalty notice"]) == ("1", "2", "1")
    assert actions["Total"] == "4"
