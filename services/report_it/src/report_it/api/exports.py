"""/v1/stats/reports and /v1/exports/*.csv: staff statistics and analysts' exports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from deal_shared.auth import StaffPrincipal
from deal_shared.moments import ClientDateTime
from deal_shared.report_it import ReportStatistics
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import exports, stats
from report_it.api.listing import _utc
from report_it.db import SessionDep

router = APIRouter(tags=["statistics"], route_class=TokenFirstRoute)

FromQuery = Annotated[ClientDateTime | None, Query(description="Made at or after (ISO 8601)")]
ToQuery = Annotated[ClientDateTime | None, Query(description="Made before (ISO 8601)")]
CategoryQuery = Annotated[str | None, Query(description="Category codes, comma separated")]


@dataclass(frozen=True)
class ReportPeriod:
    """The filter statistics and exports share: when the reports were made, and of which categories."""

    created_from: datetime | None
    created_to: datetime | None
    categories: list[str] | None


async def report_period(
    created_from: FromQuery = None, created_to: ToQuery = None, category: CategoryQuery = None
) -> ReportPeriod:
    codes = [c.strip() for c in category.split(",") if c.strip()] if category else None
    return ReportPeriod(created_from=_utc(created_from), created_to=_utc(created_to), categories=codes)


PeriodDep = Annotated[ReportPeriod, Depends(report_period)]


@router.get("/v1/stats/reports", response_model=ReportStatistics, summary="Staff: report statistics for a period")
def report_statistics(_staff: StaffPrincipal, session: SessionDep, period: PeriodDep) -> ReportStatistics:
    """Staff: reports made in the period (`created_from`, `created_to`, categories), counted in total and by category,
    status group, month, channel and footprint, with the time to fix and repeated locations. Safeguarding
    (restricted) reports count only in the borough-wide totals.
    """
    return stats.compute(session, **asdict(period))


def _csv(body, name: str) -> StreamingResponse:
    return StreamingResponse(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/v1/exports/reports.csv", response_class=StreamingResponse, summary="Staff: reports as CSV (streamed)")
def export_reports(request: Request, _staff: StaffPrincipal, period: PeriodDep) -> StreamingResponse:
    """Staff: the reports made in the period (`created_from`, `created_to`, categories) as CSV, streamed row by row, so
    a year's export is never held in memory.
    """
    return _csv(exports.report_rows(request.app.state.engine, **asdict(period)), "reports.csv")


@router.get("/v1/exports/updates.csv", response_class=StreamingResponse, summary="Staff: updates as CSV (streamed)")
def export_updates(request: Request, _staff: StaffPrincipal, period: PeriodDep) -> StreamingResponse:
    """Staff: the updates made in the period to reports of the categories as CSV, oldest first, streamed."""
    return _csv(exports.update_rows(request.app.state.engine, **asdict(period)), "updates.csv")
