"""Officers sign in to the office with the council's identity provider (the real stand-in for Entra ID), by
authorization code with PKCE through the field app's own sign-in modules, and work the queue with its tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.council_app import CouncilApp, council_app, provider_login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def council(postgres_admin_url, tmp_path_factory) -> Iterator[CouncilApp]:
    """Report IT trusting only the provider's tokens; the app's registration lists the office's address too."""
    photos = tmp_path_factory.mktemp("office-sign-in-photos")
    with council_app(postgres_admin_url, photos, redirect_paths=["/app/", "/office/"]) as app:
        yield app


@pytest.fixture(autouse=True)
def no_tiles() -> None:
    """This module's Report IT is its own: the shared one and its peers are not started for it."""


@pytest.fixture()
def context(browser: Browser, council: CouncilApp) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=council.base, viewport={"width": 1440, "height": 1000}, locale="en-GB")
    made.set_default_timeout(15000)
    yield made
    made.close()


def test_an_officer_signs_in_to_the_office_with_the_council_and_sees_the_queue(page: Page, council: CouncilApp) -> None:
    body = {"category": "graffiti", "location": {"lat": 53.5449, "long": -2.6318}, "answers": {"offensive": "no"}}
    made = httpx.post(f"{council.base}/v1/reports", json=body).raise_for_status().json()

    page.goto("/office/")
    expect(page.get_by_role("heading", name="Office sign in")).to_be_visible()
    expect(page.get_by_label("Sign-in token")).to_have_count(0)  # no token to paste with a provider configured
    with page.expect_request(lambda sent: sent.url.startswith(f"{council.provider.issuer}/auth?")) as authorize:
        page.get_by_role("button", name="Sign in with the council").click()
    params = httpx.URL(authorize.value.url).params
    assert params["redirect_uri"] == f"{council.base}/office/"
    assert params["code_challenge_method"] == "S256" and params["state"] and params["nonce"]
    provider_login(page, council, "officer.one")

    page.wait_for_url(f"{council.base}/office/**")
    expect(page.get_by_role("heading", name="Triage", level=1)).to_be_visible()
    expect(page.locator("#who")).to_contain_text("Signed in as Officer One")
    assert page.url == f"{council.base}/office/"  # the code and state are gone from the address
    expect(page.locator(f"#queue-list li[data-reference='{made['reference']}']")).to_have_count(1)

    # One sign-in on this computer: the field app's staff screen knows the officer too.
    page.goto("/app/#/staff")
    expect(page.get_by_text("Signed in as Officer One (staff)")).to_be_visible()


def test_an_account_without_an_office_role_is_told_so(page: Page, council: CouncilApp) -> None:
    page.goto("/office/")
    page.get_by_role("button", name="Sign in with the council").click()
    provider_login(page, council, f"visitor.{uuid.uuid4().hex[:6]}")
    page.wait_for_url(f"{council.base}/office/**")
    expect(page.get_by_role("alert")).to_contain_text("This account has no office role")
