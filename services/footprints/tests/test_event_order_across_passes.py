"""One report's events reach Report IT in the order they happened, also across passes: an event waits while an
earlier one of its report waits out a backoff, instead of overtaking it (Report IT would then ignore the earlier one
as stale, and its note would be missing from the report's timeline). The chaos run found it (tests/chaos)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.outbox import Backoff
from deal_shared.report_it import CaseEvent
from deal_shared.versions import DeliveryAnswer, Outcome
from footprints.models import OutboxEvent
from footprints.outbox import deliver_due

from .test_cases import upsert_body


class RecordingReportIt:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def post_case_event(self, report_id: str, event: CaseEvent) -> DeliveryAnswer:
        self.sent.append(event.kind.value)
        return DeliveryAnswer(outcome=Outcome.applied, detail="applied")


def test_an_event_waits_for_the_earlier_one_of_its_report_to_be_sent(
    api, token_for, engine, add_team, add_worker
) -> None:
    add_worker(add_team())
    service, manager = ({"Authorization": f"Bearer {token_for(role)}"} for role in ("service", "manager"))
    case = api.put("/v1/cases/report_it/order-1", json=upsert_body(), headers=service).json()
    assert api.post(f"/v1/cases/{case['id']}/progress", json={"kind": "in_progress"}, headers=manager).is_success
    with Session(engine) as session:
        allocated, started = session.exec(select(OutboxEvent).order_by(col(OutboxEvent.created_at))).all()
        assert (allocated.payload["kind"], started.payload["kind"]) == ("allocated", "in_progress")
        # The allocation failed once and waits out its backoff; the start of work is due now.
        allocated.attempts, allocated.next_attempt_at = 1, utcnow() + timedelta(minutes=5)
        started.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.add_all([allocated, started])
        session.commit()
        allocated_id = allocated.id
    report_it = RecordingReportIt()
    backoff = Backoff(first_s=1.0, cap_s=1.0)

    assert deliver_due(engine, report_it, backoff=backoff, max_attempts=5) == 0
    assert report_it.sent == []  # the start of work did not overtake the allocation

    with Session(engine) as session:
        waiting = session.get(OutboxEvent, allocated_id)
        waiting.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.add(waiting)
        session.commit()
    assert deliver_due(engine, report_it, backoff=backoff, max_attempts=5) == 2
    assert report_it.sent == ["allocated", "in_progress"]
