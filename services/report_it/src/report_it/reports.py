"""Reports: intake, reading, listing and the "already reported nearby?" lookup."""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection, Row, and_, bindparam, func, insert, or_
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.errors import FieldError, ValidationFailed
from deal_shared.geo import METRES_PER_DEGREE, REACH_M, Borough, bounding_box, haversine_m
from deal_shared.report_it import (
    OPEN_STATUSES,
    CategoryQuestion,
    Channel,
    Priority,
    ReportCreate,
    ReportStatus,
)
from deal_shared.sql import one_of_param
from report_it import targets
from report_it.answers import priority_for, validate_answers
from report_it.categories import get_category
from report_it.errors import CategoryStaffOnly, OutsideBorough, ReportNotFound
from report_it.models import Category, Photo, Report
from report_it.visibility import Viewer, hash_token

# Crockford's base32 without I, L, O, U: references are read aloud over the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
OPEN_STATUS_VALUES = [s.value for s in OPEN_STATUSES]
_REPORT_COLUMNS = tuple(Report.__table__.columns)
# One INSERT of a whole report row (its values named report_<column>, see `report_params`); on its own, or as the CTE
# of a statement that writes the report and its idempotency record together.
INSERT_REPORT = insert(Report.__table__).values(
    {column: bindparam(f"report_{column.key}", type_=column.type) for column in _REPORT_COLUMNS}
)
REPORT_INSERT_CTE = INSERT_REPORT.returning(Report.__table__.c.id).cte("new_report")


def new_reference() -> str:
    # Eight characters of 5 bits each from one draw of 40 random bits (a draw per character costs eight reads of
    # the system's random source on every report).
    bits = int.from_bytes(secrets.token_bytes(5), "big")
    chars = "".join(_REFERENCE_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"WG-{chars[:4]}-{chars[4:]}"


def questions_of(category: Category) -> list[CategoryQuestion]:
    return [CategoryQuestion.model_validate(q) for q in category.questions or [] if q is not None]


def expected_at(category: Category, priority: Priority, created_at: datetime) -> datetime | None:
    return targets.expected_at(category, priority, created_at)


def check_within_reach(borough: Borough, lat: float, lon: float, *, where: str = "query") -> None:
    """Refuse a point far outside the borough before any work is done for it (see `geo.REACH_M`)."""
    field = borough.out_of_reach(lat, lon)
    if field is None:
        return
    reason = f"must be within {REACH_M // 1000} km of {borough.name}"
    raise OutsideBorough(
        f"{field}: {reason}; we only deal with problems in and around the borough.",
        errors=[FieldError(field=f"{where}.{field}", reason=reason)],
    )


def check_in_borough(borough: Borough, lat: float, lon: float) -> None:
    if borough.contains(lat, lon):
        return
    metres = borough.distance_outside_m(lat, lon)
    distance = f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"
    raise OutsideBorough(
        f"That location is {distance} outside {borough.name}; we can only deal with problems inside the borough.",
        distance_outside_m=round(metres),
    )


@dataclass(frozen=True)
class NewReport:
    """A validated report, ready to store: everything checked before the transaction writes anything."""

    category: Category
    data: ReportCreate
    answers: dict
    priority: Priority
    channel: Channel


def validate_new_report(
    session: Session, *, data: ReportCreate, viewer: Viewer, borough: Borough, category: Category | None = None
) -> NewReport:
    """`category`: the report's category when the caller has it already (from the in-process cache)."""
    category = category if category is not None else get_category(session, data.category)
    if not category.active:
        raise CategoryStaffOnly(f"The category {category.code!r} is no longer in use.", category=category.code)
    if category.staff_only and not viewer.is_staff:
        raise CategoryStaffOnly(
            f"The category {category.code!r} can only be reported by council staff.", category=category.code
        )
    check_in_borough(borough, data.location.lat, data.location.long)
    questions = questions_of(category)
    answers = validate_answers(questions, data.answers)
    priority = priority_for(questions, answers, Priority(category.default_priority))
    if data.channel is Channel.staff and not viewer.is_staff:
        raise ValidationFailed(
            "Only council staff, signed in, report on the staff channel.",
            errors=[{"field": "body.channel", "reason": "staff is for signed-in council staff"}],
        )
    # Staff reporting from the field are recorded as such whatever channel their client claims.
    channel = Channel.staff if viewer.is_staff and data.channel in (Channel.app, Channel.web) else data.channel
    return NewReport(category=category, data=data, answers=answers, priority=priority, channel=channel)


class NewReportRow(SimpleNamespace):
    """A new report's column values, read by name as a `Report`'s attributes are (presenters, webhooks).

    Report intake writes the row with its own INSERT and answers from these values: an ORM object costs more to
    build than the rest of the request's Python work, and is made (`as_model`) only when the session must hold it.
    """

    def as_model(self) -> Report:
        return Report(**vars(self))


# What each column holds in a new report unless intake sets it, as `Report(...)` would fill it in.
# (Columns with a default factory, the id and times, are always set by intake.)
_NEW_REPORT_DEFAULTS = {
    column.key: field.default
    for column in _REPORT_COLUMNS
    if not (field := Report.model_fields[column.key]).is_required() and field.default_factory is None
}


def new_report_row(*, new: NewReport, viewer: Viewer) -> tuple[NewReportRow, str]:
    """The report's values, not yet stored, and the reporter's secret tracking token (only its hash is kept)."""
    data, principal = new.data, viewer.principal
    token = secrets.token_urlsafe(24)
    now = utcnow()
    reporter = data.reporter
    staff = principal if principal and viewer.is_staff else None
    values = dict(_NEW_REPORT_DEFAULTS)
    values.update(
        id=uuid4(),
        reference=new_reference(),
        category_code=new.category.code,
        status=ReportStatus.submitted.value,
        priority=new.priority.value,
        lat=data.location.lat,
        lon=data.location.long,
        address=data.address or None,
        description=data.description or None,
        answers=new.answers,
        channel=new.channel.value,
        reporter_name=reporter.name if reporter else None,
        reporter_email=reporter.email if reporter else None,
        reporter_phone=reporter.phone if reporter else None,
        reporter_wants_updates=bool(reporter and reporter.wants_updates and (reporter.email or reporter.phone)),
        tracking_token_hash=hash_token(token),
        staff_subject=staff.subject if staff else None,
        staff_name=staff.name if staff else None,
        staff_department=staff.department if staff else None,
        created_at=now,
        updated_at=now,
        expected_at=expected_at(new.category, new.priority, now),
    )
    return NewReportRow(**values), token


def report_params(report: Report | NewReportRow) -> dict[str, Any]:
    """The values of `report` for its INSERT (alone, or as REPORT_INSERT_CTE)."""
    return {f"report_{c.key}": getattr(report, c.key) for c in _REPORT_COLUMNS}


def adopt_stored_report(session: Session, report: Report) -> None:
    """Hand the session a report row written by a statement of its own, as if it had loaded it."""
    make_transient_to_detached(report)
    session.add(report)


def insert_report(session: Session, report: Report | NewReportRow) -> None:
    """The report's INSERT alone; the session is not told of the row (see `store_report` for that)."""
    session.execute(INSERT_REPORT, report_params(report))


def store_report(session: Session, report: Report) -> None:
    # One INSERT written directly, then the row handed to the session as already stored: the same result as
    # add-and-flush without the unit of work's bookkeeping, on the busiest write of the service.
    insert_report(session, report)
    adopt_stored_report(session, report)


def get_visible_report(
    session: Session, *, report_id: UUID, viewer: Viewer, for_update: bool = False
) -> tuple[Report, Category]:
    """`for_update`: lock the row (PostgreSQL) so concurrent changes to one report queue rather than race."""
    if for_update and session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a no-op write takes the database's write lock first, so the read that follows
        # sees the last committed state and no other writer can slip in before this transaction commits.
        session.execute(sa_update(Report).where(col(Report.id) == report_id).values(status=Report.status))
    report = session.get(Report, report_id, with_for_update=for_update or None, populate_existing=for_update)
    category = session.get(Category, report.category_code) if report else None
    # A report the viewer may not see is indistinguishable from one that does not exist.
    if report is None or category is None or not viewer.can_see(report, category):
        raise ReportNotFound(f"There is no report {report_id}.", report_id=str(report_id))
    return report, category


def photos_by_report(session: Session, report_ids: Sequence[UUID]) -> dict[UUID, list[Photo]]:
    grouped: dict[UUID, list[Photo]] = {rid: [] for rid in report_ids}
    if not report_ids:
        return grouped
    query = select(Photo).where(col(Photo.report_id).in_(report_ids)).order_by(Photo.report_id, Photo.position)
    for photo in session.exec(query):
        grouped[photo.report_id].append(photo)
    return grouped


def visible_categories(session: Session, viewer: Viewer) -> dict[str, Category]:
    categories = session.exec(select(Category)).all()
    return {c.code: c for c in categories if viewer.can_see_category(c)}


@dataclass(frozen=True)
class ReportFilters:
    categories: list[str] | None = None
    statuses: list[ReportStatus] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    updated_after: datetime | None = None
    staff_subject: str | None = None


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: UUID


def list_reports(
    session: Session,
    *,
    filters: ReportFilters,
    allowed_categories: Sequence[str],
    limit: int,
    after: Cursor | None,
) -> list[Report]:
    """Newest first; or, for delta sync (`updated_after`), oldest change first so a client can catch up."""
    query = listing_query(filters=filters, allowed_categories=allowed_categories, after=after)
    return list(session.exec(query.limit(limit + 1)).all())


def listing_query(*, filters: ReportFilters, allowed_categories: Sequence[str], after: Cursor | None) -> Any:
    """The reports `list_reports` finds, in its order, unlimited: a caller may choose the columns it loads."""
    wanted = [c for c in allowed_categories if filters.categories is None or c in filters.categories]
    query = select(Report).where(col(Report.category_code).in_(wanted))
    if filters.statuses:
        query = query.where(col(Report.status).in_([s.value for s in filters.statuses]))
    if filters.created_from:
        query = query.where(Report.created_at >= filters.created_from)
    if filters.created_to:
        query = query.where(Report.created_at < filters.created_to)
    if filters.bbox:
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        query = query.where(col(Report.lat).between(min_lat, max_lat), col(Report.lon).between(min_lon, max_lon))
    if filters.staff_subject:
        query = query.where(Report.staff_subject == filters.staff_subject)
    if filters.updated_after:
        query = query.where(Report.updated_at > filters.updated_after)
        if after:
            query = query.where(
                or_(
                    Report.updated_at > after.at,
                    and_(Report.updated_at == after.at, col(Report.id) > after.id),
                )
            )
        query = query.order_by(col(Report.updated_at).asc(), col(Report.id).asc())
    else:
        if after:
            query = query.where(
                or_(
                    Report.created_at < after.at,
                    and_(Report.created_at == after.at, col(Report.id) < after.id),
                )
            )
        query = query.order_by(col(Report.created_at).desc(), col(Report.id).desc())
    return query


# What a public report shows, and nothing more: the nearby lookup is the hottest read, so it loads these columns
# rather than whole rows (the presenters read them by the same names as a Report's attributes).
_NEARBY_COLUMNS = (
    Report.id,
    Report.reference,
    Report.category_code,
    Report.status,
    Report.priority,
    Report.lat,
    Report.lon,
    Report.address,
    Report.description,
    Report.answers,
    Report.channel,
    Report.support_count,
    Report.created_at,
    Report.updated_at,
    Report.expected_at,
    Report.duplicate_of_id,
    Report.tracking_token_hash,
    # Most lookups find reports without photos: counting them here spares the photo query then.
    sa_select(func.count())
    .where(col(Photo.report_id) == col(Report.id))
    .correlate(Report)
    .scalar_subquery()
    .label("photo_count"),
)
# Other public reads (Open311's listing) load the same columns, for the same reason.
PUBLIC_COLUMNS = _NEARBY_COLUMNS


# The flat-earth distance in the query: within a few hundred metres it differs from the great-circle one by parts
# per million, so the database can drop the box's corners, sort and stop after `limit` rows using plain arithmetic
# (any SQL dialect has it); the exact distance is measured here afterwards.
_DX = (col(Report.lon) - bindparam("lon")) * bindparam("metres_per_lon")
_DY = (col(Report.lat) - bindparam("lat")) * METRES_PER_DEGREE
_SQUARED_DISTANCE = _DX * _DX + _DY * _DY
# Built once: executing the same statement object lets SQLAlchemy reuse its compiled form without recomputing a
# cache key per request.
_NEARBY_QUERY = (
    sa_select(*_NEARBY_COLUMNS)
    .where(
        col(Report.category_code) == bindparam("category"),
        col(Report.status).in_(OPEN_STATUS_VALUES),
        col(Report.lat).between(bindparam("min_lat"), bindparam("max_lat")),
        col(Report.lon).between(bindparam("min_lon"), bindparam("max_lon")),
        bindparam("max_squared") >= _SQUARED_DISTANCE,
    )
    .order_by(_SQUARED_DISTANCE)
    .limit(bindparam("limit"))
)
_PUBLIC_ROWS_QUERY = {
    dialect: sa_select(*_NEARBY_COLUMNS).where(one_of_param(col(Report.id), "report_ids", dialect=dialect))
    for dialect in ("postgresql", "sqlite")
}
_PHOTOS_QUERY = {
    dialect: (
        sa_select(Photo.id, Photo.report_id, Photo.width, Photo.height)
        .where(one_of_param(col(Photo.report_id), "report_ids", dialect=dialect))
        .order_by(col(Photo.report_id), col(Photo.position))
    )
    for dialect in ("postgresql", "sqlite")
}


def nearby_open_reports(
    connection: Connection, *, category: Category, lat: float, lon: float, radius_m: float, limit: int = 20
) -> list[tuple[Row, float]]:
    """Open reports of `category` within `radius_m`, nearest first.

    The `(category, status, lat, lon)` index narrows to the bounding box (longitude is checked inside the index);
    the database keeps the nearest `limit` inside the circle.
    """
    min_lat, min_lon, max_lat, max_lon = bounding_box(lat, lon, radius_m)
    margin = radius_m * 1.01  # the flat-earth figure must never drop a report the exact one keeps
    rows = connection.execute(
        _NEARBY_QUERY,
        {
            "category": category.code,
            "min_lat": min_lat,
            "max_lat": max_lat,
            "min_lon": min_lon,
            "max_lon": max_lon,
            "lat": lat,
            "lon": lon,
            "metres_per_lon": METRES_PER_DEGREE * math.cos(math.radians(lat)),
            "max_squared": margin * margin,
            "limit": limit + 5,
        },
    )
    found = []
    for row in rows:
        distance = haversine_m(lat, lon, row.lat, row.lon)
        if distance <= radius_m:
            found.append((row, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


def public_rows(connection: Connection, report_ids: Sequence[UUID]) -> list[Row]:
    """The columns a public report shows (as the nearby lookup reads them), for these reports."""
    if not report_ids:
        return []
    return list(connection.execute(_PUBLIC_ROWS_QUERY[connection.dialect.name], {"report_ids": list(report_ids)}))


def photo_rows_by_report(connection: Connection, reports: Sequence[Row]) -> dict[UUID, list[Row]]:
    """What a public report shows of its photos (id and size), by report, in order, for the nearby lookup's rows."""
    grouped: dict[UUID, list[Row]] = {report.id: [] for report in reports}
    with_photos = [report.id for report in reports if report.photo_count]
    if with_photos:
        query = _PHOTOS_QUERY[connection.dialect.name]
        for row in connection.execute(query, {"report_ids": with_photos}):
            grouped[row.report_id].append(row)
    return grouped
