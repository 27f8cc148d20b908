"""Idempotency-Key on the writes the field app retries: staff updates, "me too" support and "not fixed"."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from services.report_it.tests.test_lifecycle import jpeg, new_report


def keyed(key: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or {}), "Idempotency-Key": key}


def timeline(api: httpx.Client, report_id: str, staff_headers: dict[str, str]) -> list[dict]:
    response = api.get(f"/v1/reports/{report_id}/updates", headers=staff_headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_retried_update_gets_the_first_answer_and_is_applied_once(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    key = str(uuid.uuid4())
    body = {"status": "acknowledged", "public_text": "Thanks, we have it.", "internal_note": "Crew 2"}
    first = api.post(url, json=body, headers=keyed(key, staff_headers))
    again = api.post(url, json=body, headers=keyed(key, staff_headers))
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert [u["internal_note"] for u in timeline(api, report["id"], staff_headers)] == ["Crew 2"]


def test_a_retried_update_with_a_photo_is_applied_once(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    key = str(uuid.uuid4())
    photo = jpeg()

    def send() -> httpx.Response:
        return api.post(
            url,
            data={"update": json.dumps({"status": "in_progress", "public_text": "On it"})},
            files={"photo": ("after.jpg", photo, "image/jpeg")},
            headers=keyed(key, staff_headers),
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json() and first.json()["photo"] is not None
    assert len(timeline(api, report["id"], staff_headers)) == 1
    staff_view = api.get(f"/v1/reports/{report['id']}", headers=staff_headers).json()
    assert len(staff_view["photos"]) == 1


def test_the_same_key_with_another_update_is_refused(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    key = str(uuid.uuid4())
    assert api.post(url, json={"status": "acknowledged"}, headers=keyed(key, staff_headers)).status_code == 201
    other = api.post(url, json={"status": "in_progress"}, headers=keyed(key, staff_headers))
    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["code"] == "IdempotencyKeyReused"
    assert api.get(f"/v1/reports/{report['id']}").json()["status"] == "acknowledged"


def test_an_invalid_key_is_refused_before_anything_changes(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    response = api.post(url, json={"status": "acknowledged"}, headers=keyed("k" * 201, staff_headers))
    assert response.status_code == 422 and response.json()["code"] == "IdempotencyKeyInvalid"
    assert api.post(f"/v1/reports/{report['id']}/support", json={}, headers=keyed("k" * 201)).status_code == 422
    after = api.get(f"/v1/reports/{report['id']}").json()
    assert after["status"] == "submitted" and after["support_count"] == 0


def test_retried_support_counts_once(api: httpx.Client) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/support"
    key = str(uuid.uuid4())
    first = api.post(url, json={}, headers=keyed(key))
    again = api.post(url, json={}, headers=keyed(key))
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.json() == first.json() == {"report_id": report["id"], "support_count": 1, "subscribed": False}
    # A new key is a new supporter (no e-mail to tell them apart), and is counted.
    assert api.post(url, json={}, headers=keyed(str(uuid.uuid4()))).json()["support_count"] == 2
    other = api.post(url, json={"name": "Someone else"}, headers=keyed(key))
    assert other.status_code == 422 and other.json()["code"] == "IdempotencyKeyReused"
    assert api.get(f"/v1/reports/{report['id']}").json()["support_count"] == 2


def test_one_key_on_different_endpoints_and_reports_never_collides(api: httpx.Client, staff_headers) -> None:
    first, second = new_report(api), new_report(api)
    key = "x" * 200  # the longest key a client may send still fits beside its scope
    for report in (first, second):
        supported = api.post(f"/v1/reports/{report['id']}/support", json={}, headers=keyed(key))
        assert supported.status_code == 200 and supported.json()["support_count"] == 1, supported.text
        updated = api.post(
            f"/v1/reports/{report['id']}/updates", json={"status": "acknowledged"}, headers=keyed(key, staff_headers)
        )
        assert updated.status_code == 201 and updated.json()["status"] == "acknowledged", updated.text
    created = api.post(
        "/v1/reports",
        json={"category": "litter", "location": {"lat": 53.545, "long": -2.632}, "description": "Cans"},
        headers=keyed(key),
    )
    assert created.status_code == 201 and created.json()["category"] == "litter", created.text


def test_a_retried_not_fixed_reopens_once(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    assert api.post(url, json={"status": "fixed"}, headers=staff_headers).status_code == 201
    key = str(uuid.uuid4())
    reporter = keyed(key, {"X-Tracking-Token": report["tracking_token"]})
    not_fixed = f"/v1/reports/{report['id']}/not-fixed"
    first = api.post(not_fixed, json={"text": "Still there"}, headers=reporter)
    again = api.post(not_fixed, json={"text": "Still there"}, headers=reporter)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    assert [u["status"] for u in timeline(api, report["id"], staff_headers)] == ["fixed", "acknowledged"]


def test_concurrent_identical_support_and_updates_act_once(
    api: httpx.Client, report_it_url: str, staff_headers
) -> None:
    report = new_report(api)
    support_url = f"/v1/reports/{report['id']}/support"
    update_url = f"/v1/reports/{report['id']}/updates"
    support_key, update_key = str(uuid.uuid4()), str(uuid.uuid4())
    note = f"Concurrent {update_key}"

    def fire(n: int) -> httpx.Response:
        with httpx.Client(base_url=report_it_url, timeout=60) as client:
            if n % 2:
                return client.post(support_url, json={}, headers=keyed(support_key))
            body = {"status": "in_progress", "internal_note": note}
            return client.post(update_url, json=body, headers=keyed(update_key, staff_headers))

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(fire, range(24)))
    supports = [r for r in responses if r.url.path.endswith("/support")]
    updates = [r for r in responses if r.url.path.endswith("/updates")]
    assert {r.status_code for r in supports} == {200}, [r.text for r in supports]
    assert {r.status_code for r in updates} == {201}, [r.text for r in updates]
    assert all(r.json() == supports[0].json() for r in supports) and len({r.json()["id"] for r in updates}) == 1
    assert api.get(f"/v1/reports/{report['id']}").json()["support_count"] == 1
    rows = [u for u in timeline(api, report["id"], staff_headers) if u["internal_note"] == note]
    assert len(rows) == 1 and rows[0]["status"] == "in_progress"
