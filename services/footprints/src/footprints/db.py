"""Footprints's own table registry and the per-request session."""

from __future__ import annotations

from sqlmodel import SQLModel

from deal_shared.service_db import ServiceTables, SessionDep

__all__ = ["ALEMBIC_INI", "SessionDep", "Table", "metadata", "migrate", "tables"]

tables = ServiceTables.beside(__file__)
ALEMBIC_INI = tables.alembic_ini
metadata = tables.metadata
migrate = tables.migrate


class Table(SQLModel, registry=tables.registry):
    """Base of Footprints's tables."""
