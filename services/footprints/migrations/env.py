"""Alembic environment for Footprints's database."""

from deal_shared.migrations import run_migrations
from footprints import models  # noqa: F401 - registers the tables
from footprints.db import metadata

run_migrations(metadata, lock_name="footprints_migrations")
