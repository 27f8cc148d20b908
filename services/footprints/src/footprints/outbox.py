"""Case events back to the source system (Report IT): written in the change's transaction, delivered later with
retries (capped exponential backoff, full jitter) and the event id as idempotency key, in order per report as far as
one pass goes.

Retries can still deliver an earlier event after a later one, so each event carries the case's sequence after its
change; Report IT applies only an event newer than the last it applied and answers a late one "stale, ignored"."""

from __future__ import annotations

import logging
import threading
import uuid

import httpx
from sqlalchemy import Engine, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import utcnow
from deal_shared.errors import RemoteError
from deal_shared.outbox import Backoff, claim_due, failed_for_good
from deal_shared.report_it import CaseEvent, ReportItClient
from deal_shared.versions import Outcome
from footprints.models import Case, OutboxEvent

REPORT_IT = "report_it"
log = logging.getLogger(__name__)


def next_sequence(session: Session, case: Case) -> int:
    """Raise the case's sequence in the database and return it. One UPDATE rather than read-then-write: it holds the
    case's row until commit, so two changes at once get two numbers, in the order they commit."""
    session.flush()  # the case may be new in this transaction
    raised = session.execute(
        update(Case)
        .where(col(Case.id) == case.id)
        .values(sequence=col(Case.sequence) + 1)
        .returning(col(Case.sequence))
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(case, "sequence", raised)  # the loaded case in step, without writing the row again
    return raised


def enqueue(
    session: Session, case: Case, *, kind: str, worker_name: str | None = None, note: str | None = None
) -> OutboxEvent | None:
    sequence = next_sequence(session, case)
    if case.source_system != REPORT_IT:
        return None
    event_id = str(uuid.uuid4())
    payload = CaseEvent(
        event_id=event_id,
        kind=kind,
        sequence=sequence,
        worker_display_name=worker_name,
        footprint_code=case.footprint_code,
        note=note,
        occurred_at=utcnow(),
    ).model_dump(mode="json")
    event = OutboxEvent(event_id=event_id, destination=REPORT_IT, source_id=case.source_id, payload=payload)
    session.add(event)
    return event


def deliver_due(engine: Engine, client: ReportItClient, *, backoff: Backoff, max_attempts: int) -> int:
    """One pass over due events; returns how many were delivered. Safe to run in several processes."""
    delivered = 0
    with Session(engine) as session:
        due = claim_due(
            session,
            OutboxEvent,
            col(OutboxEvent.delivered_at).is_(None),
            col(OutboxEvent.failed_at).is_(None),
            order_by=[col(OutboxEvent.created_at), col(OutboxEvent.id)],
            limit=100,
        )
        blocked: set[str] = set()
        for event in due:
            if event.source_id in blocked:
                continue  # an earlier event for this report is still waiting: keep the order
            event.attempts += 1
            try:
                answer = client.post_case_event(event.source_id, CaseEvent.model_validate(event.payload))
            except RemoteError as exc:
                blocked.add(event.source_id)
                if failed_for_good(
                    event,
                    str(exc)[:1000],
                    backoff=backoff,
                    max_attempts=max_attempts,
                    final=not exc.retryable,
                ):
                    event.failed_at = utcnow()
                    log.error("case event %s given up: %s", event.event_id, exc)
                continue
            if answer.outcome is not Outcome.applied:
                log.info("case event %s delivered, not applied: %s", event.event_id, answer.detail)
            event.delivered_at = utcnow()
            delivered += 1
        session.commit()
    return delivered


class Deliverer:
    """A background thread delivering the outbox until stopped."""

    def __init__(self, engine: Engine, http: httpx.Client, *, poll_s: float, backoff: Backoff, attempts: int):
        self._engine = engine
        self._client = ReportItClient(http)
        self._poll_s = poll_s
        self._backoff = backoff
        self._attempts = attempts
        self._loop = DaemonLoop(self.run, name="footprints-outbox")

    def start(self) -> None:
        self._loop.start()

    def run(self, stop: threading.Event) -> None:
        repeat_until_stopped(stop, self.run_once, rest_s=self._poll_s, log=log, failure="outbox pass failed")

    def run_once(self) -> int:
        return deliver_due(self._engine, self._client, backoff=self._backoff, max_attempts=self._attempts)

    def stop(self) -> None:
        self._loop.stop()
