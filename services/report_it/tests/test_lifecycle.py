"""A report's working life over HTTP: staff updates, the transition table, the timeline and "not fixed"."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
from PIL import Image

from report_it.main import create_app
from tests.support.server import serve

WIGAN = {"lat": 53.545, "long": -2.632}


def new_report(api: httpx.Client, **overrides) -> dict:
    body = {
        "category": "fly_tipping",
        "location": WIGAN,
        "description": "Mattress in the lay-by",
        "answers": {"size": "car_boot", "waste_type": ["household"]},
        "reporter": {"name": "Ann Resident", "email": "ann@example.org"},
    }
    body.update(overrides)
    response = api.post("/v1/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_staff_take_a_report_from_submitted_to_fixed_with_a_photo(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    steps = [
        {"status": "acknowledged", "public_text": "Thanks, we have it."},
        {"status": "in_progress", "internal_note": "Crew 4 on the way"},
    ]
    for step in steps:
        response = api.post(url, json=step, headers=staff_headers)
        assert response.status_code == 201, response.text
    fixed = api.post(
        url,
        data={"update": json.dumps({"status": "fixed", "public_text": "Cleared this morning."})},
        files={"photo": ("after.jpg", jpeg(), "image/jpeg")},
        headers=staff_headers,
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["status_from"] == "in_progress" and fixed.json()["photo"]["url"].endswith(".jpg")

    public = api.get(f"/v1/reports/{report['id']}").json()
    assert public["status"] == "fixed" and public["status_group"] == "fixed"
    assert [u["status"] for u in public["timeline"]] == ["acknowledged", "in_progress", "fixed"]
    assert [u["public_text"] for u in public["timeline"]] == ["Thanks, we have it.", None, "Cleared this morning."]
    assert all(u["internal_note"] is None and u["actor_name"] is None for u in public["timeline"])
    assert public["timeline"][2]["photo"] is not None
    assert api.get(public["timeline"][2]["photo"]["url"]).headers["content-type"] == "image/jpeg"

    staff_view = api.get(f"/v1/reports/{report['id']}/updates", headers=staff_headers).json()
    assert staff_view[1]["internal_note"] == "Crew 4 on the way" and staff_view[1]["actor_name"] == "Sam Street"


def test_an_illegal_transition_is_409_with_the_allowed_next_states(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    assert api.post(url, json={"status": "fixed"}, headers=staff_headers).status_code == 201
    response = api.post(url, json={"status": "cancelled"}, headers=staff_headers)
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "IllegalTransition" and problem["current_status"] == "fixed"
    assert problem["allowed_next_statuses"] == ["acknowledged", "in_progress"]
    assert api.get(f"/v1/reports/{report['id']}").json()["status"] == "fixed"


def test_an_update_needs_something_to_say(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    assert api.post(url, json={}, headers=staff_headers).json()["code"] == "NothingToUpdate"
    assert api.post(url, json={"status": "closed"}, headers=staff_headers).status_code == 422
    assert api.post(url, json={"status": "acknowledged", "bogus": 1}, headers=staff_headers).status_code == 422


def test_only_staff_post_updates(api: httpx.Client, token_for) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/updates"
    assert api.post(url, json={"status": "fixed"}).status_code == 401
    service = {"Authorization": f"Bearer {token_for('service')}"}
    assert api.post(url, json={"status": "fixed"}, headers=service).status_code == 403
    tracking = {"X-Tracking-Token": report["tracking_token"]}
    assert api.post(url, json={"status": "fixed"}, headers=tracking).status_code == 401


def test_the_reporter_says_not_fixed_and_the_report_reopens(api: httpx.Client, staff_headers) -> None:
    report = new_report(api)
    token = {"X-Tracking-Token": report["tracking_token"]}
    url = f"/v1/reports/{report['id']}/not-fixed"
    early = api.post(url, json={"text": "Still there"}, headers=token)
    assert early.status_code == 409 and early.json()["code"] == "NotFixedYet"
    api.post(f"/v1/reports/{report['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    assert api.post(url, json={"text": "Still there"}).status_code == 404
    reopened = api.post(url, json={"text": "Still there, and more bags"}, headers=token)
    assert reopened.status_code == 201, reopened.text
    assert reopened.json()["actor_kind"] == "reporter" and reopened.json()["status"] == "acknowledged"
    assert api.get(f"/v1/reports/{report['id']}").json()["status"] == "acknowledged"


def test_not_fixed_is_refused_after_the_window(make_settings, staff_headers) -> None:
    with (
        serve(create_app(make_settings(reopen_days=0, run_deliverer=False))) as base,
        httpx.Client(base_url=base) as api,
    ):
        report = new_report(api)
        api.post(f"/v1/reports/{report['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
        response = api.post(
            f"/v1/reports/{report['id']}/not-fixed",
            json={"text": "Still there"},
            headers={"X-Tracking-Token": report["tracking_token"]},
        )
        assert response.status_code == 409 and response.json()["code"] == "ReopenWindowClosed"


def test_concurrent_updates_to_one_report_queue_rather_than_race(api, staff_headers, report_it_url) -> None:
    report = new_report(api)
    url = f"{report_it_url}/v1/reports/{report['id']}/updates"

    def acknowledge(_: int) -> int:
        with httpx.Client(timeout=30) as client:
            return client.post(url, json={"status": "acknowledged"}, headers=staff_headers).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = sorted(pool.map(acknowledge, range(4)))
    # One moves it; the others find it already acknowledged, with nothing left to change.
    assert codes == [201, 422, 422, 422]
    timeline = api.get(f"/v1/reports/{report['id']}/updates").json()
    assert [u["status"] for u in timeline] == ["acknowledged"]
