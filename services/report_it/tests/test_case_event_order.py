"""Case events from Footprints arrive in any order and some twice: each carries the case's sequence, and Report IT
applies only one newer than the last it applied, answering a late or repeated one 200 "stale, ignored"."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from deal_shared.report_it import CaseEvent, CaseEventKind, ReportItClient
from deal_shared.versions import Outcome
from services.report_it.tests.test_lifecycle import new_report


@pytest.fixture()
def service(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('service', sub='service:footprints')}"}


def event(kind: str, sequence: int | None) -> dict:
    body = {"event_id": f"evt-{uuid.uuid4()}", "kind": kind, "occurred_at": datetime.now(UTC).isoformat()}
    return body if sequence is None else {**body, "sequence": sequence}


def status_of(api: httpx.Client, report_id: str) -> str:
    return api.get(f"/v1/reports/{report_id}").json()["status"]


def test_an_allocated_arriving_after_in_progress_is_stale_and_the_report_stays_in_progress(
    api, staff_headers, service
) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/case-events"
    allocated, in_progress = event("allocated", 1), event("in_progress", 2)

    applied = api.post(url, json=in_progress, headers=service)
    assert applied.status_code == 200 and applied.json()["outcome"] == "applied", applied.text
    late = api.post(url, json=allocated, headers=service)
    assert late.status_code == 200, late.text
    assert late.json()["outcome"] == "stale, ignored"
    assert late.json()["detail"].startswith("stale, ignored: version 1 is not newer than version 2")
    assert status_of(api, report["id"]) == "in_progress"

    # A retry of either, and another event at a sequence already applied, change nothing either.
    assert api.post(url, json=in_progress, headers=service).json()["outcome"] == "duplicate, ignored"
    assert api.post(url, json=allocated, headers=service).json()["outcome"] == "stale, ignored"
    assert api.post(url, json=event("reallocated", 2), headers=service).json()["outcome"] == "stale, ignored"
    timeline = api.get(f"/v1/reports/{report['id']}/updates", headers=staff_headers).json()
    assert [u["status"] for u in timeline] == ["in_progress"]

    # A newer one is applied: recorded on the timeline, but a case changing hands stays in progress in Footprints,
    # so the report does too (its status always the case's).
    newer = api.post(url, json=event("reallocated", 3), headers=service)
    assert newer.json()["outcome"] == "applied"
    assert status_of(api, report["id"]) == "in_progress"
    assert len(api.get(f"/v1/reports/{report['id']}/updates", headers=staff_headers).json()) == 2


def test_events_sent_all_at_once_in_any_order_leave_the_report_where_the_newest_says(api, service) -> None:
    kinds = ["allocated", "in_progress", "reallocated", "in_progress"]
    reports = [new_report(api)["id"] for _ in range(4)]
    posts = [(rid, event(kind, n)) for rid in reports for n, kind in enumerate(kinds, start=1)]
    random.Random(17).shuffle(posts)

    def post(item: tuple[str, dict]) -> httpx.Response:
        return api.post(f"/v1/reports/{item[0]}/case-events", json=item[1], headers=service)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, posts))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    assert {a.json()["outcome"] for a in answers} <= {"applied", "stale, ignored"}
    assert [status_of(api, rid) for rid in reports] == ["in_progress"] * len(reports)


def test_events_without_a_sequence_are_applied_as_before(api, service) -> None:
    report = new_report(api)
    url = f"/v1/reports/{report['id']}/case-events"
    assert api.post(url, json=event("in_progress", None), headers=service).json()["outcome"] == "applied"
    assert api.post(url, json=event("allocated", None), headers=service).json()["outcome"] == "applied"
    # Recorded, but a change of hands never takes back work begun, with or without a sequence.
    assert status_of(api, report["id"]) == "in_progress"
    # Once a sequence has been applied, an event without one (an older Footprints mid-rollout) still is.
    assert api.post(url, json=event("in_progress", 5), headers=service).json()["outcome"] == "applied"
    assert api.post(url, json=event("allocated", None), headers=service).json()["outcome"] == "applied"
    assert api.post(url, json=event("in_progress", 4), headers=service).json()["outcome"] == "stale, ignored"
    assert status_of(api, report["id"]) == "in_progress"


def test_the_typed_client_reads_the_answer(report_it_url, token_for, api) -> None:
    report = new_report(api)
    with httpx.Client(base_url=report_it_url, headers={"Authorization": f"Bearer {token_for('service')}"}) as http:
        client = ReportItClient(http)

        def send(kind: CaseEventKind, sequence: int) -> Outcome:
            body = CaseEvent(event_id=str(uuid.uuid4()), kind=kind, sequence=sequence, occurred_at=datetime.now(UTC))
            return client.post_case_event(report["id"], body).outcome

        assert send(CaseEventKind.in_progress, 7) is Outcome.applied
        assert send(CaseEventKind.allocated, 6) is Outcome.stale
    assert status_of(api, report["id"]) == "in_progress"


def test_a_sequence_out_of_range_is_refused_with_the_field_named(api, service) -> None:
    report = new_report(api)
    for bad in (-1, 2**31, "soon"):
        response = api.post(f"/v1/reports/{report['id']}/case-events", json=event("allocated", bad), headers=service)
        assert response.status_code == 422, response.text
        assert "sequence" in response.text
