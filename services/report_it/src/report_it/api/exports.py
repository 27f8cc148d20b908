"""/v1/stats/reports and /v1/exports/*.csv: staff statistics and analysts' exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from deal_shared.auth import StaffPrincipal
from deal_shared.report_it import ReportStatistics
from report_it import exports, stats
from report_it.api.listing import _utc
from report_it.db import SessionDep

router = APIRouter(tags=["statistics"])

FromQuery = Annotated[datetime | None, Query(description="Made at or after (ISO 8601)")]
ToQuery = Annotated[datetime | None, Query(description="Made before (ISO 8601)")]
CategoryQuery = Annotated[str | None, Query(description="Category codes, comma separated")]


def _codes(category: str | None) -> list[str] | None:
    return [c.strip() for c in category.split(",") if c.strip()] if category else None


@router.get("/v1/stats/reports", response_model=ReportStatistics, summary="Staff: report statistics for a period")
def report_statistics(
    _staff: StaffPrincipal,
    session: SessionDep,
    created_from: FromQuery = None,
    created_to: ToQuery = None,
    category: CategoryQuery = None,
) -> ReportStatistics:
    return stats.compute(
        session, created_from=_utc(created_from), created_to=_utc(created_to), categories=_codes(category)
    )


def _csv(body, name: str) -> StreamingResponse:
    return StreamingResponse(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/v1/exports/reports.csv", response_class=StreamingResponse, summary="Staff: reports as CSV (streamed)")
def export_reports(
    request: Request,
    _staff: StaffPrincipal,
    created_from: FromQuery = None,
    created_to: ToQuery = None,
    category: CategoryQuery = None,
) -> StreamingResponse:
    body = exports.report_rows(
        request.app.state.engine,
        created_from=_utc(created_from),
        created_to=_utc(created_to),
        categories=_codes(category),
    )
    return _csv(body, "reports.csv")


@router.get("/v1/exports/updates.csv", response_class=StreamingResponse, summary="Staff: updates as CSV (streamed)")
def export_updates(
    request: Request,
    _staff: StaffPrincipal,
    created_from: FromQuery = None,
    created_to: ToQuery = None,
    category: CategoryQuery = None,
) -> StreamingResponse:
    body = exports.update_rows(
        request.app.state.engine,
        created_from=_utc(created_from),
        created_to=_utc(created_to),
        categories=_codes(category),
    )
    return _csv(body, "updates.csv")
