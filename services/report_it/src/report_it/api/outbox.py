"""/v1/outbox: what is waiting to be delivered or was given up on, and a retry, for administrators."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from fastapi import APIRouter
from sqlmodel import col, func, select

from deal_shared.auth import AdminPrincipal
from deal_shared.errors import NotFound
from deal_shared.outbox import OutboxState, send_again
from deal_shared.report_it import OutboxFailure, OutboxSummary
from deal_shared.web.auth_first import TokenFirstRoute
from report_it.db import SessionDep
from report_it.models import OutboxMessage

router = APIRouter(prefix="/v1/outbox", tags=["operations"], route_class=TokenFirstRoute)


class OutboxMessageNotFound(NotFound):
    title = "Outbox message not found"


def _failure(message: OutboxMessage) -> OutboxFailure:
    return OutboxFailure(
        id=message.id,
        kind=message.kind,
        report_id=message.report_id,
        attempts=message.attempts,
        last_error=message.last_error,
        created_at=message.created_at,
    )


@router.get("", response_model=OutboxSummary, summary="Admin: outbox counts by kind and state, recent failures")
def summary(_admin: AdminPrincipal, session: SessionDep) -> OutboxSummary:
    """Administrators: how many outbox messages there are of each kind (case syncs, e-mails, webhooks) in each state
    (pending, delivered, failed), the age of the oldest pending one, and the most recent failures with their last
    error.
    """
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    grouped = select(OutboxMessage.kind, OutboxMessage.state, func.count()).group_by(
        OutboxMessage.kind, OutboxMessage.state
    )
    for kind, state, count in session.exec(grouped):
        counts[kind][state] = count
    oldest = session.exec(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.state == OutboxState.pending.value)
    ).one()
    failed = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.failed.value)
        .order_by(col(OutboxMessage.created_at).desc())
        .limit(50)
    ).all()
    return OutboxSummary(counts=dict(counts), oldest_pending_at=oldest, failures=[_failure(m) for m in failed])


@router.post("/{message_id}/retry", response_model=OutboxFailure, summary="Admin: try a given-up message again")
def retry(message_id: UUID, _admin: AdminPrincipal, session: SessionDep) -> OutboxFailure:
    """Administrators send a message that was given up on (failed after its last attempt) again: it is pending and due
    at once, with its attempts counted afresh. 404 `OutboxMessageNotFound` when no failed message has that id.
    """
    message = session.get(OutboxMessage, message_id)
    if message is None or message.state != OutboxState.failed.value:
        raise OutboxMessageNotFound(f"There is no given-up outbox message {message_id}.", message_id=str(message_id))
    send_again(message)
    session.add(message)
    session.flush()
    return _failure(message)
