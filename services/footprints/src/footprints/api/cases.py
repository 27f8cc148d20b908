"""Cases: intake from source systems, reads, progress, pinning, audit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from sqlmodel import col, select

from deal_shared.auth import Role
from deal_shared.footprints import CaseProgress, CasePublic, CaseUpsert, CaseUpserted, WorkerRef
from deal_shared.versions import Outcome
from footprints import cases as case_service
from footprints.api.deps import (
    IdempotentRoute,
    LeaderPrincipal,
    PlacesDep,
    ServicePrincipal,
    SettingsDep,
    StaffPrincipal,
)
from footprints.db import SessionDep
from footprints.errors import CaseNotFound, NotYourTeam
from footprints.models import AllocationAudit, Case, Worker
from footprints.people import get_worker, led_team_ids, require_manages_footprint
from footprints.schemas import AuditEntry, PinRequest
from footprints.state import cost_model

router = APIRouter(route_class=IdempotentRoute, prefix="/v1", tags=["cases"])
SourceSystem = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
SourceId = Annotated[str, Path(min_length=1, max_length=200)]


def present(session, case: Case) -> CasePublic:
    worker = session.get(Worker, case.worker_id) if case.worker_id else None
    return CasePublic(
        id=case.id,
        source_system=case.source_system,
        source_id=case.source_id,
        footprint_code=case.footprint_code,
        ward_code=case.ward_code,
        status=case.status,
        worker=WorkerRef(id=worker.id, display_name=worker.display_name) if worker else None,
        due_at=case.due_at,
        priority=case.priority,
        skill=case.skill,
        effort_points=case.effort_points,
        allocated_at=case.allocated_at,
    )


@router.put(
    "/cases/{source_system}/{source_id}",
    response_model=CaseUpserted,
    summary="A source system's case, sent whole on every change; one not newer than the stored case is ignored (200)",
)
def upsert_case(
    source_system: SourceSystem,
    source_id: SourceId,
    body: CaseUpsert,
    session: SessionDep,
    places: PlacesDep,
    settings: SettingsDep,
    _: ServicePrincipal,
) -> CaseUpserted:
    """For service callers (role `service`): the source sends the whole case (title, category, skill, priority, effort,
    position, due date, status and its own `version`) every time it changes. The case is placed in its ward and
    footprint and allocated to the best eligible worker when it is new, unallocated or no longer fits its worker
    (pinned cases stay). A `version` not newer than the stored one changes nothing and is answered 200 with `outcome:
    stale, ignored`, so a repeated or late delivery is harmless. A position outside the borough is 422
    `OutsideBorough`.
    """
    upserted = case_service.upsert_case(
        session,
        source_system=source_system,
        source_id=source_id,
        body=body,
        locator=places.locator(),
        costs=cost_model(settings),
    )
    case = present(session, upserted.case)
    if upserted.ignored is None:
        return CaseUpserted(**case.model_dump())
    return CaseUpserted(**case.model_dump(), outcome=Outcome.stale, detail=upserted.ignored)


@router.get("/cases/{case_id}", response_model=CasePublic, summary="One case")
def get_case(case_id: uuid.UUID, session: SessionDep, _: StaffPrincipal) -> CasePublic:
    """The case with its footprint, ward, worker and status; staff and service callers only. 404 `CaseNotFound` when no
    case has that id.
    """
    return present(session, case_service.get_case(session, case_id))


@router.get(
    "/cases/{source_system}/{source_id}", response_model=CasePublic, summary="A case by the source system's id for it"
)
def get_case_by_source(
    source_system: SourceSystem, source_id: SourceId, session: SessionDep, _: StaffPrincipal
) -> CasePublic:
    """How a source system (Report IT's `report_it`) finds the case it made from one of its own records; 404
    `CaseNotFound` when none was made.
    """
    case = case_service.find_by_source(session, source_system, source_id)
    if case is None:
        raise CaseNotFound(f"No case comes from {source_system}/{source_id}.")
    return present(session, case)


@router.post(
    "/cases/{case_id}/progress",
    response_model=CasePublic,
    summary="The case's holder (or their team leader) records progress on it",
)
def record_progress(
    case_id: uuid.UUID, body: CaseProgress, session: SessionDep, principal: StaffPrincipal
) -> CasePublic:
    """The worker holding the case, a team leader of their team, a manager or an administrator records `in_progress` or
    `completed`, with an optional note. The change is audited and sent back to the source system as a case event
    through the outbox. Others get 403 `NotYourTeam`; a case closed at its source is 409 `CaseClosed`.
    """
    case = case_service.get_case(session, case_id)
    holder = session.get(Worker, case.worker_id) if case.worker_id else None
    is_holder = holder is not None and holder.subject == principal.subject
    leads = holder is not None and holder.team_id in led_team_ids(session, principal)
    if not (is_holder or leads or principal.has_any(Role.manager, Role.admin)):
        raise NotYourTeam("Only the worker holding the case, their team leader or a manager may record progress.")
    return present(session, case_service.record_progress(session, case, progress=body, principal=principal))


@router.post(
    "/cases/{case_id}/pin",
    response_model=CasePublic,
    summary="Team leader: pin a case to its worker, so rebalancing leaves it there",
)
def pin_case(case_id: uuid.UUID, body: PinRequest, session: SessionDep, principal: LeaderPrincipal) -> CasePublic:
    """A team leader of the case's footprint (or a manager) gives the case to a worker and pins it there: rebalancing
    and absence repair leave it with that worker until it is unpinned.
    """
    case = case_service.get_case(session, case_id)
    require_manages_footprint(session, principal, case.footprint_code)
    worker = get_worker(session, body.worker_id)
    return present(session, case_service.pin_case(session, case, worker, principal=principal, note=body.note))


@router.delete("/cases/{case_id}/pin", response_model=CasePublic, summary="Team leader: unpin a case")
def unpin_case(case_id: uuid.UUID, session: SessionDep, principal: LeaderPrincipal) -> CasePublic:
    """Lets rebalancing move the case again; its worker does not change now."""
    case = case_service.get_case(session, case_id)
    require_manages_footprint(session, principal, case.footprint_code)
    return present(session, case_service.unpin_case(session, case))


@router.get("/audit/cases/{case_id}", response_model=list[AuditEntry], summary="Every change to a case, oldest first")
def case_audit(case_id: uuid.UUID, session: SessionDep, _: StaffPrincipal) -> list[AuditEntry]:
    """Each allocation, move, pin and progress record of the case with who or what made it and why (the method, its cost
    terms), oldest first.
    """
    case_service.get_case(session, case_id)
    rows = session.exec(
        select(AllocationAudit).where(AllocationAudit.case_id == case_id).order_by(col(AllocationAudit.at))
    ).all()
    return [AuditEntry.model_validate(r, from_attributes=True) for r in rows]
