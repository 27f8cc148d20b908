"""Caseload views as JSON, for the field app and the dashboards."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlmodel import select

from deal_shared.footprints import Caseload
from footprints.api.deps import IdempotentRoute, StaffPrincipal
from footprints.caseloads import caseload, open_cases_where
from footprints.db import SessionDep
from footprints.errors import FootprintNotFound
from footprints.models import Case, Footprint, Team, Worker
from footprints.people import get_team, get_worker, worker_for

router = APIRouter(route_class=IdempotentRoute, prefix="/v1/caseloads", tags=["caseloads"])


def _worker_caseload(session, worker: Worker) -> Caseload:
    cases = open_cases_where(session, Case.worker_id == worker.id)
    return caseload(
        session, scope="worker", key=str(worker.id), name=worker.display_name, cases=cases, workers=[worker]
    )


@router.get("/me", response_model=Caseload, summary="Your own caseload")
def my_caseload(session: SessionDep, principal: StaffPrincipal) -> Caseload:
    """The signed-in worker's open cases with their load against capacity; 404 `WorkerNotFound` when the caller has no
    worker record.
    """
    return _worker_caseload(session, worker_for(session, principal))


@router.get("/workers/{worker_id}", response_model=Caseload, summary="A worker's caseload")
def worker_caseload(worker_id: uuid.UUID, session: SessionDep, _: StaffPrincipal) -> Caseload:
    """One worker's open cases with their load against capacity; for any member of staff."""
    return _worker_caseload(session, get_worker(session, worker_id))


@router.get("/teams/{team_id}", response_model=Caseload, summary="A team's caseload, worker by worker")
def team_caseload(team_id: uuid.UUID, session: SessionDep, _: StaffPrincipal) -> Caseload:
    """The open cases of every worker in the team, with each worker's load against capacity."""
    team = get_team(session, team_id)
    workers = list(session.exec(select(Worker).where(Worker.team_id == team.id)).all())
    ids = [w.id for w in workers]
    cases = open_cases_where(session, Case.worker_id.in_(ids)) if ids else []  # type: ignore[union-attr]
    return caseload(session, scope="team", key=str(team.id), name=team.name, cases=cases, workers=workers)


@router.get("/footprints/{code}", response_model=Caseload, summary="A footprint's caseload, worker by worker")
def footprint_caseload(code: str, session: SessionDep, _: StaffPrincipal) -> Caseload:
    """Every open case in the footprint, grouped by worker, and those not yet allocated; 404 `FootprintNotFound` for an
    unknown code.
    """
    footprint = session.get(Footprint, code)
    if footprint is None:
        raise FootprintNotFound(f"No footprint has code {code!r}.")
    teams = [t.id for t in session.exec(select(Team).where(Team.footprint_code == code)).all()]
    workers = list(session.exec(select(Worker).where(Worker.team_id.in_(teams))).all()) if teams else []  # type: ignore[attr-defined]
    cases = open_cases_where(session, Case.footprint_code == code)
    return caseload(session, scope="footprint", key=code, name=footprint.name, cases=cases, workers=workers)
