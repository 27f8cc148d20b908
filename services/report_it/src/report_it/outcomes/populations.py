"""Ward populations: the shipped illustrative set, and importing the council's own (ONS mid-year estimates)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, select

from report_it.outcomes.models import WardPopulation

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "ward_populations.csv"
_REQUIRED = ("ward_code", "ward_name", "footprint_code", "population")


class PopulationFileError(ValueError):
    """A population file that cannot be imported; the message names the line and field."""


def parse(text: str, *, source: str | None = None, year: int | None = None) -> list[WardPopulation]:
    """Rows of a CSV (lines starting with '#' are comments); `source` and `year` fill or replace its own."""
    body = io.StringIO("".join(line for line in io.StringIO(text) if not line.startswith("#")))
    reader = csv.DictReader(body)
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise PopulationFileError(f"The file has no column {', '.join(missing)}.")
    wards: dict[str, WardPopulation] = {}
    for number, row in enumerate(reader, start=2):
        code = (row["ward_code"] or "").strip()
        try:
            population = int(row["population"])
        except (TypeError, ValueError):
            raise PopulationFileError(
                f"Line {number}: population {row['population']!r} is not a whole number."
            ) from None
        if not code or population <= 0:
            raise PopulationFileError(f"Line {number}: a ward needs a code and a population above 0.")
        if code in wards:
            raise PopulationFileError(f"Line {number}: ward {code} appears twice.")
        row_year = (row.get("year") or "").strip()
        wards[code] = WardPopulation(
            ward_code=code,
            ward_name=(row["ward_name"] or code).strip(),
            footprint_code=(row["footprint_code"] or "").strip(),
            population=population,
            year=year if year is not None else int(row_year) if row_year else None,
            source=source or (row.get("source") or "").strip() or "unstated",
        )
    if not wards:
        raise PopulationFileError("The file has no wards.")
    return list(wards.values())


def replace(session: Session, wards: list[WardPopulation], *, illustrative: bool) -> int:
    session.execute(delete(WardPopulation))
    for ward in wards:
        ward.illustrative = illustrative
        session.add(ward)
    return len(wards)


def seed_populations(session: Session) -> int:
    """Load the shipped illustrative populations into an empty table; returns how many were added."""
    if session.exec(select(WardPopulation.ward_code).limit(1)).first() is not None:
        return 0
    return replace(session, parse(SHIPPED.read_text(encoding="utf-8")), illustrative=True)
