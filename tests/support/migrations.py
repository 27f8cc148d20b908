"""The drift check every service runs: migrate a fresh database, then compare it with the tables the models
describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from deal_shared.db import make_engine
from deal_shared.service_db import ServiceTables


def migration_drift(tables: ServiceTables, url: str) -> list[Any]:
    """What the models have that the migrated database at `url` lacks, or the other way round (empty: no drift).

    The caller imports its models first, so that every table is registered."""
    tables.migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, tables.metadata))
    finally:
        engine.dispose()
