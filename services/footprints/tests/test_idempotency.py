"""Idempotency-Key on Footprints' writes, over HTTP: a retry gets the first answer and changes nothing more."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from deal_shared import idempotency
from deal_shared.db_outage import mark_outcome_unknown
from deal_shared.idempotency import scoped_key
from footprints.models import Absence, IdempotencyRecord, OutboxEvent

from .test_cases import upsert_body


@pytest.fixture()
def service(api, token_for):
    api.headers["Authorization"] = f"Bearer {token_for('service', sub='service:report_it')}"
    return api


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def events_about(engine, case_id: str) -> int:
    with Session(engine) as session:
        return sum(1 for event in session.exec(select(OutboxEvent)) if case_id in str(event.payload))


def test_retried_progress_is_replayed_not_applied_again(service, api, token_for, add_team, add_worker, engine) -> None:
    add_worker(add_team(), subject="worker.keyed")
    case = service.put("/v1/cases/report_it/k-1", json=upsert_body()).json()
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.keyed')}"}
    url = f"/v1/cases/{case['id']}/progress"
    key = str(uuid.uuid4())
    first = api.post(url, json={"kind": "completed", "note": "Cleared"}, headers=keyed(me, key))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "completed" and "Idempotent-Replayed" not in first.headers
    events = events_about(engine, case["id"])
    again = api.post(url, json={"kind": "completed", "note": "Cleared"}, headers=keyed(me, key))
    assert again.status_code == 200, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert events_about(engine, case["id"]) == events  # nothing more was sent to Report IT


def test_the_same_key_with_another_body_is_refused_with_422(service, api, token_for, add_team, add_worker) -> None:
    add_worker(add_team(), subject="worker.reuse")
    case = service.put("/v1/cases/report_it/k-2", json=upsert_body()).json()
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.reuse')}"}
    url = f"/v1/cases/{case['id']}/progress"
    key = str(uuid.uuid4())
    assert api.post(url, json={"kind": "in_progress"}, headers=keyed(me, key)).status_code == 200
    other = api.post(url, json={"kind": "completed"}, headers=keyed(me, key))
    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["code"] == "IdempotencyKeyReused"
    assert "different request" in other.json()["detail"]
    assert api.get(f"/v1/cases/{case['id']}", headers=me).json()["status"] == "in_progress"


def test_a_malformed_key_is_refused_before_anything_changes(service, api, token_for, add_team, add_worker) -> None:
    add_worker(add_team(), subject="worker.bad")
    case = service.put("/v1/cases/report_it/k-3", json=upsert_body()).json()
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.bad')}"}
    for bad in ("k" * 201, "a\tb"):
        response = api.post(f"/v1/cases/{case['id']}/progress", json={"kind": "in_progress"}, headers=keyed(me, bad))
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "IdempotencyKeyInvalid"
        assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert api.get(f"/v1/cases/{case['id']}", headers=me).json()["status"] != "in_progress"


def test_a_key_belongs_to_its_caller_and_its_endpoint(service, api, token_for, add_team, add_worker) -> None:
    team = add_team()
    add_worker(team, subject="worker.one")
    first = service.put("/v1/cases/report_it/k-4", json=upsert_body()).json()
    second = service.put("/v1/cases/report_it/k-5", json=upsert_body()).json()
    manager = {"Authorization": f"Bearer {token_for('manager', sub='manager.one')}"}
    key = str(uuid.uuid4())
    for case in (first, second):  # the same key on another case is another request
        answer = api.post(f"/v1/cases/{case['id']}/progress", json={"kind": "in_progress"}, headers=keyed(manager, key))
        assert answer.status_code == 200 and "Idempotent-Replayed" not in answer.headers, answer.text
        assert answer.json()["id"] == case["id"]


def test_a_retried_absence_is_recorded_once(service, api, token_for, add_team, add_worker, engine) -> None:
    worker = add_worker(add_team())
    manager = {"Authorization": f"Bearer {token_for('manager')}"}
    today = datetime.now(UTC).date()
    body = {"kind": "sickness", "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=2)).isoformat()}
    key = str(uuid.uuid4())
    first = api.post(f"/v1/workers/{worker.id}/absences", json=body, headers=keyed(manager, key))
    again = api.post(f"/v1/workers/{worker.id}/absences", json=body, headers=keyed(manager, key))
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    with Session(engine) as session:
        assert len(session.exec(select(Absence).where(Absence.worker_id == worker.id)).all()) == 1


def test_a_request_whose_key_is_still_in_flight_gets_409(
    service, api, token_for, add_team, add_worker, engine, monkeypatch
) -> None:
    monkeypatch.setattr(idempotency, "IN_FLIGHT_WAIT_S", 0.3)
    add_worker(add_team(), subject="worker.busy")
    case = service.put("/v1/cases/report_it/k-6", json=upsert_body()).json()
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.busy')}"}
    url = f"/v1/cases/{case['id']}/progress"
    key = str(uuid.uuid4())
    # Another request holds the key: its transaction has claimed it and is not finished.
    held = Session(engine)
    stored = scoped_key(f"POST {url}", "worker.busy", key)
    assert idempotency.claim(held, model=IdempotencyRecord, key=stored, request_hash="x") is None
    try:
        busy = api.post(url, json={"kind": "in_progress"}, headers=keyed(me, key))
        assert busy.status_code == 409, busy.text
        assert busy.json()["code"] == "IdempotencyKeyInFlight" and busy.headers["retry-after"] == "1"
    finally:
        held.rollback()
        held.close()
    # The holder gave up without an answer: the retry is carried out.
    done = api.post(url, json={"kind": "in_progress"}, headers=keyed(me, key))
    assert done.status_code == 200 and done.json()["status"] == "in_progress", done.text


def test_a_duplicate_arriving_while_the_first_is_working_waits_and_gets_its_answer(
    service, api, token_for, add_team, add_worker, engine
) -> None:
    add_worker(add_team(), subject="worker.twice")
    case = service.put("/v1/cases/report_it/k-7", json=upsert_body()).json()
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.twice')}"}
    url = f"/v1/cases/{case['id']}/progress"
    key = str(uuid.uuid4())
    answers: list = []

    def send() -> None:
        answers.append(api.post(url, json={"kind": "completed"}, headers=keyed(me, key)))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
    assert all(a.json() == answers[0].json() for a in answers)
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1


def test_a_commit_whose_answer_was_lost_is_replayed_on_retry(service, api, token_for, add_team, add_worker) -> None:
    """The database made the change durable but the connection went before it said so: the client is told the
    outcome is not known, and its retry with the same key gets the original answer instead of a second change."""
    add_worker(add_team(), subject="worker.lost")
    case = service.put("/v1/cases/report_it/k-8", json=upsert_body()).json()
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.lost')}"}
    url = f"/v1/cases/{case['id']}/progress"
    key = str(uuid.uuid4())
    lost: list[bool] = []

    def lose_the_answer(session) -> None:
        if not lost and any(isinstance(o, IdempotencyRecord) for o in session.identity_map.values()):
            lost.append(True)
            error = OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
            raise mark_outcome_unknown(error)

    event.listen(Session, "after_commit", lose_the_answer)
    try:
        unknown = api.post(url, json={"kind": "completed", "note": "Done"}, headers=keyed(me, key))
    finally:
        event.remove(Session, "after_commit", lose_the_answer)
    assert lost and unknown.status_code == 503, unknown.text
    assert unknown.json()["saved"] == "unknown"
    retried = api.post(url, json={"kind": "completed", "note": "Done"}, headers=keyed(me, key))
    assert retried.status_code == 200 and retried.headers["Idempotent-Replayed"] == "true", retried.text
    assert retried.json()["status"] == "completed" and retried.json()["id"] == case["id"]
