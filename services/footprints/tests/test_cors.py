"""The field app's origin may call Footprints from the browser; other origins get no CORS permission."""

from __future__ import annotations

import httpx
import pytest

APP = "http://127.0.0.1:8001"


def preflight(api: httpx.Client, origin: str) -> httpx.Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    return api.options("/v1/caseloads/me", headers=headers)


def test_the_field_app_origin_may_read_caseloads_and_their_problems(api: httpx.Client, token_for) -> None:
    allowed = preflight(api, APP)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == APP
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    # A worker Footprints does not know: the problem details reach the app's code, not only the network tab.
    token = token_for("staff", sub="nobody.known")
    refused = api.get("/v1/caseloads/me", headers={"Origin": APP, "Authorization": f"Bearer {token}"})
    assert refused.status_code == 404
    assert refused.json()["code"] == "WorkerNotFound"
    assert refused.headers["access-control-allow-origin"] == APP


def test_other_origins_get_no_permission(api: httpx.Client) -> None:
    refused = preflight(api, "https://elsewhere.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    plain = api.get("/readyz", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in plain.headers


@pytest.mark.parametrize("footprints_url", [{"cors_origins": []}], indirect=True)
def test_an_empty_allow_list_turns_cors_off(api: httpx.Client) -> None:
    assert "access-control-allow-origin" not in preflight(api, APP).headers
