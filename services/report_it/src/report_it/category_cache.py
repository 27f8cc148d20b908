"""An in-process copy of the category catalogue for the hot paths (report intake and the nearby lookup).

Categories change a few times a year and are read on every report, so each request reading its category from the
database is a round trip spent on nothing. Edits made through this process are seen at once (the edit endpoints
call `invalidate` after committing); an edit made through another process is seen within `ttl_seconds`.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine
from sqlmodel import Session, select

from report_it.errors import CategoryNotFound
from report_it.models import Category


class CategoryCache:
    def __init__(self, engine: Engine, *, ttl_seconds: float = 5.0) -> None:
        self.engine = engine
        self.ttl_seconds = ttl_seconds
        self._by_code: dict[str, Category] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def get(self, code: str) -> Category:
        """The category with `code`, detached from any session: read it, never change it."""
        by_code = self._current()
        category = by_code.get(code)
        if category is None and time.monotonic() - self._loaded_at > 1.0:
            # A category added a moment ago by another process is worth one more look before saying no.
            category = self._load(force=True).get(code)
        if category is None:
            raise CategoryNotFound(f"There is no category with code {code!r}.", category=code)
        return category

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def _current(self) -> dict[str, Category]:
        if time.monotonic() - self._loaded_at < self.ttl_seconds:
            return self._by_code
        return self._load(force=False)

    def _load(self, *, force: bool) -> dict[str, Category]:
        with self._lock:
            if not force and time.monotonic() - self._loaded_at < self.ttl_seconds:
                return self._by_code  # another thread loaded it while this one waited
            started = time.monotonic()
            with Session(self.engine, expire_on_commit=False) as session:
                rows = list(session.exec(select(Category)).all())
                session.expunge_all()
            self._by_code = {row.code: row for row in rows}
            self._loaded_at = started
            return self._by_code
