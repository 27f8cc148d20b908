"""Caseload views per footprint, team and worker: open cases, effort against capacity, ageing, overdue, waiting."""

from __future__ import annotations

from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.footprints import Caseload, CaseloadCase, CaseStatus, Location, WorkerRef
from footprints.models import Case, Worker
from footprints.state import OPEN_STATUSES, capacity

AGE_BANDS = (("0-2d", 2), ("3-7d", 7), ("8-28d", 28), ("29d+", None))


def _band(age_days: float) -> str:
    for name, limit in AGE_BANDS:
        if limit is None or age_days < limit + 1:
            return name
    return AGE_BANDS[-1][0]


def present_case(case: Case, worker: Worker | None) -> CaseloadCase:
    now = utcnow()
    return CaseloadCase(
        id=case.id,
        source_system=case.source_system,
        source_id=case.source_id,
        title=case.title,
        category=case.category,
        skill=case.skill,
        priority=case.priority,
        effort_points=case.effort_points,
        status=CaseStatus(case.status),
        location=Location(lat=case.lat, long=case.long),
        footprint_code=case.footprint_code,
        ward_code=case.ward_code,
        worker=WorkerRef(id=worker.id, display_name=worker.display_name) if worker else None,
        pinned=case.pinned,
        opened_at=case.opened_at,
        due_at=case.due_at,
        allocated_at=case.allocated_at,
        age_days=round((now - case.opened_at).total_seconds() / 86400, 2),
        overdue=case.due_at < now,
    )


def caseload(
    session: Session, *, scope: str, key: str, name: str, cases: list[Case], workers: list[Worker]
) -> Caseload:
    by_id = {w.id: w for w in session.exec(select(Worker)).all()}
    shown = [present_case(c, by_id.get(c.worker_id) if c.worker_id else None) for c in cases]
    ageing = {band: 0 for band, _ in AGE_BANDS}
    for case in shown:
        ageing[_band(case.age_days)] += 1
    total_capacity = sum(capacity(w) for w in workers if w.active)
    load = sum(c.effort_points for c in cases if c.worker_id is not None)
    return Caseload(
        scope=scope,
        key=key,
        name=name,
        capacity_points=round(total_capacity, 2),
        load_points=load,
        utilisation=round(load / total_capacity, 4) if total_capacity > 0 else None,
        open_cases=len(shown),
        waiting_allocation=sum(1 for c in shown if c.worker is None),
        overdue=sum(1 for c in shown if c.overdue),
        ageing=ageing,
        cases=sorted(shown, key=lambda c: (c.due_at, str(c.id))),
    )


def open_cases_where(session: Session, *conditions) -> list[Case]:
    return list(session.exec(select(Case).where(col(Case.status).in_(OPEN_STATUSES), *conditions)).all())
