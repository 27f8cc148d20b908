"""The outbox: messages written in the same transaction as the change that caused them, delivered afterwards.

Kinds: `email` (to a reporter or subscriber), `webhook` (to a machine subscriber), `case` (the report's case in
Footprints). `delivery.py` sends them with retries; nothing is lost while a receiver is down.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlmodel import Session

from deal_shared.report_it import ReportStatus
from report_it import notifications, webhooks
from report_it.models import Category, OutboxMessage, Report, ReportUpdate

if TYPE_CHECKING:
    from report_it.reports import NewReportRow


class OutboxKind(StrEnum):
    email = "email"
    webhook = "webhook"
    case = "case"


def enqueue(session: Session, *, kind: OutboxKind, payload: dict[str, Any], report_id: UUID | None) -> OutboxMessage:
    message = OutboxMessage(kind=kind.value, payload=payload, report_id=report_id)
    session.add(message)
    return message


def on_created(session: Session, *, report: Report | NewReportRow, category: Category) -> int:
    """Queue what a new report sets off; returns how many messages that is."""
    deliveries = webhooks.deliveries_for(session, event="report.created", report=report, category=category)
    for hook, body in deliveries:
        enqueue(session, kind=OutboxKind.webhook, payload={"webhook_id": str(hook.id), "body": body}, report_id=None)
    return len(deliveries)


def on_update(session: Session, *, report: Report, category: Category, update: ReportUpdate) -> None:
    for email in notifications.emails_for(session, report=report, category=category, update=update):
        enqueue(session, kind=OutboxKind.email, payload=email, report_id=report.id)
    if webhooks.is_newsworthy(update):
        for hook, body in webhooks.deliveries_for(
            session, event="report.updated", report=report, category=category, update=update
        ):
            enqueue(
                session, kind=OutboxKind.webhook, payload={"webhook_id": str(hook.id), "body": body}, report_id=None
            )
    # Safeguarding concerns are worked by the safeguarding team, never through field caseloads.
    if not category.restricted and _case_needs_sync(report, update):
        report.case_version += 1
        session.add(report)
        enqueue(session, kind=OutboxKind.case, payload={"version": report.case_version}, report_id=report.id)


def _case_needs_sync(report: Report, update: ReportUpdate) -> bool:
    """Footprints hears of a report once it is acknowledged, then of every change to what its case carries."""
    if update.event_id is not None:
        return False  # the change came from Footprints itself
    if update.status_to == ReportStatus.acknowledged and report.case_version == 0:
        return True
    if report.case_version == 0:
        return False
    return bool(update.status_to or update.changes)
