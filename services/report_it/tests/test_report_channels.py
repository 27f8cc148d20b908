"""Every channel a report comes in by sets off the same things: the row, its photos, the answer kept for its key,
one `report.created` webhook; over real HTTP, on each backend, with the outbox read from the database."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import httpx
from sqlmodel import Session, select

from deal_shared.db import make_engine
from report_it.demo import load_demo_reports
from report_it.main import create_app
from report_it.models import OutboxMessage, Photo, Report
from report_it.open311.config import Open311Settings
from services.report_it.tests.test_open311 import fly_tip
from services.report_it.tests.test_photos import jpeg_with_gps
from tests.support.server import serve

WIGAN = {"lat": 53.545, "long": -2.632}
REPORT = {
    "category": "fly_tipping",
    "location": WIGAN,
    "description": "Mattress in the lay-by",
    "answers": {"size": "car_boot", "waste_type": ["household"]},
}


def created_webhooks(url: str) -> Counter[str]:
    """How many report.created webhooks are queued (or sent) for each report id."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "webhook")).all()
            bodies = [r.payload["body"] for r in rows]
    finally:
        engine.dispose()
    bodies = [json.loads(b) if isinstance(b, str) else b for b in bodies]
    return Counter(b["report"]["id"] for b in bodies if b["event"] == "report.created")


def stored(url: str) -> tuple[dict[str, str], Counter[str]]:
    """Each report's channel, and how many photos each has."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            channels = {str(r.id): r.channel for r in session.exec(select(Report))}
            photos = Counter(str(p.report_id) for p in session.exec(select(Photo)))
    finally:
        engine.dispose()
    return channels, photos


def test_every_channel_sets_off_the_same_side_effects(make_settings, token_for, fresh_db) -> None:
    app = create_app(make_settings(database_url=fresh_db))
    app.state.open311_settings = Open311Settings(batch_services=["abandoned_vehicle"])
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.channels')}"}
    staff = {"Authorization": f"Bearer {token_for('staff', sub='officer.channels', department='street_cleansing')}"}
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as api:
        # A receiver that never answers: every delivery stays queued, so the outbox shows what was set off.
        hook = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=admin)
        assert hook.status_code == 201, hook.text
        key = api.post("/v1/open311/api-keys", json={"name": "FixMyStreet"}, headers=admin).json()["key"]

        engine = make_engine(fresh_db)
        with Session(engine) as session:
            assert load_demo_reports(session, count=3) == 3
            session.commit()
        engine.dispose()
        demo = set(stored(fresh_db)[0])

        born: dict[str, str] = {}
        born["v1"] = api.post("/v1/reports", json=REPORT).json()["id"]
        idempotency = {"Idempotency-Key": f"channels-{uuid.uuid4()}"}
        first = api.post("/v1/reports", json=REPORT, headers=idempotency)
        again = api.post("/v1/reports", json=REPORT, headers=idempotency)
        assert first.status_code == 201 and again.status_code == 201
        assert again.headers.get("Idempotent-Replayed") == "true" and again.json()["id"] == first.json()["id"]
        born["v1 with a key"] = first.json()["id"]
        files = [("report", (None, json.dumps(REPORT), "application/json"))]
        files += [("photos", ("p.jpg", jpeg_with_gps(), "image/jpeg"))]
        born["v1 with a photo"] = api.post("/v1/reports", files=files).json()["id"]
        born["staff in the field"] = api.post("/v1/reports", json=REPORT, headers=staff).json()["id"]
        realtime = api.post("/open311/v2/requests.json", data=fly_tip(key))
        assert realtime.status_code == 200, realtime.text
        born["open311 realtime"] = realtime.json()[0]["service_request_id"]
        batch_form = {**fly_tip(key), "service_code": "abandoned_vehicle"}
        batch_form = {k: v for k, v in batch_form.items() if not k.startswith("attribute[")}
        batch = api.post("/open311/v2/requests.json", data=batch_form)
        assert batch.status_code == 200, batch.text
        token = batch.json()[0]["token"]
        born["open311 batch"] = api.get(f"/open311/v2/tokens/{token}.json").json()[0]["service_request_id"]
        photo_form = fly_tip(key)
        photo_files = [("photo1", ("1.jpeg", jpeg_with_gps(), "image/jpeg"))]
        born["open311 with a photo"] = api.post("/open311/v2/requests.json", data=photo_form, files=photo_files).json()[
            0
        ]["service_request_id"]

    webhooks = created_webhooks(fresh_db)
    channels, photos = stored(fresh_db)
    for report_id in demo:
        assert webhooks[report_id] == 1, "demo"
    for channel, report_id in born.items():
        assert report_id in channels, channel
        assert webhooks[report_id] == 1, channel
    assert channels[born["staff in the field"]] == "staff"
    assert channels[born["open311 batch"]] == "open311"
    assert photos[born["v1 with a photo"]] == 1 and photos[born["open311 with a photo"]] == 1
    assert len(channels) == len(demo) + len(born)  # the replayed request made nothing
