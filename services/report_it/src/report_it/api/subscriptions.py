"""Stopping e-mails: a subscriber by their unsubscribe link, a reporter with their tracking token."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from sqlmodel import delete

from report_it import reports
from report_it.api.deps import ViewerDep
from report_it.db import SessionDep
from report_it.errors import ReportNotFound
from report_it.models import Subscription

router = APIRouter(tags=["subscriptions"])


@router.post(
    "/v1/subscriptions/{subscription_id}/unsubscribe",
    status_code=204,
    response_class=Response,
    summary="Stop a subscriber's e-mails (the link in each e-mail; RFC 8058 one-click)",
)
def unsubscribe(subscription_id: UUID, session: SessionDep) -> Response:
    # Unknown or already gone: the same answer, so the link reveals nothing and a second click is harmless.
    session.execute(delete(Subscription).where(Subscription.id == subscription_id))
    return Response(status_code=204)


@router.post(
    "/v1/reports/{report_id}/unsubscribe",
    status_code=204,
    response_class=Response,
    summary="The reporter (X-Tracking-Token) stops e-mails about their report",
)
def reporter_unsubscribe(report_id: UUID, session: SessionDep, viewer: ViewerDep) -> Response:
    report, _category = reports.get_visible_report(session, report_id=report_id, viewer=viewer, for_update=True)
    if not viewer.holds_tracking_token(report):
        raise ReportNotFound(f"There is no report {report_id} you reported; send its tracking token.")
    report.reporter_wants_updates = False
    session.add(report)
    return Response(status_code=204)
