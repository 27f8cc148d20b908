"""A service's database for a test or a benchmark: migrated, then seeded."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from deal_shared.db import make_engine


def seeded(url: str, migrate: Callable[[str], object], *seeds: Callable[[Session], object]) -> str:
    """Migrate the database at `url`, run each seed on it in one transaction, and return `url`."""
    migrate(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for seed in seeds:
                seed(session)
            session.commit()
    finally:
        engine.dispose()
    return url
