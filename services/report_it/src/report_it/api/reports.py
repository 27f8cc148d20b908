"""/v1/reports: reading and listing (JSON and GeoJSON), and photos added later (intake and nearby: their modules)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from deal_shared.db import utcnow
from deal_shared.pagination import Page
from deal_shared.report_it import (
    Channel,
    ReportPrivate,
    ReportPublic,
)
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import duplicates, presenters, reports
from report_it.api.deps import (
    BaseUrlDep,
    SettingsDep,
    StorageDep,
    ViewerDep,
)
from report_it.api.listing import ListQueryDep
from report_it.api.submission import PhotoUploadsDep
from report_it.api.updates import timeline_of
from report_it.config import Settings
from report_it.cursors import encode_cursor
from report_it.db import SessionDep
from report_it.errors import ReportNotFound
from report_it.open311.models import client_attributes_of
from report_it.photos import clean_uploads
from report_it.report_photos import attach_photos
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/reports", tags=["reports"], route_class=TokenFirstRoute)


@router.get("", response_model=Page[ReportPublic], summary="List reports, newest first, with a cursor")
def list_reports(
    query: ListQueryDep, session: SessionDep, viewer: ViewerDep, settings: SettingsDep, base: BaseUrlDep
) -> Page[ReportPublic]:
    """Reports the caller may see, newest first, filtered by category, status or status group (open, fixed, closed),
    creation time, bounding box and `updated_after` (for the field app's delta sync). Pages of at most `limit` (1 to
    200); pass `next_cursor` back as `cursor` for the next. Contact details are never listed; sensitive categories'
    positions are shown on a coarse grid to anyone but staff.
    """
    return _page(query, session, viewer, settings, base)


@router.get(
    ".geojson",
    summary="List reports as a GeoJSON FeatureCollection",
    responses={200: {"content": {"application/geo+json": {}}}},
)
def list_reports_geojson(
    query: ListQueryDep, session: SessionDep, viewer: ViewerDep, settings: SettingsDep, base: BaseUrlDep
) -> Response:
    """The same page as `GET /v1/reports`, each report a GeoJSON Point feature with the report as its properties, and
    `next_cursor` beside the features.
    """
    page = _page(query, session, viewer, settings, base)
    features = [
        {
            "type": "Feature",
            "id": str(item.id),
            "geometry": {"type": "Point", "coordinates": [item.location.long, item.location.lat]},
            "properties": item.model_dump(mode="json", exclude={"location"}),
        }
        for item in page.items
    ]
    collection = {"type": "FeatureCollection", "features": features, "next_cursor": page.next_cursor}
    return JSONResponse(collection, media_type="application/geo+json")


def _page(query, session, viewer: Viewer, settings: Settings, base: str) -> Page[ReportPublic]:
    allowed = reports.visible_categories(session, viewer)
    rows = reports.list_reports(
        session, filters=query.filters, allowed_categories=list(allowed), limit=query.limit, after=query.after
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    photos = reports.photos_by_report(session, [r.id for r in rows])
    items = [
        presenters.to_public(
            r, allowed[r.category_code], photos[r.id], viewer, base_url=base, grid_m=settings.sensitive_grid_m
        )
        for r in rows
    ]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(last.updated_at if query.filters.updated_after else last.created_at, last.id)
    return Page[ReportPublic](items=items, next_cursor=next_cursor)


@router.get("/{report_id}", response_model=ReportPrivate, summary="One report; full to its reporter and to staff")
def get_report(
    report_id: UUID, session: SessionDep, viewer: ViewerDep, settings: SettingsDep, base: BaseUrlDep
) -> ReportPrivate:
    """The report with its photos, duplicates and timeline. Its reporter (sending the tracking token as `X-Tracking-
    Token`) and staff who may see it also get contact details and internal detail; others the public view. A report
    the caller may not see is 404 `ReportNotFound`, as if it did not exist.
    """
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)
    photos = reports.photos_by_report(session, [report.id])[report.id]
    detail = presenters.to_private(report, category, photos, viewer, base_url=base, grid_m=settings.sensitive_grid_m)
    detail.duplicates = [d.id for d in duplicates.duplicates_of(session, report)]
    detail.timeline = timeline_of(session, report, category, viewer, base)
    if viewer.is_staff and report.channel == Channel.open311:
        detail.client_attributes = client_attributes_of(session, report.id)
    return detail


@router.post(
    "/{report_id}/photos",
    response_model=ReportPrivate,
    summary="Add photos to a report (its reporter, with the tracking token, or staff)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"photos": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    }
                }
            },
        }
    },
)
def add_photos(
    report_id: UUID,
    uploads: PhotoUploadsDep,
    session: SessionDep,
    viewer: ViewerDep,
    storage: StorageDep,
    settings: SettingsDep,
    base: BaseUrlDep,
) -> ReportPrivate:
    """Its reporter (with the tracking token) or staff add photos, up to the limit per report (422 `TooManyPhotos`);
    each is checked, stripped of its metadata and stored with a thumbnail. To anyone else the report is 404.
    """
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)
    if not viewer.sees_private(report, category):
        # Only the reporter or staff may add to a report; to others it is as if it were not there.
        raise ReportNotFound(f"There is no report {report_id} you can add photos to.", report_id=str(report_id))
    cleaned = clean_uploads(uploads, settings)
    photos = attach_photos(
        session, report=report, photos=cleaned, storage=storage, limit=settings.max_photos_per_report
    )
    # Photos are part of what the public sees: `updated_at` moves, so delta sync and the nearby model pick them up.
    report.updated_at = utcnow()
    session.add(report)
    return presenters.to_private(report, category, photos, viewer, base_url=base, grid_m=settings.sensitive_grid_m)
