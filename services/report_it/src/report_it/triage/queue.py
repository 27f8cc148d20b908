"""Reading the triage queue: new and reopened reports, oldest first, with what helps an officer decide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.report_it import Location, Priority, ReportStatus
from deal_shared.triage import NearbyOpenReport, TriageDetail, TriageItem, TriageQueueKind
from report_it import clusters, lifecycle, presenters, reports
from report_it.config import Settings
from report_it.cursors import decode_cursor, encode_cursor
from report_it.models import Category, Photo, Report
from report_it.triage.etag import etag_of
from report_it.visibility import Viewer

# When a report entered the queue: when it came in, or when it was last reopened.
waiting_at = func.coalesce(col(Report.reopened_at), col(Report.created_at))
_IN_QUEUE = or_(col(Report.status) == ReportStatus.submitted.value, col(Report.reopened_at).is_not(None))


@dataclass(frozen=True)
class QueueFilters:
    kind: TriageQueueKind = TriageQueueKind.general
    categories: Sequence[str] | None = None
    footprint: str | None = None
    ward: str | None = None
    priority: Priority | None = None
    newest_first: bool = False


def queue_categories(session: Session, *, kind: TriageQueueKind, viewer: Viewer) -> dict[str, Category]:
    """The categories a queue holds: safeguarding concerns only in the safeguarding queue, never in the general one."""
    wanted_restricted = kind is TriageQueueKind.safeguarding
    return {
        c.code: c
        for c in session.exec(select(Category)).all()
        if c.restricted == wanted_restricted and viewer.can_see_category(c)
    }


def in_queue(report: Report) -> bool:
    return report.status == ReportStatus.submitted.value or report.reopened_at is not None


def _filtered(query, filters: QueueFilters, allowed: Sequence[str]):
    wanted = [c for c in allowed if filters.categories is None or c in filters.categories]
    query = query.where(_IN_QUEUE, col(Report.category_code).in_(wanted))
    if filters.footprint:
        query = query.where(Report.footprint_code == filters.footprint)
    if filters.ward:
        query = query.where(Report.ward_code == filters.ward)
    if filters.priority:
        query = query.where(Report.priority == filters.priority.value)
    return query


def read_queue(
    session: Session, *, filters: QueueFilters, allowed: Sequence[str], limit: int, cursor: str | None
) -> tuple[list[Report], int, str | None]:
    """One page of the queue, the count of all that match, and the cursor of the next page."""
    query = _filtered(select(Report), filters, allowed)
    if cursor:
        at, rid = decode_cursor(cursor, where="this queue")
        if filters.newest_first:
            query = query.where(or_(waiting_at < at, (waiting_at == at) & (col(Report.id) < rid)))
        else:
            query = query.where(or_(waiting_at > at, (waiting_at == at) & (col(Report.id) > rid)))
    order = (waiting_at.desc(), col(Report.id).desc()) if filters.newest_first else (waiting_at, col(Report.id))
    rows = list(session.exec(query.order_by(*order).limit(limit + 1)).all())
    total = session.exec(_filtered(select(func.count()).select_from(Report), filters, allowed)).one()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(waiting_since(rows[-1]), rows[-1].id) if more and rows else None
    return rows, int(total), next_cursor


def arrivals_since(session: Session, *, allowed: Sequence[str], since: datetime, limit: int = 100) -> list[Report]:
    """Reports that entered the queue after `since`, oldest first: what the event stream announces."""
    query = _filtered(select(Report), QueueFilters(), allowed).where(waiting_at > since)
    return list(session.exec(query.order_by(waiting_at, col(Report.id)).limit(limit)).all())


def waiting_since(report: Report) -> datetime:
    return report.reopened_at or report.created_at


def to_item(report: Report, category: Category, photos: list[Photo], *, base_url: str) -> TriageItem:
    return TriageItem(
        id=report.id,
        reference=report.reference,
        category=category.code,
        category_name=category.name,
        status=ReportStatus(report.status),
        priority=Priority(report.priority),
        reopened=report.reopened_at is not None,
        waiting_since=waiting_since(report),
        created_at=report.created_at,
        updated_at=report.updated_at,
        expected_at=report.expected_at,
        overdue=report.expected_at is not None and report.expected_at < utcnow(),
        location=Location(lat=report.lat, long=report.lon),
        address=report.address,
        description=report.description,
        answers=report.answers,
        photos=[presenters.photo_public(p, base_url) for p in photos],
        footprint=report.footprint_code,
        ward=report.ward_code,
        support_count=report.support_count,
        duplicate_of=report.duplicate_of_id,
        etag=etag_of(report),
    )


def items_of(session: Session, rows: list[Report], categories: dict[str, Category], *, base_url: str):
    photos = reports.photos_by_report(session, [r.id for r in rows])
    return [to_item(r, categories[r.category_code], photos[r.id], base_url=base_url) for r in rows]


def item_of(session: Session, report: Report, category: Category, *, base_url: str) -> TriageItem:
    return items_of(session, [report], {category.code: category}, base_url=base_url)[0]


def detail_of(
    session: Session, report: Report, category: Category, viewer: Viewer, *, base_url: str, settings: Settings
) -> TriageDetail:
    item = item_of(session, report, category, base_url=base_url)
    connection = session.connection()
    nearby = [
        NearbyOpenReport(
            id=row.id, reference=row.reference, status=row.status, created_at=row.created_at, distance_m=round(d, 1)
        )
        for row, d in reports.nearby_open_reports(
            connection, category=category, lat=report.lat, lon=report.lon, radius_m=category.nearby_radius_m, limit=11
        )
        if row.id != report.id
    ][:10]
    hotspots = clusters.find_clusters(
        session,
        categories=[category.code],
        since=utcnow() - timedelta(days=settings.cluster_default_window_days),
        min_reports=3,
        link_m=settings.cluster_link_m,
        link_days=settings.cluster_link_days,
    )
    hotspot = next((c for c in hotspots if report.id in c.report_ids), None)
    return TriageDetail(
        **item.model_dump(),
        nearby=nearby,
        hotspot=hotspot,
        timeline=_timeline(session, report, category, viewer, base_url),
    )


def _timeline(session: Session, report: Report, category: Category, viewer: Viewer, base_url: str):
    rows = lifecycle.timeline(session, report)
    photos = {p.id: p for p in reports.photos_by_report(session, [report.id])[report.id]}
    return [
        presenters.update_public(u, category, photos.get(u.photo_id) if u.photo_id else None, viewer, base_url=base_url)
        for u in rows
    ]
