"""Reads for the council's working of reports: hotspots, overdue reports, and staff's own and team lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from deal_shared.auth import StaffPrincipal
from deal_shared.db import utcnow
from deal_shared.moments import ClientDateTime
from deal_shared.report_it import Cluster, ReportPublic
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import clusters, presenters, reports
from report_it.api.deps import BaseUrlDep, SettingsDep, ViewerDep
from report_it.api.listing import _utc
from report_it.db import SessionDep
from report_it.models import Category, Report
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/reports", tags=["work"], route_class=TokenFirstRoute)


@router.get(
    "/clusters",
    response_model=list[Cluster],
    summary="Hotspots: open reports of one category within 150 m and 30 days of each other (see the rule)",
    description=clusters.__doc__,
)
def list_clusters(
    session: SessionDep,
    settings: SettingsDep,
    category: Annotated[str | None, Query(description="A category code")] = None,
    min_reports: Annotated[int, Query(ge=2, le=1000)] = 3,
    since: Annotated[
        ClientDateTime | None, Query(description="Reports made at or after (ISO 8601); default 90 days ago")
    ] = None,
) -> list[Cluster]:
    start = _utc(since)
    # Public: never sensitive, staff-only or restricted categories, whoever asks.
    public = [
        c.code
        for c in session.exec(select(Category)).all()
        if not (c.sensitive or c.staff_only or c.restricted) and (category is None or c.code == category)
    ]
    return clusters.find_clusters(
        session,
        categories=public,
        since=start or utcnow() - timedelta(days=settings.cluster_default_window_days),
        min_reports=min_reports,
        link_m=settings.cluster_link_m,
        link_days=settings.cluster_link_days,
    )


def _present(session, rows: list[Report], viewer: Viewer, settings, base: str) -> list[ReportPublic]:
    allowed = reports.visible_categories(session, viewer)
    rows = [r for r in rows if r.category_code in allowed]
    photos = reports.photos_by_report(session, [r.id for r in rows])
    return [
        presenters.to_public(
            r, allowed[r.category_code], photos[r.id], viewer, base_url=base, grid_m=settings.sensitive_grid_m
        )
        for r in rows
    ]


@router.get("/overdue", response_model=list[ReportPublic], summary="Staff: open reports past their target date")
def overdue(
    _staff: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    category: Annotated[str | None, Query(description="A category code")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReportPublic]:
    """Staff: open reports whose expected date has passed, oldest due first, of one category if given; at most `limit`
    (1 to 500).
    """
    query = select(Report).where(
        col(Report.status).in_(reports.OPEN_STATUS_VALUES),
        col(Report.expected_at).is_not(None),
        col(Report.expected_at) < utcnow(),
    )
    if category:
        query = query.where(Report.category_code == category)
    rows = list(session.exec(query.order_by(col(Report.expected_at), col(Report.id)).limit(limit)).all())
    return _present(session, rows, viewer, settings, base)


@router.get("/logged-by-me", response_model=list[ReportPublic], summary="Staff: what I logged, newest first")
def logged_by_me(
    principal: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReportPublic]:
    """Staff: the reports the caller logged themselves (from the field app), newest first; at most `limit`."""
    query = select(Report).where(Report.staff_subject == principal.subject)
    rows = list(session.exec(query.order_by(col(Report.created_at).desc()).limit(limit)).all())
    return _present(session, rows, viewer, settings, base)


@router.get(
    "/for-my-team",
    response_model=list[ReportPublic],
    summary="Staff: open reports for a team (a category skill); by default the team in my token's department",
)
def for_my_team(
    principal: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    team: Annotated[str | None, Query(description="A skill/team type, e.g. street_cleansing")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReportPublic]:
    """Staff: open reports of the categories dealt with by a team (a category's skill, such as `street_cleansing`);
    without `team`, the department in the caller's token.
    """
    chosen = team or principal.department
    codes = [c.code for c in session.exec(select(Category).where(Category.skill == chosen)).all()]
    query = select(Report).where(
        col(Report.category_code).in_(codes), col(Report.status).in_(reports.OPEN_STATUS_VALUES)
    )
    rows = list(session.exec(query.order_by(col(Report.expected_at), col(Report.created_at)).limit(limit)).all())
    return _present(session, rows, viewer, settings, base)
