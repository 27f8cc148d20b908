"""/v1/reports/feed.atom: new and fixed reports, filtered by area and category."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import col, select

from deal_shared.report_it import ReportStatus
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import feed, presenters, reports
from report_it.api.deps import BaseUrlDep, SettingsDep
from report_it.api.listing import _bbox
from report_it.db import SessionDep
from report_it.models import Report
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/reports", tags=["feeds"], route_class=TokenFirstRoute)


@router.get(
    "/feed.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
    summary="Atom feed of new and fixed reports (public), by area (bbox, footprint or ward) and category",
)
def atom(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    bbox: Annotated[str | None, Query(description="min_long,min_lat,max_long,max_lat")] = None,
    category: Annotated[str | None, Query(description="Category codes, comma separated")] = None,
    footprint: Annotated[str | None, Query(description="A service delivery footprint code, e.g. SDF4")] = None,
    ward: Annotated[str | None, Query(description="A ward code")] = None,
    kind: Literal["all", "new", "fixed"] = "all",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """A public Atom feed of reports made (`kind=new`), fixed (`kind=fixed`) or both, newest first, narrowed by bounding
    box, footprint, ward and category; only what an anonymous listing would show, at most `limit` (1 to 200) entries.
    """
    public = Viewer()  # the feed is public whoever asks: the same privacy rules as an anonymous listing
    allowed = reports.visible_categories(session, public)
    wanted = [c for c in allowed if not category or c in category.split(",")]
    box = _bbox(bbox)

    def query(order_column):
        q = select(Report).where(col(Report.category_code).in_(wanted))
        if footprint:
            q = q.where(Report.footprint_code == footprint)
        if ward:
            q = q.where(Report.ward_code == ward)
        if box:
            min_lon, min_lat, max_lon, max_lat = box
            q = q.where(col(Report.lat).between(min_lat, max_lat), col(Report.lon).between(min_lon, max_lon))
        return q.order_by(col(order_column).desc()).limit(limit)

    events: list[tuple[str, object, Report]] = []
    if kind in ("all", "new"):
        events += [("new", r.created_at, r) for r in session.exec(query(Report.created_at))]
    if kind in ("all", "fixed"):
        fixed = query(Report.fixed_at).where(Report.status == ReportStatus.fixed.value)
        events += [("fixed", r.fixed_at, r) for r in session.exec(fixed) if r.fixed_at]
    events.sort(key=lambda e: e[1], reverse=True)
    events = events[:limit]
    photos = reports.photos_by_report(session, list({r.id for _, _, r in events}))
    entries = [
        (
            k,
            when,
            presenters.to_public(
                r, allowed[r.category_code], photos[r.id], public, base_url=base, grid_m=settings.sensitive_grid_m
            ),
        )
        for k, when, r in events
    ]
    body = feed.atom_feed(entries, title="Wigan Council: reported problems", self_url=str(request.url), base_url=base)
    return Response(body, media_type="application/atom+xml")
