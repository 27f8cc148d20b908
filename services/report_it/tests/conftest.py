"""Report IT served over real HTTP on each backend under test, with a real SMTP server for its e-mails."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.config import Settings
from report_it.db import migrate
from report_it.main import create_app
from services.report_it.tests.mailcatcher import MailCatcher, mail_catcher
from tests.support.server import serve


def migrated_with_categories(url: str) -> str:
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def report_it_db(database_factory) -> str:
    return migrated_with_categories(database_factory("report_it"))


@pytest.fixture()
def fresh_db(database_factory) -> str:
    """A migrated, seeded database of the test's own, for tests that watch the outbox."""
    return migrated_with_categories(database_factory("report_it_own"))


@pytest.fixture(scope="session")
def smtp(tmp_path_factory):
    with mail_catcher(tmp_path_factory.mktemp("maildir") / "inbox") as catcher:
        yield catcher


@pytest.fixture(scope="session")
def make_settings(report_it_db, dev_key, tmp_path_factory, smtp: MailCatcher) -> Callable[..., Settings]:
    photos = tmp_path_factory.mktemp("photos")

    def make(**overrides) -> Settings:
        values = {
            "database_url": report_it_db,
            "environment": "test",
            "photo_dir": photos,
            "auth": AuthSettings(dev_mode=True, dev_key_path=dev_key),
            "smtp_host": smtp.host,
            "smtp_port": smtp.port,
            "delivery_poll_seconds": 0.2,
            "webhook_allow_private_targets": True,  # the tests' receivers listen on 127.0.0.1
            "delivery_backoff_seconds": 0.2,
            "delivery_backoff_max_seconds": 1.0,
            # No Footprints runs beside these tests: case syncs wait in the outbox.
            "footprints_url": "http://127.0.0.1:9",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def report_it_url(make_settings):
    with serve(create_app(make_settings())) as base:
        yield base


@pytest.fixture()
def api(report_it_url):
    with httpx.Client(base_url=report_it_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def staff_headers(token_for) -> dict[str, str]:
    token = token_for("staff", sub="officer.street", name="Sam Street", department="street_cleansing")
    return {"Authorization": f"Bearer {token}"}
