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
    """For a footprint (one team of it, if `team_id` is given): each worker with their cases and load, and the cases
    waiting for a worker, each marked overdue or near due in working hours (`near_due_working_hours`, by default the
    service's setting).
    """
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
    """Open cases past their due time or due within the window, counted in working hours of the council's calendar, most
    urgent first; narrowed by footprint or team, at most `limit` (1 to 500).
    """
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
    """A team leader of the case's footprint (or a manager) gives an open case to another worker, or back to waiting
    with no `worker_id`, with a reason; `pin` keeps it there. Send the case's `ETag` as `If-Match`: a case changed
    since is 412 `StaleVersion` with how it stands now. The worker must be able to take it (skill, availability,
    capacity).
    """
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
    """Absences in the footprint that end on or after `from` (default today), earliest first, with each worker's name
    and team; at most 500.
    """
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
    """A team leader of the worker's team (or a manager) removes an absence recorded in error; the worker's cases are
    not moved back. 404 `AbsenceNotFound`.
    """
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
    """Solves a rebalance of the footprint as `POST /v1/rebalance-runs` does but moves nothing: the moves it would make
    are stored as a proposal, each with its cost terms, for a team leader to accept or drop. The time budget defaults
    to at most 10 s.
    """
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
    """Proposals for the footprint with moves still waiting for a decision, newest first, at most 20."""
    return [dispatch.present_proposal(r) for r in dispatch.open_proposals(session, footprint=footprint)]


@router.get(
    "/rebalance-proposals/{proposal_id}", response_model=ProposalPublic, summary="One rebalance proposal and its moves"
)
def get_proposal(proposal_id: uuid.UUID, session: SessionDep, _: StaffPrincipal) -> ProposalPublic:
    """A proposal, its certificate and each proposed move with its decision (none yet, `accepted`, `dropped` or
    `stale`); 404 `RunNotFound` when none has that id.
    """
    return dispatch.present_proposal(dispatch.get_proposal(session, proposal_id))


@router.post(
    "/rebalance-proposals/{proposal_id}/decisions",
    response_model=ProposalPublic,
    summary="Accept or drop moves; each accepted move is made only if the case is still where it was",
)
def decide(
    proposal_id: uuid.UUID, body: ProposalDecisions, session: SessionDep, principal: LeaderPrincipal
) -> ProposalPublic:
    """A team leader of the proposal's footprint (or a manager) accepts some moves and drops others. An accepted move is
    made only if the case still has the worker it had when proposed and the new worker can still take it; otherwise
    it is marked `stale` with the reason. A decided move is never decided again.
    """
    run = dispatch.get_proposal(session, proposal_id, lock=True)
    if not principal.has_any(Role.manager, Role.admin):
        require_manages_footprint(session, principal, run.scope)
    accept, drop = set(body.accept), set(body.drop)
    decided = dispatch.decide(session, run, accept=accept, drop=drop - accept, principal=principal)
    return dispatch.present_proposal(decided)
