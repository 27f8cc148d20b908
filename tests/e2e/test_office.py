"""The office's triage queue at a desk, in headless Chromium against the real Report IT and Footprints: sign in,
the queue oldest first and filtered, acknowledge (a Footprints case), close with a response, bulk acknowledge with a
result per report, arrivals without reloading, and a clear conflict when another officer changed the report first."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import WIGAN, FieldApp, Peers, camera_photo, screenshot

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 1000}


@dataclass(frozen=True)
class Office:
    """This module's own categories (so the queue, filtered to them, holds only this module's reports)."""

    first: dict
    second: dict
    template: dict
    admin: dict[str, str]


BLOCKING = {
    "code": "blocking",
    "datatype": "singlevaluelist",
    "description": "Is it blocking the path?",
    "values": [{"key": "yes", "name": "Yes, fully"}, {"key": "no", "name": "No"}],
}


def _category(field_app: FieldApp, admin: dict[str, str], name: str) -> dict:
    code = f"office_{name.lower().replace(' ', '_')}_{uuid.uuid4().hex[:6]}"
    body = {
        "code": code,
        "name": f"{name} {code[-6:]}",
        "group": "Environmental",
        "skill": "street_cleansing",
        "questions": [BLOCKING],
    }
    return field_app.api.post("/v1/categories", json=body, headers=admin).raise_for_status().json()


@pytest.fixture(scope="module")
def office(field_app: FieldApp, token_for) -> Office:
    admin = {"Authorization": f"Bearer {token_for('staff', 'admin', sub='e2e.office.admin')}"}
    template = field_app.api.post(
        "/v1/response-templates",
        headers=admin,
        json={
            "title": f"Not council land {uuid.uuid4().hex[:6]}",
            "text": "This is on private land, so it is not the council's to clear. The owner has been told.",
            "status": "not_council_responsibility",
        },
    )
    return Office(
        first=_category(field_app, admin, "Office fly tip"),
        second=_category(field_app, admin, "Office spill"),
        template=template.raise_for_status().json(),
        admin=admin,
    )


@pytest.fixture()
def context(browser: Browser, field_app: FieldApp) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=field_app.base, viewport=DESK, locale="en-GB")
    made.set_default_timeout(15000)
    yield made
    made.close()


def report(field_app: FieldApp, category: dict, text: str, *, north_m: float = 0) -> dict:
    body = {
        "category": category["code"],
        "location": {"lat": WIGAN["latitude"] + north_m / 111_320, "long": WIGAN["longitude"]},
        "description": text,
    }
    return field_app.api.post("/v1/reports", json=body).raise_for_status().json()


def report_with_photo(field_app: FieldApp, category: dict, text: str, *, north_m: float) -> dict:
    body = {
        "category": category["code"],
        "location": {"lat": WIGAN["latitude"] + north_m / 111_320, "long": WIGAN["longitude"]},
        "description": text,
        "answers": {"blocking": "yes"},
    }
    files = [
        ("report", (None, json.dumps(body), "application/json")),
        ("photos", ("tip.jpg", camera_photo(800, 600), "image/jpeg")),
    ]
    return field_app.api.post("/v1/reports", files=files).raise_for_status().json()


def sign_in(page: Page, token: str) -> None:
    page.goto("/office/")
    expect(page.get_by_role("heading", name="Office sign in")).to_be_visible()
    page.get_by_label("Sign-in token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Triage", level=1)).to_be_visible()


def show_only(page: Page, category: dict) -> None:
    page.get_by_label("Category", exact=True).select_option(category["code"])
    expect(page.locator("#queue-list[aria-busy=false]")).to_have_count(1)


def listed(page: Page) -> list[str]:
    return page.locator("#queue-list li").evaluate_all("(rows) => rows.map((r) => r.dataset.reference)")


def officer(token_for, name: str = "Olive Officer") -> str:
    return token_for("staff", sub=f"e2e.office.{uuid.uuid4().hex[:6]}", name=name)


def case_in_footprints(running_peers: Peers, token_for, report_id: str) -> dict:
    reader = {"Authorization": f"Bearer {token_for('staff', 'manager', sub='e2e.office.manager')}"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = httpx.get(f"{running_peers.footprints}/v1/cases/report_it/{report_id}", headers=reader)
        if response.status_code == 200:
            return response.json()
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} never became a case in Footprints")


def test_the_queue_is_oldest_first_filters_and_an_acknowledged_report_leaves_it_as_a_footprints_case(
    page: Page, field_app: FieldApp, office: Office, running_peers: Peers, token_for
) -> None:
    made = [report(field_app, office.first, f"Mattress number {n}", north_m=40 * n) for n in range(3)]
    other = report(field_app, office.second, "Oil on the road")
    sign_in(page, officer(token_for))

    show_only(page, office.first)
    expect(page.locator("#queue-list li")).to_have_count(3)
    assert listed(page) == [r["reference"] for r in made]
    expect(page.locator("#queue-count")).to_have_text("3 reports waiting.")
    page.get_by_label("Order", exact=True).select_option("newest")
    expect(page.locator("#queue-list[aria-busy=false]")).to_have_count(1)
    expect(page.locator("#queue-list li").first).to_have_attribute("data-reference", made[-1]["reference"])
    page.get_by_label("Order", exact=True).select_option("oldest")
    expect(page.locator("#queue-list li").first).to_have_attribute("data-reference", made[0]["reference"])
    show_only(page, office.second)
    expect(page.locator("#queue-list li")).to_have_count(1)
    assert listed(page) == [other["reference"]]
    show_only(page, office.first)

    # The keyboard: down twice, up once, Enter opens the second report.
    page.locator("#queue-list button.open").first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    second = made[1]
    expect(page.get_by_role("heading", name=f"{second['reference']}: {office.first['name']}")).to_be_visible()
    expect(page.locator(".detail-pane")).to_contain_text("Mattress number 1")
    expect(page.locator(".detail-pane")).to_contain_text("Position: 53.5")
    expect(page.locator("#nearby")).to_contain_text(made[0]["reference"])
    expect(page.locator("#hotspot")).to_contain_text("hotspot of 3 open reports")
    expect(page.locator("svg.borough-map circle.here")).to_have_count(1)
    screenshot(page, "office-triage")

    page.get_by_role("button", name="Acknowledge: pass to the team").click()
    expect(page.locator("#toast")).to_contain_text(f"{second['reference']}: acknowledge done.")
    expect(page.locator("#queue-list li")).to_have_count(2)
    assert second["reference"] not in listed(page)
    expect(page.locator("#queue-count")).to_have_text("2 reports waiting.")
    # The next report opens in its place.
    expect(page.get_by_role("heading", name=f"{made[2]['reference']}: {office.first['name']}")).to_be_visible()
    assert field_app.api.get(f"/v1/reports/{second['id']}").json()["status"] == "acknowledged"
    assert case_in_footprints(running_peers, token_for, second["id"])["source_id"] == second["id"]


def test_a_report_is_closed_with_a_response_template(
    page: Page, field_app: FieldApp, office: Office, token_for
) -> None:
    made = report(field_app, office.second, f"Tyres behind the fence {uuid.uuid4().hex[:6]}")
    sign_in(page, officer(token_for))
    show_only(page, office.second)
    page.locator(f"#queue-list li[data-reference='{made['reference']}'] button.open").click()
    expect(page.get_by_role("heading", name=f"{made['reference']}: {office.second['name']}")).to_be_visible()
    page.get_by_role("button", name="Close the report").click()
    expect(page.get_by_role("form", name="Close with a response").get_by_role("alert")).to_have_text(
        "Choose a response template."
    )
    page.get_by_label("Response template").select_option(label=office.template["title"])
    page.get_by_role("button", name="Close the report").click()
    expect(page.locator("#toast")).to_contain_text(f"{made['reference']}: close with a response done.")
    expect(page.locator(f"#queue-list li[data-reference='{made['reference']}']")).to_have_count(0)
    closed = field_app.api.get(f"/v1/reports/{made['id']}").raise_for_status().json()
    assert closed["status"] == "not_council_responsibility"
    timeline = field_app.api.get(f"/v1/reports/{made['id']}/updates").raise_for_status().json()
    assert timeline[-1]["public_text"] == office.template["text"]


def test_bulk_acknowledge_gives_a_result_per_report(page: Page, field_app: FieldApp, office: Office, token_for) -> None:
    marker = uuid.uuid4().hex[:6]
    made = [report(field_app, office.second, f"Bags {n} {marker}", north_m=2000 + 30 * n) for n in range(3)]
    sign_in(page, officer(token_for))
    show_only(page, office.second)
    rows = {r["reference"]: page.locator(f"#queue-list li[data-reference='{r['reference']}']") for r in made}
    for r in made:
        expect(rows[r["reference"]]).to_have_count(1)
    # Select all three from the keyboard (x), then a colleague acknowledges one of them first.
    for r in made:
        rows[r["reference"]].locator("button.open").focus()
        page.keyboard.press("x")
    expect(page.locator("#bulk-heading")).to_have_text("3 reports selected")
    expect(rows[made[2]["reference"]].locator("button.open")).to_be_focused()
    taken = made[1]
    etag = field_app.api.get(f"/v1/triage/reports/{taken['id']}").headers["etag"]
    field_app.api.post(
        f"/v1/triage/reports/{taken['id']}/actions", json={"action": "acknowledge"}, headers={"If-Match": etag}
    ).raise_for_status()

    page.get_by_role("button", name="Acknowledge selected").click()
    results = page.locator("#bulk-results")
    expect(results).to_contain_text("Acknowledged: 2 done, 1 refused.")
    for r in (made[0], made[2]):
        expect(results.locator("[data-result=done]", has_text=r["reference"])).to_have_count(1)
        expect(rows[r["reference"]]).to_have_count(0)
    expect(results.locator("[data-result=refused]", has_text=taken["reference"])).to_contain_text(
        "Changed by someone else meanwhile: it is now acknowledged"
    )
    # The colleague's acknowledgement took it out of the queue: the list shows that, and nothing is left selected.
    expect(rows[taken["reference"]]).to_have_count(0)
    expect(page.locator("#bulk-heading")).to_have_text("No reports selected")
    assert [field_app.api.get(f"/v1/reports/{r['id']}").json()["status"] for r in made] == ["acknowledged"] * 3
    screenshot(page, "office-bulk")


def test_a_new_report_appears_without_reloading(page: Page, field_app: FieldApp, office: Office, token_for) -> None:
    sign_in(page, officer(token_for))
    show_only(page, office.first)
    expect(page.locator("body[data-events=live]")).to_have_count(1)
    page.evaluate("window.__sameDocument = true")
    made = report(field_app, office.first, f"Fridge on the corner {uuid.uuid4().hex[:6]}", north_m=5000)
    arrived = page.locator(f"#queue-list li[data-reference='{made['reference']}']")
    expect(arrived).to_have_count(1, timeout=15000)
    expect(arrived).to_have_class("fresh")
    expect(page.locator("#arrivals")).to_have_text(f"New report {made['reference']}: {office.first['name']}.")
    assert listed(page)[-1] == made["reference"]  # oldest first: the newest arrival goes last
    assert page.evaluate("window.__sameDocument") is True
    # One in another category is not added to this filtered queue.
    other = report(field_app, office.second, "Not for this filter")
    page.wait_for_timeout(2500)
    expect(page.locator(f"#queue-list li[data-reference='{other['reference']}']")).to_have_count(0)


def test_a_report_changed_by_another_officer_first_shows_a_conflict_and_is_not_overwritten(
    page: Page, field_app: FieldApp, office: Office, token_for
) -> None:
    made = report(field_app, office.first, f"Sofa by the canal {uuid.uuid4().hex[:6]}", north_m=-4000)
    sign_in(page, officer(token_for))
    show_only(page, office.first)
    page.locator(f"#queue-list li[data-reference='{made['reference']}'] button.open").click()
    expect(page.get_by_role("heading", name=f"{made['reference']}: {office.first['name']}")).to_be_visible()

    # Another officer raises its priority while this one is reading it.
    etag = field_app.api.get(f"/v1/triage/reports/{made['id']}").headers["etag"]
    field_app.api.post(
        f"/v1/triage/reports/{made['id']}/actions",
        json={"action": "set_priority", "priority": "urgent"},
        headers={"If-Match": etag},
    ).raise_for_status()

    page.get_by_label("New priority").select_option("low")
    page.get_by_role("button", name="Set priority").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_be_focused()
    expect(conflict).to_contain_text(f"Not done: {made['reference']} was changed by someone else first")
    expect(conflict).to_contain_text("Priority: normal → urgent")
    expect(page.locator(".detail-pane .facts")).to_contain_text("urgent")
    expect(page.locator(f"#queue-list li[data-reference='{made['reference']}']")).to_contain_text("urgent")
    assert field_app.api.get(f"/v1/reports/{made['id']}").json()["priority"] == "urgent"
    screenshot(page, "office-conflict")

    # Deciding again on the report as it now is works.
    page.get_by_label("New priority").select_option("low")
    page.get_by_role("button", name="Set priority").click()
    expect(page.locator("#toast")).to_contain_text(f"{made['reference']}: set priority done.")
    assert field_app.api.get(f"/v1/reports/{made['id']}").json()["priority"] == "low"


def test_safeguarding_concerns_are_only_in_the_safeguarding_queue(page: Page, field_app: FieldApp, token_for) -> None:
    concern = (
        field_app.api.post(
            "/v1/reports",
            json={
                "category": "safeguarding_concern",
                "location": {"lat": WIGAN["latitude"], "long": WIGAN["longitude"]},
                "answers": {"person": "adult", "immediate_danger": "no"},
                "description": f"Person sleeping rough {uuid.uuid4().hex[:6]}",
            },
        )
        .raise_for_status()
        .json()
    )
    sign_in(page, officer(token_for))
    expect(page.get_by_label("Queue", exact=True)).to_have_count(0)  # no safeguarding role: no such queue offered
    expect(page.get_by_label("Category", exact=True).locator("option", has_text="Safeguarding")).to_have_count(0)
    expect(page.locator(f"#queue-list li[data-reference='{concern['reference']}']")).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, token_for("staff", "safeguarding", sub="e2e.office.safe", name="Sam Safeguarding"))
    page.get_by_label("Queue", exact=True).select_option("safeguarding")
    row = page.locator(f"#queue-list li[data-reference='{concern['reference']}']")
    expect(row).to_have_count(1)


def test_the_office_is_served_with_the_field_apps_policy_and_the_borough_outline(field_app: FieldApp) -> None:
    office = httpx.get(f"{field_app.base}/office/").raise_for_status()
    app = httpx.get(f"{field_app.base}/app/").raise_for_status()
    assert office.headers["content-security-policy"] == app.headers["content-security-policy"]
    assert "script-src 'self'" in office.headers["content-security-policy"]
    assert httpx.get(f"{field_app.base}/office", follow_redirects=False).headers["location"] == "/office/"
    assert httpx.get(f"{field_app.base}/office/js/nothing.js").status_code == 404
    outline = httpx.get(f"{field_app.base}/office/borough.json").raise_for_status().json()
    assert outline["rings"] and len(outline["rings"][0]) > 3


def test_a_report_with_a_photo_is_noted_recategorised_and_another_merged_into_it(
    page: Page, field_app: FieldApp, office: Office, token_for
) -> None:
    marker = uuid.uuid4().hex[:6]
    first = report_with_photo(field_app, office.first, f"Fence panels {marker}", north_m=-2500)
    again = report(field_app, office.first, f"Fence panels again {marker}", north_m=-2500)
    sign_in(page, officer(token_for, "Nia Notes"))
    show_only(page, office.first)
    page.locator(f"#queue-list li[data-reference='{first['reference']}'] button.open").click()
    pane = page.locator(".detail-pane")
    expect(pane.get_by_role("img", name=f"Photo 1 of {first['reference']}")).to_be_visible()
    loaded = """(img) => img.complete && img.naturalWidth ? img.naturalWidth : new Promise((resolve) => {
        img.onload = () => resolve(img.naturalWidth);
        img.onerror = () => resolve(0);
    })"""
    assert pane.get_by_role("img", name=f"Photo 1 of {first['reference']}").evaluate(loaded) > 0
    expect(pane.locator(".facts", has_text="Is it blocking the path?")).to_contain_text("Yes, fully")

    page.get_by_label("Note (staff only)").fill(f"Owner known to the team {marker}")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("#toast")).to_contain_text(f"{first['reference']}: internal note done.")
    expect(pane.locator(".timeline")).to_contain_text(f"Internal note: Owner known to the team {marker}")

    # The later report repeats the first: merged into it, it leaves the queue as a duplicate.
    page.locator(f"#queue-list li[data-reference='{again['reference']}'] button.open").click()
    expect(page.get_by_role("heading", name=f"{again['reference']}: {office.first['name']}")).to_be_visible()
    page.get_by_label("Duplicate of").select_option(first["id"])
    page.get_by_role("button", name="Merge as duplicate").click()
    expect(page.locator("#toast")).to_contain_text(f"{again['reference']}: merge as duplicate done.")
    expect(page.locator(f"#queue-list li[data-reference='{again['reference']}']")).to_have_count(0)
    merged = field_app.api.get(f"/v1/reports/{again['id']}").raise_for_status().json()
    assert merged["status"] == "duplicate"

    # Recategorised, the first leaves this category's list but stays waiting for triage.
    page.locator(f"#queue-list li[data-reference='{first['reference']}'] button.open").click()
    expect(page.get_by_role("heading", name=f"{first['reference']}: {office.first['name']}")).to_be_visible()
    page.get_by_label("New category").select_option(office.second["code"])
    page.get_by_role("button", name="Recategorise").click()
    expect(page.locator("#toast")).to_contain_text(f"{first['reference']}: recategorise done.")
    expect(page.locator(f"#queue-list li[data-reference='{first['reference']}']")).to_have_count(0)
    show_only(page, office.second)
    expect(page.locator(f"#queue-list li[data-reference='{first['reference']}']")).to_have_count(1)


def test_bulk_close_with_a_response_and_bulk_merge_into_one(
    page: Page, field_app: FieldApp, office: Office, token_for
) -> None:
    marker = uuid.uuid4().hex[:6]
    closing = [report(field_app, office.first, f"Private drive {n} {marker}", north_m=-1500 - 30 * n) for n in range(2)]
    same = [report(field_app, office.first, f"Burst bags {n} {marker}", north_m=-1000) for n in range(3)]
    sign_in(page, officer(token_for, "Bea Bulk"))
    show_only(page, office.first)
    for r in closing:
        page.locator(f"#queue-list li[data-reference='{r['reference']}'] input[type=checkbox]").check()
    page.get_by_label("Response for closing").select_option(label=office.template["title"])
    page.get_by_role("button", name="Close selected").click()
    results = page.locator("#bulk-results")
    expect(results).to_contain_text("Closed: 2 done, 0 refused.")
    for r in closing:
        assert field_app.api.get(f"/v1/reports/{r['id']}").json()["status"] == "not_council_responsibility"

    for r in same:
        page.locator(f"#queue-list li[data-reference='{r['reference']}'] input[type=checkbox]").check()
    expect(page.locator("#bulk-heading")).to_have_text("3 reports selected")
    page.get_by_label("Original report (the others become its duplicates)").select_option(same[0]["id"])
    page.get_by_role("button", name="Merge selected into it").click()
    expect(results).to_contain_text("Merged: 2 done, 0 refused.")
    statuses = [field_app.api.get(f"/v1/reports/{r['id']}").json() for r in same]
    assert [r["status"] for r in statuses] == ["submitted", "duplicate", "duplicate"]
    expect(page.locator(f"#queue-list li[data-reference='{same[0]['reference']}']")).to_have_count(1)
    expect(page.locator("#bulk-heading")).to_have_text("1 report selected")


def test_a_screen_still_loading_when_the_officer_moves_on_does_not_cover_the_next_one(
    page: Page, field_app: FieldApp, office: Office, token_for
) -> None:
    # The triage queue's first reads are held back, as on a slow connection; the officer goes to another screen.
    held: list = []
    page.route("**/v1/response-templates*", lambda route: held.append(route))
    page.goto("/office/")
    page.get_by_label("Sign-in token").fill(officer(token_for, name="Sam Slow"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function('() => document.querySelector(\'nav[aria-label="Office screens"] a[href="#/outcomes"]\')')
    page.wait_for_timeout(300)
    assert held, "the triage screen did not ask for its templates"
    page.get_by_role("navigation", name="Office screens").get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    for route in held:
        route.continue_()
    page.wait_for_timeout(1000)  # the triage screen's reads answered: it must not draw itself now
    expect(page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Triage", level=1)).to_have_count(0)
