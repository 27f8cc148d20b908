"""Volunteering's own table registry and the per-request session."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, SQLModel

from deal_shared.db import new_registry, upgrade_to_head
from deal_shared.sessions import get_session

table_registry = new_registry()
metadata = table_registry.metadata
ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


class Table(SQLModel, registry=table_registry):
    """Base of Volunteering's tables."""


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def migrate(database_url: str) -> None:
    upgrade_to_head(ALEMBIC_INI, database_url)
