"""Batch rebalancing on demand, and the stored runs with their quality certificates."""

from __future__ import annotations

import dataclasses
import uuid

from fastapi import APIRouter, status
from sqlmodel import col, select

from deal_shared.auth import Role
from footprints.api.deps import IdempotentRoute, LeaderPrincipal, SettingsDep, StaffPrincipal
from footprints.db import SessionDep
from footprints.errors import FootprintNotFound, NotYourTeam, RunNotFound
from footprints.models import Footprint, RebalanceRun
from footprints.people import require_manages_footprint
from footprints.rebalance import run_rebalance
from footprints.rebalance_lock import hold_rebalance
from footprints.schemas import RebalanceRequest, RunPublic
from footprints.state import cost_model

router = APIRouter(route_class=IdempotentRoute, prefix="/v1/rebalance-runs", tags=["rebalancing"])


@router.post(
    "",
    response_model=RunPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Team leader: rebalance a footprint's cases now (managers: the whole borough)",
)
def rebalance(
    body: RebalanceRequest, session: SessionDep, principal: LeaderPrincipal, settings: SettingsDep
) -> RunPublic:
    """Solves the allocation of the footprint's open, unpinned cases again and makes the moves (a manager may leave
    `footprint_code` out to rebalance the whole borough). Options: `fair` (spread load evenly), `polish` (CP-SAT
    after the heuristic) and a `time_budget_s`. The run is stored with its quality certificate (objective, proven
    lower bound, gap, status). Only one rebalance runs at a time: a second is 409 `RebalanceInProgress` with `Retry-
    After`.
    """
    if body.footprint_code is None:
        if not principal.has_any(Role.manager, Role.admin):
            raise NotYourTeam("Only managers rebalance the whole borough.")
    else:
        if session.get(Footprint, body.footprint_code) is None:
            raise FootprintNotFound(f"No footprint has code {body.footprint_code!r}.")
        require_manages_footprint(session, principal, body.footprint_code)
    hold_rebalance(session)
    costs = cost_model(settings, fair=body.fair)
    run = run_rebalance(
        session,
        costs=dataclasses.replace(costs),
        footprint=body.footprint_code,
        time_budget_s=body.time_budget_s or settings.rebalance_time_budget_s,
        trigger="on_demand",
        actor=principal.subject,
        polish=body.polish,
    )
    return RunPublic.model_validate(run, from_attributes=True)


@router.get("", response_model=list[RunPublic], summary="Rebalance runs, newest first")
def list_runs(session: SessionDep, _: StaffPrincipal, limit: int = 50) -> list[RunPublic]:
    """Rebalance runs (nightly, on demand, absence repairs, proposals) with their certificates, newest first; `limit`
    from 1 to 500 (default 50).
    """
    limit = max(1, min(limit, 500))
    runs = session.exec(select(RebalanceRun).order_by(col(RebalanceRun.started_at).desc()).limit(limit)).all()
    return [RunPublic.model_validate(r, from_attributes=True) for r in runs]


@router.get("/{run_id}", response_model=RunPublic, summary="One rebalance run")
def get_run(run_id: uuid.UUID, session: SessionDep, _: StaffPrincipal) -> RunPublic:
    """One run with its trigger, scope, moves made and quality certificate; 404 `RunNotFound`."""
    run = session.get(RebalanceRun, run_id)
    if run is None:
        raise RunNotFound(f"No rebalance run has id {run_id}.")
    return RunPublic.model_validate(run, from_attributes=True)
