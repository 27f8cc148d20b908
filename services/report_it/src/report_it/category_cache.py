"""The category catalogue as the hot paths read it (report intake and the nearby lookup): a `RowSnapshot`."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from report_it.errors import CategoryNotFound
from report_it.models import Category
from report_it.snapshot import RowSnapshot


class CategoryCache:
    def __init__(self, engine: Engine, *, ttl_seconds: float = 5.0) -> None:
        self._snapshot = RowSnapshot(
            engine, select(Category), lambda rows: {row.code: row for row in rows}, ttl_seconds=ttl_seconds
        )

    def get(self, code: str) -> Category:
        """The category with `code`, detached from any session: read it, never change it."""
        category = self._snapshot.get().get(code)
        if category is None:
            # A category added a moment ago by another process is worth one more look before saying no.
            category = self._snapshot.reload(unless_younger_than=1.0).get(code)
        if category is None:
            raise CategoryNotFound(f"There is no category with code {code!r}.", category=code)
        return category

    def invalidate(self) -> None:
        self._snapshot.invalidate()
