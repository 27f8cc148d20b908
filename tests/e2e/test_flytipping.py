"""The Defra fly-tipping return in headless Chromium: an officer completing a fly-tipping case on the phone records
Defra's fields (pre-filled from the report's answers), offline through the outbox; the office's "Fly-tipping return"
lists a quarter's incidents missing a field first, records them, and exports the CSVs."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session

from report_it.models import Report
from tests.e2e.conftest import WIGAN, FieldApp, screenshot
from tests.e2e.test_quality import serious_violations
from tests.e2e.test_staff import sign_in as phone_sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 1000}


def recorded(field_app: FieldApp, report_id: str) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = field_app.api.get(f"/v1/flytipping/incidents/{report_id}").raise_for_status().json()
        if got["recorded"]:
            return got
        time.sleep(0.2)
    raise AssertionError(f"the Defra fields of {report_id} were never recorded")


def test_completing_a_fly_tipping_case_records_defras_fields_offline(
    page: Page, field_app: FieldApp, token_for
) -> None:
    created = (
        field_app.api.post(
            "/v1/reports",
            json={
                "category": "fly_tipping",
                "location": {"lat": WIGAN["latitude"] + 0.001, "long": WIGAN["longitude"]},
                "answers": {"size": "transit_van", "waste_type": ["household"]},
                "description": f"Sofa and bags in the ginnel {uuid.uuid4().hex[:8]}",
            },
        )
        .raise_for_status()
        .json()
    )
    phone_sign_in(page, token_for("staff", sub="e2e.tipping", name="Tess Tipping", department="street_cleansing"))
    page.goto(f"/app/#/staff/case?id={created['id']}")
    expect(page.get_by_role("heading", name=created["reference"], level=1)).to_be_visible()
    defra = page.locator("#defra-form")
    expect(defra).to_be_hidden()
    page.get_by_label("New status").select_option("fixed")
    expect(defra).to_be_visible()
    # Pre-filled from the report's answers; the land type is the officer's to say.
    expect(defra.get_by_label("Transit van load", exact=True)).to_be_checked()
    expect(defra.get_by_label("Clearance as for a transit van load")).to_be_checked()
    expect(defra.get_by_label("Other household waste", exact=True)).to_be_checked()
    expect(defra.get_by_label("No action", exact=True)).to_be_checked()
    expect(defra.locator("[data-defra=land_type] input:checked")).to_have_count(0)
    # Targets big enough for gloves.
    box = defra.get_by_text("Back alleyway", exact=True).bounding_box()
    assert box is not None and box["height"] >= 44

    page.get_by_role("button", name="Save update").click()
    expect(defra.get_by_role("alert")).to_have_text("Choose the land type.")
    expect(defra.locator("[data-defra=land_type] input").first).to_be_focused()

    page.context.set_offline(True)
    defra.get_by_text("Back alleyway", exact=True).click()
    defra.get_by_text("Small van load", exact=True).click()  # the cost band follows the size
    expect(defra.get_by_label("Clearance as for a small van load")).to_be_checked()
    defra.get_by_text("Warning letter", exact=True).click()
    violations = serious_violations(page, "fly-tipping case with Defra's fields")
    screenshot(page, "staff-flytipping-defra")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    assert not field_app.api.get(f"/v1/flytipping/incidents/{created['id']}").json()["recorded"]

    page.context.set_offline(False)
    page.get_by_role("link", name="My reports").first.click()
    expect(page.locator("#outbox-empty")).to_be_visible(timeout=30000)
    got = recorded(field_app, created["id"])
    assert {k: got[k] for k in ("land_type", "waste_type", "size", "cost_band", "enforcement_action")} == {
        "land_type": "back_alleyway",
        "waste_type": "other_household",
        "size": "small_van_load",
        "cost_band": "small_van_load",
        "enforcement_action": "warning_letter",
    }
    assert got["recorded_by_name"] == "Tess Tipping" and got["missing"] == []
    assert field_app.api.get(f"/v1/reports/{created['id']}").json()["status"] == "fixed"
    assert not violations, "\n".join(violations)


@pytest.fixture()
def desk(browser: Browser, field_app: FieldApp) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=field_app.base, viewport=DESK, locale="en-GB", accept_downloads=True)
    made.set_default_timeout(15000)
    yield made
    made.close()


def stored(field_app: FieldApp, created: str) -> Report:
    """A fly-tipping report made in a past quarter, written straight to the database (the API dates reports now)."""
    when = datetime.fromisoformat(created).replace(tzinfo=UTC)
    row = Report(
        reference=f"WG-{uuid.uuid4().hex[:4].upper()}-DEFR",
        category_code="fly_tipping",
        status="fixed",
        lat=WIGAN["latitude"],
        lon=WIGAN["longitude"],
        channel="app",
        tracking_token_hash=b"x",
        created_at=when,
        updated_at=when,
        fixed_at=when,
    )
    with Session(field_app.app.state.engine, expire_on_commit=False) as session:
        session.add(row)
        session.commit()
    return row


def test_the_office_lists_what_is_missing_then_exports_the_quarter(
    desk: BrowserContext, field_app: FieldApp, token_for
) -> None:
    # 2025-26-Q2 is July to September 2025: only this test's reports are there.
    first, second, gap = (
        stored(field_app, day) for day in ("2025-07-04T10:00", "2025-08-12T10:00", "2025-09-01T10:00")
    )
    full = {"land_type": "highway", "waste_type": "other_household", "size": "small_van_load"}
    for row, action in ((first, "none"), (second, "fixed_penalty_notice")):
        field_app.api.put(
            f"/v1/flytipping/incidents/{row.id}",
            json={**full, "cost_band": "small_van_load", "enforcement_action": action},
        ).raise_for_status()

    page = desk.new_page()
    page.goto("/office/")
    page.get_by_label("Sign-in token").fill(token_for("staff", sub="e2e.defra.officer", name="Dee Fra"))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Fly-tipping return").click()
    expect(page.get_by_role("heading", name="Fly-tipping return", level=1)).to_be_visible()
    page.get_by_label("Quarter").select_option("2025-26-Q2")
    summary = page.locator("#flytipping-summary")
    expect(summary).to_contain_text("3 incidents from")
    expect(summary).to_contain_text("2 ready to export, 1 missing a field.")
    missing = page.locator("#flytipping-missing li")
    expect(missing).to_have_count(1)
    expect(missing.get_by_role("link", name=gap.reference)).to_have_attribute("href", f"/app/#/staff/case?id={gap.id}")
    expect(missing).to_contain_text("Missing: land type, waste type, size, cost band, enforcement action")
    highway = page.locator("#flytipping-land-waste tr", has_text="Highway")
    expect(highway).to_contain_text("2")
    violations = serious_violations(page, "fly-tipping return")
    screenshot(page, "office-flytipping-return")

    missing.get_by_role("button", name="Record the fields").click()
    page.get_by_label("Land type").select_option("watercourse_bank")
    page.get_by_label("Waste type").select_option("tyres")
    page.get_by_label("Size", exact=True).select_option("single_item")
    page.get_by_label("Clearance cost band").select_option("single_item")
    page.get_by_label("Enforcement action").select_option("investigation")
    page.get_by_role("button", name="Save the Defra fields").click()
    expect(page.locator("#flytipping-complete")).to_have_text("Every incident has its Defra fields.")
    expect(summary).to_contain_text("3 ready to export, 0 missing a field.")

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download incidents (CSV)").click()
    download = waiting.value
    assert download.suggested_filename == "flytipping-incidents-2025-26-Q2.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["Incident reference", "Date of incident", "Land type"]
    assert [r[0] for r in rows[1:]] == [first.reference, second.reference, gap.reference]
    assert rows[3][1:7] == [
        "01/09/2025", "Watercourse / bank", "Tyres", "Single item", "Clearance as for a single item", "Investigation"
    ]  # fmt: skip
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download aggregate table (CSV)").click()
    table = Path(waiting.value.path()).read_text(encoding="utf-8")
    assert "Fly-tipping incidents 2025-26-Q2: land type by waste type" in table
    assert "Fixed penalty notice,1" in table and "Total,3" in table
    page.close()
    assert not violations, "\n".join(violations)
