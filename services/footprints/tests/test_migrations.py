"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from deal_shared.db import make_engine
from footprints import models  # noqa: F401 - registers the tables
from footprints.db import metadata, migrate


def test_models_and_migrations_do_not_drift(database_factory) -> None:
    url = database_factory("footprints_drift")
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    assert diff == []
