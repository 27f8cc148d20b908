"""The report's case in Footprints: built from the report as it is now, upserted by (report_it, report id)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlmodel import Session

from deal_shared.footprints import CaseUpsert, CaseUpserted, FootprintsClient
from deal_shared.report_it import OPEN_STATUSES, ReportStatus
from report_it.models import Category, Report
from report_it.outcomes.refresh import mark_changed

SOURCE_SYSTEM = "report_it"
# A category without a target for the report's priority still needs a due date for allocation.
_DEFAULT_DUE = timedelta(days=14)


def case_for(report: Report, category: Category, *, version: int) -> CaseUpsert:
    return CaseUpsert(
        title=f"{category.name} {report.reference}",
        category=category.code,
        skill=category.skill,
        priority=report.priority,
        effort_points=1,
        location={"lat": report.lat, "long": report.lon},
        due_at=report.expected_at or report.created_at + _DEFAULT_DUE,
        status="open" if ReportStatus(report.status) in OPEN_STATUSES else "closed",
        version=version,
    )


def push_case(client: FootprintsClient, *, report: Report, category: Category) -> CaseUpserted:
    """Upsert the report's case as the report is now, under its latest version: Footprints ignores anything older.
    Called with no transaction open (see `report_it.delivery`)."""
    return client.upsert_case(SOURCE_SYSTEM, str(report.id), case_for(report, category, version=report.case_version))


def record_placement(session: Session, report_id: UUID, case: CaseUpserted) -> None:
    """Keep the footprint and ward Footprints placed the case in (the report's "area")."""
    report = session.get(Report, report_id)
    if report is None:
        return  # erased meanwhile: nothing to place
    if (report.footprint_code, report.ward_code) != (case.footprint_code, case.ward_code):
        report.footprint_code, report.ward_code = case.footprint_code, case.ward_code
        mark_changed(session, report.id)  # a placement does not move `updated_at`; the outcome figures follow it
        session.add(report)
