"""A resident reports from their phone: photo, GPS position, category questions; then offline, twice."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import WIGAN, FieldApp, camera_photo, screenshot, wait_for_worker

pytestmark = pytest.mark.browser


def choose_category(page: Page, label: str) -> None:
    page.get_by_label("Problem").select_option(label=label)


def test_report_with_a_photo_and_the_phone_position(page: Page, field_app: FieldApp) -> None:
    marker = f"mattress-{uuid.uuid4().hex[:8]}"
    page.goto("/app/#/report")
    expect(page.get_by_role("heading", name="Report a problem", level=1)).to_be_visible()
    page.locator("input[type=file]").set_input_files(
        {"name": "camera.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}
    )
    expect(page.get_by_text("1 photo ready.")).to_be_visible()
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    choose_category(page, "Fly-tipping")
    page.get_by_label("A bag or two").check()
    page.get_by_label("Household").check()
    page.get_by_label("Description (optional)").fill(f"A {marker} and bin bags behind the garages")
    screenshot(page, "report-form")
    page.get_by_role("button", name="Send report").dblclick()  # an impatient double tap still makes one report

    expect(page.get_by_role("heading", name="My reports", level=1)).to_be_visible()
    sent = page.locator("#sent-list [data-report]")
    expect(sent).to_have_count(1, timeout=20000)
    expect(page.locator("#outbox-empty")).to_be_visible()

    [listed] = field_app.reports_with(marker, "fly_tipping")
    report = field_app.api.get(f"/v1/reports/{listed['id']}").raise_for_status().json()
    assert report["location"] == pytest.approx({"lat": WIGAN["latitude"], "long": WIGAN["longitude"]}, abs=1e-5)
    assert report["answers"] == {"size": "bag", "waste_type": ["household"]}
    assert report["channel"] == "app"
    [photo] = report["photos"]
    # The camera's 3000 px edge arrives shrunk by the phone (the server alone would keep up to 2048 px).
    assert max(photo["width"], photo["height"]) == 1600
    expect(sent.first).to_contain_text(report["reference"])

    # The council works on it: the phone shows the new status and the public message.
    field_app.api.post(
        f"/v1/reports/{report['id']}/updates",
        json={"status": "in_progress", "public_text": "A crew is on the way."},
    ).raise_for_status()
    page.reload()
    expect(sent.first).to_contain_text("Being dealt with")
    expect(sent.first).to_contain_text("A crew is on the way.")
    screenshot(page, "my-reports")


def test_two_reports_made_offline_arrive_exactly_once(page: Page, field_app: FieldApp) -> None:
    marker = f"offline-{uuid.uuid4().hex[:8]}"
    page.goto("/app/")
    wait_for_worker(page)
    page.context.set_offline(True)
    page.reload()  # the shell now comes from the service worker
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem in your street")
    for n in (1, 2):
        page.get_by_role("link", name="Report a problem").first.click()
        expect(page.get_by_text("From your phone's location")).to_be_visible()
        choose_category(page, "Litter")
        page.get_by_label("Description (optional)").fill(f"Cans and bottles {marker} #{n}")
        page.get_by_role("button", name="Send report").click()
        expect(page.locator("#outbox-list [data-outbox]")).to_have_count(n)
        page.get_by_role("link", name="Report IT").click()
    page.get_by_role("link", name="My reports").first.click()
    expect(page.get_by_text("You are offline.")).to_be_visible()
    screenshot(page, "outbox-offline")
    assert field_app.reports_with(marker, "litter") == []

    page.context.set_offline(False)
    expect(page.locator("#outbox-empty")).to_be_visible(timeout=30000)
    expect(page.locator("#sent-list [data-report]")).to_have_count(2)
    arrived = field_app.reports_with(marker, "litter")
    assert sorted(r["description"] for r in arrived) == [
        f"Cans and bottles {marker} #1",
        f"Cans and bottles {marker} #2",
    ]

    # Sending again (page and worker both flush) never makes a third: the outbox is empty and keys are spent.
    page.evaluate("navigator.serviceWorker.ready.then(r => r.active.postMessage({type: 'flush'}))")
    page.wait_for_timeout(1500)
    assert len(field_app.reports_with(marker, "litter")) == 2


def test_a_report_saved_offline_survives_closing_the_app(page: Page, field_app: FieldApp) -> None:
    marker = f"closed-{uuid.uuid4().hex[:8]}"
    context = page.context
    page.goto("/app/")
    wait_for_worker(page)
    context.set_offline(True)
    page.goto("/app/#/report")
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    choose_category(page, "Graffiti")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Description (optional)").fill(f"Tag on the bus shelter {marker}")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#outbox-list [data-outbox]")).to_have_count(1)
    page.close()

    context.set_offline(False)
    reopened = context.new_page()
    reopened.goto("/app/#/mine")
    expect(reopened.locator("#outbox-empty")).to_be_visible(timeout=30000)
    expect(reopened.locator("#sent-list [data-report]")).to_have_count(1)
    assert len(field_app.reports_with(marker, "graffiti")) == 1


def test_adding_support_to_a_report_nearby_instead_of_a_new_one(page: Page, field_app: FieldApp) -> None:
    existing = (
        field_app.api.post(
            "/v1/reports",
            json={
                "category": "dog_fouling",
                "location": {"lat": WIGAN["latitude"], "long": WIGAN["longitude"]},
                "description": f"On the path by the school {uuid.uuid4().hex[:8]}",
            },
        )
        .raise_for_status()
        .json()
    )
    page.goto("/app/#/report")
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    choose_category(page, "Dog fouling")
    page.get_by_role("button", name=f"Add your support to {existing['reference']}").click()
    expect(page.locator("#outbox-empty")).to_be_visible(timeout=20000)
    supported = field_app.api.get(f"/v1/reports/{existing['id']}").raise_for_status().json()
    assert supported["support_count"] == 1
