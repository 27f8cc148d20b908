"""Rows that change rarely but are read on every report, kept in-process for a few seconds.

Report intake and the nearby lookup read the category catalogue, and every report and update asks which webhooks
hear of it. Both change a few times a year, so reading them from the database on each request is a round trip spent
on nothing. A change made through this process is seen at once (its endpoint calls `invalidate` after committing);
one made through another instance of the service within `ttl_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

Shaped = TypeVar("Shaped")


class RowSnapshot(Generic[Shaped]):
    """What `query` returns, detached from any session and shaped by `shape`: read it, never change it."""

    def __init__(
        self,
        engine: Engine,
        query: SelectOfScalar[Any],
        shape: Callable[[list[Any]], Shaped],
        *,
        ttl_seconds: float = 5.0,
    ) -> None:
        self.engine = engine
        self.query = query
        self.shape = shape
        self.ttl_seconds = ttl_seconds
        self._value: Shaped = shape([])
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    @property
    def age_seconds(self) -> float:
        return time.monotonic() - self._loaded_at

    def get(self) -> Shaped:
        if self.age_seconds < self.ttl_seconds:
            return self._value
        return self.reload(unless_younger_than=self.ttl_seconds)

    def reload(self, *, unless_younger_than: float = 0.0) -> Shaped:
        with self._lock:
            if self.age_seconds < unless_younger_than:
                return self._value  # another thread loaded it while this one waited
            started = time.monotonic()
            with Session(self.engine, expire_on_commit=False) as session:
                rows = list(session.exec(self.query).all())
                session.expunge_all()
            self._value = self.shape(rows)
            self._loaded_at = started
            return self._value

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")
