"""Staff absences, recorded by line managers so a volunteering request is weighed against the team's whole day."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session, select

from deal_shared.volunteering import AbsenceCreate
from volunteering.errors import AbsenceNotFound
from volunteering.models import Absence, StaffProfile


def record_absence(session: Session, *, body: AbsenceCreate, by: str) -> Absence:
    absence = Absence(**body.model_dump(), recorded_by=by)
    session.add(absence)
    session.flush()
    return absence


def get_absence(session: Session, absence_id: uuid.UUID) -> Absence:
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise AbsenceNotFound(f"No absence {absence_id}.")
    return absence


def team_away(session: Session, *, team: str, day: date, excluding: str) -> list[tuple[Absence, StaffProfile]]:
    rows = session.exec(
        select(Absence, StaffProfile)
        .join(StaffProfile, StaffProfile.subject == Absence.staff_subject)
        .where(
            StaffProfile.team == team,
            Absence.starts_on <= day,
            Absence.ends_on >= day,
            Absence.staff_subject != excluding,
        )
        .order_by(StaffProfile.name)
    )
    return [(a, p) for a, p in rows]
