"""The Atom feed, and the report's case kept in step with Footprints through the outbox."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import httpx
from fastapi import FastAPI, Request

from deal_shared.footprints import CasePublic, CaseUpsert
from report_it.main import create_app
from services.report_it.tests.test_lifecycle import new_report
from services.report_it.tests.test_working import set_columns
from tests.support.server import serve

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_atom_feed_lists_new_and_fixed_reports_by_area(api, staff_headers, token_for) -> None:
    box = "-2.57,53.533,-2.562,53.539"  # a corner of Hindley no other test reports in
    place = {"lat": 53.536, "long": -2.566}
    fresh = new_report(api, category="litter", answers={}, location=place, address="Rectory Lane")
    done = new_report(api, category="litter", answers={}, location=place)
    api.post(f"/v1/reports/{done['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    new_report(api, category="litter", answers={})  # elsewhere
    author = {"Authorization": f"Bearer {token_for('staff', sub='sg.feed')}"}
    api.post(
        "/v1/reports",
        json={
            "category": "safeguarding_concern",
            "location": place,
            "answers": {"person": "adult", "immediate_danger": "no"},
        },
        headers=author,
    )
    response = api.get("/v1/reports/feed.atom", params={"bbox": box})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert ids[0] == f"urn:uuid:{done['id']}#fixed"
    assert sorted(ids) == sorted(
        [f"urn:uuid:{done['id']}#fixed", f"urn:uuid:{done['id']}#new", f"urn:uuid:{fresh['id']}#new"]
    )
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "New: Litter at Rectory Lane" in titles
    fixed_only = api.get("/v1/reports/feed.atom", params={"bbox": box, "kind": "fixed"})
    assert len(ET.fromstring(fixed_only.content).findall(f"{ATOM}entry")) == 1
    assert api.get("/v1/reports/feed.atom", params={"bbox": "nonsense"}).status_code == 422


def test_the_feed_follows_a_footprint_once_footprints_has_placed_reports(api, report_it_db) -> None:
    placed = new_report(api, category="litter", answers={})
    new_report(api, category="litter", answers={})
    code = f"T{uuid.uuid4().hex[:6]}"
    set_columns(report_it_db, placed["id"], footprint_code=code, ward_code=f"W{code}")
    for params in ({"footprint": code}, {"ward": f"W{code}"}):
        feed = ET.fromstring(api.get("/v1/reports/feed.atom", params=params).content)
        assert [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")] == [f"urn:uuid:{placed['id']}#new"]


class FakeFootprints:
    """Footprints' case upsert, answering with the contract's own models."""

    def __init__(self) -> None:
        self.cases: dict[str, CaseUpsert] = {}
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.put("/v1/cases/{source_system}/{source_id}", response_model=CasePublic)
        async def upsert(source_system: str, source_id: str, request: Request) -> CasePublic:
            assert request.headers["authorization"].startswith("Bearer ")
            case = CaseUpsert.model_validate_json(await request.body())
            with self.lock:
                stored = self.cases.get(source_id)
                if stored is None or case.version >= stored.version:
                    self.cases[source_id] = case
                stored = self.cases[source_id]
            return CasePublic(
                id=uuid.uuid5(uuid.NAMESPACE_URL, source_id),
                source_system=source_system,
                source_id=source_id,
                footprint_code="SDF6",
                ward_code="E05000849",
                status="open" if stored.status == "open" else "closed",
                due_at=stored.due_at,
                priority=stored.priority,
                skill=stored.skill,
                effort_points=stored.effort_points,
            )


def wait_until(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_an_acknowledged_report_becomes_a_footprints_case_and_stays_in_step(
    make_settings, staff_headers, fresh_db
) -> None:
    footprints = FakeFootprints()
    with serve(footprints.app) as footprints_url:
        # A database of its own: no other test's deliverer (pointing nowhere) competes for its outbox.
        app = create_app(make_settings(database_url=fresh_db, footprints_url=footprints_url))
        with serve(app) as base, httpx.Client(base_url=base) as api:
            report = new_report(api)
            rid = report["id"]
            assert rid not in footprints.cases  # submitted: not yet the council's job
            api.post(f"/v1/reports/{rid}/updates", json={"status": "acknowledged"}, headers=staff_headers)
            wait_until(lambda: rid in footprints.cases)
            case = footprints.cases[rid]
            assert case.skill == "street_cleansing" and case.status == "open" and case.category == "fly_tipping"
            assert case.due_at == datetime.fromisoformat(report["expected_at"]).astimezone(UTC)
            api.patch(f"/v1/reports/{rid}", json={"priority": "urgent"}, headers=staff_headers)
            wait_until(lambda: footprints.cases[rid].priority == "urgent")
            api.post(f"/v1/reports/{rid}/updates", json={"status": "fixed"}, headers=staff_headers)
            wait_until(lambda: footprints.cases[rid].status == "closed")
            assert footprints.cases[rid].version >= 3
            staff_view = api.get("/v1/reports/overdue", headers=staff_headers)
            assert staff_view.status_code == 200
