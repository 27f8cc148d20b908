"""The per-request session every service uses: committed before the response is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import lru_cache

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from deal_shared.idempotency import PendingClaim, Replayed
from deal_shared.session_slots import BoundedLockSession, take_slot

# Where an idempotent write's key waits for the request's session (set by `deal_shared.web.idempotent`).
PENDING_CLAIM = "deal.idempotency"

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FAILED = "deal.request_failed"


def discard_changes(request: Request) -> None:
    """The request is answered with an error: its session must roll back, not commit.

    For routes that turn an error into a response of their own (Open311 answers in its own format): the session
    dependency's exit runs after the route has answered, and would otherwise commit what was written before the
    error was raised.
    """
    request.scope[_FAILED] = True


@lru_cache(maxsize=32)
def _autocommit(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def session_engine(request: Request) -> Engine:
    """The engine a request's session uses: reads on PostgreSQL run outside a transaction."""
    engine: Engine = request.app.state.engine
    if request.method in _READ_ONLY_METHODS and engine.dialect.name == "postgresql":
        # A read needs no transaction of its own: skipping BEGIN and COMMIT saves two round trips per request.
        return _autocommit(engine)
    return engine


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Opening a session does no I/O (it connects on first use), so this runs on the event loop, and so does closing
    # one with nothing left to commit or roll back; only real database work goes to the thread pool. A synchronous
    # generator would cost two thread hand-offs on every request.
    engine = session_engine(request)
    # The slot is taken before anything holds a connection or a lock, and kept until the session is closed.
    slot = await take_slot(request.app.state.engine)
    try:
        session = _new_session(engine)
        pending: PendingClaim | None = request.scope.get(PENDING_CLAIM)
        if pending is not None and pending.record is None:
            # The key is claimed before the route writes anything, in the transaction that will hold the change.
            try:
                replay = await run_in_threadpool(pending.claim_in, session)
            except BaseException:
                await run_in_threadpool(session.close)
                raise
            if replay is not None:
                await run_in_threadpool(session.close)
                raise Replayed(replay)
        try:
            yield session
        except BaseException:
            await run_in_threadpool(session.close)
            raise
        if request.scope.get(_FAILED):
            await run_in_threadpool(session.close)  # closing rolls back
        elif _nothing_to_finish(session, engine):
            session.close()
        else:
            await run_in_threadpool(_commit_and_close, session)
    finally:
        slot.release()


def _new_session(engine: Engine) -> Session:
    autocommit = engine.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if engine.dialect.name == "postgresql" and not autocommit:
        return BoundedLockSession(engine, expire_on_commit=False)
    return Session(engine, expire_on_commit=False)


def _nothing_to_finish(session: Session, engine: Engine) -> bool:
    """True when closing does no I/O: nothing was begun, the route committed, or every statement autocommitted."""
    if not session.in_transaction():
        return True
    autocommit = engine.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    return autocommit and not (session.new or session.dirty or session.deleted)
