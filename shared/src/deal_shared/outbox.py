"""What every service's outbox shares: the row's columns and states, leasing the due rows, the backoff and last
attempt of a failed one, and noticing a peer's return. Each service keeps its own outbox table (`OutboxRowBase` on
its own registry, with the columns its messages need) and decides what sending a row means and when a failure is
final."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Engine, Text, update
from sqlmodel import Field, Session, SQLModel, col, select

from deal_shared.db import UTCDateTime, utcnow
from deal_shared.trace_context import TRACEPARENT_LENGTH, current_traceparent


class OutboxState(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # given up after the last attempt; kept for an operator to see (and to send again)


class OutboxRowBase(SQLModel):
    """The columns every outbox row has, whichever service keeps it. A service's table adds what its messages
    carry, and an index on (state, next_attempt_at), which is how due rows are found."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    state: str = Field(default=OutboxState.pending.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The trace of the request that wrote the row (None with tracing off), which its delivery continues: taken
    # from the current span as the row is made, so every writer of a row carries it without saying so.
    traceparent: str | None = Field(default_factory=current_traceparent, max_length=TRACEPARENT_LENGTH)


class OutboxRow(Protocol):
    id: Any
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None
    failed_at: datetime | None


Row = TypeVar("Row", bound=OutboxRow)


def unsent(table: type[OutboxRow]) -> tuple[ColumnElement[bool], ...]:
    """The rows of `table` still to deliver.

    The state says it; the timestamps are asked too because, during a roll-out, the release before may still be
    running beside this one, and it marked a row done in only one of the two (Footprints' release before kept no
    state, Report IT's no `failed_at`): a row it finished must not be sent again."""
    return (
        col(table.state) == OutboxState.pending.value,
        col(table.delivered_at).is_(None),
        col(table.failed_at).is_(None),
    )


def claim_due(
    session: Session, table: type[Row], *pending: ColumnElement[bool], order_by: Sequence[Any], limit: int
) -> list[Row]:
    """The pending rows of `table` whose next attempt is due, held until `session` commits.

    Several deliverers may run at once (every serving process and every worker): on PostgreSQL each claims its batch
    with FOR UPDATE SKIP LOCKED, so no row is sent twice at the same time. SQLite has one writer and no such clause."""
    query = (
        select(table)
        .where(*pending, col(table.next_attempt_at) <= utcnow())
        .order_by(*order_by)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class Lease(Generic[Row]):
    """Due rows taken for sending until `until`, in a transaction already committed: no transaction stays open
    while they are sent. Another deliverer takes a row only once its lease has run out (its sender died)."""

    table: type[Row]
    rows: list[Row]
    until: datetime

    def has_time_for(self, seconds: float) -> bool:
        """Whether one more send of at most `seconds` ends before the lease does."""
        return utcnow() + timedelta(seconds=seconds) <= self.until

    def holds(self, current: Row | None) -> bool:
        """Whether `current` (the row as the database has it now) is still under this lease: not given up as
        overdue and taken by another deliverer since."""
        return current is not None and current.next_attempt_at == self.until

    def release(self, engine: Engine, rows: Iterable[Row]) -> None:
        """Hand back rows this lease holds but did not send: due again at once."""
        ids = [row.id for row in rows]
        if not ids:
            return
        with Session(engine) as session:
            session.execute(
                update(self.table)
                .where(col(self.table.id).in_(ids), col(self.table.next_attempt_at) == self.until)
                .values(next_attempt_at=utcnow())
            )
            session.commit()


def lease_due(
    engine: Engine,
    table: type[Row],
    *pending: ColumnElement[bool],
    order_by: Sequence[Any],
    limit: int,
    lease_s: float,
) -> Lease[Row]:
    """Take the due rows of `table` for `lease_s` seconds: each row's next attempt moves to the lease's end, in a
    short transaction of its own. The sender records each outcome in another short one (see `Lease.holds`); if it
    dies, the rows fall due again when the lease runs out. Delivery is at least once, so receivers are idempotent."""
    until = utcnow() + timedelta(seconds=lease_s)
    with Session(engine, expire_on_commit=False) as session:
        rows = claim_due(session, table, *pending, order_by=order_by, limit=limit)
        for row in rows:
            row.next_attempt_at = until
            session.add(row)
        session.commit()
        for row in rows:
            session.expunge(row)
    return Lease(table=table, rows=rows, until=until)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: after the n-th failed attempt, a wait drawn uniformly from 0 up to
    `first_s` doubled n-1 times, never above `cap_s`. Drawing the whole wait (not ± a fraction of it) spreads the
    retries of many rows and many deliverers across the window, so a peer coming back is not hit by them in step."""

    first_s: float
    cap_s: float

    def ceiling(self, attempts: int) -> float:
        """The longest wait after `attempts` failed attempts."""
        # The exponent stops growing long before a float would overflow; the wait is at the cap by then anyway.
        return min(self.first_s * 2.0 ** min(max(attempts - 1, 0), 64), self.cap_s)

    def seconds(self, attempts: int) -> float:
        return random.uniform(0.0, self.ceiling(attempts))


def probe_failed(row: OutboxRow, error: str, *, backoff: Backoff) -> None:
    """A probe of a peer that is still away: the row waits again as after its last real attempt, which it was not."""
    row.last_error = error
    row.next_attempt_at = utcnow() + timedelta(seconds=backoff.seconds(row.attempts))


def failed_for_good(row: OutboxRow, error: str, *, backoff: Backoff, max_attempts: int, final: bool) -> bool:
    """Record a failed attempt, already counted in `row.attempts`. True when it was the last (`final`, or no
    attempts are left): the caller gives the row up. False: the row waits out its backoff and is tried again."""
    row.last_error = error
    if final or row.attempts >= max_attempts:
        return True
    row.next_attempt_at = utcnow() + timedelta(seconds=backoff.seconds(row.attempts))
    return False


class Attempt(StrEnum):
    """What recording one send's outcome made of its row (see `record_attempt`)."""

    taken_over = "taken_over"  # the lease ran out and another deliverer has the row: nothing recorded
    probe_failed = "probe_failed"  # a probe of a peer still away: waits again, no attempt counted
    delivered = "delivered"
    retrying = "retrying"  # failed; waits out its backoff
    given_up = "given_up"  # failed for the last time


def record_attempt(
    current: Row | None,
    lease: Lease[Row],
    *,
    error: str | None,
    retryable: bool,
    probing: bool,
    backoff: Backoff,
    max_attempts: int,
) -> Attempt:
    """Record on `current` (the row as the database has it now, locked) the outcome of sending it under `lease`:
    `error` None for success. A delivered row and a given-up one leave the pending state here; the caller writes
    whatever else the outcome means to it and commits."""
    if current is None or not lease.holds(current):
        return Attempt.taken_over
    if probing and error is not None and retryable:
        probe_failed(current, error, backoff=backoff)
        return Attempt.probe_failed
    current.attempts += 1
    if error is None:
        current.state = OutboxState.delivered.value
        current.delivered_at = utcnow()
        current.last_error = None
        return Attempt.delivered
    if failed_for_good(current, error, backoff=backoff, max_attempts=max_attempts, final=not retryable):
        current.state = OutboxState.failed.value
        current.failed_at = utcnow()
        return Attempt.given_up
    return Attempt.retrying


def send_again(row: OutboxRow) -> None:
    """An operator's retry of a row given up: pending again, due now, with a fresh count of attempts."""
    row.state = OutboxState.pending.value
    row.failed_at = None
    row.attempts = 0
    row.next_attempt_at = utcnow()


class PeerWatch:
    """Noticing promptly that a peer is back.

    While a peer is away, its rows wait out their backoff, which after a long outage is a minute or more: without
    help, a peer's return would be noticed only as each row's wait ran out. So while rows wait and none is due, the
    earliest is made due every `probe_every_s` (one request to the peer, whatever the backoff), and when a retried
    row gets through, every row still waiting for that peer is made due at once.

    `waiting_for_peer` selects the pending rows bound for this peer. A row another deliverer holds under its lease
    may be made due with the others, and then be sent twice: delivery is at least once, as ever."""

    def __init__(self, table: type[Row], *waiting_for_peer: ColumnElement[bool], probe_every_s: float = 3.0) -> None:
        self.table = table
        self.conditions = waiting_for_peer
        self.probe_every_s = probe_every_s
        self._last_probe = float("-inf")

    def _waiting(self) -> tuple[ColumnElement[bool], ...]:
        return (*self.conditions, col(self.table.attempts) > 0, col(self.table.next_attempt_at) > utcnow())

    def probe(self, engine: Engine) -> Any | None:
        """If it is time to, make the earliest row waiting for the peer due now; returns its id, if there was one.
        A probe that fails is not an attempt (see `probe_failed`): probing a peer that stays away must not use up
        its rows' attempts."""
        if time.monotonic() - self._last_probe < self.probe_every_s:
            return None
        self._last_probe = time.monotonic()
        with Session(engine) as session:
            earliest = session.exec(
                select(self.table.id).where(*self._waiting()).order_by(col(self.table.next_attempt_at)).limit(1)
            ).first()
            if earliest is None:
                return None
            session.execute(update(self.table).where(col(self.table.id) == earliest).values(next_attempt_at=utcnow()))
            session.commit()
        return earliest

    def peer_is_back(self, engine: Engine, *, sparing: Lease[Any] | None = None) -> int:
        """A retried row got through: every row waiting for the peer is due now. Returns how many.

        The rows of `sparing` (the caller's own lease, still being sent) are left alone: made due, they would look
        taken over to the caller, and be sent again."""
        waiting = self._waiting()
        if sparing is not None:
            waiting = (*waiting, col(self.table.next_attempt_at) != sparing.until)
        with Session(engine) as session:
            woken = session.execute(update(self.table).where(*waiting).values(next_attempt_at=utcnow()))
            session.commit()
        return int(woken.rowcount or 0)
