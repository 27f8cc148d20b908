"""The per-request session every service uses: committed before the response is sent."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlmodel import Session


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session
        session.commit()
