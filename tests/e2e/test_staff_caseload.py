"""A worker's caseload comes from Footprints: a report acknowledged in Report IT becomes a case, Footprints allocates it
to the worker, and the worker sees it in My cases and My team's cases (list and map), offline too, and opens it."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from report_it.webapp import WebAppSettings
from tests.e2e.conftest import WIGAN, FieldApp, Peers, screenshot
from tests.e2e.test_quality import serious_violations
from tests.e2e.test_staff import sign_in

pytestmark = pytest.mark.browser

WIGAN_CENTRAL = {"lat": 53.547, "long": -2.630}


def allocated_case(footprints: httpx.Client, report_id: str) -> dict:
    """Wait for Report IT's outbox and Footprints' allocation to run (both poll in the background)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = footprints.get(f"/v1/cases/report_it/{report_id}")
        if response.status_code == 200 and response.json()["worker"]:
            return response.json()
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} never became an allocated case in Footprints")


def test_my_caseload_comes_from_footprints_and_shows_the_case_allocated_to_me(
    page: Page, field_app: FieldApp, running_peers: Peers, token_for
) -> None:
    marker = uuid.uuid4().hex[:8]
    subject = f"e2e.worker.{marker}"
    manager = {"Authorization": f"Bearer {token_for('staff', 'manager', sub='e2e.fp.manager')}"}
    with httpx.Client(base_url=running_peers.footprints, headers=manager, timeout=30) as footprints:
        team = footprints.post("/v1/teams", json={"name": f"Joint team {marker}", "footprint_code": "wigan_central"})
        worker = footprints.post(
            "/v1/workers",
            json={
                "subject": subject,
                "display_name": "Casey Standish",
                "team_id": team.raise_for_status().json()["id"],
                "skills": ["street_cleansing"],
                "home_lat": WIGAN_CENTRAL["lat"],
                "home_long": WIGAN_CENTRAL["long"],
            },
        ).raise_for_status()
        created = (
            field_app.api.post(
                "/v1/reports",
                json={
                    "category": "overflowing_bin",
                    "location": WIGAN_CENTRAL,
                    "description": f"Bin overflowing outside the library {marker}",
                },
            )
            .raise_for_status()
            .json()
        )
        field_app.api.post(f"/v1/reports/{created['id']}/updates", json={"status": "acknowledged"}).raise_for_status()
        case = allocated_case(footprints, created["id"])
    assert case["worker"]["id"] == worker.json()["id"]

    sign_in(page, token_for("staff", sub=subject, name="Casey Standish", department="street_cleansing"))
    page.get_by_role("link", name="My caseload").click()
    expect(page.get_by_label("Show")).to_have_value("mine")
    mine = page.locator(f"#case-list [data-case='{created['id']}']")
    expect(mine).to_contain_text(created["reference"])
    expect(mine).to_contain_text("m away")
    expect(page.locator("#case-list [data-case]")).to_have_count(1)
    expect(page.locator("#caseload-summary")).to_have_text("1 open, 0 overdue.")
    violations = serious_violations(page, "my caseload")
    screenshot(page, "staff-my-caseload")

    page.get_by_label("Show").select_option("team")
    expect(page.locator(f"#case-list [data-case='{created['id']}']")).to_contain_text("With Casey Standish")
    page.get_by_label("Sort by").select_option("distance")
    expect(page.locator(f"#case-list [data-case='{created['id']}']")).to_be_visible()

    # With no signal the kept caseload is shown, saying when it was kept.
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    expect(page.get_by_text("Offline: the list as it was at")).to_be_visible()
    expect(page.locator(f"#case-list [data-case='{created['id']}']")).to_be_visible()
    page.context.set_offline(False)

    page.locator(f"#case-list [data-case='{created['id']}'] a").click()
    expect(page.get_by_role("heading", name=created["reference"], level=1)).to_be_visible()
    expect(page.get_by_text(f"Bin overflowing outside the library {marker}")).to_be_visible()
    assert not violations, "\n".join(violations)


def test_the_caseload_map_pins_each_case(page: Page, field_app: FieldApp, running_peers: Peers, token_for) -> None:
    field_app.use(
        WebAppSettings(tile_url=f"{field_app.base}/test-tiles/{{z}}/{{x}}/{{y}}.png", tile_attribution="Test tiles")
    )
    field_app.api.post(
        "/v1/reports",
        json={
            "category": "litter",
            "location": {"lat": WIGAN["latitude"] + 0.002, "long": WIGAN["longitude"] - 0.002},
            "description": f"Litter along the canal {uuid.uuid4().hex[:8]}",
        },
    ).raise_for_status()
    # Three more on one spot: pins that would sit on top of each other become one numbered pin.
    same_spot = {"lat": WIGAN["latitude"] - 0.003, "long": WIGAN["longitude"] + 0.003}
    for n in range(3):
        field_app.api.post(
            "/v1/reports",
            json={
                "category": "litter",
                "location": same_spot,
                "description": f"Bags by the bench {n} {uuid.uuid4().hex[:8]}",
            },
        ).raise_for_status()
    # Not a worker in Footprints: the team's open reports from Report IT, with a word on why.
    sign_in(page, token_for("staff", sub=f"e2e.visitor.{uuid.uuid4().hex[:6]}", department="street_cleansing"))
    page.goto("/app/#/staff/caseload")
    expect(page.get_by_text("Footprints has no caseload for you")).to_be_visible()
    expect(page.get_by_label("Show")).to_have_value("skill:street_cleansing")
    expect(page.locator("#case-list [data-case]").first).to_be_visible()
    page.get_by_text("Show these cases on a map").click()
    expect(page.locator("#case-map .leaflet-marker-icon").first).to_be_visible()
    expect(page.locator("#case-map .leaflet-tile-loaded").first).to_be_visible()
    violations = serious_violations(page, "caseload map")
    screenshot(page, "staff-caseload-map")
    assert not violations, "\n".join(violations)

    groups = page.locator("#case-map .case-group")
    expect(groups.first).to_be_visible()
    spot = page.locator("#case-map .case-group[title$='cases here']").filter(has_text="3")
    if spot.count() == 0:  # other tests' cases nearby may have joined the group; any group will do
        spot = groups
    # Zoom in until the group is one spot, then the group lists its cases to choose from.
    for _ in range(8):
        spot.first.click()
        if page.locator(".case-choices").is_visible():
            break
        page.wait_for_timeout(400)
        spot = page.locator("#case-map .case-group")
        if spot.count() == 0:
            break
    choices = page.locator(".case-choices button")
    expect(choices.first).to_be_visible()
    assert choices.count() >= 2
    choices.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("WG-")
