"""Far dates and hand-made cursors: refused with a 422 naming the field, on every listing, export and feed.

Python's datetimes stop at years 1 and 9999, so a moment near either end overflows when it is moved to UTC or
stepped a second forward, and a cursor is text anyone can make. None of it may reach the database.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

FAR = [
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999",
    "1899-12-31T23:00:00Z",
]

OUR_LISTINGS = [
    ("/v1/reports", ["created_from", "created_to", "updated_after"]),
    ("/v1/reports.geojson", ["created_from", "created_to", "updated_after"]),
    ("/v1/reports/clusters", ["since"]),
    ("/v1/stats/reports", ["created_from", "created_to"]),
    ("/v1/exports/reports.csv", ["created_from", "created_to"]),
    ("/v1/exports/updates.csv", ["created_from", "created_to"]),
]

OPEN311 = [
    ("/open311/v2/requests.json", ["start_date", "end_date", "updated_after"]),
    ("/open311/v2/requests.xml", ["start_date", "end_date", "updated_after"]),
    ("/open311/v2/servicerequestupdates.json", ["start_date", "end_date"]),
]


def _cursor(pair) -> str:
    return base64.urlsafe_b64encode(json.dumps(pair).encode()).decode().rstrip("=")


HAND_MADE_CURSORS = [
    _cursor(["2026-01-01T00:00:00", "2c9bd8d5-6e7c-4d67-9b6a-43d6a5f0a0a1"]),  # no zone: taken as UTC, answered
    _cursor(["0001-01-01T00:00:00+14:00", "2c9bd8d5-6e7c-4d67-9b6a-43d6a5f0a0a1"]),
    _cursor(["9999-12-31T23:59:59-14:00", "2c9bd8d5-6e7c-4d67-9b6a-43d6a5f0a0a1"]),
    _cursor(["2026-01-01T00:00:00Z", "not a uuid"]),
    _cursor({"at": 1}),
    _cursor([1, 2, 3]),
    "%%%not-base64",
    "AAAA",
]


@pytest.fixture(scope="module")
def everyone(token_for) -> dict[str, str]:
    token = token_for("staff", "team_leader", "manager", "admin", "safeguarding", sub="officer.dates")
    return {"Authorization": f"Bearer {token}"}


def _assert_refused_naming(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, (field, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]], response.text


@pytest.mark.parametrize("value", FAR)
@pytest.mark.parametrize(("path", "names"), OUR_LISTINGS)
def test_a_far_date_is_refused_naming_the_field(api: httpx.Client, everyone, path, names, value) -> None:
    for name in names:
        response = api.get(path, params={name: value}, headers=everyone)
        _assert_refused_naming(response, f"query.{name}")


@pytest.mark.parametrize("value", FAR)
@pytest.mark.parametrize(("path", "names"), OPEN311)
def test_a_far_date_is_an_open311_error_naming_the_parameter(api: httpx.Client, path, names, value) -> None:
    for name in names:
        response = api.get(path, params={name: value})
        assert response.status_code == 400, (name, response.status_code, response.text[:300])
        body = response.text
        assert name in body, body


@pytest.mark.parametrize("edge", ["1900-01-01T00:00:00+14:00", "2199-12-31T23:59:59-14:00"])
def test_the_edges_of_the_range_are_answered(api: httpx.Client, everyone, edge) -> None:
    for path, names in OUR_LISTINGS:
        for name in names:
            response = api.get(path, params={name: edge}, headers=everyone)
            assert response.status_code == 200, (path, name, response.text[:300])
            if path.endswith(".csv"):
                assert response.text.splitlines()[0], "a CSV always has its header"
    for path, names in OPEN311:
        for name in names:
            response = api.get(path, params={name: edge})
            assert response.status_code in (200, 400), (path, name, response.text[:300])
            assert response.status_code == 200 or name in response.text


@pytest.mark.parametrize("cursor", HAND_MADE_CURSORS)
@pytest.mark.parametrize("path", ["/v1/reports", "/v1/reports.geojson", "/v1/triage/queue"])
def test_a_hand_made_cursor_is_refused_or_answered_never_a_500(api: httpx.Client, everyone, path, cursor) -> None:
    response = api.get(path, params={"cursor": cursor}, headers=everyone)
    if cursor == HAND_MADE_CURSORS[0]:
        assert response.status_code == 200, response.text[:300]
    else:
        _assert_refused_naming(response, "query.cursor")


@pytest.mark.parametrize("value", ["0001-01", "9999-12", "2026-13", "0000-01", "1899-12"])
@pytest.mark.parametrize("path", ["/v1/outcomes/reports", "/v1/outcomes/reports.csv"])
def test_a_far_month_of_outcomes_is_refused(api: httpx.Client, everyone, path, value) -> None:
    for name in ("from", "to"):
        response = api.get(path, params={name: value}, headers=everyone)
        _assert_refused_naming(response, f"query.{name}")


def test_a_far_resume_point_of_the_triage_events_starts_from_now(api: httpx.Client, everyone) -> None:
    response = api.get("/v1/triage/events", params={"since": "0001-01-01T00:00+14:00"}, headers=everyone)
    _assert_refused_naming(response, "query.since")
    with api.stream(
        "GET", "/v1/triage/events", headers={**everyone, "Last-Event-ID": "0001-01-01T00:00:00+14:00"}, timeout=5
    ) as stream:
        assert stream.status_code == 200
