"""What each service's db.py is made of: its own tables with the migrations that build them, and the request session."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlalchemy import MetaData, orm
from sqlmodel import Session

from deal_shared.db import new_registry, upgrade_to_head
from deal_shared.sessions import get_session

# scope="function": the commit runs before the response is sent, so a failed commit is never a 2xx.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class ServiceTables:
    """A registry no other service shares, and the service's alembic environment, which builds exactly its tables."""

    alembic_ini: Path
    registry: orm.registry = field(default_factory=new_registry)

    @classmethod
    def beside(cls, package_file: str) -> ServiceTables:
        """For the service whose package holds `package_file`: services/<name>/src/<package>/ with alembic.ini at
        services/<name>/."""
        return cls(Path(package_file).resolve().parents[2] / "alembic.ini")

    @property
    def metadata(self) -> MetaData:
        return self.registry.metadata

    def migrate(self, database_url: str) -> None:
        upgrade_to_head(self.alembic_ini, database_url)
