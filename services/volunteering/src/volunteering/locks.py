"""Row locks that serialise bookings: SELECT ... FOR UPDATE on PostgreSQL, the database write lock on SQLite."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session, select

T = TypeVar("T")


def lock_row(session: Session, model: type[T], key_column: Any, key: Any) -> T | None:
    """Load one row for update, so concurrent writers touching it queue behind this transaction.

    SQLite has no row locks: a no-op UPDATE takes the database's single write lock first, so every later read in
    this transaction sees a state no other writer can change before we commit.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.exec(update(model).where(key_column == key).values({key_column.key: key_column}))  # type: ignore[call-overload]
    query = select(model).where(key_column == key).with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()
