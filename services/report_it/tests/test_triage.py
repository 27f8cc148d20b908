"""The triage queue and its actions over real HTTP: order and filters, conflicts, refusals, bulk, events."""

from __future__ import annotations

import json
import threading
import uuid

import httpx
import pytest
from sqlmodel import Session, select

from deal_shared.db import make_engine
from report_it.main import create_app
from report_it.models import OutboxMessage, ResponseTemplate
from report_it.templates import seed_templates
from services.report_it.tests.conftest import migrated_with_categories
from services.report_it.tests.test_duplicates_and_clusters import north_of
from tests.support.server import serve

FLY_TIP = {"size": "car_boot", "waste_type": ["household"]}


@pytest.fixture(scope="module")
def triage_db(database_factory) -> str:
    url = migrated_with_categories(database_factory("report_it_triage"))
    engine = make_engine(url)
    with Session(engine) as session:
        seed_templates(session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def office(make_settings, triage_db):
    with serve(create_app(make_settings(database_url=triage_db))) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def officer(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff', sub='triage.one', name='Tia Triage')}"}


@pytest.fixture(scope="module")
def other_officer(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff', sub='triage.two', name='Tom Triage')}"}


def report(
    client: httpx.Client, *, category: str = "fly_tipping", answers=None, metres: float = 0, headers=None, **extra
) -> dict:
    body = {
        "category": category,
        "location": north_of(metres),
        "description": "Mattress in the lay-by",
        "answers": FLY_TIP if answers is None else answers,
        **extra,
    }
    response = client.post("/v1/reports", json=body, headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()


def queue(client, headers, **params) -> dict:
    response = client.get("/v1/triage/queue", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def item(client, headers, report_id) -> dict:
    response = client.get(f"/v1/triage/reports/{report_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def act(client, headers, report_id, etag, **action) -> httpx.Response:
    return client.post(f"/v1/triage/reports/{report_id}/actions", json=action, headers={**headers, "If-Match": etag})


def template_id(triage_db: str, status: str) -> str:
    engine = make_engine(triage_db)
    with Session(engine) as session:
        found = session.exec(select(ResponseTemplate).where(ResponseTemplate.status == status)).first()
        assert found is not None
        return str(found.id)


def test_the_queue_is_oldest_first_and_filters(office, officer) -> None:
    first = report(office, category="graffiti", answers={"offensive": "no"}, metres=10)
    second = report(office, category="graffiti", answers={"offensive": "no"}, metres=20)
    page = queue(office, officer, category="graffiti")
    ids = [i["id"] for i in page["items"]]
    assert ids.index(first["id"]) < ids.index(second["id"]) and page["total"] == len(ids)
    newest = [i["id"] for i in queue(office, officer, category="graffiti", order="newest")["items"]]
    assert newest == list(reversed(ids))
    one = queue(office, officer, category="graffiti", limit=1)
    assert one["items"][0]["id"] == ids[0] and one["next_cursor"]
    rest = queue(office, officer, category="graffiti", limit=50, cursor=one["next_cursor"])
    assert [i["id"] for i in rest["items"]] == ids[1:]
    assert queue(office, officer, category="graffiti", priority="urgent")["items"] == []
    assert queue(office, officer, category="graffiti", footprint="nowhere")["items"] == []
    shown = page["items"][0]
    assert shown["answers"] == {"offensive": "no"} and shown["location"]["lat"] and shown["etag"]


def test_the_detail_shows_nearby_open_reports_and_the_hotspot(office, officer) -> None:
    here = [report(office, category="dog_fouling", answers={}, metres=500 + m) for m in (0, 40, 80)]
    detail = item(office, officer, here[0]["id"])
    assert {n["id"] for n in detail["nearby"]} == {here[1]["id"], here[2]["id"]}
    assert detail["hotspot"] and set(detail["hotspot"]["report_ids"]) >= {r["id"] for r in here}
    assert detail["timeline"] == []


def test_acknowledging_makes_a_case_and_leaves_the_queue(office, officer, triage_db) -> None:
    new = report(office, metres=900)
    etag = item(office, officer, new["id"])["etag"]
    response = act(office, officer, new["id"], etag, action="acknowledge")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "acknowledged" and response.headers["ETag"] == response.json()["etag"]
    assert new["id"] not in {i["id"] for i in queue(office, officer, category="fly_tipping")["items"]}
    engine = make_engine(triage_db)
    with Session(engine) as session:
        cases = session.exec(
            select(OutboxMessage).where(OutboxMessage.report_id == uuid.UUID(new["id"]), OutboxMessage.kind == "case")
        ).all()
    assert len(cases) == 1
    again = act(office, officer, new["id"], response.json()["etag"], action="acknowledge")
    assert again.status_code == 409 and again.json()["code"] == "NotAwaitingTriage"


def test_a_second_officer_on_a_stale_copy_gets_412_with_the_current_state(office, officer, other_officer) -> None:
    new = report(office, metres=1000)
    etag = item(office, officer, new["id"])["etag"]
    assert act(office, officer, new["id"], etag, action="set_priority", priority="high").status_code == 200
    late = act(office, other_officer, new["id"], etag, action="set_priority", priority="low")
    assert late.status_code == 412 and late.headers["content-type"] == "application/problem+json"
    problem = late.json()
    assert problem["code"] == "StaleVersion" and problem["current"]["priority"] == "high"
    assert problem["current_etag"] == item(office, officer, new["id"])["etag"]
    missing = office.post(
        f"/v1/triage/reports/{new['id']}/actions", json={"action": "note", "internal_note": "x"}, headers=officer
    )
    assert missing.status_code == 428 and missing.json()["code"] == "PreconditionRequired"


def test_refusals_say_why(office, officer, token_for, triage_db) -> None:
    new = report(office, metres=1100)
    etag = item(office, officer, new["id"])["etag"]
    fixed_template = template_id(triage_db, "fixed")
    closing = act(office, officer, new["id"], etag, action="close", template_id=fixed_template)
    assert closing.status_code == 422 and closing.json()["code"] == "TemplateNotClosing"
    needs = act(office, officer, new["id"], etag, action="recategorise")
    assert needs.status_code == 422 and "category" in needs.text
    resident = {"Authorization": f"Bearer {token_for(sub='resident.r')}"}
    assert office.get("/v1/triage/queue", headers=resident).json()["code"] == "Forbidden"
    assert office.get("/v1/triage/queue").status_code == 401
    closed = act(
        office, officer, new["id"], etag, action="close", template_id=template_id(triage_db, "unable_to_locate")
    )
    assert closed.status_code == 200 and closed.json()["status"] == "unable_to_locate"
    illegal = act(
        office,
        officer,
        new["id"],
        closed.json()["etag"],
        action="close",
        template_id=template_id(triage_db, "not_council_responsibility"),
    )
    assert illegal.status_code == 409 and illegal.json()["code"] == "IllegalTransition"


def test_recategorise_merge_and_note(office, officer) -> None:
    original, copy = report(office, metres=1200), report(office, metres=1210)
    etag = item(office, officer, copy["id"])["etag"]
    noted = act(office, officer, copy["id"], etag, action="note", internal_note="Looks like the same mattress")
    assert noted.status_code == 200 and noted.json()["status"] == "submitted"
    merged = act(office, officer, copy["id"], noted.json()["etag"], action="merge", duplicate_of=original["id"])
    assert merged.status_code == 200 and merged.json()["duplicate_of"] == original["id"]
    moved = act(
        office,
        officer,
        original["id"],
        item(office, officer, original["id"])["etag"],
        action="recategorise",
        category="litter",
    )
    assert moved.status_code == 200 and moved.json()["category"] == "litter"
    timeline = item(office, officer, copy["id"])["timeline"]
    assert timeline[0]["internal_note"] == "Looks like the same mattress"


def test_a_retried_action_is_applied_once(office, officer) -> None:
    new = report(office, metres=1300)
    etag = item(office, officer, new["id"])["etag"]
    headers = {**officer, "If-Match": etag, "Idempotency-Key": f"k-{uuid.uuid4()}"}
    url = f"/v1/triage/reports/{new['id']}/actions"
    first = office.post(url, json={"action": "note", "internal_note": "once"}, headers=headers)
    second = office.post(url, json={"action": "note", "internal_note": "once"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert [u["internal_note"] for u in item(office, officer, new["id"])["timeline"]] == ["once"]


def test_safeguarding_concerns_only_in_their_own_queue(office, officer, token_for) -> None:
    author = {"Authorization": f"Bearer {token_for('staff', sub='sg.author')}"}
    concern = report(
        office,
        category="safeguarding_concern",
        answers={"person": "adult", "immediate_danger": "no"},
        metres=1400,
        headers=author,
    )
    lead = {"Authorization": f"Bearer {token_for('safeguarding', sub='sg.lead')}"}
    general = queue(office, lead)
    assert concern["id"] not in {i["id"] for i in general["items"]}
    assert concern["id"] in {i["id"] for i in queue(office, lead, queue="safeguarding")["items"]}
    refused = office.get("/v1/triage/queue", params={"queue": "safeguarding"}, headers=officer)
    assert refused.status_code == 403 and "safeguarding" in refused.json()["detail"]
    assert office.get(f"/v1/triage/reports/{concern['id']}", headers=officer).status_code == 404


def test_bulk_gives_a_result_per_item_and_a_retry_changes_nothing_twice(office, officer, other_officer) -> None:
    batch = [report(office, category="litter", answers={}, metres=2000 + 10 * i) for i in range(4)]
    targets = [{"report_id": r["id"], "etag": item(office, officer, r["id"])["etag"]} for r in batch]
    # Someone else changes the third first: its copy is stale, the others go through.
    assert act(office, other_officer, batch[2]["id"], targets[2]["etag"], action="set_priority", priority="high")
    targets.append({"report_id": str(uuid.uuid4()), "etag": '"x"'})
    key = {"Idempotency-Key": f"bulk-{uuid.uuid4()}"}
    body = {"action": {"action": "acknowledge"}, "items": targets}
    first = office.post("/v1/triage/bulk", json=body, headers={**officer, **key})
    assert first.status_code == 200, first.text
    outcomes = [(r["outcome"], r["status"]) for r in first.json()["results"]]
    assert outcomes == [("done", 200), ("done", 200), ("refused", 412), ("done", 200), ("refused", 404)]
    assert first.json()["results"][2]["problem"]["current"]["priority"] == "high"
    retried = office.post("/v1/triage/bulk", json=body, headers={**officer, **key})
    assert [r["outcome"] for r in retried.json()["results"]] == [
        "replayed",
        "replayed",
        "refused",
        "replayed",
        "refused",
    ]
    timeline = item(office, officer, batch[0]["id"])["timeline"]
    assert [u["status"] for u in timeline] == ["acknowledged"]
    no_key = office.post("/v1/triage/bulk", json=body, headers=officer)
    assert no_key.status_code == 422 and "Idempotency-Key" in no_key.json()["detail"]


def test_arrivals_come_as_server_sent_events(office, officer) -> None:
    seen: list[dict] = []
    ready = threading.Event()

    def listen() -> None:
        with office.stream("GET", "/v1/triage/events", headers=officer, timeout=20) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            ready.set()
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line[len("data: ") :]))
                    return

    listener = threading.Thread(target=listen)
    listener.start()
    assert ready.wait(10)
    new = report(office, metres=3000)
    listener.join(20)
    assert seen and seen[0]["id"] == new["id"]


def test_a_reopened_report_comes_back_to_the_queue(office, officer) -> None:
    made = report(office, metres=3500, reporter={"name": "Ann", "email": "ann@example.org"})
    ack = act(office, officer, made["id"], item(office, officer, made["id"])["etag"], action="acknowledge")
    fixed = office.post(f"/v1/reports/{made['id']}/updates", json={"status": "fixed"}, headers=officer)
    assert ack.status_code == 200 and fixed.status_code == 201
    not_fixed = office.post(
        f"/v1/reports/{made['id']}/not-fixed",
        json={"text": "Still there"},
        headers={"X-Tracking-Token": made["tracking_token"]},
    )
    assert not_fixed.status_code == 201, not_fixed.text
    waiting = {i["id"]: i for i in queue(office, officer, category="fly_tipping")["items"]}
    assert waiting[made["id"]]["reopened"] and waiting[made["id"]]["status"] == "acknowledged"
    again = act(office, officer, made["id"], waiting[made["id"]]["etag"], action="acknowledge")
    assert again.status_code == 200 and not again.json()["reopened"]
    assert made["id"] not in {i["id"] for i in queue(office, officer, category="fly_tipping")["items"]}
