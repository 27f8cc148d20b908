"""CSV exports for council analysts, streamed a batch of rows at a time from the database."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from deal_shared.report_it import ReportStatus, status_group
from deal_shared.spreadsheet import SafeWriter
from report_it.models import Category, Report, ReportUpdate
from report_it.open311.models import Submission

REPORT_COLUMNS = [
    "id",
    "reference",
    "category",
    "category_name",
    "group",
    "team",
    "state",
    "state_group",
    "priority",
    "channel",
    "created",
    "acknowledged",
    "fixed",
    "closed",
    "expected",
    "fixed_within_target",
    "lat",
    "long",
    "address",
    "area",
    "ward",
    "support_count",
    "duplicate_of",
    "logged_by_service",
    "client_attributes",
]
UPDATE_COLUMNS = [
    "id",
    "report_id",
    "reference",
    "category",
    "created",
    "actor",
    "actor_service",
    "state_from",
    "state",
    "public_text",
    "changed_fields",
]
_BATCH = 500


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _csv_lines(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _exportable(session: Session, categories: list[str] | None) -> dict[str, Category]:
    # Safeguarding (restricted) reports are never exported.
    rows = session.exec(select(Category).where(Category.restricted == False)).all()  # noqa: E712
    return {c.code: c for c in rows if not categories or c.code in categories}


def report_rows(
    engine: Engine, *, created_from: datetime | None, created_to: datetime | None, categories: list[str] | None
) -> Iterator[str]:
    def rows() -> Iterator[list]:
        with Session(engine) as session:
            allowed = _exportable(session, categories)
            query = (
                select(Report, Submission.client_attributes)
                .outerjoin(Submission, col(Submission.report_id) == col(Report.id))
                .where(col(Report.category_code).in_(list(allowed)))
            )
            if created_from:
                query = query.where(Report.created_at >= created_from)
            if created_to:
                query = query.where(Report.created_at < created_to)
            query = query.order_by(col(Report.created_at), col(Report.id)).execution_options(yield_per=_BATCH)
            for r, client_attributes in session.exec(query):
                c = allowed[r.category_code]
                status = ReportStatus(r.status)
                within = "" if not (r.fixed_at and r.expected_at) else str(r.fixed_at <= r.expected_at).lower()
                yield [
                    r.id,
                    r.reference,
                    c.code,
                    c.name,
                    c.group,
                    c.skill,
                    status.value,
                    status_group(status).value,
                    r.priority,
                    r.channel,
                    _when(r.created_at),
                    _when(r.acknowledged_at),
                    _when(r.fixed_at),
                    _when(r.closed_at),
                    _when(r.expected_at),
                    within,
                    r.lat,
                    r.lon,
                    r.address or "",
                    r.footprint_code or "",
                    r.ward_code or "",
                    r.support_count,
                    r.duplicate_of_id or "",
                    r.staff_department or "",
                    # What an Open311 client sent beyond the questions (FixMyStreet's uprn, usrn ...), as JSON.
                    json.dumps(client_attributes, sort_keys=True, ensure_ascii=False) if client_attributes else "",
                ]
                session.expunge(r)  # keep memory flat over long exports

    return _csv_lines(REPORT_COLUMNS, rows())


def update_rows(
    engine: Engine, *, created_from: datetime | None, created_to: datetime | None, categories: list[str] | None
) -> Iterator[str]:
    def rows() -> Iterator[list]:
        with Session(engine) as session:
            allowed = _exportable(session, categories)
            query = (
                select(ReportUpdate, Report.reference, Report.category_code)
                .join(Report, col(Report.id) == ReportUpdate.report_id)
                .where(col(Report.category_code).in_(list(allowed)))
            )
            if created_from:
                query = query.where(ReportUpdate.created_at >= created_from)
            if created_to:
                query = query.where(ReportUpdate.created_at < created_to)
            query = query.order_by(col(ReportUpdate.created_at), col(ReportUpdate.id)).execution_options(
                yield_per=_BATCH
            )
            for u, reference, code in session.exec(query):
                yield [
                    u.id,
                    u.report_id,
                    reference,
                    code,
                    _when(u.created_at),
                    u.actor_kind,
                    u.actor_department or "",
                    u.status_from or "",
                    u.status_to or "",
                    u.public_text or "",
                    ";".join(c["field"] for c in u.changes),
                ]
                session.expunge(u)

    return _csv_lines(UPDATE_COLUMNS, rows())
