"""/v1/flytipping: staff record a fly-tipping report's Defra fields and export the quarter's return (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from deal_shared.auth import StaffPrincipal
from deal_shared.db import utcnow
from deal_shared.flytipping import FlyTippingCodes, FlyTippingFields, FlyTippingIncidentPublic, FlyTippingReturn
from deal_shared.web.idempotent import idempotent_route
from report_it.api.deps import SettingsDep
from report_it.db import SessionDep
from report_it.flytipping import export, service
from report_it.flytipping.codes import CodeLists, load_codes
from report_it.flytipping.quarters import Quarter, parse_quarter, quarter_of
from report_it.models import IdempotencyRecord

router = APIRouter(
    prefix="/v1/flytipping", tags=["fly-tipping return"], route_class=idempotent_route(IdempotencyRecord)
)


async def code_lists(settings: SettingsDep) -> CodeLists:
    return load_codes(settings.flytipping_codes_path)


async def chosen_quarter(
    quarter: Annotated[
        str | None, Query(description="Financial year and quarter, e.g. 2026-27-Q3 (default: the current one)")
    ] = None,
) -> Quarter:
    return parse_quarter(quarter) if quarter else quarter_of(utcnow().date())


CodesDep = Annotated[CodeLists, Depends(code_lists)]
QuarterDep = Annotated[Quarter, Depends(chosen_quarter)]


@router.get("/codes", response_model=FlyTippingCodes, summary="Staff: Defra's code lists in force, and their source")
def codes(_staff: StaffPrincipal, lists: CodesDep) -> FlyTippingCodes:
    """Staff: the land types, waste types, sizes, clearance cost bands and enforcement actions in force (the council
    may replace the file), each a code and Defra's name, with the cost band each size suggests."""
    return lists.public


@router.get(
    "/incidents/{report_id}",
    response_model=FlyTippingIncidentPublic,
    summary="Staff: a fly-tipping report's Defra record, or the defaults its answers suggest",
)
def get_incident(
    report_id: UUID, _staff: StaffPrincipal, session: SessionDep, lists: CodesDep
) -> FlyTippingIncidentPublic:
    """Staff: the report's Defra record; before one is recorded, the values its answers suggest (`recorded` false,
    every field missing). 404 for no such report, 422 `NotFlyTipping` for a report of another category."""
    report = service.fly_tipping_report(session, report_id)
    return service.to_public(report, service.incident_of(session, report_id), lists)


@router.put(
    "/incidents/{report_id}",
    response_model=FlyTippingIncidentPublic,
    summary="Staff: record (or correct) a fly-tipping report's Defra fields; each a code from its list",
)
def record_incident(
    report_id: UUID, body: FlyTippingFields, staff: StaffPrincipal, session: SessionDep, lists: CodesDep
) -> FlyTippingIncidentPublic:
    """Staff: record the five Defra fields (or correct them). A field missing or not in its list is a 422
    `InvalidFlyTippingFields` naming each field with the codes allowed. Honours Idempotency-Key."""
    report = service.fly_tipping_report(session, report_id, for_update=True)
    incident = service.record_incident(session, report=report, fields=body, codes=lists, actor=staff)
    return service.to_public(report, incident, lists)


@router.get("/return", response_model=FlyTippingReturn, summary="Staff: a quarter's return, incomplete incidents first")
def quarter_return(
    _staff: StaffPrincipal, session: SessionDep, lists: CodesDep, quarter: QuarterDep
) -> FlyTippingReturn:
    """Staff: every fly-tipping incident reported in the financial quarter (not duplicates, nor reports found to be
    no incident), those missing a field first, and the aggregate table over the complete ones."""
    return export.quarter_return(session, quarter=quarter, codes=lists)


def _csv(body: str, name: str) -> Response:
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/return/incidents.csv",
    response_class=Response,
    summary="Staff: the quarter's complete incidents, one row each, in WasteDataFlow's layout",
)
def incidents_csv(_staff: StaffPrincipal, session: SessionDep, lists: CodesDep, quarter: QuarterDep) -> Response:
    """Staff: the quarter's complete incidents as CSV, one row each with Defra's category names; incidents missing a
    field are left out (`GET /v1/flytipping/return` lists them)."""
    result = export.quarter_return(session, quarter=quarter, codes=lists)
    return _csv(export.incidents_csv(result, lists), f"flytipping-incidents-{quarter.name}.csv")


@router.get(
    "/return/aggregate.csv",
    response_class=Response,
    summary="Staff: the quarter's aggregate table (land type by waste type, sizes, actions)",
)
def aggregate_csv(_staff: StaffPrincipal, session: SessionDep, lists: CodesDep, quarter: QuarterDep) -> Response:
    """Staff: the quarter's aggregate table as CSV: incidents by land type and waste type, by size, and by action."""
    result = export.quarter_return(session, quarter=quarter, codes=lists)
    return _csv(export.aggregate_csv(result, lists), f"flytipping-aggregate-{quarter.name}.csv")
