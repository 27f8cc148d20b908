"""A resident sends the same problem twice: the second is held as "looks like one you just sent", and sent when
they say it is a different problem."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import FieldApp

pytestmark = pytest.mark.browser


@pytest.fixture()
def repeat_hint(field_app: FieldApp):
    settings = field_app.app.state.settings
    before = settings.repeat_hint_minutes
    settings.repeat_hint_minutes = 60
    yield
    settings.repeat_hint_minutes = before


def send_litter(page: Page, text: str, email: str) -> None:
    page.get_by_role("link", name="Report a problem").first.click()
    expect(page.get_by_text("From your phone's location")).to_be_visible()
    page.get_by_label("Problem").select_option(label="Litter")
    page.get_by_label("Description (optional)").fill(text)
    page.get_by_text("Your contact details (optional)").click()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Send report").click()


def test_a_repeat_is_held_with_the_reason_and_sent_once_confirmed(page: Page, field_app: FieldApp, repeat_hint) -> None:
    marker = f"repeat-{uuid.uuid4().hex[:8]}"
    email = f"{marker}@example.org"
    page.goto("/app/")
    send_litter(page, f"Cans {marker} #1", email)
    page.get_by_role("link", name="My reports").first.click()
    expect(page.locator("#sent-list [data-report]").first).to_be_visible(timeout=15000)
    page.get_by_role("link", name="Report IT").click()

    send_litter(page, f"Cans {marker} #2", email)
    page.get_by_role("link", name="My reports").first.click()
    held = page.locator("#outbox-list [data-outbox]")
    expect(held).to_have_count(1, timeout=15000)
    expect(held.get_by_text("Looks like one you just sent")).to_be_visible(timeout=15000)
    expect(held.get_by_text("If this is a different problem")).to_be_visible()
    assert len(field_app.reports_with(marker, "litter")) == 1

    held.get_by_role("button", name="It's a different problem: send it").click()
    expect(page.locator("#outbox-empty")).to_be_visible(timeout=15000)
    descriptions = sorted(r["description"] for r in field_app.reports_with(marker, "litter"))
    assert descriptions == [f"Cans {marker} #1", f"Cans {marker} #2"]
