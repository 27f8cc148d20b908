"""Case events back to the source system (Report IT): written in the change's transaction, delivered later with
retries (capped exponential backoff, full jitter) and the event id as idempotency key, in order per report: an event
is not taken while an earlier one of its report waits (out a backoff, or leased by another deliverer).

Each event also carries the case's sequence after its change, and Report IT applies only an event newer than the
last it applied, answering a late one "stale, ignored": a lease taken over from a deliverer that was only slow can
still send one twice or late."""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import ColumnElement, Engine, and_, exists, or_, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import utcnow
from deal_shared.errors import RemoteError
from deal_shared.heartbeat import Heartbeat
from deal_shared.outbox import Attempt, Backoff, Lease, PeerWatch, lease_due, record_attempt, unsent
from deal_shared.report_it import CaseEvent, ReportItClient
from deal_shared.trace_context import continuing
from deal_shared.versions import Outcome
from footprints.models import Case, OutboxEvent

REPORT_IT = "report_it"
# The events still to deliver: every one goes to Report IT.
UNSENT = unsent(OutboxEvent)
_EARLIER = aliased(OutboxEvent)


def not_behind_a_waiting_event() -> ColumnElement[bool]:
    """No earlier event of the same report is unsent and not yet due (waiting out its backoff, or leased by another
    deliverer). Sent past one, an event would overtake it, and Report IT would then ignore the earlier one as stale
    (its note missing from the report's timeline). An earlier event that is due is taken in the same batch, and
    that batch sends one report's events in order."""
    return ~exists().where(
        _EARLIER.source_id == OutboxEvent.source_id,
        _EARLIER.state == "pending",
        _EARLIER.delivered_at.is_(None),
        _EARLIER.failed_at.is_(None),
        _EARLIER.next_attempt_at > utcnow(),
        or_(
            _EARLIER.created_at < OutboxEvent.created_at,
            and_(_EARLIER.created_at == OutboxEvent.created_at, _EARLIER.id < OutboxEvent.id),
        ),
    )


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


def deliver_due(
    engine: Engine,
    client: ReportItClient,
    *,
    backoff: Backoff,
    max_attempts: int,
    send_budget_s: float = 10.0,
    lease_s: float = 60.0,
    peer: PeerWatch | None = None,
    senders: ThreadPoolExecutor | None = None,
) -> int:
    """One pass over due events; returns how many were delivered. Safe to run in several processes. With
    `senders`, different reports' events are sent concurrently (one report's stay in order).

    The events are leased in a short transaction and sent with none open (a slow Report IT holds no lock here);
    each outcome is recorded in a short transaction of its own."""

    def take() -> Lease[OutboxEvent]:
        return lease_due(
            engine,
            OutboxEvent,
            *UNSENT,
            not_behind_a_waiting_event(),
            order_by=[col(OutboxEvent.created_at), col(OutboxEvent.id)],
            limit=100,
            lease_s=max(lease_s, 2 * send_budget_s),
        )

    lease = take()
    probe = None
    if not lease.rows and peer is not None and (probe := peer.probe(engine)) is not None:
        lease = take()  # nothing was due: try whether Report IT, away until now, is back
    # One report's events go in order, one after another; different reports' go over a few senders at once (each
    # call mostly waits on Report IT's database).
    by_report: dict[str, list[OutboxEvent]] = {}
    for event in lease.rows:
        by_report.setdefault(event.source_id, []).append(event)

    def send_in_order(events: list[OutboxEvent]) -> tuple[int, list[OutboxEvent]]:
        for position, event in enumerate(events):
            if not lease.has_time_for(send_budget_s):
                return position, events[position:]
            attributes = {"messaging.destination.name": event.destination, "messaging.message.id": event.event_id}
            try:
                # In the trace of the request that changed the case (a case sync from Report IT, an officer's move).
                with continuing(event.traceparent, "deliver case event", attributes=attributes):
                    answer = client.post_case_event(event.source_id, CaseEvent.model_validate(event.payload))
            except RemoteError as exc:
                _record(
                    engine,
                    lease,
                    event,
                    failure=exc,
                    backoff=backoff,
                    max_attempts=max_attempts,
                    probe=event.id == probe,
                )
                return position, events[position + 1 :]  # the later ones wait for this one: keep the order
            if answer.outcome is not Outcome.applied:
                log.info("case event %s delivered, not applied: %s", event.event_id, answer.detail)
            attempts = _record(engine, lease, event, failure=None, backoff=backoff, max_attempts=max_attempts)
            if attempts > 1 and peer is not None:
                # A retry got through: what waits for Report IT need not wait longer.
                peer.peer_is_back(engine, sparing=lease)
        return len(events), []

    outcomes = list((senders.map if senders is not None else map)(send_in_order, by_report.values()))
    delivered = sum(count for count, _ in outcomes)
    unsent = [event for _, waiting in outcomes for event in waiting]
    lease.release(engine, unsent)
    return delivered


def _record(
    engine: Engine,
    lease: Lease[OutboxEvent],
    event: OutboxEvent,
    *,
    failure: RemoteError | None,
    backoff: Backoff,
    max_attempts: int,
    probe: bool = False,
) -> int:
    """Record one attempt's outcome; returns the attempts the event has had (0 if another deliverer took it)."""
    with Session(engine) as session:
        current = session.get(OutboxEvent, event.id, with_for_update=True)
        attempt = record_attempt(
            current,
            lease,
            error=None if failure is None else str(failure)[:1000],
            retryable=failure is None or failure.retryable,
            probing=probe,
            backoff=backoff,
            max_attempts=max_attempts,
        )
        if attempt is Attempt.taken_over or current is None:
            log.warning("case event %s taken over after its lease ran out", event.event_id)
            return 0
        if attempt is Attempt.given_up:
            log.error("case event %s given up: %s", current.event_id, failure)
        attempts = 0 if attempt is Attempt.probe_failed else current.attempts
        session.add(current)
        session.commit()
    return attempts


def _longest_wait_s(timeout: httpx.Timeout) -> float:
    """The longest one request may take under `timeout` (connecting, sending, waiting for the answer)."""
    return sum(t for t in (timeout.connect, timeout.write, timeout.read) if t is not None) or 60.0


class Deliverer:
    """A background thread delivering the outbox until stopped."""

    def __init__(
        self,
        engine: Engine,
        http: httpx.Client,
        *,
        poll_s: float,
        backoff: Backoff,
        attempts: int,
        probe_every_s: float = 3.0,
        concurrency: int = 4,
        lease_s: float = 60.0,
        heartbeat: Heartbeat | None = None,
    ):
        self._engine = engine
        self._client = ReportItClient(http)
        self._send_budget_s = _longest_wait_s(http.timeout)
        self._peer = PeerWatch(OutboxEvent, *UNSENT, probe_every_s=probe_every_s)
        self._poll_s = poll_s
        self._backoff = backoff
        self._attempts = attempts
        self._lease_s = lease_s
        self._senders = ThreadPoolExecutor(concurrency, thread_name_prefix="footprints-outbox-send")
        self._heartbeat = heartbeat
        self._loop = DaemonLoop(self.run, name="footprints-outbox")

    def start(self) -> None:
        self._loop.start()

    def run(self, stop: threading.Event) -> None:
        repeat_until_stopped(
            stop,
            self.run_once,
            rest_s=self._poll_s,
            log=log,
            failure="outbox pass failed",
            after_pass=self._heartbeat.beat if self._heartbeat is not None else None,
        )

    def run_once(self) -> int:
        return deliver_due(
            self._engine,
            self._client,
            backoff=self._backoff,
            max_attempts=self._attempts,
            send_budget_s=self._send_budget_s,
            lease_s=self._lease_s,
            peer=self._peer,
            senders=self._senders,
        )

    def stop(self) -> None:
        self._loop.stop()
        self._senders.shutdown()
