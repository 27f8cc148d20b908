"""The "already reported nearby?" lookup: nearest first, inside the radius only, photos shown, edits seen at once."""

from __future__ import annotations

import io
import json

import httpx
from PIL import Image

from deal_shared.geo import METRES_PER_DEGREE
from deal_shared.report_it import NearbyReport

# A quiet corner of the borough that no other test reports in.
SPOT = {"lat": 53.5046, "long": -2.5560}
ANSWERS = {"fly_tipping": {"size": "bag", "waste_type": ["household"]}, "graffiti": {"offensive": "no"}}


def north_of(spot: dict, metres: float) -> dict:
    return {"lat": spot["lat"] + metres / METRES_PER_DEGREE, "long": spot["long"]}


def report(api: httpx.Client, category: str, location: dict, *, photo: bool = False) -> dict:
    body = {"category": category, "location": location, "description": "Nearby lookup check"}
    body["answers"] = ANSWERS.get(category, {})
    if photo:
        out = io.BytesIO()
        Image.new("RGB", (48, 32), (200, 60, 20)).save(out, "JPEG")
        files = [
            ("report", (None, json.dumps(body), "application/json")),
            ("photos", ("tip.jpg", out.getvalue(), "image/jpeg")),
        ]
        created = api.post("/v1/reports", files=files)
    else:
        created = api.post("/v1/reports", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def nearby(api: httpx.Client, category: str, at: dict, **params) -> list[dict]:
    response = api.get("/v1/reports/nearby", params={"category": category, **at, **params})
    assert response.status_code == 200, response.text
    return [NearbyReport.model_validate(item).model_dump(mode="json") for item in response.json()]


def test_nearest_first_and_only_inside_the_radius(api: httpx.Client) -> None:
    here = report(api, "fly_tipping", SPOT)
    close = report(api, "fly_tipping", north_of(SPOT, 100))
    just_inside = report(api, "fly_tipping", north_of(SPOT, 245))
    just_outside = report(api, "fly_tipping", north_of(SPOT, 256))
    ours = {here["id"], close["id"], just_inside["id"], just_outside["id"]}

    found = [item for item in nearby(api, "fly_tipping", SPOT, radius_m=250) if item["id"] in ours]

    assert [item["id"] for item in found] == [here["id"], close["id"], just_inside["id"]]
    assert [round(item["distance_m"]) for item in found] == [0, 100, 245]


def test_photos_show_in_the_lookup(api: httpx.Client) -> None:
    spot = north_of(SPOT, 2_000)
    with_photo = report(api, "graffiti", spot, photo=True)
    without = report(api, "graffiti", north_of(spot, 20))

    found = {item["id"]: item for item in nearby(api, "graffiti", spot)}

    assert len(found[with_photo["id"]]["photos"]) == 1
    assert found[with_photo["id"]]["photos"][0]["thumbnail_url"].endswith("/thumbnail.jpg")
    assert found[without["id"]]["photos"] == []


def test_a_radius_edited_by_an_admin_applies_to_the_next_lookup(api: httpx.Client, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.one')}"}
    spot = north_of(SPOT, 4_000)
    far = report(api, "dead_animal", north_of(spot, 300))
    before = api.get("/v1/categories/dead_animal").json()["nearby_radius_m"]
    assert before < 300
    try:
        edited = api.patch("/v1/categories/dead_animal", json={"nearby_radius_m": 400}, headers=admin)
        assert edited.status_code == 200, edited.text
        assert far["id"] in [item["id"] for item in nearby(api, "dead_animal", spot)]
    finally:
        api.patch("/v1/categories/dead_animal", json={"nearby_radius_m": before}, headers=admin)
    assert far["id"] not in [item["id"] for item in nearby(api, "dead_animal", spot)]
