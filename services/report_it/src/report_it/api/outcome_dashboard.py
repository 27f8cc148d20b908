"""The outcomes dashboard's own figures: time-to-fix bands and hotspots as CSV (staff), ward shapes for its maps,
and the open ward table (no sign-in, small numbers withheld) that the councillors' view and open data read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from deal_shared.auth import StaffPrincipal
from deal_shared.db import utcnow
from deal_shared.outcomes import FixTimeDistribution, OpenWardFigures, WardShapes
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import targets
from report_it.api.deps import SettingsDep
from report_it.api.outcomes import QueryDep, hotspot_recurrence
from report_it.db import SessionDep
from report_it.footprints_link import footprints_client
from report_it.outcomes.boundaries import WardShapeCache
from report_it.outcomes.dashboard_csv import fix_times_csv, hotspots_csv, open_wards_csv
from report_it.outcomes.distribution import distribution
from report_it.outcomes.open_data import MIN_COUNT, ward_figures
from report_it.outcomes.query import parse_query
from report_it.outcomes.refresh import refresh

router = APIRouter(tags=["outcomes"], route_class=TokenFirstRoute)
T = TypeVar("T")


def _read(request: Request, read: Callable[[Session], T]) -> T:
    # As /v1/outcomes/reports: catch up with the changes since the last refresh, then read the rollups.
    with Session(request.app.state.engine) as session:
        refresh(session, calendar=targets.calendar())
        session.commit()
        return read(session)


def _csv(body: str, name: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/v1/outcomes/fix-times", response_model=FixTimeDistribution, summary="Staff: time-to-fix distribution")
def fix_times(request: Request, _staff: StaffPrincipal, query: QueryDep) -> FixTimeDistribution:
    """Staff: reports fixed in the period (`from`, `to`) counted in bands of working time from report to fix, per
    footprint and in total, with the median and 90th percentile; filtered by footprint, ward or category (fix times
    are not kept by channel: asking by channel is a 422)."""
    return _read(request, lambda session: distribution(session, query))


@router.get("/v1/outcomes/fix-times.csv", response_class=Response, summary="Staff: time-to-fix distribution as CSV")
def fix_times_as_csv(request: Request, _staff: StaffPrincipal, query: QueryDep) -> Response:
    """Staff: `GET /v1/outcomes/fix-times` as a CSV file, one line per footprint, then the total."""
    return _csv(fix_times_csv(_read(request, lambda session: distribution(session, query))), "fix-times.csv")


@router.get("/v1/outcomes/hotspots.csv", response_class=Response, summary="Staff: hotspot recurrence as CSV")
def hotspots_as_csv(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: StaffPrincipal,
    query: QueryDep,
    weeks: Annotated[int, Query(ge=1, le=26, description="Weeks counted before and after each clear-up")] = 8,
    min_reports: Annotated[int, Query(ge=2, le=100, description="Reports a hotspot has at least")] = 3,
) -> Response:
    """Staff: `GET /v1/outcomes/hotspots` as a CSV file, one line per cleared hotspot."""
    figures = hotspot_recurrence(request, session, settings, staff, query, weeks=weeks, min_reports=min_reports)
    return _csv(hotspots_csv(figures), "hotspots.csv")


@router.get("/v1/outcomes/ward-shapes", response_model=WardShapes, summary="The wards' outlines for outcome maps")
def ward_shapes(request: Request, settings: SettingsDep) -> WardShapes:
    """Anyone: each ward's outline (simplified, [long, lat]) as Footprints holds them, for shading wards by a figure;
    when Footprints cannot be asked, no wards and a note saying why."""
    cache = getattr(request.app.state, "ward_shapes", None)
    if cache is None:
        cache = request.app.state.ward_shapes = WardShapeCache(lambda: footprints_client(settings, timeout=3.0))
    return cache.get()


_FROM = Query(alias="from", description="First month, YYYY-MM (default: 11 before to)")
_TO = Query(description="Last month, YYYY-MM (default: this month)")


def _open(request: Request, from_: str | None, to: str | None) -> OpenWardFigures:
    query = parse_query(from_month=from_, to_month=to, group_by="", footprint=None, ward=None, category=None,
                        channel=None, calendar=targets.calendar(), now=utcnow())  # fmt: skip
    return _read(
        request,
        lambda session: ward_figures(
            session, from_month=query.from_month, to_month=query.to_month, min_count=MIN_COUNT
        ),
    )


@router.get(
    "/v1/open-data/outcomes/wards",
    response_model=OpenWardFigures,
    summary="Open data: reports per ward, small numbers withheld (no sign-in)",
)
def open_wards(
    request: Request, from_: Annotated[str | None, _FROM] = None, to: Annotated[str | None, _TO] = None
) -> OpenWardFigures:
    """Anyone: per ward, over public categories, reports made in the period, per 1,000 residents, fixed, the share
    fixed within target, the median working hours to fix and the share forwarded. A ward with 1 to 4 reports is
    withheld (and, when only one is, the next smallest too), as is any figure over 1 to 4 reports; no report or
    person is ever named. The councillors' ward view reads this."""
    return _open(request, from_, to)


@router.get("/v1/open-data/outcomes/wards.csv", response_class=Response, summary="Open data: reports per ward as CSV")
def open_wards_as_csv(
    request: Request, from_: Annotated[str | None, _FROM] = None, to: Annotated[str | None, _TO] = None
) -> Response:
    """Anyone: `GET /v1/open-data/outcomes/wards` as a CSV file; a withheld value is [c]."""
    figures = _open(request, from_, to)
    return _csv(open_wards_csv(figures), f"wigan-reports-by-ward-{figures.from_month}-{figures.to_month}.csv")
