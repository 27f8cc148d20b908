"""The `report-it` commands for outcomes: import the council's ward populations, rebuild the rollups."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from deal_shared.working_time import WorkingCalendar
from report_it.config import Settings
from report_it.outcomes.populations import parse, replace
from report_it.outcomes.refresh import rebuild


def import_populations(settings: Settings, path: Path, *, source: str | None, year: int | None) -> int:
    wards = parse(path.read_text(encoding="utf-8"), source=source, year=year)
    engine = settings.database_engine()
    try:
        with Session(engine) as session:
            count = replace(session, wards, illustrative=False)
            session.commit()
    finally:
        engine.dispose()
    return count


def rebuild_outcomes(settings: Settings) -> int:
    engine = settings.database_engine()
    try:
        with Session(engine) as session:
            count = rebuild(session, calendar=WorkingCalendar.from_settings(settings.working_time))
            session.commit()
    finally:
        engine.dispose()
    return count
