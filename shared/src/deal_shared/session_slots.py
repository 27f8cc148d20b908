"""How many requests may hold a database session at once, and how long one waits for its turn or for a row lock.

A request's session keeps its connection, and from its first locking statement its row locks, from the key claim
through the route to the commit, and each of those steps waits for a worker thread. If more requests hold sessions
than there are threads, the threads can all be taken by requests waiting on a lock whose holder is itself waiting
for a thread to commit in: nothing moves again. So a request waits for a slot first, on the event loop, holding no
thread, connection or lock; there are never more slots than connections, nor more than half the threads, so a
holder always finds both. A request that waits too long for a slot, or for another request's row lock, is told the
service is busy (503, Retry-After) and saves nothing.
"""

from __future__ import annotations

import asyncio
import weakref

import anyio
import anyio.to_thread
from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from deal_shared.errors import ServiceError

# Longer than the busiest ordinary queue takes to drain, shorter than a phone's patience with one attempt (5 s).
SLOT_WAIT_S = 3.0
LOCK_WAIT_MS = 3000
RETRY_AFTER_S = 1


class ServiceBusy(ServiceError):
    status_code = 503
    title = "Busy just now"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, saved="no")
        self.headers = {"Retry-After": str(RETRY_AFTER_S)}


def slot_count(engine: Engine) -> int:
    """No more slots than connections (each slot may hold one), nor than half the worker threads."""
    threads = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
    slots = threads // 2
    pool = engine.pool
    if isinstance(pool, QueuePool) and pool._max_overflow >= 0:  # a negative overflow has no limit
        slots = min(slots, pool.size() + pool._max_overflow)
    return max(1, slots)


# One gate per engine and event loop: tests serve one app from several loops in turn.
_gates: weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, anyio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _gate(engine: Engine) -> anyio.Semaphore:
    loop = asyncio.get_running_loop()
    held = _gates.get(engine)
    if held is None or held[0] is not loop:
        held = (loop, anyio.Semaphore(slot_count(engine)))
        _gates[engine] = held
    return held[1]


async def take_slot(engine: Engine) -> anyio.Semaphore:
    """One of `engine`'s session slots, to release when the session is closed; ServiceBusy after SLOT_WAIT_S."""
    gate = _gate(engine)
    # Only the wait is timed: the request's own work runs outside this scope.
    with anyio.move_on_after(SLOT_WAIT_S):
        await gate.acquire()
        return gate
    raise ServiceBusy(
        f"Every database connection has been busy for {SLOT_WAIT_S:g} s; nothing was saved. Retry in a moment."
    )


class BoundedLockSession(Session):
    """A request's write session on PostgreSQL: a statement waiting for a lock gives up after LOCK_WAIT_MS."""


@event.listens_for(BoundedLockSession, "after_begin")
def _bound_lock_waits(_session: Session, _transaction: object, connection) -> None:
    # SET LOCAL ends with the transaction, so the pooled connection goes back as it came.
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}")
