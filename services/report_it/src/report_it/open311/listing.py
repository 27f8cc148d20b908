"""GET requests: reports of exposed categories, through the same listing and privacy rules as /v1."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row, null
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.report_it import OPEN_STATUSES, Channel, ReportStatus
from deal_shared.sql import one_of
from report_it import presenters
from report_it.models import Category, Photo, Report
from report_it.open311.config import Open311Settings
from report_it.open311.formats import w3c
from report_it.open311.models import Submission
from report_it.open311.params import Params, bad
from report_it.open311.services import exposed_category
from report_it.open311.submit import find_report
from report_it.reports import PUBLIC_COLUMNS, ReportFilters, listing_query, photo_rows_by_report, photos_by_report
from report_it.visibility import Viewer

MAX_IDS = 200
# The public columns but the answers, which Open311 does not show: decoding a thousand rows' JSON took 8 ms.
OPEN311_COLUMNS = tuple(
    null().label("answers") if getattr(column, "key", None) == "answers" else column for column in PUBLIC_COLUMNS
)
# Walking pages re-reads the ones before; past this a client should narrow the dates instead.
MAX_OFFSET = 10_000
_CLOSED = [s for s in ReportStatus if s not in OPEN_STATUSES]
_NOTES = {
    ReportStatus.submitted: "Received",
    ReportStatus.acknowledged: "Received and checked",
    ReportStatus.allocated: "Passed to the team that deals with it",
    ReportStatus.in_progress: "Work is in progress",
    ReportStatus.action_scheduled: "Work is scheduled",
    ReportStatus.fixed: "Fixed",
    ReportStatus.not_council_responsibility: "Not the council's responsibility",
    ReportStatus.duplicate: "Already reported",
    ReportStatus.no_further_action: "No further action",
    ReportStatus.unable_to_locate: "Could not be found",
    ReportStatus.cancelled: "Cancelled",
}


def open311_status(status: str) -> str:
    return "open" if ReportStatus(status) in OPEN_STATUSES else "closed"


def _statuses(params: Params) -> list[ReportStatus] | None:
    chosen: list[ReportStatus] = []
    for value in params.csv("status") or []:
        if value.lower() == "open":
            chosen += sorted(OPEN_STATUSES)
        elif value.lower() == "closed":
            chosen += _CLOSED
        else:
            raise bad("status", f"{value!r} is not a status; use open or closed")
    return chosen or None


def reports_by_ids(session: Session, ids: Sequence[str], exposed: dict[str, Category]) -> list[Report]:
    """The requests named, in the order asked; unknown and unexposed ones are simply absent."""
    if len(ids) > MAX_IDS:
        raise bad("service_request_id", f"at most {MAX_IDS} ids at once")
    found: dict[UUID, Report] = {}
    for service_request_id in ids:
        report = find_report(session, service_request_id)
        if report is not None and report.category_code in exposed:
            found.setdefault(report.id, report)
    return list(found.values())


def search(session: Session, *, params: Params, exposed: dict[str, Category], settings: Open311Settings) -> list[Row]:
    codes = params.csv("service_code")
    for code in codes or []:
        exposed_category(session, code)
    start, end = params.datetime("start_date"), params.datetime("end_date")
    updated_after = params.datetime("updated_after")
    if start and end and end < start:
        raise bad("end_date", "must not be before start_date")
    if start is None and end is None and updated_after is None:
        start = utcnow() - timedelta(days=settings.default_window_days)
    # GeoReport v2 has no paging: a client that does not page (FixMyStreet's import never does) gets every request
    # in the window up to the spec's limit of 1,000, never a first page that silently drops the rest.
    paged = params.get("page", "page_size") is not None
    default_size = settings.default_page_size if paged else settings.max_page_size
    page_size = params.integer("page_size", default=default_size, low=1, high=settings.max_page_size)
    page = params.integer("page", default=1, low=1, high=MAX_OFFSET)
    if (page - 1) * page_size > MAX_OFFSET:
        raise bad("page", f"pages reach {MAX_OFFSET:,} requests at most; narrow start_date and end_date instead")
    filters = ReportFilters(
        categories=codes,
        statuses=_statuses(params),
        created_from=start,
        # end_date is inclusive in Open311; our filter is "before", so take the next second.
        created_to=end + timedelta(seconds=1) if end else None,
        updated_after=updated_after,
    )
    # The public columns only, as rows (with each report's photo count), in list_reports' order: a window of 1,000
    # loaded as whole Report objects took a third of the answer.
    query = listing_query(filters=filters, allowed_categories=list(exposed), after=None)
    query = query.with_only_columns(*OPEN311_COLUMNS).limit(page * page_size + 1)
    rows = list(session.execute(query))
    return rows[(page - 1) * page_size : page * page_size]


def media_links_by_report(session: Session, report_ids: Sequence[UUID]) -> dict[UUID, list[str]]:
    """The links each Open311 submission among these reports sent with it."""
    if not report_ids:
        return {}
    dialect = session.get_bind().dialect.name
    query = select(Submission.report_id, Submission.media_urls).where(
        one_of(col(Submission.report_id), report_ids, dialect=dialect)
    )
    return {row.report_id: row.media_urls for row in session.execute(query)}


def _photos(session: Session, reports: Sequence[Report | Row]) -> dict[UUID, list[Photo] | list[Row]]:
    # Rows from `search` count their photos, so only reports with photos are looked up (about one in ten).
    if reports and not isinstance(reports[0], Report):
        return dict(photo_rows_by_report(session.connection(), reports))
    return dict(photos_by_report(session, [r.id for r in reports]))


def present(
    session: Session,
    reports: Sequence[Report | Row],
    exposed: dict[str, Category],
    *,
    settings: Open311Settings,
    base_url: str,
    grid_m: int,
) -> list[dict[str, Any]]:
    """Public views only (an anonymous viewer): never contact details, whoever asks."""
    photos = _photos(session, reports)
    # Only Open311 submits (and every Open311 report is of that channel) can have sent links.
    links_of = media_links_by_report(session, [r.id for r in reports if r.channel == Channel.open311])
    public_viewer = Viewer()
    out = []
    agency = settings.agency_responsible
    for report in reports:
        # The public fields written straight from the row, by the same privacy rule as /v1's ReportPublic
        # (presenters.public_position): building /v1's whole view per row took a fifth of a thousand-row answer.
        category = exposed[report.category_code]
        exact, lat, lon = presenters.public_position(report, category, public_viewer, grid_m)
        shown = photos[report.id] if exact else ()
        links = links_of.get(report.id) or []
        status = ReportStatus(report.status)
        out.append(
            {
                "service_request_id": str(report.id),
                "status": "open" if status in OPEN_STATUSES else "closed",
                "status_notes": _NOTES.get(status),
                "service_name": category.name,
                "service_code": category.code,
                "description": report.description if exact else None,
                "agency_responsible": agency,
                "service_notice": f"Our reference: {report.reference}",
                "requested_datetime": w3c(report.created_at),
                "updated_datetime": w3c(report.updated_at),
                "expected_datetime": w3c(report.expected_at),
                "address": report.address if exact else None,
                "address_id": None,
                "zipcode": None,
                "lat": lat,
                "long": lon,
                "media_url": presenters.photo_url(shown[0], base_url) if shown else (links[0] if links else None),
            }
        )
    return out
