"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from footprints import models  # noqa: F401 - registers the tables
from footprints.db import tables
from tests.support.migrations import migration_drift


def test_models_and_migrations_do_not_drift(database_factory) -> None:
    assert migration_drift(tables, database_factory("footprints_drift")) == []
