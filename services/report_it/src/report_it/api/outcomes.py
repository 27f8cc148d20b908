"""/v1/outcomes/reports (JSON) and /v1/outcomes/reports.csv: the Deal's report measures for staff."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from deal_shared.auth import StaffPrincipal
from deal_shared.db import utcnow
from deal_shared.outcomes import HotspotRecurrence, OutcomeDimension, OutcomeFigures
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import targets
from report_it.api.deps import SettingsDep
from report_it.db import SessionDep
from report_it.models import Category
from report_it.outcomes import cleanups, measures
from report_it.outcomes.csv_out import figures_csv
from report_it.outcomes.measures import OutcomeQuery
from report_it.outcomes.query import parse_query
from report_it.outcomes.recurrence import recurrence
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
    fix_times: Annotated[
        bool, Query(description="false: leave out the fix-time percentiles (null), the costly part of a large query")
    ] = True,
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
        fix_times=fix_times,
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
    """Staff: the Deal's report measures (reports per 1,000 residents, time to fix against target, backlog and overdue,
    fixed first time, reopens, duplicates, channel shift) for a range of months (`from`, `to`; by default the last
    twelve), grouped by month, footprint, ward, category or channel and filtered by them; read from monthly rollups
    kept as reports change. Definitions in docs/outcomes.md.
    """
    return figures(request, query)


@router.get("/v1/outcomes/reports.csv", response_class=Response, summary="Staff: outcome measures as CSV")
def outcome_figures_csv(request: Request, _staff: StaffPrincipal, query: QueryDep) -> Response:
    """Staff: `GET /v1/outcomes/reports` as a CSV file."""
    return Response(
        figures_csv(figures(request, query)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'},
    )


def _month_start(month: str, zone: Any) -> datetime:
    year, number = int(month[:4]), int(month[5:])
    return datetime(year, number, 1, tzinfo=zone).astimezone(UTC)


def _after(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


@router.get(
    "/v1/outcomes/hotspots",
    response_model=HotspotRecurrence,
    summary="Staff: do reports come back after a hotspot is cleared? Before and after, against comparable hotspots",
)
def hotspot_recurrence(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _staff: StaffPrincipal,
    query: QueryDep,
    weeks: Annotated[int, Query(ge=1, le=26, description="Weeks counted before and after each clear-up")] = 8,
    min_reports: Annotated[int, Query(ge=2, le=100, description="Reports a hotspot has at least")] = 3,
) -> HotspotRecurrence:
    """Staff: for each hotspot cleared in the period (every report fixed or closed, or a community clean-up held there),
    the reports at its place in the `weeks` before and after, against comparable hotspots left alone over the same
    weeks (a difference in differences, and their mean). Public categories only. When Volunteering cannot be asked
    for its clean-ups the answer says so and counts fixes alone.
    """
    calendar = targets.calendar()
    asked = query.filters.get(OutcomeDimension.category)
    # Public categories only: safeguarding concerns and sensitive reports are never counted at a place.
    categories = [
        c.code
        for c in session.exec(select(Category)).all()
        if not (c.sensitive or c.restricted) and (asked is None or c.code in asked)
    ]
    period_start = _month_start(query.from_month, calendar.zone)
    period_end = _month_start(_after(query.to_month), calendar.zone)
    held, note = cleanups.held_between(getattr(request.app.state, "volunteering", None), period_start, period_end)
    return recurrence(
        session,
        categories=categories,
        period_start=period_start,
        period_end=period_end,
        cleanups=held,
        cleanups_note=note,
        from_month=query.from_month,
        to_month=query.to_month,
        weeks=weeks,
        now=utcnow(),
        link_m=settings.cluster_link_m,
        link_days=settings.cluster_link_days,
        min_reports=min_reports,
    )
