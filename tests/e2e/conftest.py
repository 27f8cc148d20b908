"""Browser tests: Report IT served for real (PostgreSQL), Footprints and Volunteering as their own processes (the
staff screens call them from the phone), the field app driven in Debian's headless Chromium."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import Response
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.config import Settings
from report_it.db import migrate
from report_it.main import create_app
from report_it.webapp import WebAppSettings
from tests.support.postgres import create_database, drop_database
from tests.support.processes import service_process
from tests.support.server import free_port, serve

CHROMIUM = Path(os.environ.get("DEAL_CHROMIUM", "/usr/bin/chromium"))
# Written under var/ so a test run leaves the checkout as it was; `make screenshots` refreshes the README's.
SCREENSHOTS = Path(
    os.environ.get("DEAL_SCREENSHOTS_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)
WIGAN = {"latitude": 53.5449, "longitude": -2.6318}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def tile_png() -> bytes:
    """A plain map tile with a grid, so screenshots show a map without reaching any tile server."""
    image = Image.new("RGB", (256, 256), (232, 236, 226))
    pen = ImageDraw.Draw(image)
    for step in range(0, 256, 64):
        pen.line((step, 0, step, 256), fill=(200, 204, 196), width=2)
        pen.line((0, step, 256, step), fill=(200, 204, 196), width=2)
    pen.line((0, 140, 256, 120), fill=(255, 255, 255), width=10)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Peers:
    """Where the other services listen: chosen before Report IT starts, so it can send cases to Footprints."""

    footprints: str
    volunteering: str


class FieldApp:
    """The running Report IT: its URL, its app object (to switch the field app's settings) and an API client."""

    def __init__(self, base: str, app, staff_token: str, peers: Peers) -> None:
        self.base = base
        self.app = app
        self.staff_token = staff_token
        self.peers = peers
        self.api = httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {staff_token}"})

    def use(self, settings: WebAppSettings) -> None:
        # The staff screens reach this run's Footprints and Volunteering unless a test says otherwise.
        peers = {"footprints_url": self.peers.footprints, "volunteering_url": self.peers.volunteering}
        unset = {name: url for name, url in peers.items() if name not in settings.model_fields_set}
        self.app.state.webapp_settings = settings.model_copy(update=unset)

    def reports_with(self, marker: str, category: str) -> list[dict]:
        items = self.api.get("/v1/reports", params={"category": category, "limit": 200}).raise_for_status().json()
        return [r for r in items["items"] if marker in (r.get("description") or "")]


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"the browser tests need Chromium at {CHROMIUM}; `make test` installs Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def peers() -> Peers:
    return Peers(footprints=f"http://127.0.0.1:{free_port()}", volunteering=f"http://127.0.0.1:{free_port()}")


@pytest.fixture(scope="session")
def field_app(postgres_admin_url, dev_key, token_for, tmp_path_factory, peers: Peers) -> Iterator[FieldApp]:
    name = f"deal_e2e_report_it_{uuid.uuid4().hex[:10]}"
    url = create_database(postgres_admin_url, name)
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
    engine.dispose()
    settings = Settings(
        database_url=url,
        environment="test",
        photo_dir=tmp_path_factory.mktemp("e2e-photos"),
        auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
        footprints_url=peers.footprints,
        delivery_poll_seconds=0.2,
        delivery_backoff_seconds=0.5,
        delivery_backoff_max_seconds=2,
        delivery_max_attempts=1000,
    )
    app = create_app(settings)
    tile = tile_png()

    @app.get("/test-tiles/{z}/{x}/{y}.png", include_in_schema=False)
    def test_tile(z: int, x: int, y: int) -> Response:
        return Response(tile, media_type="image/png")

    app.state.webapp_settings = WebAppSettings(tile_url="")
    try:
        with serve(app) as base:
            staff_token = token_for("staff", "safeguarding", sub="e2e.checker", name="E2E Checker")
            running = FieldApp(base, app, staff_token, peers)
            yield running
            running.api.close()
    finally:
        drop_database(postgres_admin_url, name)


def _peer_env(prefix: str, database_url: str, dev_key: Path, field_app: FieldApp) -> dict[str, str]:
    return {
        **os.environ,
        f"{prefix}_DATABASE_URL": database_url,
        f"{prefix}_ENVIRONMENT": "test",
        f"{prefix}_AUTH__DEV_MODE": "true",
        f"{prefix}_AUTH__DEV_KEY_PATH": str(dev_key),
        f"{prefix}_REPORT_IT_URL": field_app.base,
        f"{prefix}_CORS_ORIGINS": json.dumps([field_app.base]),
    }


@pytest.fixture(scope="session")
def running_peers(postgres_admin_url, dev_key, field_app: FieldApp, peers: Peers) -> Iterator[Peers]:
    """Footprints and Volunteering as processes on fresh PostgreSQL databases, allowing the app's origin (CORS)."""
    names = {service: f"deal_e2e_{service}_{uuid.uuid4().hex[:10]}" for service in ("footprints", "volunteering")}
    envs = {
        "footprints": {
            **_peer_env("FOOTPRINTS", create_database(postgres_admin_url, names["footprints"]), dev_key, field_app),
            "FOOTPRINTS_OUTBOX_POLL_S": "0.2",
            "FOOTPRINTS_OUTBOX_MAX_BACKOFF_S": "1",
        },
        "volunteering": {
            **_peer_env("VOLUNTEERING", create_database(postgres_admin_url, names["volunteering"]), dev_key, field_app),
            "VOLUNTEERING_FOOTPRINTS_URL": peers.footprints,
        },
    }
    try:
        for service, env in envs.items():
            subprocess.run([sys.executable, "-m", f"{service}.cli", "setup"], env=env, check=True, capture_output=True)
        port = {
            "footprints": int(peers.footprints.rsplit(":", 1)[1]),
            "volunteering": int(peers.volunteering.rsplit(":", 1)[1]),
        }
        with (
            service_process("footprints.cli", envs["footprints"], port["footprints"]),
            service_process("volunteering.cli", envs["volunteering"], port["volunteering"]),
        ):
            yield peers
    finally:
        for name in names.values():
            drop_database(postgres_admin_url, name)


@pytest.fixture(autouse=True)
def no_tiles(field_app: FieldApp, running_peers: Peers) -> None:
    field_app.use(WebAppSettings(tile_url=""))


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield launched
        launched.close()


@pytest.fixture()
def context(browser: Browser, field_app: FieldApp) -> Iterator[BrowserContext]:
    made = browser.new_context(
        base_url=field_app.base,
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


@pytest.fixture()
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, f"the app raised in the browser: {errors}"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.getElementById('toast').textContent = ''")  # a passing message would hide the screen
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page, animations="disabled", caret="hide")


def camera_photo(width: int = 3000, height: int = 2000) -> bytes:
    """A big 'camera' JPEG, so the test can see the app shrink it before upload."""
    image = Image.new("RGB", (width, height), (96, 110, 90))
    pen = ImageDraw.Draw(image)
    pen.rectangle((width // 4, height // 3, width // 2, height // 2 + height // 4), fill=(140, 120, 100))
    pen.ellipse((width // 2, height // 3, width // 2 + width // 5, height // 3 + height // 4), fill=(60, 60, 70))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def wait_for_worker(page: Page) -> None:
    """Until the service worker controls the page and the app has kept what it needs: from then on it opens offline."""
    # evaluate, not wait_for_function: the app's Content Security Policy forbids the eval the latter polls with.
    page.evaluate(
        """async () => {
            await navigator.serviceWorker.ready;
            while (!navigator.serviceWorker.controller || document.body.dataset.ready !== "1") {
                await new Promise((r) => setTimeout(r, 50));
            }
        }"""
    )
