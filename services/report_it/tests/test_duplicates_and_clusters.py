"""Duplicates linked both ways, and the hotspot rule (clusters) on known layouts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from deal_shared.geo import METRES_PER_DEGREE
from deal_shared.report_it import ReportItClient
from report_it.clusters import group_reports
from report_it.models import Report
from services.report_it.tests.test_lifecycle import new_report

STANDISH = (53.586, -2.660)


def north_of(metres: float, base: tuple[float, float] = STANDISH) -> dict[str, float]:
    return {"lat": round(base[0] + metres / METRES_PER_DEGREE, 7), "long": base[1]}


def test_marking_a_duplicate_links_both_ways_and_closes_it(api, staff_headers) -> None:
    original, copy = new_report(api), new_report(api)
    response = api.post(
        f"/v1/reports/{copy['id']}/updates",
        json={"status": "duplicate", "duplicate_of": original["id"]},
        headers=staff_headers,
    )
    assert response.status_code == 201, response.text
    copy_now = api.get(f"/v1/reports/{copy['id']}").json()
    assert copy_now["status"] == "duplicate" and copy_now["duplicate_of"] == original["id"]
    assert original["reference"] in copy_now["timeline"][-1]["public_text"]
    assert api.get(f"/v1/reports/{original['id']}").json()["duplicates"] == [copy["id"]]
    # Support for the copy goes to the original.
    assert api.post(f"/v1/reports/{copy['id']}/support", json={}).json()["report_id"] == original["id"]


def test_a_duplicate_must_be_near_related_and_named(api, staff_headers) -> None:
    here = new_report(api)
    far = new_report(api, location=north_of(2_000))
    unrelated = new_report(api, category="street_light_out", answers={"fault": "out"})
    url = f"/v1/reports/{here['id']}/updates"
    too_far = api.post(url, json={"status": "duplicate", "duplicate_of": far["id"]}, headers=staff_headers)
    assert too_far.status_code == 422 and too_far.json()["code"] == "InvalidDuplicate"
    other = api.post(url, json={"status": "duplicate", "duplicate_of": unrelated["id"]}, headers=staff_headers)
    assert other.status_code == 422
    assert api.post(url, json={"status": "duplicate"}, headers=staff_headers).status_code == 422
    itself = api.post(url, json={"status": "duplicate", "duplicate_of": here["id"]}, headers=staff_headers)
    assert itself.status_code == 422
    missing = api.post(url, json={"status": "duplicate", "duplicate_of": str(uuid.uuid4())}, headers=staff_headers)
    assert missing.status_code == 404
    assert api.get(f"/v1/reports/{here['id']}").json()["status"] == "submitted"


def _report(metres_north: float, days_ago: float, category: str = "fly_tipping") -> Report:
    point = north_of(metres_north)
    return Report(
        id=uuid.uuid4(),
        reference="WG-TEST-0000",
        category_code=category,
        lat=point["lat"],
        lon=point["long"],
        channel="app",
        tracking_token_hash=b"",
        created_at=datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=days_ago),
    )


def test_the_cluster_rule_links_chains_within_150_m_and_30_days() -> None:
    a, b, c = _report(0, 1), _report(140, 2), _report(280, 3)  # a chain: a-c are 280 m apart but linked via b
    lonely = _report(500, 1)  # 220 m from c: too far
    stale = _report(10, 40)  # right beside a, but 39 days older than a: too long ago for any member
    groups = group_reports([a, b, c, lonely, stale], link_m=150, link_days=30)
    sizes = sorted(len(g) for g in groups)
    assert sizes == [1, 1, 3]
    chain = next(g for g in groups if len(g) == 3)
    assert {r.id for r in chain} == {a.id, b.id, c.id}
    assert group_reports([], link_m=150, link_days=30) == []


def test_clusters_endpoint_lists_hotspots_of_open_public_reports(api, staff_headers) -> None:
    base = (53.605, -2.700)  # a lay-by north of Standish that no other test uses
    members = [new_report(api, category="litter", answers={}, location=north_of(m, base)) for m in (0, 60, 120, 180)]
    fixed = new_report(api, category="litter", answers={}, location=north_of(30, base))
    api.post(f"/v1/reports/{fixed['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    far = new_report(api, category="litter", answers={}, location=north_of(1_000, base))
    found = api.get("/v1/reports/clusters", params={"category": "litter", "min_reports": 3})
    assert found.status_code == 200, found.text
    mine = [c for c in found.json() if members[0]["id"] in c["report_ids"]]
    assert len(mine) == 1
    cluster = mine[0]
    assert sorted(cluster["report_ids"]) == sorted(m["id"] for m in members)
    assert cluster["report_count"] == 4 and fixed["id"] not in cluster["report_ids"]
    assert far["id"] not in cluster["report_ids"]
    assert abs(cluster["centre"]["lat"] - north_of(90, base)["lat"]) < 1e-5
    assert 89 <= cluster["radius_m"] <= 91
    assert cluster["first_reported_at"] <= cluster["last_reported_at"]
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert api.get("/v1/reports/clusters", params={"category": "litter", "since": later}).json() == []
    assert api.get("/v1/reports/clusters", params={"min_reports": 1}).status_code == 422


def test_clusters_never_show_sensitive_or_staff_only_reports(api, token_for) -> None:
    author = {"Authorization": f"Bearer {token_for('staff', sub='sg.author')}"}
    base = (53.52, -2.58)
    for metres in (0, 20, 40):
        body = {
            "category": "safeguarding_concern",
            "location": north_of(metres, base),
            "answers": {"person": "adult", "immediate_danger": "no"},
        }
        assert api.post("/v1/reports", json=body, headers=author).status_code == 201
    everything = api.get("/v1/reports/clusters", params={"min_reports": 2}).json()
    assert all(c["category"] not in ("safeguarding_concern", "needles", "anti_social_behaviour") for c in everything)
    assert api.get("/v1/reports/clusters", params={"category": "safeguarding_concern"}).json() == []


def test_the_client_reads_clusters(report_it_url, api) -> None:
    base = (53.47, -2.55)
    ids = {new_report(api, category="dog_fouling", answers={}, location=north_of(m, base))["id"] for m in (0, 50)}
    with httpx.Client(base_url=report_it_url) as http:
        found = ReportItClient(http).list_clusters(category="dog_fouling", min_reports=2)
    assert any({str(i) for i in c.report_ids} == ids for c in found)
