"""Case events back to the source system (Report IT): written in the change's transaction, delivered later with
retries, exponential backoff and the event id as idempotency key, in order per report."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.errors import RemoteError
from deal_shared.report_it import CaseEvent, ReportItClient
from footprints.models import Case, OutboxEvent

REPORT_IT = "report_it"
log = logging.getLogger(__name__)


def enqueue(
    session: Session, case: Case, *, kind: str, worker_name: str | None = None, note: str | None = None
) -> OutboxEvent | None:
    if case.source_system != REPORT_IT:
        return None
    event_id = str(uuid.uuid4())
    payload = CaseEvent(
        event_id=event_id,
        kind=kind,
        worker_display_name=worker_name,
        footprint_code=case.footprint_code,
        note=note,
        occurred_at=utcnow(),
    ).model_dump(mode="json")
    event = OutboxEvent(event_id=event_id, destination=REPORT_IT, source_id=case.source_id, payload=payload)
    session.add(event)
    return event


def backoff_s(attempts: int, *, cap: float) -> float:
    """1, 2, 4, ... seconds up to `cap`, with jitter so many pods do not retry in step."""
    return min(cap, 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


def deliver_due(engine: Engine, client: ReportItClient, *, max_backoff_s: float, max_attempts: int) -> int:
    """One pass over due events; returns how many were delivered. Safe to run in several processes."""
    delivered = 0
    with Session(engine) as session:
        query = (
            select(OutboxEvent)
            .where(col(OutboxEvent.delivered_at).is_(None), col(OutboxEvent.failed_at).is_(None))
            .where(OutboxEvent.next_attempt_at <= utcnow())
            .order_by(col(OutboxEvent.created_at), col(OutboxEvent.id))
            .limit(100)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        blocked: set[str] = set()
        for event in session.exec(query).all():
            if event.source_id in blocked:
                continue  # an earlier event for this report is still waiting: keep the order
            try:
                client.post_case_event(event.source_id, CaseEvent.model_validate(event.payload))
            except RemoteError as exc:
                blocked.add(event.source_id)
                event.attempts += 1
                event.last_error = str(exc)[:1000]
                if not exc.retryable or event.attempts >= max_attempts:
                    event.failed_at = utcnow()
                    log.error("case event %s given up: %s", event.event_id, exc)
                else:
                    event.next_attempt_at = utcnow() + timedelta(seconds=backoff_s(event.attempts, cap=max_backoff_s))
                continue
            event.attempts += 1
            event.delivered_at = utcnow()
            delivered += 1
        session.commit()
    return delivered


class Deliverer:
    """A background thread delivering the outbox until stopped."""

    def __init__(self, engine: Engine, http: httpx.Client, *, poll_s: float, max_backoff_s: float, attempts: int):
        self._engine = engine
        self._client = ReportItClient(http)
        self._poll_s = poll_s
        self._max_backoff_s = max_backoff_s
        self._attempts = attempts
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="footprints-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self._engine, self._client, max_backoff_s=self._max_backoff_s, max_attempts=self._attempts)
            except Exception:  # the loop must outlive a database hiccup; the next pass retries
                log.exception("outbox pass failed")
            self._stop.wait(self._poll_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
