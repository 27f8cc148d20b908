"""Report IT trusting only a real identity provider's tokens (the stand-in for Entra ID), for the sign-in tests of
the field app and the office, and the provider's own login page as a person would fill it in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from deal_shared.auth import AuthSettings
from report_it.categories import seed_categories
from report_it.config import Settings
from report_it.db import migrate
from report_it.main import create_app
from report_it.webapp import WebAppSettings
from tests.support.databases import seeded
from tests.support.identity_provider import AUDIENCE, FIELD_APP_CLIENT, IdentityProvider, identity_provider
from tests.support.postgres import create_database, drop_database
from tests.support.server import free_port, serve

SCOPES = "openid profile email offline_access api"


@dataclass(frozen=True)
class CouncilApp:
    base: str
    app: object
    provider: IdentityProvider


@contextmanager
def council_app(postgres_admin_url: str, photo_dir: Path, *, redirect_paths: list[str]) -> Iterator[CouncilApp]:
    """Report IT on its own database, its app's registration at the provider listing `redirect_paths` on its address
    (as Entra ID's SPA platform lists each redirect URI), and no Footprints."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    name = f"deal_e2e_sign_in_{uuid.uuid4().hex[:10]}"
    url = seeded(create_database(postgres_admin_url, name), migrate, seed_categories)
    try:
        with identity_provider(redirect_uris=[f"{base}{path}" for path in redirect_paths]) as provider:
            settings = Settings(
                database_url=url,
                environment="test",
                photo_dir=photo_dir,
                auth=AuthSettings(issuer=provider.issuer, audience=AUDIENCE),
                footprints_url=f"http://127.0.0.1:{free_port()}",  # no Footprints in these tests
            )
            app = create_app(settings)
            app.state.webapp_settings = WebAppSettings(
                tile_url="",
                footprints_url="",
                volunteering_url="",
                sign_in_issuer=provider.issuer,
                sign_in_client_id=FIELD_APP_CLIENT,
                sign_in_scopes=SCOPES,
            )
            with serve(app, port=port):
                yield CouncilApp(base, app, provider)
    finally:
        drop_database(postgres_admin_url, name)


def provider_login(page: Page, council: CouncilApp, login: str) -> bool:
    """The provider's own login page (any password), then its consent page where it shows one (returns whether)."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.locator("button:has-text('Continue'), main#main").first.wait_for()
    if not page.url.startswith(council.provider.issuer):
        return False
    page.get_by_role("button", name="Continue").click()
    return True
