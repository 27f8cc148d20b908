"""Report intake over HTTP: create, read, list, nearby, the borough check and the privacy rules."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

WIGAN = {"lat": 53.545, "long": -2.632}


def fly_tip(**overrides):
    body = {
        "category": "fly_tipping",
        "location": WIGAN,
        "description": "Sofa dumped on the pavement",
        "answers": {"size": "car_boot", "waste_type": ["household"]},
        "reporter": {"name": "Ann Resident", "email": "ann@example.org", "phone": "01942 000000"},
    }
    body.update(overrides)
    return body


def test_a_resident_reports_and_finds_it_in_the_list(api: httpx.Client) -> None:
    created = api.post("/v1/reports", json=fly_tip())
    assert created.status_code == 201, created.text
    report = created.json()
    assert report["status"] == "submitted" and report["tracking_token"]
    listed = api.get("/v1/reports", params={"category": "fly_tipping", "limit": 200}).json()
    assert report["id"] in [item["id"] for item in listed["items"]]


def test_public_views_never_carry_contact_details(api: httpx.Client) -> None:
    report = api.post("/v1/reports", json=fly_tip()).json()
    public = api.get(f"/v1/reports/{report['id']}")
    assert public.status_code == 200
    assert "ann@example.org" not in public.text and public.json()["reporter"] is None
    listing = api.get("/v1/reports", params={"limit": 200}).text
    assert "ann@example.org" not in listing
    mine = api.get(f"/v1/reports/{report['id']}", headers={"X-Tracking-Token": report["tracking_token"]})
    assert mine.json()["reporter"]["email"] == "ann@example.org"


def test_asbestos_raises_priority_and_sets_the_target(api: httpx.Client) -> None:
    report = api.post("/v1/reports", json=fly_tip(answers={"size": "bag", "waste_type": ["asbestos"]})).json()
    assert report["priority"] == "urgent" and report["expected_at"] is not None


def test_outside_the_borough_is_refused_with_the_distance(api: httpx.Client) -> None:
    manchester = {"lat": 53.4808, "long": -2.2426}
    response = api.post("/v1/reports", json=fly_tip(location=manchester))
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "OutsideBorough" and 5_000 < problem["distance_outside_m"] < 30_000
    assert "km outside" in problem["detail"]


def test_answers_are_checked_against_the_questions(api: httpx.Client) -> None:
    response = api.post("/v1/reports", json=fly_tip(answers={"size": "spaceship"}))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"answers.size", "answers.waste_type"} <= fields


def test_bad_input_gets_problem_details_not_500(api: httpx.Client) -> None:
    for body in [b"{", b"[]", b'{"category": 5}', b'{"category":"litter","location":{"lat":"x","long":0}}']:
        response = api.post("/v1/reports", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, body
        assert response.json()["code"] == "ValidationFailed"
    assert api.post("/v1/reports", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert api.get("/v1/reports/not-a-uuid").status_code == 422
    assert api.get(f"/v1/reports/{uuid.uuid4()}").json()["code"] == "ReportNotFound"
    assert api.get("/v1/reports", params={"cursor": "garbage!"}).json()["code"] == "InvalidCursor"


def test_concurrent_identical_submissions_make_one_report(api: httpx.Client, report_it_url: str) -> None:
    key = str(uuid.uuid4())
    body = fly_tip(description=f"Concurrent {key}")

    def submit(_: int) -> httpx.Response:
        with httpx.Client(base_url=report_it_url, timeout=60) as client:
            return client.post("/v1/reports", json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(submit, range(16)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    listed = api.get("/v1/reports", params={"category": "fly_tipping", "limit": 200}).json()["items"]
    assert sum(1 for item in listed if item["description"] == f"Concurrent {key}") == 1


def test_a_reused_key_with_another_body_is_refused(api: httpx.Client) -> None:
    key = str(uuid.uuid4())
    assert api.post("/v1/reports", json=fly_tip(), headers={"Idempotency-Key": key}).status_code == 201
    other = api.post("/v1/reports", json=fly_tip(description="different"), headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["code"] == "IdempotencyKeyReused"


def test_nearby_finds_open_reports_of_the_same_kind(api: httpx.Client) -> None:
    spot = {"lat": 53.5301, "long": -2.7012}
    report = api.post("/v1/reports", json=fly_tip(location=spot)).json()
    close = api.get("/v1/reports/nearby", params={"category": "fly_tipping", "lat": 53.5310, "long": -2.7012}).json()
    assert report["id"] in [r["id"] for r in close]
    far = api.get("/v1/reports/nearby", params={"category": "fly_tipping", "lat": 53.5400, "long": -2.7012}).json()
    assert report["id"] not in [r["id"] for r in far]


def test_geojson_listing(api: httpx.Client) -> None:
    api.post("/v1/reports", json=fly_tip())
    collection = api.get("/v1/reports.geojson", params={"limit": 5})
    assert collection.headers["content-type"].startswith("application/geo+json")
    feature = collection.json()["features"][0]
    assert feature["geometry"]["type"] == "Point" and len(feature["geometry"]["coordinates"]) == 2


def test_cursor_pagination_walks_every_report_once(api: httpx.Client) -> None:
    for _ in range(3):
        api.post("/v1/reports", json=fly_tip())
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/reports", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 3
