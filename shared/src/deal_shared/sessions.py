"""The per-request session every service uses: committed before the response is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import lru_cache

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    # Opening a session does no I/O (it connects on first use), so this runs on the event loop; only the commit
    # goes to the thread pool. A synchronous generator would cost two thread hand-offs on every request.
    session = Session(session_engine(request), expire_on_commit=False)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(session.close)
        raise
    await run_in_threadpool(_commit_and_close, session)
