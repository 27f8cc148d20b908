"""Recording a fly-tipping report's Defra fields, and reading them back (or the defaults, before they are recorded)."""

from __future__ import annotations

from uuid import UUID

from sqlmodel import Session, select

from deal_shared.auth import Principal
from deal_shared.db import utcnow
from deal_shared.flytipping import FIELDS, FlyTippingFields, FlyTippingIncidentPublic
from report_it.errors import ReportNotFound
from report_it.flytipping.codes import CATEGORY, CodeLists
from report_it.flytipping.errors import NotFlyTipping
from report_it.flytipping.models import FlyTippingIncident
from report_it.models import Report


def fly_tipping_report(session: Session, report_id: UUID, *, for_update: bool = False) -> Report:
    report = session.get(Report, report_id, with_for_update=for_update or None)
    if report is None:
        raise ReportNotFound(f"There is no report {report_id}.", report_id=str(report_id))
    if report.category_code != CATEGORY:
        raise NotFlyTipping(
            f"Report {report.reference} is a {report.category_code} report: only fly-tipping reports have a Defra "
            "record.",
            report_id=str(report_id),
            category=report.category_code,
        )
    return report


def incident_of(session: Session, report_id: UUID) -> FlyTippingIncident | None:
    return session.exec(select(FlyTippingIncident).where(FlyTippingIncident.report_id == report_id)).first()


def to_public(report: Report, incident: FlyTippingIncident | None, codes: CodeLists) -> FlyTippingIncidentPublic:
    # Before anything is recorded the suggestions are shown, and every field still counts as missing.
    values = codes.suggest(report.answers or {}) if incident is None else {f: getattr(incident, f) for f in FIELDS}
    return FlyTippingIncidentPublic(
        report_id=report.id,
        reference=report.reference,
        recorded=incident is not None,
        **values,
        missing=codes.missing(values) if incident is not None else list(FIELDS),
        recorded_at=incident.recorded_at if incident else None,
        recorded_by_name=incident.recorded_by_name if incident else None,
    )


def record_incident(
    session: Session, *, report: Report, fields: FlyTippingFields, codes: CodeLists, actor: Principal
) -> FlyTippingIncident:
    """Record (or correct) the report's Defra fields; every one must be a code from its list."""
    values = codes.check(fields)
    incident = incident_of(session, report.id)
    if incident is None:
        incident = FlyTippingIncident(
            report_id=report.id, **values, recorded_by=actor.subject, recorded_by_name=actor.name
        )
    else:
        for field, value in values.items():
            setattr(incident, field, value)
        incident.updated_at, incident.recorded_by, incident.recorded_by_name = utcnow(), actor.subject, actor.name
    session.add(incident)
    session.flush()
    return incident
