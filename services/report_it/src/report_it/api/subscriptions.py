"""Update e-mails: confirming a subscription by the link in its confirmation e-mail (double opt-in); stopping
them, by the one-click link in each e-mail, or as the reporter with their tracking token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from deal_shared.errors import ServiceError
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import confirmations, reports, unsubscribing
from report_it.api import confirmation_page
from report_it.api.deps import ViewerDep
from report_it.db import SessionDep
from report_it.errors import ReportNotFound

router = APIRouter(tags=["subscriptions"], route_class=TokenFirstRoute)


class SubscriptionConfirmation(BaseModel):
    report_id: UUID
    report_reference: str
    confirmed: bool
    expires_at: datetime | None = None  # while waiting: when the link stops working


_CONFIRM_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "ConfirmationLinkNotFound: unknown, replaced by a newer link, or unsubscribed"},
    409: {"description": "SubscriptionAlreadyConfirmed: the link was already used"},
    410: {"description": "ConfirmationLinkExpired: past its seven days; support the report again for a new one"},
}


@router.get(
    confirmations.CONFIRM_PATH,
    response_model=SubscriptionConfirmation,
    responses=_CONFIRM_ERRORS,
    summary="The confirmation link: shows what is being confirmed (an HTML page with a Confirm button for "
    "browsers); changes nothing, so link scanners in mail systems cannot confirm",
)
def show_confirmation(token: str, request: Request, session: SessionDep) -> Any:
    """The link in a confirmation e-mail: shows which report is being subscribed to (an HTML page with a Confirm button,
    for browsers) and changes nothing, so mail systems' link scanners cannot confirm. An unknown link is 404
    `ConfirmationLinkNotFound`, an expired one 410 `ConfirmationLinkExpired`.
    """
    try:
        pending = confirmations.find(session, token)
    except ServiceError as error:
        if confirmation_page.wants_html(request):
            return confirmation_page.problem(error)
        raise
    if confirmation_page.wants_html(request):
        return confirmation_page.ask(
            reference=pending.report.reference, category=pending.category.name, path=request.url.path
        )
    return SubscriptionConfirmation(
        report_id=pending.report.id,
        report_reference=pending.report.reference,
        confirmed=False,
        expires_at=pending.expires_at,
    )


@router.post(
    confirmations.CONFIRM_PATH,
    response_model=SubscriptionConfirmation,
    responses=_CONFIRM_ERRORS,
    summary="Confirm a subscription (the Confirm button behind the link); the link works once, and using it again "
    "changes nothing (409 SubscriptionAlreadyConfirmed)",
)
def confirm_subscription(token: str, request: Request, session: SessionDep) -> Any:
    """The Confirm button behind the link: the subscription starts and its holder gets the report's updates. The link
    works once; using it again is 409 `SubscriptionAlreadyConfirmed`.
    """
    try:
        pending = confirmations.confirm(session, token)
    except ServiceError as error:
        if confirmation_page.wants_html(request):
            return confirmation_page.problem(error)
        raise
    if confirmation_page.wants_html(request):
        return confirmation_page.confirmed(reference=pending.report.reference)
    return SubscriptionConfirmation(
        report_id=pending.report.id, report_reference=pending.report.reference, confirmed=True
    )


@router.post(
    "/v1/subscriptions/{key}/unsubscribe",
    status_code=204,
    response_class=Response,
    summary="Stop a subscriber's or reporter's update e-mails (the link in each e-mail; RFC 8058 one-click)",
)
def unsubscribe(key: Annotated[str, Path(max_length=80)], session: SessionDep) -> Response:
    """The unsubscribe link in every update e-mail (RFC 8058 one-click): stops that subscriber's or reporter's e-mails.
    Always 204, for an unknown or used key too, so the link reveals nothing.
    """
    # Unknown or already used: the same answer, so the link reveals nothing and a second click is harmless.
    unsubscribing.stop(session, key)
    return Response(status_code=204)


@router.post(
    "/v1/reports/{report_id}/unsubscribe",
    status_code=204,
    response_class=Response,
    summary="The reporter (X-Tracking-Token) stops e-mails about their report",
)
def reporter_unsubscribe(report_id: UUID, session: SessionDep, viewer: ViewerDep) -> Response:
    """The reporter, with the tracking token as `X-Tracking-Token`, stops the e-mails about their report."""
    report, _category = reports.get_visible_report(session, report_id=report_id, viewer=viewer, for_update=True)
    if not viewer.holds_tracking_token(report):
        raise ReportNotFound(f"There is no report {report_id} you reported; send its tracking token.")
    report.reporter_wants_updates = False
    session.add(report)
    return Response(status_code=204)
