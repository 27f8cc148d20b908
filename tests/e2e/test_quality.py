"""What a person notices: accessibility (axe-core, WCAG 2.2 AA) of the field app and the office, the map with a
draggable pin, installability."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Browser, Page, expect

from report_it.webapp import WebAppSettings
from tests.e2e.conftest import WIGAN, FieldApp, screenshot, wait_for_worker

pytestmark = pytest.mark.browser

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def serious_violations(page: Page, screen: str) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)  # through the debugging protocol, which the app's Content Security Policy allows
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG,
    )
    return [
        f"{screen}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_main_screen_has_no_serious_accessibility_violation(page: Page, field_app: FieldApp, token_for) -> None:
    field_app.api.post(
        "/v1/reports",
        json={
            "category": "fly_tipping",
            "location": {"lat": WIGAN["latitude"], "long": WIGAN["longitude"]},
            "answers": {"size": "bag", "waste_type": ["household"]},
            "description": "Sofa on the verge",
        },
    ).raise_for_status()
    found: list[str] = []
    page.goto("/app/")
    wait_for_worker(page)
    found += serious_violations(page, "home")
    screenshot(page, "home")

    page.goto("/app/#/report")
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    page.get_by_label("Problem").select_option(label="Fly-tipping")
    expect(page.get_by_role("heading", name="Already reported nearby?")).to_be_visible()
    page.get_by_text("Your contact details (optional)").click()
    found += serious_violations(page, "report form")
    screenshot(page, "report-nearby")

    page.context.set_offline(True)
    page.get_by_label("A bag or two").check()
    page.get_by_label("Household").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#outbox-list [data-outbox]")).to_have_count(1)
    found += serious_violations(page, "my reports with the outbox")
    page.context.set_offline(False)
    expect(page.locator("#outbox-empty")).to_be_visible(timeout=30000)
    found += serious_violations(page, "my reports")

    page.goto("/app/#/report")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose what the problem is")
    found += serious_violations(page, "report form with errors")

    page.goto("/app/#/staff")
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    found += serious_violations(page, "staff sign-in")
    screenshot(page, "staff-sign-in")
    page.get_by_label("Sign-in token").fill(token_for("staff", sub="e2e.a11y", department="street_cleansing"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    found += serious_violations(page, "staff home")
    page.get_by_role("link", name="My caseload").click()
    expect(page.locator("#case-list [data-case]").first).to_be_visible()
    found += serious_violations(page, "team cases")
    page.locator("#case-list a").first.click()
    expect(page.get_by_role("heading", name="Update this case")).to_be_visible()
    found += serious_violations(page, "a case")
    assert not found, "\n".join(found)


def test_the_map_pin_can_be_dragged_to_the_exact_spot(page: Page, field_app: FieldApp) -> None:
    field_app.use(
        WebAppSettings(tile_url=f"{field_app.base}/test-tiles/{{z}}/{{x}}/{{y}}.png", tile_attribution="Test tiles")
    )
    page.goto("/app/#/report")
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    pin = page.locator(".leaflet-marker-icon")
    expect(pin).to_be_visible()
    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
    box = pin.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y - 60, steps=8)
    page.mouse.up()
    expect(page.get_by_text("Where you placed the pin")).to_be_visible()
    lat = float(page.get_by_label("Latitude").input_value())
    long = float(page.get_by_label("Longitude").input_value())
    assert lat > WIGAN["latitude"] and long > WIGAN["longitude"]  # dragged up and right: north-east
    assert not serious_violations(page, "report form with the map")
    screenshot(page, "report-map")


def test_installable_manifest_and_icons(page: Page, field_app: FieldApp) -> None:
    manifest = field_app.api.get("/app/manifest.webmanifest").raise_for_status().json()
    assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        response = field_app.api.get(f"/app/{icon['src']}")
        assert response.headers["content-type"] == "image/png"
        size = int(icon["sizes"].split("x")[0])
        assert response.content[16:24] == size.to_bytes(4, "big") * 2  # PNG IHDR width and height
    assert {i["purpose"] for i in manifest["icons"]} == {"any", "maskable"}
    page.goto("/app/")
    wait_for_worker(page)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/app/sw.js")


def test_the_office_triage_screens_have_no_serious_accessibility_violation(
    browser: Browser, field_app: FieldApp, token_for
) -> None:
    made = (
        field_app.api.post(
            "/v1/reports",
            json={
                "category": "graffiti",
                "location": {"lat": WIGAN["latitude"], "long": WIGAN["longitude"] - 0.002},
                "answers": {"offensive": "no"},
                "description": "Tag on the underpass",
            },
        )
        .raise_for_status()
        .json()
    )
    context = browser.new_context(base_url=field_app.base, viewport={"width": 1440, "height": 1000}, locale="en-GB")
    page = context.new_page()
    found: list[str] = []
    try:
        page.goto("/office/")
        expect(page.get_by_role("heading", name="Office sign in")).to_be_visible()
        found += serious_violations(page, "office sign-in")
        page.get_by_label("Sign-in token").fill(token_for("staff", sub="e2e.office.a11y", name="Ada Access"))
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Category", exact=True).select_option("graffiti")
        row = page.locator(f"#queue-list li[data-reference='{made['reference']}']")
        expect(row).to_have_count(1)
        found += serious_violations(page, "office queue")
        row.locator("input[type=checkbox]").check()
        page.get_by_role("button", name="Close selected").click()
        expect(page.locator(".bulk [role=alert]")).to_have_text("Choose the response to close them with.")
        row.locator("button.open").click()
        expect(page.get_by_role("heading", name=f"{made['reference']}: Graffiti")).to_be_visible()
        expect(page.locator("svg.borough-map")).to_have_count(1)
        page.get_by_role("button", name="Close the report").click()
        expect(page.get_by_role("form", name="Close with a response").get_by_role("alert")).not_to_be_empty()
        found += serious_violations(page, "office report with an error")
    finally:
        context.close()
    assert not found, "\n".join(found)
