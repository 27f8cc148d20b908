"""Teams, workers and absences (an absence repairs the caseload at once)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from sqlmodel import select

from deal_shared.auth import Principal, Role
from footprints.api.deps import IdempotentRoute, LeaderPrincipal, SettingsDep, StaffPrincipal
from footprints.db import SessionDep
from footprints.errors import FootprintNotFound, InvalidAbsence, NotYourTeam, WorkerExists
from footprints.models import Footprint, Team, Worker
from footprints.people import MANAGERS, get_team, get_worker, led_team_ids, require_manages_team
from footprints.rebalance import add_absence
from footprints.schemas import (
    AbsenceCreate,
    AbsencePublic,
    RunPublic,
    TeamCreate,
    TeamPublic,
    WorkerCreate,
    WorkerPublic,
)
from footprints.state import capacity, cost_model

router = APIRouter(route_class=IdempotentRoute, prefix="/v1", tags=["people"])


# A home position to 0.01 degree (about 1.1 km north-south, 0.7 km east-west here): enough to see which part of a
# footprint someone starts from, not which house.
COARSE_DECIMALS = 2


def present_worker(worker: Worker, *, exact_home: bool) -> WorkerPublic:
    """A worker as shown; the home position exactly only to those who manage the worker's team."""
    fields = {**worker.model_dump(), "capacity_points": round(capacity(worker), 2)}
    if not exact_home:
        fields["home_lat"] = round(worker.home_lat, COARSE_DECIMALS)
        fields["home_long"] = round(worker.home_long, COARSE_DECIMALS)
    return WorkerPublic.model_validate(fields)


def _shows_exact_home(principal: Principal, led: set[uuid.UUID], worker: Worker) -> bool:
    return principal.has_any(*MANAGERS) or worker.team_id in led


@router.post(
    "/teams",
    response_model=TeamPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Manager: add a team to a footprint",
)
def create_team(body: TeamCreate, session: SessionDep, principal: LeaderPrincipal) -> TeamPublic:
    """Managers and administrators add a joint team to a footprint; a team leader gets 403 `NotYourTeam`, an unknown
    footprint 404 `FootprintNotFound`.
    """
    if not principal.has_any(Role.manager, Role.admin):
        raise NotYourTeam("Only managers create teams.")
    if session.get(Footprint, body.footprint_code) is None:
        raise FootprintNotFound(f"No footprint has code {body.footprint_code!r}.")
    team = Team(name=body.name, footprint_code=body.footprint_code)
    session.add(team)
    session.flush()
    return TeamPublic.model_validate(team, from_attributes=True)


@router.get("/teams", response_model=list[TeamPublic], summary="The teams, by name")
def list_teams(session: SessionDep, _: StaffPrincipal) -> list[TeamPublic]:
    """Every team with its footprint; for any member of staff."""
    teams = session.exec(select(Team).order_by(Team.name)).all()
    return [TeamPublic.model_validate(t, from_attributes=True) for t in teams]


@router.post(
    "/workers",
    response_model=WorkerPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Team leader: add a worker to a team they manage",
)
def create_worker(body: WorkerCreate, session: SessionDep, principal: LeaderPrincipal) -> WorkerPublic:
    """A team leader adds a worker (identity provider subject, skills, FTE, capacity, home base) to their own team;
    managers to any team. A subject that already has a worker record is 409 `WorkerExists`.
    """
    get_team(session, body.team_id)
    require_manages_team(session, principal, body.team_id)
    if session.exec(select(Worker).where(Worker.subject == body.subject)).first() is not None:
        raise WorkerExists(f"A worker record already belongs to {body.subject}.")
    worker = Worker(**body.model_dump(mode="python"))
    session.add(worker)
    session.flush()
    return present_worker(worker, exact_home=True)


@router.get("/workers", response_model=list[WorkerPublic], summary="The workers (of one team, if given), by name")
def list_workers(
    session: SessionDep, principal: StaffPrincipal, team_id: uuid.UUID | None = None
) -> list[WorkerPublic]:
    """Workers with their skills and capacity. A worker's home base is shown exactly only to the team leaders of their
    team, managers and administrators; others see it rounded.
    """
    query = select(Worker).order_by(Worker.display_name)
    if team_id is not None:
        query = query.where(Worker.team_id == team_id)
    led = led_team_ids(session, principal)
    return [present_worker(w, exact_home=_shows_exact_home(principal, led, w)) for w in session.exec(query).all()]


@router.post(
    "/workers/{worker_id}/absences",
    response_model=AbsencePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Team leader: record a worker's absence; their cases are reallocated",
)
def create_absence(
    worker_id: uuid.UUID, body: AbsenceCreate, session: SessionDep, principal: LeaderPrincipal, settings: SettingsDep
) -> AbsencePublic:
    """A team leader of the worker's team (or a manager) records leave, sickness or training (`kind`). The worker's open
    cases that fall in the absence are repaired at once: moved to other eligible workers, or reported unplaced; the
    answer carries the repair run and its certificate. An absence ending before it starts is 422 `InvalidAbsence`.
    """
    worker = get_worker(session, worker_id)
    require_manages_team(session, principal, worker.team_id)
    if body.ends_on < body.starts_on:
        raise InvalidAbsence("An absence cannot end before it starts.")
    absence, run = add_absence(
        session,
        worker,
        kind=body.kind.value,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        note=body.note,
        actor=principal.subject,
        costs=cost_model(settings),
        time_budget_s=settings.rebalance_time_budget_s,
    )
    return AbsencePublic(
        id=absence.id,
        worker_id=worker.id,
        kind=body.kind,
        starts_on=absence.starts_on,
        ends_on=absence.ends_on,
        note=absence.note,
        repair=RunPublic.model_validate(run, from_attributes=True),
    )
