"""Working reports: corrections, targets and overdue lists, templates, staff lists, case events, "me too"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import Session, select

from deal_shared.db import make_engine
from deal_shared.report_it import CaseEvent, CaseEventKind, ReportItClient
from report_it.cli import setup
from report_it.models import Report, ResponseTemplate
from services.report_it.tests.test_lifecycle import new_report

LEIGH = {"lat": 53.497, "long": -2.515}


def set_columns(db_url: str, report_id: str, **values) -> None:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            session.execute(update(Report).where(Report.id == uuid.UUID(report_id)).values(**values))
            session.commit()
    finally:
        engine.dispose()


def test_staff_correct_category_priority_and_location_and_each_is_recorded(api, staff_headers) -> None:
    report = new_report(api)
    response = api.patch(
        f"/v1/reports/{report['id']}",
        json={
            "category": "damaged_pavement",
            "priority": "urgent",
            "location": LEIGH,
            "internal_note": "Wrong category",
        },
        headers=staff_headers,
    )
    assert response.status_code == 200, response.text
    fields = {c["field"]: c for c in response.json()["changes"]}
    assert fields["category"]["old"] == "fly_tipping" and fields["category"]["new"] == "damaged_pavement"
    assert fields["team"]["new"] == "highways" and fields["priority"]["new"] == "urgent"
    assert fields["location"]["new"] == LEIGH
    after = api.get(f"/v1/reports/{report['id']}").json()
    assert after["category"] == "damaged_pavement" and after["priority"] == "urgent" and after["location"] == LEIGH
    created = datetime.fromisoformat(after["created_at"])
    # damaged_pavement's urgent target is 24 hours
    assert datetime.fromisoformat(after["expected_at"]) - created == timedelta(hours=24)
    assert api.patch(f"/v1/reports/{report['id']}", json={"priority": "low"}).status_code == 401
    outside = api.patch(
        f"/v1/reports/{report['id']}", json={"location": {"lat": 53.48, "long": -2.24}}, headers=staff_headers
    )
    assert outside.status_code == 422 and outside.json()["code"] == "OutsideBorough"
    unknown = api.patch(f"/v1/reports/{report['id']}", json={"category": "nope"}, headers=staff_headers)
    assert unknown.status_code == 404


def test_overdue_lists_open_reports_past_their_target(api, staff_headers, report_it_db) -> None:
    late, on_time, late_but_fixed = new_report(api), new_report(api), new_report(api)
    past = datetime.now(UTC) - timedelta(hours=1)
    set_columns(report_it_db, late["id"], expected_at=past)
    set_columns(report_it_db, late_but_fixed["id"], expected_at=past, status="fixed")
    listed = api.get("/v1/reports/overdue", params={"limit": 500}, headers=staff_headers)
    ids = [r["id"] for r in listed.json()]
    assert late["id"] in ids and on_time["id"] not in ids and late_but_fixed["id"] not in ids
    assert api.get("/v1/reports/overdue").status_code == 401


def test_admins_manage_templates_and_staff_use_them(api, staff_headers, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.one')}"}
    body = {"category": "fly_tipping", "title": "Cleared", "text": "Our crew cleared this.", "status": "fixed"}
    assert api.post("/v1/response-templates", json=body, headers=staff_headers).status_code == 403
    created = api.post("/v1/response-templates", json=body, headers=admin)
    assert created.status_code == 201, created.text
    template = created.json()
    general = api.post(
        "/v1/response-templates", json={"title": "Not council land", "text": "This is private land."}, headers=admin
    ).json()
    listed = api.get("/v1/response-templates", params={"category": "fly_tipping"}, headers=staff_headers).json()
    assert {template["id"], general["id"]} <= {t["id"] for t in listed}
    for_potholes = api.get("/v1/response-templates", params={"category": "pothole"}, headers=staff_headers).json()
    assert template["id"] not in {t["id"] for t in for_potholes}

    report = new_report(api)
    used = api.post(f"/v1/reports/{report['id']}/updates", json={"template_id": template["id"]}, headers=staff_headers)
    assert used.status_code == 201, used.text
    assert used.json()["status"] == "fixed" and used.json()["public_text"] == "Our crew cleared this."

    retired = api.patch(f"/v1/response-templates/{template['id']}", json={"active": False}, headers=admin)
    assert retired.json()["active"] is False
    other = new_report(api)
    refused = api.post(
        f"/v1/reports/{other['id']}/updates", json={"template_id": template["id"]}, headers=staff_headers
    )
    assert refused.status_code == 404 and refused.json()["code"] == "TemplateNotFound"


def test_staff_list_what_they_logged_and_what_their_team_has(api, token_for) -> None:
    me = {"Authorization": f"Bearer {token_for('staff', sub=f'park.{uuid.uuid4().hex[:6]}', department='parks')}"}
    response = api.post(
        "/v1/reports",
        json={"category": "damaged_sign", "location": LEIGH, "description": "Seen on my round"},
        headers=me,
    )
    assert response.status_code == 201, response.text
    logged = response.json()
    assert logged["channel"] == "staff" and logged["staff"]["department"] == "parks"
    mine = api.get("/v1/reports/logged-by-me", headers=me).json()
    assert [r["id"] for r in mine] == [logged["id"]]
    highways = api.get("/v1/reports/for-my-team", params={"team": "highways", "limit": 500}, headers=me).json()
    assert logged["id"] in [r["id"] for r in highways]
    assert all(r["status_group"] == "open" for r in highways)
    cleansing = api.get("/v1/reports/for-my-team", params={"team": "street_cleansing", "limit": 500}, headers=me)
    assert logged["id"] not in [r["id"] for r in cleansing.json()]


def test_case_events_are_recorded_once_and_move_the_report(api, staff_headers, token_for) -> None:
    report = new_report(api)
    service = {"Authorization": f"Bearer {token_for('service', sub='service:footprints')}"}
    event = {
        "event_id": f"evt-{uuid.uuid4()}",
        "kind": "allocated",
        "worker_display_name": "Pat Field",
        "footprint_code": "SDF6",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    url = f"/v1/reports/{report['id']}/case-events"
    assert api.post(url, json=event, headers=staff_headers).status_code == 403
    first = api.post(url, json=event, headers=service)
    assert first.status_code == 200 and first.json()["outcome"] == "applied", first.text
    again = api.post(url, json=event, headers=service)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate, ignored", again.text
    timeline = api.get(f"/v1/reports/{report['id']}/updates", headers=staff_headers).json()
    assert len(timeline) == 1 and timeline[0]["status"] == "allocated"
    assert "Pat Field" in timeline[0]["internal_note"]
    public = api.get(f"/v1/reports/{report['id']}").json()
    assert public["status"] == "allocated" and "Pat Field" not in str(public["timeline"])

    api.post(f"/v1/reports/{report['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    late = {**event, "event_id": f"evt-{uuid.uuid4()}", "kind": "in_progress"}
    assert api.post(url, json=late, headers=service).status_code == 200
    assert api.get(f"/v1/reports/{report['id']}").json()["status"] == "fixed"  # not legal: recorded, not moved
    missing = api.post(f"/v1/reports/{uuid.uuid4()}/case-events", json=event, headers=service)
    assert missing.status_code == 404
    assert api.post(url, json={**event, "kind": "exploded"}, headers=service).status_code == 422


def test_me_too_counts_once_per_person_and_subscribes(api) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/support"
    first = api.post(url, json={"email": "Bob@Example.org"})
    assert first.status_code == 200, first.text
    assert first.json() == {"report_id": report["id"], "support_count": 1, "subscribed": True}
    assert api.post(url, json={"email": "bob@example.org"}).json()["support_count"] == 1
    assert api.post(url, json={}).json() == {"report_id": report["id"], "support_count": 2, "subscribed": False}
    assert api.get(f"/v1/reports/{report['id']}").json()["support_count"] == 2
    assert api.post(url, json={"email": "not-an-email"}).status_code == 422
    assert api.post(f"/v1/reports/{uuid.uuid4()}/support", json={}).status_code == 404


def test_client_posts_case_events(report_it_url, token_for, api) -> None:
    report = new_report(api)
    with httpx.Client(base_url=report_it_url, headers={"Authorization": f"Bearer {token_for('service')}"}) as http:
        client = ReportItClient(http)
        client.post_case_event(
            report["id"],
            CaseEvent(event_id=str(uuid.uuid4()), kind=CaseEventKind.in_progress, occurred_at=datetime.now(UTC)),
        )
    assert api.get(f"/v1/reports/{report['id']}").json()["status"] == "in_progress"


def test_setup_seeds_starter_templates_once(fresh_db, make_settings) -> None:
    settings = make_settings(database_url=fresh_db)
    setup(settings, demo=False)
    setup(settings, demo=False)
    engine = make_engine(fresh_db)
    try:
        with Session(engine) as session:
            rows = session.exec(select(ResponseTemplate)).all()
    finally:
        engine.dispose()
    assert len(rows) == 8
    assert {(t.category_code, t.title) for t in rows} >= {("fly_tipping", "Cleared"), (None, "Not council land")}
