"""No client input to the lifecycle endpoints produces a 500: every refusal is a problem document."""

from __future__ import annotations

import uuid

from services.report_it.tests.test_lifecycle import new_report


def test_bad_input_to_lifecycle_endpoints_is_refused_cleanly(api, staff_headers, token_for) -> None:
    report = new_report(api)
    rid = report["id"]
    admin = {"Authorization": f"Bearer {token_for('admin', 'manager', sub='admin.bad')}"}
    service = {"Authorization": f"Bearer {token_for('service')}"}
    json_headers = {**staff_headers, "Content-Type": "application/json"}
    text_headers = {**staff_headers, "Content-Type": "text/plain"}
    not_a_photo = {"photo": ("a.jpg", b"not a photo", "image/jpeg")}
    updates = f"/v1/reports/{rid}/updates"
    attempts = [
        ("POST", updates, {"content": b"{", "headers": json_headers}),
        ("POST", updates, {"content": b"[]", "headers": json_headers}),
        ("POST", updates, {"content": b"x", "headers": text_headers}),
        ("POST", updates, {"data": {"nothing": "here"}, "files": {"x": ("a", b"b")}, "headers": staff_headers}),
        ("POST", updates, {"data": {"update": "{}"}, "files": not_a_photo, "headers": staff_headers}),
        ("POST", updates, {"json": {"template_id": str(uuid.uuid4())}, "headers": staff_headers}),
        ("POST", updates, {"json": {"template_id": "nope"}, "headers": staff_headers}),
        ("POST", updates, {"json": {"public_text": "x" * 5000}, "headers": staff_headers}),
        ("POST", "/v1/reports/not-a-uuid/updates", {"json": {"status": "fixed"}, "headers": staff_headers}),
        ("PATCH", f"/v1/reports/{rid}", {"json": {"location": {"lat": 200, "long": 0}}, "headers": staff_headers}),
        ("PATCH", f"/v1/reports/{rid}", {"json": {}, "headers": staff_headers}),
        ("PATCH", f"/v1/reports/{rid}", {"json": {"priority": "whenever"}, "headers": staff_headers}),
        ("POST", f"/v1/reports/{rid}/not-fixed", {"json": {"text": ""}}),
        ("POST", f"/v1/reports/{rid}/support", {"content": b"nope", "headers": {"Content-Type": "application/json"}}),
        ("POST", f"/v1/reports/{rid}/case-events", {"json": {"event_id": "", "kind": "allocated"}, "headers": service}),
        ("GET", "/v1/reports/clusters", {"params": {"since": "yesterday"}}),
        ("GET", "/v1/reports/clusters", {"params": {"min_reports": "many"}}),
        ("GET", "/v1/reports/feed.atom", {"params": {"kind": "old"}}),
        ("GET", "/v1/stats/reports", {"params": {"created_from": "soon"}, "headers": staff_headers}),
        ("POST", "/v1/response-templates", {"json": {"category": "no", "title": "Hi", "text": "x"}, "headers": admin}),
        ("PATCH", f"/v1/response-templates/{uuid.uuid4()}", {"json": {"title": "Hello"}, "headers": admin}),
        ("POST", "/v1/webhooks", {"json": {"url": "ftp://x"}, "headers": admin}),
        ("POST", "/v1/webhooks", {"json": {"url": "https://x.example", "categories": ["nope"]}, "headers": admin}),
        ("POST", "/v1/webhooks", {"json": {"url": "https://x.example", "bbox": [1, 2]}, "headers": admin}),
        ("DELETE", "/v1/webhooks/not-a-uuid", {"headers": admin}),
    ]  # fmt: skip
    for method, url, kwargs in attempts:
        response = api.request(method, url, **kwargs)
        assert 400 <= response.status_code < 500, (method, url, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), (url, response.text)
    assert api.get(f"/v1/reports/{rid}").json()["status"] == "submitted"
