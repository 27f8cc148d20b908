"""Staff sign in with the council's identity provider (the real stand-in for Entra ID), by authorization code with
PKCE from the field app in headless Chromium, and work as themselves with the provider's tokens."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from report_it.webapp import WebAppSettings
from tests.e2e.conftest import PHONE, WIGAN, wait_for_worker
from tests.e2e.council_app import SCOPES, CouncilApp, council_app, provider_login
from tests.support.identity_provider import FIELD_APP_CLIENT
from tests.support.server import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def council(postgres_admin_url, tmp_path_factory) -> Iterator[CouncilApp]:
    """Report IT trusting only the provider's tokens, its field app sending staff to the provider to sign in."""
    with council_app(postgres_admin_url, tmp_path_factory.mktemp("sign-in-photos"), redirect_paths=["/app/"]) as app:
        yield app


@pytest.fixture(autouse=True)
def no_tiles() -> None:
    """This module's Report IT is its own: the shared one and its peers are not started for it."""


@pytest.fixture()
def context(browser: Browser, council: CouncilApp) -> Iterator[BrowserContext]:
    made = browser.new_context(
        base_url=council.base,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=WIGAN,
        permissions=["geolocation"],
        locale="en-GB",
        service_workers="allow",
    )
    made.set_default_timeout(15000)
    yield made
    made.close()


def kept_session(page: Page) -> dict | None:
    """The staff session as the app keeps it on the phone (IndexedDB)."""
    return page.evaluate(
        """async () => {
            const db = await new Promise((resolve, reject) => {
                const opening = indexedDB.open("deal-field");
                opening.onsuccess = () => resolve(opening.result);
                opening.onerror = () => reject(opening.error);
            });
            return await new Promise((resolve) => {
                const read = db.transaction("settings").objectStore("settings").get("staff");
                read.onsuccess = () => resolve(read.result || null);
            });
        }"""
    )


def shift_expiry(page: Page, seconds_left: int) -> None:
    """Make the kept access token look as if it runs out in `seconds_left` (the app renews two minutes ahead)."""
    page.evaluate(
        """async (left) => {
            const db = await new Promise((resolve) => {
                const opening = indexedDB.open("deal-field");
                opening.onsuccess = () => resolve(opening.result);
            });
            const tx = db.transaction("settings", "readwrite");
            const store = tx.objectStore("settings");
            const read = store.get("staff");
            read.onsuccess = () => store.put({ ...read.result, exp: Math.floor(Date.now() / 1000) + left }, "staff");
            await new Promise((resolve) => (tx.oncomplete = resolve));
        }""",
        seconds_left,
    )


def to_the_provider(page: Page, council: CouncilApp) -> httpx.URL:
    """From the app's sign-in screen to the provider's login page; returns the authorization request's URL."""
    page.goto("/app/#/staff")
    wait_for_worker(page)
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    expect(page.get_by_label("Sign-in token")).to_have_count(0)  # no token to paste with a provider configured
    with page.expect_request(lambda sent: sent.url.startswith(f"{council.provider.issuer}/auth?")) as authorize:
        page.get_by_role("button", name="Sign in with the council").click()
    expect(page.locator("input[name=login]")).to_be_visible()
    return httpx.URL(authorize.value.url)


def sign_in_with_the_council(page: Page, council: CouncilApp, login: str = "officer.one") -> bool:
    authorize = to_the_provider(page, council)
    assert authorize.params["code_challenge_method"] == "S256"
    assert len(authorize.params["code_challenge"]) == 43 and authorize.params["state"] and authorize.params["nonce"]
    assert authorize.params["redirect_uri"] == f"{council.base}/app/"
    consented = provider_login(page, council, login)
    page.wait_for_url(f"{council.base}/app/**")
    return consented


def test_an_officer_signs_in_with_the_council_and_logs_a_street_issue_with_its_token(
    page: Page, council: CouncilApp
) -> None:
    marker = f"council-{uuid.uuid4().hex[:8]}"
    assert sign_in_with_the_council(page, council), "the provider asks for consent to the API and offline access"
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    expect(page.get_by_text("Signed in as Officer One (staff)")).to_be_visible()
    assert page.url == f"{council.base}/app/#/staff"  # the code and state are gone from the address

    session = kept_session(page)
    claims = jwt.decode(session["token"], options={"verify_signature": False})
    assert claims["iss"] == council.provider.issuer and claims["sub"] == "officer.one"
    assert session["refresh_token"]

    page.get_by_role("link", name="Log a street issue").click()
    # Staff-only categories are offered: Report IT took the provider's token for a member of staff's.
    expect(
        page.get_by_label("Problem").locator("option", has_text="Property in poor condition (staff only)")
    ).to_have_count(1)
    page.get_by_label("Problem").select_option(label="Overflowing litter bin")
    page.get_by_label("Description (optional)").fill(f"Bin by the bus stop {marker}")
    page.get_by_role("button", name="Log the issue").click()
    expect(page.locator("#sent-list [data-report]")).to_have_count(1, timeout=20000)

    reader = {"Authorization": f"Bearer {council.provider.service_token('footprints')}"}
    listed = httpx.get(f"{council.base}/v1/reports", params={"category": "overflowing_bin"}, headers=reader)
    [logged] = [r for r in listed.raise_for_status().json()["items"] if marker in (r.get("description") or "")]
    assert logged["channel"] == "staff"


def test_the_sign_in_is_renewed_before_it_runs_out_and_signing_out_forgets_it(page: Page, council: CouncilApp) -> None:
    sign_in_with_the_council(page, council, "lead.one")
    expect(page.get_by_text("Signed in as Lead One (staff, team_leader)")).to_be_visible()
    first = kept_session(page)

    shift_expiry(page, 60)
    page.goto("/app/#/staff/caseload")
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    renewed = kept_session(page)
    assert renewed["token"] != first["token"] and renewed["refresh_token"] != first["refresh_token"]
    assert renewed["exp"] > time.time() + 600
    staff = {"Authorization": f"Bearer {renewed['token']}"}
    assert httpx.get(f"{council.base}/v1/reports/for-my-team", headers=staff).status_code == 200

    page.goto("/app/#/staff")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    assert kept_session(page) is None

    # The provider still knows who signed in last on this phone: the next sign-in asks who it is.
    assert to_the_provider(page, council).params["prompt"] == "login"


def test_an_issue_logged_offline_after_the_token_ran_out_is_sent_once_the_token_is_renewed(
    page: Page, council: CouncilApp
) -> None:
    marker = f"stale-{uuid.uuid4().hex[:8]}"
    sign_in_with_the_council(page, council)
    page.get_by_role("link", name="Log a street issue").click()
    expect(page.get_by_label("Problem")).to_be_enabled()  # the staff categories are now kept on the phone
    signed_in = kept_session(page)

    page.context.set_offline(True)
    shift_expiry(page, -60)
    page.goto("/app/#/staff/log")
    page.get_by_label("Problem").select_option(label="Overflowing litter bin")
    page.get_by_label("Description (optional)").fill(f"Bin by the library {marker}")
    page.get_by_role("button", name="Log the issue").click()
    expect(page.locator("body[data-outbox='1']")).to_have_count(1)

    page.context.set_offline(False)
    expect(page.locator("body[data-outbox='0']")).to_have_count(1, timeout=30000)
    assert kept_session(page)["token"] != signed_in["token"]
    reader = {"Authorization": f"Bearer {council.provider.service_token('footprints')}"}
    listed = httpx.get(f"{council.base}/v1/reports", params={"category": "overflowing_bin"}, headers=reader)
    assert [r["channel"] for r in listed.json()["items"] if marker in (r.get("description") or "")] == ["staff"]


def test_a_return_with_a_tampered_state_is_refused(page: Page, council: CouncilApp) -> None:
    state = to_the_provider(page, council).params["state"]
    page.goto(f"/app/?code=stolen-code&state={state}x")
    expect(page.get_by_role("alert")).to_contain_text("was not the one this app started")
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    assert kept_session(page) is None


def test_a_return_naming_another_provider_is_refused(page: Page, council: CouncilApp) -> None:
    state = to_the_provider(page, council).params["state"]
    page.goto(f"/app/?code=their-code&state={state}&iss=https%3A%2F%2Fidp.example.org")
    expect(page.get_by_role("alert")).to_contain_text("came back from another sign-in service")
    assert kept_session(page) is None


def test_cancelling_at_the_provider_says_so(page: Page, council: CouncilApp) -> None:
    to_the_provider(page, council)
    page.get_by_role("link", name="[ Cancel ]").click()
    page.wait_for_url(f"{council.base}/app/**")
    expect(page.get_by_role("alert")).to_contain_text("Sign-in was cancelled")
    assert kept_session(page) is None


def test_a_provider_that_goes_down_before_the_code_is_exchanged_is_explained(page: Page, council: CouncilApp) -> None:
    to_the_provider(page, council)

    def provider_goes_down(route: Route) -> None:
        # The provider has sent the browser back with a code, and is down by the time the app exchanges it.
        council.provider.stop()
        route.continue_()

    page.route(council.provider.token_url, provider_goes_down)
    try:
        provider_login(page, council, "officer.one")
        page.wait_for_url(f"{council.base}/app/**")
        expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
        assert kept_session(page) is None
    finally:
        council.provider.start()


@pytest.fixture()
def settings_of(council: CouncilApp) -> Iterator[Callable[[WebAppSettings], None]]:
    """Switch the field app's settings for one test; the module's own come back after it."""
    kept = council.app.state.webapp_settings
    yield lambda settings: setattr(council.app.state, "webapp_settings", settings)
    council.app.state.webapp_settings = kept


def connect_src(council: CouncilApp) -> set[str]:
    policy = httpx.get(f"{council.base}/app/").raise_for_status().headers["content-security-policy"]
    return set(next(d for d in policy.split(";") if d.strip().startswith("connect-src")).split()[1:])


def test_config_names_the_provider_and_the_policy_lets_the_app_reach_its_token_endpoint(council: CouncilApp) -> None:
    config = httpx.get(f"{council.base}/app/config.json").raise_for_status().json()

    assert config["sign_in"] == {
        "issuer": council.provider.issuer,
        "client_id": FIELD_APP_CLIENT,
        "scopes": SCOPES.split(),
        "authorization_endpoint": f"{council.provider.issuer}/auth",
        "token_endpoint": council.provider.token_url,
    }
    assert connect_src(council) == {"'self'", council.provider.issuer}


def test_without_a_provider_the_config_has_no_sign_in_and_the_policy_no_provider(
    council: CouncilApp, settings_of
) -> None:
    settings_of(WebAppSettings(tile_url="", footprints_url="", volunteering_url=""))

    assert "sign_in" not in httpx.get(f"{council.base}/app/config.json").json()
    assert connect_src(council) == {"'self'"}


def test_a_provider_that_cannot_be_reached_is_explained_before_anyone_is_sent_to_it(
    page: Page, council: CouncilApp, settings_of
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    reachable = council.app.state.webapp_settings
    settings_of(WebAppSettings(tile_url="", sign_in_issuer=nowhere, sign_in_client_id=FIELD_APP_CLIENT))
    sign_in = httpx.get(f"{council.base}/app/config.json").json()["sign_in"]
    assert sign_in["authorization_endpoint"] is None and sign_in["token_endpoint"] is None
    assert nowhere in connect_src(council)  # the usual token endpoint, beside the issuer, once it is back

    page.goto("/app/#/staff")
    page.get_by_role("button", name="Sign in with the council").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached just now")
    assert page.url.startswith(council.base)

    settings_of(reachable)  # the provider is back: pressing again asks Report IT afresh and goes there
    page.get_by_role("button", name="Sign in with the council").click()
    expect(page.locator("input[name=login]")).to_be_visible()
