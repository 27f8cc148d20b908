"""The office's routing rules, in headless Chromium against the real Report IT: an admin writes a rule, previews it on
last month's reports and saves it, and the next report is routed by it; rules reordered, edited, deleted, each change
in the audit; refusals (no admin role, a bad rule, a rule another admin changed first) shown with their reasons."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import FieldApp, screenshot
from tests.e2e.test_office import DESK, _category
from tests.e2e.test_quality import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture()
def context(browser: Browser, field_app: FieldApp) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=field_app.base, viewport=DESK, locale="en-GB")
    made.set_default_timeout(15000)
    yield made
    made.close()


@pytest.fixture()
def admin(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff', 'admin', sub='e2e.rules.admin', name='Ada Admin')}"}


@pytest.fixture()
def category(field_app: FieldApp, admin: dict[str, str]) -> Iterator[dict]:
    """A category of this test's own, so its rules touch no other test's reports; its rules go with it."""
    made = _category(field_app, admin, "Rules tip")
    yield made
    for rule in field_app.api.get("/v1/routing-rules", headers=admin).json():
        if rule["category"] == made["code"]:
            field_app.api.delete(f"/v1/routing-rules/{rule['id']}", headers=admin)


def open_rules(page: Page, token: str) -> None:
    page.goto("/office/")
    page.get_by_label("Sign-in token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Triage", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Office screens").get_by_role("link", name="Routing rules").click()
    expect(page.get_by_role("heading", name="Routing rules", level=1)).to_be_visible()


def blocking_report(field_app: FieldApp, category: dict, answer: str, text: str) -> dict:
    body = {
        "category": category["code"],
        "location": {"lat": 53.5449, "long": -2.6318},
        "description": text,
        "answers": {"blocking": answer},
    }
    return field_app.api.post("/v1/reports", json=body).raise_for_status().json()


def wait_for(field_app: FieldApp, report_id: str, **wanted: str) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = field_app.api.get(f"/v1/reports/{report_id}").raise_for_status().json()
        if all(now[k] == v for k, v in wanted.items()):
            return now
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} never became {wanted}: it is {now['status']}, {now['priority']}")


def rule_named(field_app: FieldApp, admin: dict[str, str], name: str) -> dict:
    return next(r for r in field_app.api.get("/v1/routing-rules", headers=admin).json() if r["name"] == name)


def test_a_rule_saved_in_the_office_routes_the_next_report_and_each_change_is_audited(
    page: Page, field_app: FieldApp, admin: dict[str, str], category: dict, token_for
) -> None:
    blocking_report(field_app, category, "yes", "Sofa across the whole path")
    blocking_report(field_app, category, "no", "Bags beside the path")
    open_rules(page, admin["Authorization"].removeprefix("Bearer "))

    name = f"Blocking tips are urgent {uuid.uuid4().hex[:4]}"
    page.get_by_label("Name").fill(name)
    page.get_by_label("Category", exact=True).select_option(category["code"])
    page.get_by_label("Is it blocking the path?").select_option("yes")
    page.get_by_label("Acknowledge straight away").check()
    page.get_by_label("Set the priority").select_option("urgent")
    page.get_by_role("button", name="Preview on past reports").click()
    summary = page.locator("#preview-summary")
    expect(summary).to_contain_text("2 reports considered")
    expect(summary).to_contain_text("1 would match")
    expect(summary).to_contain_text("1 would be acknowledged straight away")
    expect(summary).to_contain_text("priority changed for 1 from normal to urgent")
    expect(page.locator("#preview-examples tbody tr")).to_have_count(1)
    violations = serious_violations(page, "routing rules with a preview")

    page.get_by_role("button", name="Add the rule").click()
    row = page.locator("#rules-table tr", has=page.get_by_role("rowheader", name=name))
    expect(row).to_contain_text("Acknowledge straight away, priority urgent")
    expect(row).to_contain_text("answered blocking: yes")
    expect(page.locator("#rules-audit li").first).to_contain_text(f'Ada Admin created "{name}"')
    page.get_by_role("button", name=f'Preview "{name}"').click()
    expect(page.locator("tr.rule-preview:not([hidden])")).to_contain_text("1 of 2 reports would match")
    violations += serious_violations(page, "routing rules listed")
    screenshot(page, "office-routing-rules")

    # The rule now decides new reports: the one blocking the path goes straight to the team, urgent.
    held = blocking_report(field_app, category, "no", "A bag by the path")
    routed = blocking_report(field_app, category, "yes", "A wardrobe blocking the path")
    now = wait_for(field_app, routed["id"], status="acknowledged", priority="urgent")
    assert any(name in (u["internal_note"] or "") for u in now["timeline"])
    unchanged = field_app.api.get(f"/v1/reports/{held['id']}").json()
    assert (unchanged["status"], unchanged["priority"]) == ("submitted", "normal")

    page.get_by_role("button", name=f'Edit "{name}"').click()
    expect(page.get_by_role("heading", name=f'Edit the rule "{name}"')).to_be_focused()
    page.get_by_label("Set the priority").select_option("high")
    page.get_by_role("button", name="Save the rule").click()
    expect(row).to_contain_text("priority high")
    expect(page.locator("#rules-audit li").first).to_contain_text("priority: urgent → high")
    assert rule_named(field_app, admin, name)["priority"] == "high"

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f'Delete "{name}"').click()
    expect(page.locator("#rules-audit li").first).to_contain_text(f'Ada Admin deleted "{name}"')
    expect(page.get_by_role("rowheader", name=name)).to_have_count(0)
    left = blocking_report(field_app, category, "yes", "Another wardrobe, after the rule went")
    time.sleep(2)  # two passes of the router
    assert field_app.api.get(f"/v1/reports/{left['id']}").json()["status"] == "submitted"
    assert not violations, "\n".join(violations)


def test_rules_are_reordered_and_refusals_are_shown_with_their_reasons(
    page: Page, field_app: FieldApp, admin: dict[str, str], category: dict, token_for
) -> None:
    tag = uuid.uuid4().hex[:4]
    for name, decision in ((f"First {tag}", "hold"), (f"Second {tag}", "acknowledge")):
        body = {"name": name, "category": category["code"], "decision": decision}
        field_app.api.post("/v1/routing-rules", json=body, headers=admin).raise_for_status()
    open_rules(page, admin["Authorization"].removeprefix("Bearer "))

    page.get_by_role("button", name=f'Move "Second {tag}" up').click()
    expect(page.get_by_role("button", name=f'Move "Second {tag}" down')).to_be_focused()
    mine = [r["name"] for r in field_app.api.get("/v1/routing-rules", headers=admin).json() if tag in r["name"]]
    assert mine == [f"Second {tag}", f"First {tag}"]
    names = page.locator("#rules-table tbody th").all_inner_texts()
    assert [n for n in names if tag in n] == mine
    expect(page.locator("#rules-audit li").first).to_contain_text("position:")

    # Another admin changes the rule while it is open here: saving from the old copy is refused, the form shows it now.
    page.get_by_role("button", name=f'Edit "First {tag}"').click()
    first = rule_named(field_app, admin, f"First {tag}")
    httpx.patch(
        f"{field_app.base}/v1/routing-rules/{first['id']}", json={"priority": "low"}, headers=admin
    ).raise_for_status()
    page.get_by_label("Set the priority").select_option("urgent")
    page.get_by_role("button", name="Save the rule").click()
    error = page.locator("#rule-error")
    expect(error).to_contain_text(f"Not saved: The rule 'First {tag}' was changed by someone else")
    expect(error).to_be_focused()
    expect(page.get_by_label("Set the priority")).to_have_value("low")
    assert rule_named(field_app, admin, f"First {tag}")["priority"] == "low"
    page.get_by_role("button", name="Cancel").click()

    # A bad rule: the service's reason, word for word.
    page.get_by_label("Name").fill("X")
    page.get_by_role("button", name="Add the rule").click()
    expect(page.locator("#rule-error")).to_contain_text("Not saved: The request is not valid")
    expect(page.locator("#rule-error")).to_contain_text("name")
    violations = serious_violations(page, "routing rules with a refusal")

    # No admin role: the screen is not offered, and typing its address shows the service's refusal.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Sign-in token").fill(token_for("staff", sub=f"e2e.rules.staff.{tag}", name="Sam Staff"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Triage", level=1)).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Office screens").get_by_role("link", name="Routing rules")
    ).to_have_count(0)
    page.goto("/office/#/rules")
    expect(page.locator("#rules-error")).to_contain_text("The rules cannot be shown:")
    expect(page.locator("#rules-error")).to_contain_text("admin")
    assert not violations, "\n".join(violations)
