"""The allocation model's view of the database: workers with capacity and absences, open cases, loads."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from deal_shared.report_it import PRIORITY_RANK, Priority
from footprints.allocation.problem import CaseItem, CostModel, WorkerState
from footprints.config import Settings
from footprints.models import Absence, Case, Team, Worker

OPEN_STATUSES = ("open", "in_progress")


def cost_model(settings: Settings, *, fair: bool | None = None) -> CostModel:
    return CostModel(
        lending_radius_m=settings.lending_radius_m,
        lending_penalty_m=settings.lending_penalty_m,
        repair_lending_radius_m=settings.repair_lending_radius_m,
        move_penalty_m=settings.move_penalty_m,
        fair=settings.fair_mode if fair is None else fair,
        fairness_m=settings.fairness_m,
        online_load_m=settings.online_load_m,
    )


def capacity(worker: Worker) -> float:
    """Contracted points of work, pro rata by FTE."""
    return worker.full_time_points * worker.fte


def worker_states(session: Session, *, today: date) -> list[WorkerState]:
    teams = {t.id: t for t in session.exec(select(Team)).all()}
    absences: dict = {}
    for absence in session.exec(select(Absence).where(Absence.ends_on >= today)).all():
        absences.setdefault(absence.worker_id, []).append((absence.starts_on, absence.ends_on))
    return [
        WorkerState(
            id=w.id,
            footprint=teams[w.team_id].footprint_code,
            skills=frozenset(w.skills),
            lat=w.home_lat,
            long=w.home_long,
            capacity=capacity(w),
            absences=tuple(absences.get(w.id, ())),
            name=w.display_name,
        )
        for w in session.exec(select(Worker).where(col(Worker.active).is_(True)).order_by(Worker.display_name)).all()
    ]


def case_item(case: Case) -> CaseItem:
    return CaseItem(
        id=case.id,
        skill=case.skill,
        effort=case.effort_points,
        lat=case.lat,
        long=case.long,
        footprint=case.footprint_code,
        due=case.due_at.date(),
        priority_rank=PRIORITY_RANK.get(Priority(case.priority), 1),
        current=case.worker_id,
        # Work already under way stays with whoever started it.
        pinned=case.pinned or case.status == "in_progress",
    )


def open_cases(session: Session, *, footprint: str | None = None) -> list[Case]:
    query = select(Case).where(col(Case.status).in_(OPEN_STATUSES))
    if footprint:
        query = query.where(Case.footprint_code == footprint)
    return list(session.exec(query.order_by(col(Case.opened_at), col(Case.id))).all())


def loads(session: Session) -> dict:
    rows = session.exec(
        select(Case.worker_id, func.sum(Case.effort_points))
        .where(col(Case.status).in_(OPEN_STATUSES), col(Case.worker_id).is_not(None))
        .group_by(Case.worker_id)
    ).all()
    return {worker_id: float(total) for worker_id, total in rows}
