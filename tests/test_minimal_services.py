"""Footprints and volunteering start, migrate and answer their health checks on each backend."""

from __future__ import annotations

import httpx
import pytest

from deal_shared.auth import AuthSettings
from tests.support.server import serve


@pytest.mark.parametrize("service", ["footprints", "volunteering"])
def test_service_is_ready(service: str, database_factory, dev_key) -> None:
    config = __import__(f"{service}.config", fromlist=["Settings"])
    db = __import__(f"{service}.db", fromlist=["migrate"])
    main = __import__(f"{service}.main", fromlist=["create_app"])
    url = database_factory(service)
    db.migrate(url)
    settings = config.Settings(
        database_url=url, environment="test", auth=AuthSettings(dev_mode=True, dev_key_path=dev_key)
    )
    with serve(main.create_app(settings)) as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
        assert httpx.get(f"{base}/nope").json()["code"] == "NotFound"
