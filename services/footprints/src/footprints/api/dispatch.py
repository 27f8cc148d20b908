"""The dispatch board and supervision lists; reassigning a case; absences; rebalance proposals to accept or drop."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from sqlmodel import col, select

from deal_shared.auth import Role
from deal_shared.db import utcnow
from deal_shared.moments import ClientDate
from footprints import board as boards
from footprints import dispatch
from footprints.api.deps import CalendarDep, IdempotentRoute, LeaderPrincipal, SettingsDep, StaffPrincipal
from footprints.board import case_etag
from footprints.cases import get_case
from footprints.db import SessionDep
from footprints.dispatch_schemas import (
    AbsenceRow,
    BoardCase,
    DispatchBoard,
    DueCases,
    ProposalDecisions,
    ProposalPublic,
    ProposalRequest,
    ReassignRequest,
)
from footprints.errors import AbsenceNotFound, FootprintNotFound
from footprints.models import Absence, Footprint, Team, Worker
from footprints.people import get_worker, require_manages_footprint, require_manages_team
from footprints.state import cost_model

router = APIRouter(route_class=IdempotentRoute, prefix="/v1", tags=["dispatch"])
Window = Annotated[float | None, Query(gt=0, le=400, description="Near-due window in working hours (default a day)")]


def _window(calendar, hours: float | None) -> float:
    return hours if hours is not None else calendar.day_length.total_seconds() / 3600


@router.get(
    "/dispatch-board/{footprint_code}",
    response_model=DispatchBoard,
    summary="A footprint's dispatch board: workers, their cases and the unallocated",
)
def dispatch_board(
    footprint_code: str,
    session: SessionDep,
    calendar: CalendarDep,
    _: StaffPrincipal,
    team_id: uuid.UUID | None = None,
    near_due_working_hours: Window = None,
) -> DispatchBoard:
    return boards.dispatch_board(
        session,
        footprint_code=footprint_code,
        team_id=team_id,
        calendar=calendar,
        now=utcnow(),
        window_h=_window(calendar, near_due_working_hours),
    )


@router.get("/due-cases", response_model=DueCases, summary="Overdue and near-due open cases, in working time")
def due_cases(
    session: SessionDep,
    calendar: CalendarDep,
    _: StaffPrincipal,
    footprint: str | None = None,
    team_id: uuid.UUID | None = None,
    near_due_working_hours: Window = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DueCases:
    if footprint is not None and session.get(Footprint, footprint) is None:
        raise FootprintNotFound(f"No footprint has code {footprint!r}.")
    return boards.due_cases(
        session,
        footprint_code=footprint,
        team_id=team_id,
        calendar=calendar,
        now=utcnow(),
        window_h=_window(calendar, near_due_working_hours),
        limit=limit,
    )


@router.post("/cases/{case_id}/reassign", response_model=BoardCase, summary="Hand a case on (or pin it), with why")
def reassign_case(
    case_id: uuid.UUID,
    body: ReassignRequest,
    response: Response,
    session: SessionDep,
    calendar: CalendarDep,
    principal: LeaderPrincipal,
    if_match: Annotated[str, Header(description="The case's etag as you saw it")] = "",
) -> BoardCase:
    case = get_case(session, case_id)
    require_manages_footprint(session, principal, case.footprint_code)
    worker = get_worker(session, body.worker_id) if body.worker_id else None
    dispatch.reassign(session, case, body=body, worker=worker, principal=principal, if_match=if_match)
    session.flush()
    response.headers["ETag"] = case_etag(case)
    return boards.board_case(case, worker, calendar=calendar, now=utcnow(), window_h=_window(calendar, None))


@router.get("/absences", response_model=list[AbsenceRow], summary="Who is away in a footprint, from a day on")
def list_absences(
    session: SessionDep,
    _: StaffPrincipal,
    footprint: str,
    from_day: Annotated[ClientDate | None, Query(alias="from")] = None,
) -> list[AbsenceRow]:
    day = from_day or utcnow().date()
    rows = session.exec(
        select(Absence, Worker)
        .join(Worker, col(Worker.id) == Absence.worker_id)
        .join(Team, col(Team.id) == Worker.team_id)
        .where(Team.footprint_code == footprint, Absence.ends_on >= day)
        .order_by(col(Absence.starts_on), Worker.display_name)
        .limit(500)
    ).all()
    return [
        AbsenceRow(
            **a.model_dump(include={"id", "worker_id", "kind", "starts_on", "ends_on", "note", "created_by"}),
            worker_name=w.display_name,
            team_id=w.team_id,
        )
        for a, w in rows
    ]


@router.delete("/absences/{absence_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Withdraw an absence")
def delete_absence(absence_id: uuid.UUID, session: SessionDep, principal: LeaderPrincipal) -> Response:
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise AbsenceNotFound(f"No absence has id {absence_id}.")
    require_manages_team(session, principal, get_worker(session, absence.worker_id).team_id)
    session.delete(absence)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/rebalance-proposals",
    response_model=ProposalPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Solve a rebalance of a footprint; its moves wait to be accepted or dropped",
)
def propose(
    body: ProposalRequest, session: SessionDep, principal: LeaderPrincipal, settings: SettingsDep
) -> ProposalPublic:
    if session.get(Footprint, body.footprint_code) is None:
        raise FootprintNotFound(f"No footprint has code {body.footprint_code!r}.")
    require_manages_footprint(session, principal, body.footprint_code)
    run = dispatch.propose(
        session,
        costs=cost_model(settings, fair=body.fair),
        footprint=body.footprint_code,
        time_budget_s=body.time_budget_s or min(settings.rebalance_time_budget_s, 10.0),
        actor=principal.subject,
    )
    return dispatch.present_proposal(run)


@router.get("/rebalance-proposals", response_model=list[ProposalPublic], summary="A footprint's undecided proposals")
def list_proposals(session: SessionDep, _: StaffPrincipal, footprint: str) -> list[ProposalPublic]:
    return [dispatch.present_proposal(r) for r in dispatch.open_proposals(session, footprint=footprint)]


@router.get(
    "/rebalance-proposals/{proposal_id}", response_model=ProposalPublic, summary="One rebalance proposal and its moves"
)
def get_proposal(proposal_id: uuid.UUID, session: SessionDep, _: StaffPrincipal) -> ProposalPublic:
    return dispatch.present_proposal(dispatch.get_proposal(session, proposal_id))


@router.post(
    "/rebalance-proposals/{proposal_id}/decisions",
    response_model=ProposalPublic,
    summary="Accept or drop moves; each accepted move is made only if the case is still where it was",
)
def decide(
    proposal_id: uuid.UUID, body: ProposalDecisions, session: SessionDep, principal: LeaderPrincipal
) -> ProposalPublic:
    run = dispatch.get_proposal(session, proposal_id, lock=True)
    if not principal.has_any(Role.manager, Role.admin):
        require_manages_footprint(session, principal, run.scope)
    accept, drop = set(body.accept), set(body.drop)
    decided = dispatch.decide(session, run, accept=accept, drop=drop - accept, principal=principal)
    return dispatch.present_proposal(decided)
