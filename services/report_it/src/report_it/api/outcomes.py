"""/v1/outcomes/reports (JSON) and /v1/outcomes/reports.csv: the Deal's report measures for staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from deal_shared.auth import StaffPrincipal
from deal_shared.db import utcnow
from deal_shared.outcomes import OutcomeFigures
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import targets
from report_it.outcomes import measures
from report_it.outcomes.csv_out import figures_csv
from report_it.outcomes.measures import OutcomeQuery
from report_it.outcomes.query import parse_query
from report_it.outcomes.refresh import refresh

router = APIRouter(tags=["outcomes"], route_class=TokenFirstRoute)

_CODES = "codes, comma separated; empty for reports not placed in one"


async def outcome_query(
    from_: Annotated[
        str | None, Query(alias="from", description="First month, YYYY-MM (default: 11 before to)")
    ] = None,
    to: Annotated[str | None, Query(description="Last month, YYYY-MM (default: this month)")] = None,
    group_by: Annotated[
        str | None, Query(description="Comma separated: month, footprint, ward, category, channel (default month)")
    ] = None,
    footprint: Annotated[str | None, Query(description=f"Footprint {_CODES}")] = None,
    ward: Annotated[str | None, Query(description=f"Ward {_CODES}")] = None,
    category: Annotated[str | None, Query(description="Category codes, comma separated")] = None,
    channel: Annotated[str | None, Query(description="Channels, comma separated")] = None,
) -> OutcomeQuery:
    return parse_query(
        from_month=from_,
        to_month=to,
        group_by=group_by,
        footprint=footprint,
        ward=ward,
        category=category,
        channel=channel,
        calendar=targets.calendar(),
        now=utcnow(),
    )


QueryDep = Annotated[OutcomeQuery, Depends(outcome_query)]


def figures(request: Request, query: OutcomeQuery) -> OutcomeFigures:
    # Catch up with changes since the last refresh first (only those: the rollups are never rebuilt here), then
    # read the rollups in a transaction of their own.
    with Session(request.app.state.engine) as session:
        refresh(session, calendar=targets.calendar())
        session.commit()
        return measures.compute(session, query)


@router.get("/v1/outcomes/reports", response_model=OutcomeFigures, summary="Staff: outcome measures over reports")
def outcome_figures(request: Request, _staff: StaffPrincipal, query: QueryDep) -> OutcomeFigures:
    return figures(request, query)


@router.get("/v1/outcomes/reports.csv", response_class=Response, summary="Staff: outcome measures as CSV")
def outcome_figures_csv(request: Request, _staff: StaffPrincipal, query: QueryDep) -> Response:
    return Response(
        figures_csv(figures(request, query)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'},
    )
