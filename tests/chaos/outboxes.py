"""How many messages each service's outbox still holds, read whichever shape its table has: a `state` column, or the
older `delivered_at` / `failed_at` pair (kept apart here so that a schema change touches one function)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

# Each service's outbox table, by the database it lives in.
TABLES = {"report_it": "outbox_message", "footprints": "outbox_event"}


@dataclass(frozen=True)
class OutboxCount:
    pending: int
    failed: int


def _columns(engine: Engine, table: str) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"), {"t": table}
        )
        return {row[0] for row in rows}


def count(engine: Engine, table: str) -> OutboxCount:
    columns = _columns(engine, table)
    if "state" in columns:
        pending, failed = "state = 'pending'", "state = 'failed'"
    else:
        pending, failed = "delivered_at IS NULL AND failed_at IS NULL", "failed_at IS NOT NULL"
    with engine.connect() as connection:
        row = connection.execute(
            text(f"SELECT count(*) FILTER (WHERE {pending}), count(*) FILTER (WHERE {failed}) FROM {table}")
        ).one()
    return OutboxCount(pending=row[0], failed=row[1])
