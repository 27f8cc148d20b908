"""Awkward text on /v1 over HTTP: control characters are refused with a problem naming the field, never a 500."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import httpx
import pytest

from services.report_it.tests.test_lifecycle import new_report
from tests.support.text_hygiene import assert_refused, awkward_strings

WIGAN = {"lat": 53.545, "long": -2.632}
# Each field a client may fill in on a report, and where it goes in the body.
REPORT_FIELDS = [
    ("description", {"description": "Sofa\x00 on the pavement"}),
    ("address", {"address": "1 Market St\x00"}),
    ("reporter", {"reporter": {"name": "Ann\x00 Resident"}}),
    ("reporter", {"reporter": {"email": "ann\x00@example.org"}}),
    ("answers", {"answers": {"size": "car_boot\x00", "waste_type": ["household"]}}),
    ("answers", {"answers": {"size": "car_boot", "waste_type": ["household\x00"]}}),
    ("answers", {"answers": {"size\x00": "car_boot"}}),
    ("category", {"category": "fly_tipping\x00"}),
    ("description", {"description": "Bell\x07 and escape\x1b"}),
]


def fly_tip(**overrides) -> dict:
    body = {
        "category": "fly_tipping",
        "location": WIGAN,
        "description": "Sofa on the pavement",
        "answers": {"size": "car_boot", "waste_type": ["household"]},
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(("field", "change"), REPORT_FIELDS)
def test_a_control_character_in_a_report_is_refused_by_field(api: httpx.Client, field: str, change: dict) -> None:
    assert_refused(api.post("/v1/reports", json=fly_tip(**change)), f"body.{field}")


def test_a_multipart_report_with_a_nul_is_refused(api: httpx.Client) -> None:
    response = api.post("/v1/reports", files={"report": (None, json.dumps(fly_tip(description="a\x00b")))})
    assert_refused(response, "body.report.description")


def test_tabs_newlines_and_any_script_are_kept(api: httpx.Client) -> None:
    text = "Line one\r\nLine\ttwo ² ٣ — Ŵigan 🦆"
    created = api.post("/v1/reports", json=fly_tip(description=text, address="Flat ²"))
    assert created.status_code == 201, created.text
    assert created.json()["description"] == text and created.json()["address"] == "Flat ²"


def test_update_texts_with_control_characters_are_refused(api: httpx.Client, staff_headers, token_for) -> None:
    report = new_report(api)
    rid = report["id"]
    updates = f"/v1/reports/{rid}/updates"
    assert_refused(api.post(updates, json={"public_text": "Done\x00"}, headers=staff_headers), "body.public_text")
    assert_refused(api.post(updates, json={"internal_note": "\x00"}, headers=staff_headers), "body.internal_note")
    multipart = api.post(updates, files={"update": (None, json.dumps({"public_text": "a\x00"}))}, headers=staff_headers)
    assert_refused(multipart, "body.update.public_text")
    patch = api.patch(f"/v1/reports/{rid}", json={"priority": "high", "internal_note": "x\x00"}, headers=staff_headers)
    assert_refused(patch, "body.internal_note")
    assert_refused(
        api.patch(f"/v1/reports/{rid}", json={"category": "litter\x00"}, headers=staff_headers), "body.category"
    )
    assert_refused(api.post(f"/v1/reports/{rid}/support", json={"name": "Bob\x00"}), "body.name")
    tracked = {"X-Tracking-Token": report["tracking_token"]}
    assert_refused(api.post(f"/v1/reports/{rid}/not-fixed", json={"text": "still\x00"}, headers=tracked), "body.text")
    surrogate = api.post(
        f"/v1/reports/{rid}/support", content=b'{"name": "Bob \\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert_refused(surrogate, "body.name", reason="string")
    admin = {"Authorization": f"Bearer {token_for('admin', 'manager', sub='admin.text')}"}
    template = {"title": "Cleared", "text": "We cleared it\x00"}
    assert_refused(api.post("/v1/response-templates", json=template, headers=admin), "body.text")
    good = api.post("/v1/response-templates", json={**template, "text": "We cleared it"}, headers=admin)
    assert good.status_code == 201, good.text
    edit = api.patch(f"/v1/response-templates/{good.json()['id']}", json={"title": "\x00x"}, headers=admin)
    assert_refused(edit, "body.title")
    hook = {"url": "https://hooks.example/\x00", "description": "x"}
    assert_refused(api.post("/v1/webhooks", json=hook, headers=admin), "body.url")
    category = {"code": "odd_thing", "name": "Odd\x00", "group": "Street", "skill": "street_cleansing"}
    assert_refused(api.post("/v1/categories", json=category, headers=admin), "body.name")
    assert_refused(
        api.patch("/v1/categories/litter", json={"keywords": ["a", "b\x00"]}, headers=admin), "body.keywords"
    )
    after = api.get(f"/v1/reports/{rid}", headers=staff_headers).json()
    assert after["status"] == "submitted" and after["support_count"] == 0 and after["timeline"] == []


AWKWARD = awkward_strings("report")


def _bodies(text: str) -> list[tuple[str, str, dict]]:
    return [
        ("POST", "/v1/reports", fly_tip(description=text)),
        ("POST", "/v1/reports", fly_tip(address=text, reporter={"name": text, "phone": text})),
        ("POST", "/v1/reports", fly_tip(category=text)),
        ("POST", "/v1/reports", fly_tip(answers={"size": text, text: text})),
        ("POST", "{rid}/updates", {"public_text": text, "internal_note": text}),
        ("POST", "{rid}/updates", {"status": text}),
        ("PATCH", "{rid}", {"category": text}),
        ("PATCH", "{rid}", {"public_text": text, "priority": "high"}),
        ("POST", "{rid}/support", {"email": text, "name": text}),
        ("POST", "{rid}/not-fixed", {"text": text}),
    ]


def test_awkward_strings_never_cause_a_server_error(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    base = f"/v1/reports/{report['id']}"
    headers = {**staff_headers, "X-Tracking-Token": report["tracking_token"]}
    attempts: list[tuple[str, str, dict]] = []
    for text in AWKWARD:
        attempts += [(m, p.replace("{rid}", base), {"json": body, "headers": headers}) for m, p, body in _bodies(text)]
        text = text[:2000]  # a longer URL is refused by the HTTP server itself
        attempts += [
            ("GET", "/v1/reports", {"params": {name: text}}) for name in ("category", "status", "bbox", "cursor")
        ]
        attempts += [
            ("GET", "/v1/reports/nearby", {"params": {"category": text, **WIGAN}}),
            ("GET", "/v1/response-templates", {"params": {"category": text}, "headers": staff_headers}),
            ("GET", "/v1/reports/clusters", {"params": {"category": text}, "headers": staff_headers}),
            ("GET", "/v1/reports/overdue", {"params": {"category": text}, "headers": staff_headers}),
            ("GET", "/v1/reports/for-my-team", {"params": {"team": text}, "headers": staff_headers}),
            ("GET", "/v1/categories/" + quote(text[:300], safe=""), {}),
        ]
    for raw in (b'{"description": "\\ud800"}', b'{"text": "\\udfff x"}', b'{"name": "\\u0000"}'):
        for url in ("/v1/reports", f"{base}/not-fixed", f"{base}/support", f"{base}/updates"):
            attempts.append(("POST", url, {"content": raw, "headers": {**headers, "Content-Type": "application/json"}}))
    failures = []
    for method, url, kwargs in attempts:
        response = api.request(method, url, **kwargs)
        if response.status_code >= 500:
            failures.append((method, url[:60], str(kwargs.get("params") or kwargs.get("json") or "")[:60]))
    assert failures == []


def test_a_control_character_in_the_url_is_refused_naming_the_parameter(api: httpx.Client) -> None:
    nearby = api.get("/v1/reports/nearby", params={"category": "litter\x00", **WIGAN})
    assert nearby.status_code == 422 and nearby.headers["content-type"].startswith("application/problem+json")
    assert nearby.json()["code"] == "ValidationFailed" and nearby.json()["request_id"]
    assert [e["field"] for e in nearby.json()["errors"]] == ["query.category"]
    path = api.get("/v1/categories/litter%00")
    assert path.status_code == 422 and [e["field"] for e in path.json()["errors"]] == ["path"]
    assert api.get(f"/v1/reports/{uuid.uuid4()}%01").json()["errors"][0]["field"] == "path"
    assert api.get("/v1/categories/litter").status_code == 200
    assert api.get("/app/js/%00.js").status_code == 422  # the field app's files too
    assert api.get("/open311/v2/requests/%00.json").status_code == 404  # Open311 answers in its own format


def test_a_case_event_from_footprints_loses_control_characters_rather_than_failing(
    api: httpx.Client, staff_headers, token_for
) -> None:
    report = new_report(api)
    service = {"Authorization": f"Bearer {token_for('service')}"}
    event = {
        "event_id": f"evt-{uuid.uuid4()}\x00",
        "kind": "allocated",
        "worker_display_name": "Sam\x01 Street",
        "note": "Gate\x00 code 1234",
        "occurred_at": "2026-11-23T10:00:00Z",
    }
    response = api.post(f"/v1/reports/{report['id']}/case-events", json=event, headers=service)
    assert response.status_code == 200, response.text
    notes = [u["internal_note"] for u in api.get(f"/v1/reports/{report['id']}/updates", headers=staff_headers).json()]
    assert notes == ["allocated, worker Sam Street: Gate code 1234"]
