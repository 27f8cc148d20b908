"""Versions both ways: an upsert from Report IT not newer than the stored case is answered 200 "stale, ignored"
and changes nothing; every event Footprints sends about a case carries the case's next sequence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, col, select

from footprints.models import Case, OutboxEvent

from .test_cases import upsert_body


@pytest.fixture()
def service(api, token_for):
    api.headers["Authorization"] = f"Bearer {token_for('service', sub='service:report_it')}"
    return api


def test_an_upsert_no_newer_than_the_stored_case_is_stale_and_changes_nothing(service, add_team, add_worker) -> None:
    add_worker(add_team())
    url = "/v1/cases/report_it/v-1"
    first = service.put(url, json=upsert_body(version=5))
    assert first.status_code == 200 and first.json()["outcome"] == "applied", first.text

    late = service.put(url, json=upsert_body(version=4, status="closed"))
    assert late.status_code == 200, late.text
    assert late.json()["outcome"] == "stale, ignored" and late.json()["status"] == "open"
    assert late.json()["detail"].startswith("stale, ignored: version 4 is not newer than version 5")
    repeated = service.put(url, json=upsert_body(version=5, effort=3))
    assert repeated.json()["outcome"] == "stale, ignored" and repeated.json()["effort_points"] == 1

    audit = service.get(f"/v1/audit/cases/{first.json()['id']}").json()
    assert [a["kind"] for a in audit] == ["allocated"]  # applied once: the repeat did not re-run allocation
    closed = service.put(url, json=upsert_body(version=6, status="closed")).json()
    assert (closed["outcome"], closed["status"]) == ("applied", "closed")


def test_an_upsert_without_a_version_is_applied_as_before(service, add_team, add_worker) -> None:
    add_worker(add_team())
    url = "/v1/cases/report_it/v-2"
    unversioned = {k: v for k, v in upsert_body().items() if k != "version"}
    assert service.put(url, json=unversioned).json()["outcome"] == "applied"
    again = service.put(url, json={**unversioned, "effort_points": 2}).json()
    assert (again["outcome"], again["effort_points"]) == ("applied", 2)
    assert service.put(url, json=upsert_body(version=3)).json()["outcome"] == "applied"
    assert service.put(url, json={**unversioned, "status": "closed"}).json()["status"] == "closed"


def test_every_event_carries_the_cases_next_sequence_even_when_changes_race(
    service, api, token_for, engine, add_team, add_worker
) -> None:
    add_worker(add_team(), subject="worker.seq")
    case = service.put("/v1/cases/report_it/v-3", json=upsert_body()).json()
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.seq')}"}
    progress = f"/v1/cases/{case['id']}/progress"

    def record(kind: str) -> int:
        return api.post(progress, json={"kind": kind}, headers=me).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(record, ["in_progress", "completed"] * 6)) == {200}

    with Session(engine) as session:
        events = session.exec(
            select(OutboxEvent).where(OutboxEvent.source_id == "v-3").order_by(col(OutboxEvent.created_at))
        ).all()
        stored = session.exec(select(Case).where(Case.source_id == "v-3")).one()
    sequences = [e.payload["sequence"] for e in events]
    assert (events[0].payload["kind"], sequences[0]) == ("allocated", 1)
    assert sorted(sequences) == list(range(1, 14)) and stored.sequence == 13


def test_upserts_racing_at_every_version_leave_the_newest(service, add_team, add_worker) -> None:
    add_worker(add_team())
    url = "/v1/cases/report_it/v-4"
    assert service.put(url, json=upsert_body(version=1)).status_code == 200
    # Odd versions close the case, even ones reopen it: the newest (12) must be the one that stands.
    bodies = [upsert_body(version=v, status="closed" if v % 2 else "open", effort=v) for v in range(2, 13)]
    bodies.reverse()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda body: service.put(url, json=body), bodies))
    assert {a.status_code for a in answers} == {200}
    case = service.put(url, json=upsert_body(version=12)).json()
    assert (case["outcome"], case["status"], case["effort_points"]) == ("stale, ignored", "open", 12)
