"""/v1/photos: cleaned photos and thumbnails at stable URLs, under the same privacy rules as reports."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from deal_shared.web.auth_first import TokenFirstRoute
from report_it import reports
from report_it.api.deps import StorageDep, ViewerDep
from report_it.db import SessionDep
from report_it.errors import PhotoNotFound, ReportNotFound
from report_it.models import Photo
from report_it.photos import OUTPUT_CONTENT_TYPE

router = APIRouter(prefix="/v1/photos", tags=["photos"], route_class=TokenFirstRoute)


def _serve(photo_id: UUID, session, viewer, storage, *, thumbnail: bool) -> Response:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise PhotoNotFound(f"There is no photo {photo_id}.")
    try:
        report, category = reports.get_visible_report(session, report_id=photo.report_id, viewer=viewer)
    except ReportNotFound:
        raise PhotoNotFound(f"There is no photo {photo_id}.") from None
    if not (viewer.sees_exact(category) or viewer.holds_tracking_token(report)):
        raise PhotoNotFound(f"There is no photo {photo_id}.")
    data = storage.get(photo.thumbnail_key if thumbnail else photo.storage_key)
    if data is None:
        raise PhotoNotFound(f"The photo {photo_id} is missing from storage.")
    # Public photos never change under their id; private ones must not sit in shared caches.
    cache = "public, max-age=31536000, immutable" if not category.sensitive else "private, no-store"
    return Response(data, media_type=OUTPUT_CONTENT_TYPE, headers={"Cache-Control": cache})


@router.get(
    "/{photo_id}.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="A report's photo (JPEG)",
)
def get_photo(photo_id: UUID, session: SessionDep, viewer: ViewerDep, storage: StorageDep) -> Response:
    """The photo as JPEG, stripped of its metadata, for whoever may see the report; photos of sensitive reports only to
    staff and the reporter, and never cached by shared caches.
    """
    return _serve(photo_id, session, viewer, storage, thumbnail=False)


@router.get(
    "/{photo_id}/thumbnail.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="A report's photo as a thumbnail (JPEG)",
)
def get_thumbnail(photo_id: UUID, session: SessionDep, viewer: ViewerDep, storage: StorageDep) -> Response:
    """A small JPEG of the photo for lists and maps, under the same rules as the photo."""
    return _serve(photo_id, session, viewer, storage, thumbnail=True)
