"""The dispatch board's reads: a footprint's (or team's) workers against capacity, their cases, absences and the
cases waiting for allocation; and supervision's overdue and near-due lists. Due and overdue in working time."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from deal_shared.working_time import WorkingCalendar
from footprints.caseloads import present_case
from footprints.dispatch_schemas import (
    AbsenceBrief,
    BoardCase,
    BoardTotals,
    BoardWorker,
    DispatchBoard,
    DueCases,
    TeamBrief,
)
from footprints.errors import FootprintNotFound
from footprints.models import Absence, Case, Footprint, Team, Worker
from footprints.state import OPEN_STATUSES, capacity

ABSENCE_HORIZON = timedelta(days=14)


def case_etag(case: Case) -> str:
    """Changes whenever the case changes hands, is pinned or moves on (each of which stamps `updated_at`)."""
    stamp = case.updated_at.timestamp()
    return f'"{case.id.hex[:8]}-{round(stamp * 1_000_000)}-{int(case.pinned)}"'


def board_case(case: Case, worker: Worker | None, *, calendar: WorkingCalendar, now: datetime, window_h: float):
    base = present_case(case, worker)
    left = calendar.working_hours_between(now, case.due_at) if case.due_at >= now else None
    due_in = left if left is not None else -calendar.working_hours_between(case.due_at, now)
    return BoardCase(
        **base.model_dump(),
        etag=case_etag(case),
        near_due=left is not None and left <= window_h,
        due_in_working_hours=round(due_in, 2),
    )


def _urgency(case: BoardCase) -> tuple:
    return (case.due_at, -int(case.priority == "urgent"), str(case.id))


def dispatch_board(
    session: Session,
    *,
    footprint_code: str,
    team_id: uuid.UUID | None,
    calendar: WorkingCalendar,
    now: datetime,
    window_h: float,
) -> DispatchBoard:
    footprint = session.get(Footprint, footprint_code)
    if footprint is None:
        raise FootprintNotFound(f"No footprint has code {footprint_code!r}.")
    teams = list(session.exec(select(Team).where(Team.footprint_code == footprint_code).order_by(Team.name)).all())
    chosen = next((t for t in teams if t.id == team_id), None) if team_id else None
    if team_id is not None and chosen is None:
        raise FootprintNotFound(f"Footprint {footprint_code} has no team {team_id}.")
    shown_teams = [chosen] if chosen else teams
    team_names = {t.id: t.name for t in shown_teams}
    workers = list(
        session.exec(
            select(Worker)
            .where(col(Worker.team_id).in_(list(team_names)), col(Worker.active).is_(True))
            .order_by(Worker.display_name)
        ).all()
    )
    ids = [w.id for w in workers]
    today = now.astimezone(calendar.zone).date()
    absences: dict[uuid.UUID, list[Absence]] = {}
    if ids:
        for absence in session.exec(
            select(Absence)
            .where(
                col(Absence.worker_id).in_(ids),
                Absence.ends_on >= today,
                Absence.starts_on <= today + ABSENCE_HORIZON,
            )
            .order_by(col(Absence.starts_on))
        ).all():
            absences.setdefault(absence.worker_id, []).append(absence)
    held = (
        list(session.exec(select(Case).where(col(Case.status).in_(OPEN_STATUSES), col(Case.worker_id).in_(ids))).all())
        if ids
        else []
    )
    waiting_rows = list(
        session.exec(
            select(Case).where(
                col(Case.status).in_(OPEN_STATUSES),
                col(Case.worker_id).is_(None),
                Case.footprint_code == footprint_code,
            )
        ).all()
    )
    by_id = {w.id: w for w in workers}

    def shown(case: Case) -> BoardCase:
        holder = by_id.get(case.worker_id) if case.worker_id else None
        return board_case(case, holder, calendar=calendar, now=now, window_h=window_h)

    cases_of: dict[uuid.UUID, list[BoardCase]] = {w.id: [] for w in workers}
    for case in held:
        cases_of[case.worker_id].append(shown(case))  # type: ignore[index]
    waiting = sorted((shown(c) for c in waiting_rows), key=_urgency)
    board_workers = []
    for worker in workers:
        own = sorted(cases_of[worker.id], key=_urgency)
        away = absences.get(worker.id, [])
        board_workers.append(
            BoardWorker(
                id=worker.id,
                display_name=worker.display_name,
                team_id=worker.team_id,
                team_name=team_names[worker.team_id],
                role=worker.role,
                skills=list(worker.skills),
                capacity_points=round(capacity(worker), 2),
                load_points=sum(c.effort_points for c in own),
                open_cases=len(own),
                overdue=sum(1 for c in own if c.overdue),
                near_due=sum(1 for c in own if c.near_due),
                absent_today=any(a.starts_on <= today <= a.ends_on for a in away),
                absences=[AbsenceBrief.model_validate(a, from_attributes=True) for a in away],
                cases=own,
            )
        )
    everything = [c for w in board_workers for c in w.cases] + waiting
    return DispatchBoard(
        footprint_code=footprint.code,
        footprint_name=footprint.name,
        team=TeamBrief(id=chosen.id, name=chosen.name) if chosen else None,
        teams=[TeamBrief(id=t.id, name=t.name) for t in teams],
        generated_at=now,
        near_due_working_hours=window_h,
        totals=BoardTotals(
            open_cases=len(everything),
            waiting_allocation=len(waiting),
            overdue=sum(1 for c in everything if c.overdue),
            near_due=sum(1 for c in everything if c.near_due),
            capacity_points=round(sum(w.capacity_points for w in board_workers), 2),
            load_points=sum(w.load_points for w in board_workers),
        ),
        workers=board_workers,
        waiting=waiting,
    )


def due_cases(
    session: Session,
    *,
    footprint_code: str | None,
    team_id: uuid.UUID | None,
    calendar: WorkingCalendar,
    now: datetime,
    window_h: float,
    limit: int,
) -> DueCases:
    """Open cases overdue, or due within `window_h` working hours (the window's far end found on the calendar)."""
    horizon = calendar.add_working(now, timedelta(hours=window_h))
    query = select(Case).where(col(Case.status).in_(OPEN_STATUSES))
    if footprint_code:
        query = query.where(Case.footprint_code == footprint_code)
    if team_id:
        members = select(Worker.id).where(Worker.team_id == team_id)
        query = query.where(col(Case.worker_id).in_(members))
    ordered = query.order_by(col(Case.due_at), col(Case.id)).limit(limit)
    overdue = list(session.exec(ordered.where(Case.due_at < now)).all())
    near = list(session.exec(ordered.where(Case.due_at >= now, Case.due_at <= horizon)).all())
    wanted = {c.worker_id for c in overdue + near if c.worker_id}
    holders = {w.id: w for w in session.exec(select(Worker).where(col(Worker.id).in_(wanted)))} if wanted else {}

    def shown(case: Case) -> BoardCase:
        holder = holders.get(case.worker_id) if case.worker_id else None
        return board_case(case, holder, calendar=calendar, now=now, window_h=window_h)

    return DueCases(
        generated_at=now,
        near_due_working_hours=window_h,
        overdue=[shown(c) for c in overdue],
        near_due=[shown(c) for c in near],
    )
