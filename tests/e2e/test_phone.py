"""What the phone keeps and when it catches up: signing out leaves no staff data behind, a change made offline is sent
as soon as the connection is back, and My reports follows the server while it is on screen."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import WIGAN, FieldApp, wait_for_worker
from tests.e2e.test_staff import sign_in, update_case_offline

pytestmark = pytest.mark.browser

# Every place the app can keep something: its IndexedDB stores, localStorage, sessionStorage and Cache Storage.
STORED_TEXT = """async () => {
    const found = [];
    const read = (request) => new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    for (const { name } of await indexedDB.databases()) {
        const db = await read(indexedDB.open(name));
        for (const store of db.objectStoreNames) {
            const keys = await read(db.transaction(store).objectStore(store).getAllKeys());
            const values = await read(db.transaction(store).objectStore(store).getAll());
            found.push(`indexedDB ${name}/${store}: ${JSON.stringify(keys)} ${JSON.stringify(values)}`);
        }
        db.close();
    }
    for (const storage of [localStorage, sessionStorage]) {
        for (let i = 0; i < storage.length; i++) {
            found.push(`storage ${storage.key(i)}: ${storage.getItem(storage.key(i))}`);
        }
    }
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            found.push(`cache ${name} ${request.url}: ${await response.text()}`);
        }
    }
    return found;
}"""


def stored_with(page: Page, *markers: str) -> list[str]:
    """The stored entries (as text) that mention any of `markers`."""
    return [entry[:200] for entry in page.evaluate(STORED_TEXT) if any(m in entry for m in markers)]


def litter_report(field_app: FieldApp, text: str) -> dict:
    where = {"lat": WIGAN["latitude"], "long": WIGAN["longitude"]}
    body = {"category": "litter", "location": where, "description": text}
    return field_app.api.post("/v1/reports", json=body).raise_for_status().json()


def log_concern(page: Page, text: str) -> None:
    page.goto("/app/#/staff/log")
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    page.get_by_label("Problem").select_option(label="Safeguarding concern (staff only)")
    page.get_by_label("An adult").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Description (optional)").fill(text)
    page.get_by_role("button", name="Log the issue").click()
    expect(page.get_by_role("heading", name="My reports", level=1)).to_be_visible()


def test_signing_out_leaves_no_staff_data_on_the_phone(page: Page, field_app: FieldApp, token_for) -> None:
    marker = f"sleeping-{uuid.uuid4().hex[:8]}"
    unsent = f"unsent-{uuid.uuid4().hex[:8]}"
    resident = f"resident-{uuid.uuid4().hex[:8]}"

    # A resident's own report, made on this phone before anyone signs in: it stays.
    page.goto("/app/#/report")
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    page.get_by_label("Problem").select_option(label="Litter")
    page.get_by_label("Description (optional)").fill(f"Crisp packets {resident}")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#sent-list [data-report]")).to_have_count(1, timeout=20000)

    sign_in(page, token_for("staff", "safeguarding", sub="e2e.outreach", name="Outreach Worker"))
    log_concern(page, f"Person sleeping in the bus shelter {marker}")
    expect(page.locator("#sent-list [data-report]")).to_have_count(2, timeout=20000)
    [concern] = field_app.reports_with(marker, "safeguarding_concern")
    page.goto(f"/app/#/staff/case?id={concern['id']}")  # the case screen keeps the case for offline use
    expect(page.get_by_text(marker)).to_be_visible()
    page.context.set_offline(True)
    log_concern(page, f"Child alone at the bus station {unsent}")
    expect(page.locator("#outbox-list [data-outbox]")).to_have_count(1)
    assert stored_with(page, marker) and stored_with(page, unsent)

    # Unsent staff work is not dropped without asking: refusing keeps the person signed in.
    page.goto("/app/#/staff")
    with page.expect_event("dialog") as asked:
        page.get_by_role("button", name="Sign out").click()
    assert "1 staff item has not been sent" in asked.value.message
    asked.value.dismiss()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    assert stored_with(page, unsent)
    with page.expect_event("dialog") as asked:
        page.get_by_role("button", name="Sign out").click()
    asked.value.accept()
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()

    page.get_by_role("link", name="My reports").first.click()
    expect(page.get_by_role("heading", name="Sent (1)")).to_be_visible()
    expect(page.locator("#outbox-empty")).to_be_visible()
    expect(page.locator("#sent-list")).to_contain_text(resident)
    assert marker not in page.content() and unsent not in page.content()
    assert stored_with(page, marker, unsent, concern["id"], concern["reference"]) == []
    assert stored_with(page, resident)

    page.context.set_offline(False)
    page.wait_for_timeout(1500)
    assert field_app.reports_with(unsent, "safeguarding_concern") == []  # discarded, as agreed, not sent later


def test_a_case_update_made_offline_is_sent_as_soon_as_the_connection_is_back(
    page: Page, field_app: FieldApp, token_for
) -> None:
    created = litter_report(field_app, f"Cans by the canal {uuid.uuid4().hex[:8]}")
    sign_in(page, token_for("staff", sub="e2e.prompt", name="Prompt Officer", department="street_cleansing"))
    update_case_offline(page, created, "in_progress")
    expect(page.locator("#net")).to_contain_text("1 waiting to send")

    # The signal comes back patchy: the first try after it returns still fails, as on a real phone.
    failed: list[str] = []

    def patchy(route: Route) -> None:
        if route.request.method == "POST" and not failed:
            failed.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.context.route(f"**/v1/reports/{created['id']}/updates", patchy)
    assert field_app.api.get(f"/v1/reports/{created['id']}").json()["status"] != "in_progress"
    page.context.set_offline(False)  # no reload, no tap: the app notices by itself
    deadline = time.monotonic() + 6
    while field_app.api.get(f"/v1/reports/{created['id']}").json()["status"] != "in_progress":
        assert time.monotonic() < deadline, "the update did not reach the server within 6 s of the connection"
        page.wait_for_timeout(200)  # not time.sleep: the route above is answered only while Playwright runs
    assert failed, "the first try after the connection came back was not made"
    expect(page.locator("#net")).not_to_contain_text("waiting to send")


def test_my_reports_follows_the_server_while_on_screen(page: Page, field_app: FieldApp) -> None:
    marker = f"bottles-{uuid.uuid4().hex[:8]}"
    page.goto("/app/")
    wait_for_worker(page)
    page.get_by_role("link", name="Report a problem").first.click()
    page.get_by_label("Problem").select_option(label="Litter")
    page.get_by_label("Description (optional)").fill(f"Bottles on the green {marker}")
    page.get_by_role("button", name="Send report").click()
    card = page.locator("#sent-list [data-report]")
    expect(card).to_have_count(1, timeout=20000)
    expect(card).to_contain_text("Received")
    [report] = field_app.reports_with(marker, "litter")

    # The council works on it while the list is open: the list catches up by itself, without a reload.
    field_app.api.post(
        f"/v1/reports/{report['id']}/updates", json={"status": "in_progress", "public_text": "A crew is on the way."}
    ).raise_for_status()
    expect(card).to_contain_text("Being dealt with", timeout=20000)
    expect(card).to_contain_text("A crew is on the way.")

    # Coming back to the app (focus) asks at once.
    field_app.api.post(f"/v1/reports/{report['id']}/updates", json={"status": "fixed"}).raise_for_status()
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(card).to_contain_text("Fixed", timeout=3000)
