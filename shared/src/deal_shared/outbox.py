"""What every service's outbox delivery shares: claiming the due rows, and the backoff and last attempt of a failed
one. Each service keeps its own outbox table and decides what sending a row means and when a failure is final."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from deal_shared.db import utcnow


class OutboxRow(Protocol):
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


Row = TypeVar("Row", bound=OutboxRow)


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


def failed_for_good(row: OutboxRow, error: str, *, backoff: Backoff, max_attempts: int, final: bool) -> bool:
    """Record a failed attempt, already counted in `row.attempts`. True when it was the last (`final`, or no
    attempts are left): the caller gives the row up. False: the row waits out its backoff and is tried again."""
    row.last_error = error
    if final or row.attempts >= max_attempts:
        return True
    row.next_attempt_at = utcnow() + timedelta(seconds=backoff.seconds(row.attempts))
    return False
