"""A member of staff signs in, logs a safeguarding concern, and works a team case to fixed while offline."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import WIGAN, FieldApp, camera_photo, screenshot, wait_for_worker

pytestmark = pytest.mark.browser


def sign_in(page: Page, token: str) -> None:
    page.goto("/app/#/staff")
    wait_for_worker(page)
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    page.get_by_label("Sign-in token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()


def update_case_offline(page: Page, report: dict, status: str) -> None:
    """Open the report's case, go offline and save a move to `status`: it waits in the outbox."""
    page.goto(f"/app/#/staff/case?id={report['id']}")
    expect(page.get_by_role("heading", name=report["reference"], level=1)).to_be_visible()
    page.context.set_offline(True)
    page.get_by_label("New status").select_option(status)
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()


def test_staff_sign_in_refuses_a_token_the_server_does_not_accept(page: Page) -> None:
    page.goto("/app/#/staff")
    page.get_by_label("Sign-in token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not a sign-in token")
    forged = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZXMiOlsic3RhZmYiXX0.c2lnbmF0dXJl"
    page.get_by_label("Sign-in token").fill(forged)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The server does not accept that token")


def test_staff_logs_a_safeguarding_concern(page: Page, field_app: FieldApp, token_for) -> None:
    marker = f"concern-{uuid.uuid4().hex[:8]}"
    sign_in(page, token_for("staff", sub="e2e.warden", name="Street Warden", department="street_cleansing"))
    screenshot(page, "staff-home")
    page.get_by_role("link", name="Log a street issue").click()
    expect(page.get_by_role("heading", name="Log a street issue")).to_be_visible()
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    page.get_by_label("Problem").select_option(label="Safeguarding concern (staff only)")
    page.get_by_label("An adult").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Description (optional)").fill(f"Person sleeping in the bus shelter {marker}")
    screenshot(page, "staff-log-issue")
    page.get_by_role("button", name="Log the issue").click()
    expect(page.locator("#sent-list [data-report]")).to_have_count(1, timeout=20000)

    [logged] = field_app.reports_with(marker, "safeguarding_concern")  # listed to the safeguarding role only
    assert logged["channel"] == "staff"
    assert logged["answers"] == {"person": "adult", "immediate_danger": "no"}
    public = field_app.api.get(
        "/v1/reports", params={"category": "safeguarding_concern"}, headers={"Authorization": ""}
    )
    assert all(marker not in (r.get("description") or "") for r in public.json().get("items", []))


def test_staff_works_a_case_to_fixed_offline(page: Page, field_app: FieldApp, token_for) -> None:
    marker = f"case-{uuid.uuid4().hex[:8]}"
    admin = {"Authorization": f"Bearer {token_for('admin', sub='e2e.admin')}"}
    created = (
        field_app.api.post(
            "/v1/reports",
            json={
                "category": "overflowing_bin",
                "location": {"lat": WIGAN["latitude"] + 0.001, "long": WIGAN["longitude"]},
                "description": f"Bin overflowing by the park gates {marker}",
            },
        )
        .raise_for_status()
        .json()
    )
    field_app.api.post(
        "/v1/response-templates",
        headers=admin,
        json={
            "category": "overflowing_bin",
            "title": f"Emptied {marker}",
            "text": "We have emptied the bin. Thank you for telling us.",
            "status": "fixed",
        },
    ).raise_for_status()

    sign_in(page, token_for("staff", sub="e2e.crew", name="Crew Member", department="street_cleansing"))
    page.get_by_role("link", name="My caseload").click()
    case = page.locator(f"[data-case='{created['id']}']")
    expect(case).to_contain_text("m away")
    screenshot(page, "staff-caseload")
    case.get_by_role("link").click()
    expect(page.get_by_role("heading", name=created["reference"], level=1)).to_be_visible()

    page.context.set_offline(True)
    page.get_by_label("Template").select_option(label=f"Emptied {marker}")
    expect(page.get_by_label("New status")).to_have_value("fixed")
    page.locator("input[type=file]").set_input_files(
        {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": camera_photo(2400, 1800)}
    )
    expect(page.get_by_text("Photo of the result ready.")).to_be_visible()
    screenshot(page, "staff-case")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    expect(case).to_contain_text("Change waiting to send")
    assert field_app.api.get(f"/v1/reports/{created['id']}").json()["status"] != "fixed"

    page.context.set_offline(False)
    page.get_by_role("link", name="My reports").first.click()
    expect(page.locator("#outbox-empty")).to_be_visible(timeout=30000)
    report = field_app.api.get(f"/v1/reports/{created['id']}").raise_for_status().json()
    assert report["status"] == "fixed"
    timeline = field_app.api.get(f"/v1/reports/{created['id']}/updates").raise_for_status().json()
    fixed = [u for u in timeline if u["status"] == "fixed"]
    assert len(fixed) == 1
    assert fixed[0]["public_text"] == "We have emptied the bin. Thank you for telling us."
    assert fixed[0]["photo"]["width"] == 1600


def test_a_change_that_conflicts_with_one_made_meanwhile_is_shown_and_kept(
    page: Page, field_app: FieldApp, token_for
) -> None:
    created = (
        field_app.api.post(
            "/v1/reports",
            json={
                "category": "litter",
                "location": {"lat": WIGAN["latitude"], "long": WIGAN["longitude"] + 0.001},
                "description": f"Crisp packets {uuid.uuid4().hex[:8]}",
            },
        )
        .raise_for_status()
        .json()
    )
    sign_in(page, token_for("staff", sub="e2e.second", name="Second Officer", department="street_cleansing"))
    update_case_offline(page, created, "fixed")

    # Meanwhile a colleague closes the report.
    field_app.api.post(
        f"/v1/reports/{created['id']}/updates", json={"status": "no_further_action", "public_text": "Private land."}
    ).raise_for_status()

    page.context.set_offline(False)
    page.get_by_role("link", name="My reports").first.click()
    card = page.locator("#outbox-list [data-outbox]")
    expect(card).to_contain_text("Changed by someone else", timeout=30000)
    expect(card).to_contain_text("cannot become fixed")
    screenshot(page, "outbox-conflict")
    assert field_app.api.get(f"/v1/reports/{created['id']}").json()["status"] == "no_further_action"
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Discard").click()
    expect(page.locator("#outbox-empty")).to_be_visible()
