"""Alembic environment for Volunteering's database."""

from deal_shared.migrations import run_migrations
from volunteering.db import metadata

run_migrations(metadata, lock_name="volunteering_migrations")
