"""The app shell over HTTP: cache headers, compression, the service worker's version, config, and its weight."""

from __future__ import annotations

import json
import re

import httpx

from report_it.webapp import WebAppSettings
from report_it.webapp.router import shell_files
from tests.e2e.conftest import FieldApp

FIRST_LOAD_BUDGET = 150 * 1024


def test_config_offers_the_map_only_with_tiles_and_the_api_actions_the_server_has(field_app: FieldApp) -> None:
    plain = field_app.api.get("/app/config.json").raise_for_status()
    assert plain.headers["cache-control"] == "no-cache"
    assert plain.json()["tiles"] is None
    assert plain.json()["api"]["support"] == "/v1/reports/{report_id}/support"
    field_app.use(WebAppSettings(tile_url="https://tiles.example.org/{z}/{x}/{y}.png", tile_attribution="Example"))
    config = field_app.api.get("/app/config.json").json()
    assert config["tiles"] == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "Example",
        "max_zoom": 19,
    }
    csp = field_app.api.get("/app/").headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://tiles.example.org;" in csp


def test_shell_is_revalidated_and_vendored_code_is_immutable(field_app: FieldApp) -> None:
    with httpx.Client(base_url=field_app.base, headers={"Accept-Encoding": "gzip"}) as http:
        index = http.get("/app/")
        assert index.status_code == 200
        assert index.headers["cache-control"] == "no-cache"
        assert index.headers["content-encoding"] == "gzip"
        assert "script-src 'self'" in index.headers["content-security-policy"]
        assert http.get("/app/", headers={"If-None-Match": index.headers["etag"]}).status_code == 304
        leaflet = http.get("/app/vendor/leaflet-1.9.4/leaflet.js")
        assert leaflet.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "BSD 2-Clause License" in http.get("/app/vendor/leaflet-1.9.4/LICENSE").text
        assert http.get("/app").status_code == 308
        head = http.head("/app/")
        assert head.status_code == 200 and head.headers["etag"] == index.headers["etag"] and not head.content


def test_service_worker_carries_the_shell_version_and_file_list(field_app: FieldApp) -> None:
    worker = field_app.api.get("/app/sw.js")
    assert worker.headers["service-worker-allowed"] == "/app/"
    assert worker.headers["content-type"].startswith("text/javascript")
    version = re.search(r'const VERSION = "([0-9a-f]{16})";', worker.text)
    files = json.loads(re.search(r"const SHELL = (\[.*?\]);", worker.text).group(1))
    assert version, "the version placeholder was not filled in"
    assert {"index.html", "app.css", "js/app.js", "js/outbox.js", "manifest.webmanifest"} <= set(files)
    assert not any(f.startswith("vendor/") for f in files)


def test_unknown_or_escaping_paths_are_not_found(field_app: FieldApp) -> None:
    for path in ("/app/nothing.js", "/app/..%2F..%2Fpyproject.toml", "/app/js/../../router.py"):
        response = field_app.api.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")


def test_first_load_is_under_150_kb_compressed(field_app: FieldApp, record_property) -> None:
    # Everything the phone downloads to run and keep the app (the service worker precaches the whole shell),
    # as sent compressed; map tiles, the lazily loaded map library and photos are not part of it.
    total = 0
    with httpx.Client(base_url=field_app.base, headers={"Accept-Encoding": "gzip"}) as http:
        for name in [*shell_files(), "sw.js", "config.json"]:
            response = http.get(f"/app/{name}")
            assert response.status_code == 200, name
            total += int(response.headers["content-length"])
    record_property("first_load_compressed_bytes", total)
    assert total < FIRST_LOAD_BUDGET, f"the first load is {total / 1024:.1f} KB compressed"


def test_config_names_the_staff_services_and_the_policy_lets_the_app_call_them(field_app: FieldApp) -> None:
    config = field_app.api.get("/app/config.json").json()
    assert config["services"] == {
        "footprints": field_app.peers.footprints,
        "volunteering": field_app.peers.volunteering,
    }
    csp = field_app.api.get("/app/").headers["content-security-policy"]
    connect = next(part for part in csp.split(";") if part.strip().startswith("connect-src")).split()
    assert set(connect[1:]) == {"'self'", field_app.peers.footprints, field_app.peers.volunteering}
    field_app.use(WebAppSettings(tile_url="", footprints_url="", volunteering_url="https://volunteering.example.org/"))
    assert field_app.api.get("/app/config.json").json()["services"] == {
        "footprints": None,
        "volunteering": "https://volunteering.example.org",
    }
    assert (
        "connect-src 'self' https://volunteering.example.org;"
        in field_app.api.get("/app/").headers["content-security-policy"]
    )
