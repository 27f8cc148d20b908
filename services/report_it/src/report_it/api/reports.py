"""/v1/reports: intake, reading, listing (JSON and GeoJSON), nearby, and photos."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from deal_shared.pagination import Page
from deal_shared.report_it import (
    ReportCreated,
    ReportPrivate,
    ReportPublic,
)
from report_it import duplicates, outbox, presenters, reports
from report_it.api.deps import (
    BaseUrlDep,
    BoroughDep,
    CategoriesDep,
    SettingsDep,
    StorageDep,
    ViewerDep,
)
from report_it.api.listing import ListQueryDep, encode_cursor
from report_it.api.submission import PhotoUploadsDep, SubmissionDep
from report_it.api.updates import timeline_of
from report_it.config import Settings
from report_it.db import SessionDep
from report_it.errors import ReportNotFound
from report_it.idempotency import Replay, check_key, claim, remember, request_fingerprint, store_once
from report_it.models import Report
from report_it.photos import CleanPhoto, clean_photo
from report_it.report_photos import attach_photos
from report_it.reports import NewReportRow
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/reports", tags=["reports"])

_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReportCreate"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["report"],
                    "properties": {
                        "report": {"type": "string", "description": "The ReportCreate object as JSON"},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": 6,
                        },
                    },
                }
            },
        },
    }
}


def _clean_all(photos: list[bytes], settings: Settings) -> list[CleanPhoto]:
    return [
        clean_photo(
            data,
            max_bytes=settings.max_photo_bytes,
            max_pixels=settings.max_photo_pixels,
            max_edge=settings.photo_max_edge,
            thumbnail_edge=settings.thumbnail_edge,
        )
        for data in photos
    ]


@router.post(
    "",
    status_code=201,
    response_model=ReportCreated,
    summary="Report a problem (JSON, or multipart with up to 6 photos); retry safely with Idempotency-Key",
    openapi_extra=_CREATE_BODY,
    responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
def create_report(
    submission: SubmissionDep,
    session: SessionDep,
    viewer: ViewerDep,
    categories: CategoriesDep,
    borough: BoroughDep,
    storage: StorageDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    key = check_key(idempotency_key)
    new = reports.validate_new_report(
        session,
        data=submission.report,
        viewer=viewer,
        borough=borough,
        category=categories.get(submission.report.category),
    )
    cleaned = _clean_all(submission.photos, settings)
    fingerprint = (
        request_fingerprint(
            {
                "report": submission.report.model_dump(mode="json"),
                "photos": [p.source_sha256 for p in cleaned],
                "caller": viewer.principal.subject if viewer.principal else None,
            }
        )
        if key
        else ""
    )
    row, token = reports.new_report_row(new=new, viewer=viewer)
    queued = outbox.on_created(session, report=row, category=new.category)

    def created(report: Report | NewReportRow, photos: list) -> ReportCreated:
        owner = Viewer(principal=viewer.principal, tracking_token=token)
        fields = presenters.private_fields(
            report, new.category, photos, owner, base_url=base, grid_m=settings.sensitive_grid_m
        )
        return ReportCreated(**fields, tracking_token=token)

    if not (cleaned or queued) and (key is None or session.get_bind().dialect.name == "postgresql"):
        # The report row (with its key's record) is the only write: one statement, atomic and durable by itself,
        # so it runs without BEGIN and COMMIT, in one round trip instead of three (five with a key). Nothing else
        # in the request needs the row as an ORM object.
        answer = created(row, [])
        if key is None:
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            reports.insert_report(session, row)
        else:
            replay = store_once(
                session,
                write=reports.REPORT_INSERT_CTE,
                params=reports.report_params(row),
                key=key,
                request_hash=fingerprint,
                status_code=201,
                body=answer.model_dump(mode="json"),
            )
            if replay is not None:
                return _replayed(replay)
        # Ends the session's transaction here, in the worker thread (with autocommit, no round trip): left to the
        # session dependency, it would cost another hand-off to the thread pool.
        session.commit()
        return _created_response(answer)

    if key:
        replay = claim(session, key=key, request_hash=fingerprint)
        if replay is not None:
            return _replayed(replay)
    report = row.as_model()
    reports.store_report(session, report)
    # A report made a moment ago has no photos yet: without uploads there is nothing to read or write.
    photos = (
        attach_photos(session, report=report, photos=cleaned, storage=storage, limit=settings.max_photos_per_report)
        if cleaned
        else []
    )
    answer = created(report, photos)
    if key:
        remember(session, key=key, status_code=201, body=answer.model_dump(mode="json"))
    # Committed here, in the request's worker thread, rather than by the session dependency afterwards: that saves
    # a second hand-off to the thread pool, and a failed commit still never becomes a 201.
    session.commit()
    return _created_response(answer)


def _replayed(replay: Replay) -> Response:
    return JSONResponse(
        replay.body,
        status_code=replay.status_code,
        headers={"Idempotent-Replayed": "true", "Location": f"/v1/reports/{replay.body['id']}"},
    )


def _created_response(answer: ReportCreated) -> Response:
    return Response(
        answer.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/v1/reports/{answer.id}"},
    )


@router.get("", response_model=Page[ReportPublic], summary="List reports, newest first, with a cursor")
def list_reports(
    query: ListQueryDep, session: SessionDep, viewer: ViewerDep, settings: SettingsDep, base: BaseUrlDep
) -> Page[ReportPublic]:
    return _page(query, session, viewer, settings, base)


@router.get(
    ".geojson",
    summary="List reports as a GeoJSON FeatureCollection",
    responses={200: {"content": {"application/geo+json": {}}}},
)
def list_reports_geojson(
    query: ListQueryDep, session: SessionDep, viewer: ViewerDep, settings: SettingsDep, base: BaseUrlDep
) -> Response:
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
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)
    photos = reports.photos_by_report(session, [report.id])[report.id]
    detail = presenters.to_private(report, category, photos, viewer, base_url=base, grid_m=settings.sensitive_grid_m)
    detail.duplicates = [d.id for d in duplicates.duplicates_of(session, report)]
    detail.timeline = timeline_of(session, report, category, viewer, base)
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
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)
    if not viewer.sees_private(report, category):
        # Only the reporter or staff may add to a report; to others it is as if it were not there.
        raise ReportNotFound(f"There is no report {report_id} you can add photos to.", report_id=str(report_id))
    cleaned = _clean_all(uploads, settings)
    # A report made a moment ago has no photos yet: without uploads there is nothing to read or write.
    photos = (
        attach_photos(session, report=report, photos=cleaned, storage=storage, limit=settings.max_photos_per_report)
        if cleaned
        else []
    )
    return presenters.to_private(report, category, photos, viewer, base_url=base, grid_m=settings.sensitive_grid_m)
