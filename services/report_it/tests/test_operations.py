"""Health, readiness, metrics, request ids and the OpenAPI document."""

from __future__ import annotations

import httpx


def test_health_readiness_and_metrics(api: httpx.Client) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json() == {"status": "ready"}
    api.get("/v1/categories")
    metrics = api.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/v1/categories",service="report-it",status="200"}' in metrics
    assert "http_request_duration_seconds_bucket" in metrics


def test_request_id_is_echoed_or_minted(api: httpx.Client) -> None:
    assert api.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert len(api.get("/healthz").headers["X-Request-ID"]) == 32


def test_openapi_and_unknown_paths(api: httpx.Client) -> None:
    assert "/v1/reports" in api.get("/openapi.json").json()["paths"]
    missing = api.get("/no/such/thing")
    assert missing.status_code == 404 and missing.json()["code"] == "NotFound"
    assert api.delete("/v1/categories").json()["code"] == "MethodNotAllowed"
