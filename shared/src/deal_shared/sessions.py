"""The per-request session every service uses: committed before the response is sent."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@lru_cache(maxsize=32)
def _autocommit(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def get_session(request: Request) -> Iterator[Session]:
    engine: Engine = request.app.state.engine
    if request.method in _READ_ONLY_METHODS and engine.dialect.name == "postgresql":
        # A read needs no transaction of its own: skipping BEGIN and COMMIT saves two round trips per request.
        engine = _autocommit(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.commit()
