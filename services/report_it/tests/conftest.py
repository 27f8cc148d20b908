"""Report IT served over real HTTP, on each backend under test."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.config import Settings
from report_it.db import migrate
from report_it.main import create_app
from tests.support.server import serve


@pytest.fixture(scope="session")
def report_it_url(database_factory, dev_key, tmp_path_factory):
    url = database_factory("report_it")
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
    engine.dispose()
    settings = Settings(
        database_url=url,
        environment="test",
        photo_dir=tmp_path_factory.mktemp("photos"),
        auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
    )
    with serve(create_app(settings)) as base:
        yield base


@pytest.fixture()
def api(report_it_url):
    with httpx.Client(base_url=report_it_url, timeout=30) as client:
        yield client
