"""Turn rows into wire models, applying the viewer's privacy rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Row

from deal_shared.report_it import (
    FieldChange,
    Location,
    PhotoPublic,
    ReporterContact,
    ReportPrivate,
    ReportPublic,
    ReportStatus,
    ReportUpdatePublic,
    StaffIdentity,
    status_group,
)
from report_it.models import Category, Photo, Report, ReportUpdate
from report_it.visibility import Viewer, coarsen

if TYPE_CHECKING:
    from report_it.reports import NewReportRow


def photo_url(photo: Photo | Row, base_url: str) -> str:
    return f"{base_url}/v1/photos/{photo.id}.jpg"


def photo_public(photo: Photo | Row, base_url: str) -> PhotoPublic:
    return PhotoPublic(
        id=photo.id,
        url=photo_url(photo, base_url),
        thumbnail_url=f"{base_url}/v1/photos/{photo.id}/thumbnail.jpg",
        width=photo.width,
        height=photo.height,
    )


def public_position(
    report: Report | Row | NewReportRow, category: Category, viewer: Viewer, grid_m: int
) -> tuple[bool, float, float]:
    """Whether `viewer` sees the report exactly (its address, description and photos with it), and where it is to
    them: a sensitive category's reports only to a grid cell, but to staff and to the holder of its tracking token."""
    exact = viewer.sees_exact(category) or viewer.holds_tracking_token(report)
    if exact:
        return True, report.lat, report.lon
    return False, *coarsen(report.lat, report.lon, grid_m)


def public_fields(
    report: Report | Row | NewReportRow,
    category: Category,
    photos: list[Photo] | list[Row],
    viewer: Viewer,
    *,
    base_url: str,
    grid_m: int,
) -> dict:
    exact, lat, lon = public_position(report, category, viewer, grid_m)
    status = ReportStatus(report.status)
    return {
        "id": report.id,
        "reference": report.reference,
        "category": category.code,
        "category_name": category.name,
        "group": category.group,
        "status": status,
        "status_group": status_group(status),
        "priority": report.priority,
        "location": Location(lat=lat, long=lon),
        "location_coarsened": not exact,
        "address": report.address if exact else None,
        "description": report.description if exact else None,
        "answers": report.answers if exact else {},
        "channel": report.channel,
        "photos": [photo_public(p, base_url) for p in photos] if exact else [],
        "support_count": report.support_count,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "expected_at": report.expected_at,
        "duplicate_of": report.duplicate_of_id,
    }


def to_public(
    report: Report, category: Category, photos: list[Photo], viewer: Viewer, *, base_url: str, grid_m: int
) -> ReportPublic:
    return ReportPublic(**public_fields(report, category, photos, viewer, base_url=base_url, grid_m=grid_m))


def to_private(
    report: Report, category: Category, photos: list[Photo], viewer: Viewer, *, base_url: str, grid_m: int
) -> ReportPrivate:
    return ReportPrivate(**private_fields(report, category, photos, viewer, base_url=base_url, grid_m=grid_m))


def private_fields(
    report: Report | NewReportRow,
    category: Category,
    photos: list[Photo],
    viewer: Viewer,
    *,
    base_url: str,
    grid_m: int,
) -> dict:
    """What `viewer` may see of a report: the public fields, and the reporter and staff member to those allowed."""
    fields = public_fields(report, category, photos, viewer, base_url=base_url, grid_m=grid_m)
    if viewer.sees_private(report, category):
        has_contact = report.reporter_name or report.reporter_email or report.reporter_phone
        fields["reporter"] = (
            ReporterContact(
                name=report.reporter_name,
                email=report.reporter_email,
                phone=report.reporter_phone,
                wants_updates=report.reporter_wants_updates,
            )
            if has_contact
            else None
        )
        fields["staff"] = (
            StaffIdentity(subject=report.staff_subject, name=report.staff_name, department=report.staff_department)
            if report.staff_subject
            else None
        )
    return fields


def update_public(
    update: ReportUpdate, category: Category, photo: Photo | None, viewer: Viewer, *, base_url: str
) -> ReportUpdatePublic:
    """Staff (who may see the report) get everything; everyone else the public parts only."""
    staff = viewer.is_staff
    changes = [FieldChange.model_validate(c) for c in update.changes]
    if not staff:
        # Where a report moved, and staff-side links and areas, are not the public's business for sensitive reports.
        changes = [
            FieldChange(field=c.field) if c.field == "location" and category.sensitive else c
            for c in changes
            if c.field not in ("duplicates", "footprint")
        ]
    return ReportUpdatePublic(
        id=update.id,
        report_id=update.report_id,
        created_at=update.created_at,
        actor_kind=update.actor_kind,
        actor_name=update.actor_name if staff else None,
        status_from=update.status_from,
        status=update.status_to,
        public_text=update.public_text,
        internal_note=update.internal_note if staff else None,
        changes=changes,
        photo=photo_public(photo, base_url) if photo is not None and (staff or not category.sensitive) else None,
    )
