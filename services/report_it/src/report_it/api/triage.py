"""/v1/triage: the office's queue of new and reopened reports, actions on one or many, and arrivals as events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from deal_shared.auth import Principal, Role, StaffPrincipal
from deal_shared.db import utcnow
from deal_shared.errors import Forbidden, ValidationFailed
from deal_shared.moments import ClientDateTime, as_utc, out_of_range_reason
from deal_shared.report_it import Priority
from deal_shared.triage import BulkOutcome, BulkResult, BulkTriage, TriageAction, TriageDetail, TriageItem, TriagePage
from deal_shared.triage import TriageQueueKind as QueueKind
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import reports
from report_it.api.deps import BaseUrlDep, BoroughDep, SettingsDep, ViewerDep
from report_it.api.idempotent import IdempotencyKeyHeader
from report_it.db import SessionDep
from report_it.errors import PreconditionRequired
from report_it.idempotency import check_key
from report_it.lifecycle import Actor
from report_it.triage import queue
from report_it.triage.bulk import act_on_report, run_bulk
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/triage", tags=["triage"], route_class=TokenFirstRoute)

# How often the event stream looks for arrivals, and how often it says it is still there when none come.
EVENTS_POLL_SECONDS = 1.0
EVENTS_HEARTBEAT_SECONDS = 15.0


def _check_queue_role(kind: QueueKind, principal: Principal) -> None:
    if kind is QueueKind.safeguarding and not principal.has_any(Role.safeguarding):
        raise Forbidden(
            "Safeguarding concerns are only shown to the safeguarding team; this needs the role safeguarding.",
            required_roles=[Role.safeguarding.value],
        )


@router.get("/queue", response_model=TriagePage, summary="Staff: new and reopened reports waiting for triage")
def get_queue(
    principal: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    base: BaseUrlDep,
    kind: Annotated[QueueKind, Query(alias="queue", description="general, or safeguarding (its role only)")] = (
        QueueKind.general
    ),
    category: Annotated[list[str] | None, Query(description="Category codes (repeat for several)")] = None,
    footprint: Annotated[str | None, Query(max_length=32)] = None,
    ward: Annotated[str | None, Query(max_length=32)] = None,
    priority: Priority | None = None,
    order: Annotated[str, Query(pattern="^(oldest|newest)$", description="oldest (default) or newest first")] = (
        "oldest"
    ),
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> TriagePage:
    """Staff: reports waiting for an officer (new, not yet acknowledged, and reopened), oldest first by default,
    filtered by category, footprint, ward and priority, in pages with a cursor and the total matching. The
    `safeguarding` queue holds the restricted categories and is open to the safeguarding role only. Each item carries
    its `etag`.
    """
    _check_queue_role(kind, principal)
    allowed = queue.queue_categories(session, kind=kind, viewer=viewer)
    filters = queue.QueueFilters(
        kind=kind,
        categories=category,
        footprint=footprint,
        ward=ward,
        priority=priority,
        newest_first=order == "newest",
    )
    rows, total, next_cursor = queue.read_queue(
        session, filters=filters, allowed=list(allowed), limit=limit, cursor=cursor
    )
    return TriagePage(items=queue.items_of(session, rows, allowed, base_url=base), total=total, next_cursor=next_cursor)


@router.get("/reports/{report_id}", response_model=TriageDetail, summary="Staff: one report with nearby and hotspot")
def get_report(
    report_id: UUID,
    _staff: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    base: BaseUrlDep,
) -> Any:
    """Staff: the report with what helps decide on it (open reports nearby, the hotspot it belongs to, its timeline),
    and its `ETag` to send with an action.
    """
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)
    detail = queue.detail_of(session, report, category, viewer, base_url=base, settings=settings)
    return JSONResponse(detail.model_dump(mode="json"), headers={"ETag": detail.etag})


@router.post(
    "/reports/{report_id}/actions",
    response_model=TriageItem,
    responses={428: {"description": "PreconditionRequired: no If-Match; send the report's etag"}},
    summary="Staff: acknowledge, recategorise, set priority, merge, close with a template, or note; "
    "If-Match the report's etag; retry safely with Idempotency-Key",
)
def post_action(
    report_id: UUID,
    action: TriageAction,
    principal: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    borough: BoroughDep,
    base: BaseUrlDep,
    if_match: Annotated[str | None, Header(alias="If-Match", description="The etag you saw")] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    """Staff act on one report: `acknowledge` (it becomes a Footprints case, through the outbox), `recategorise`,
    `set_priority`, `merge` as a duplicate of another, `close` with a response template, or `note`. Send the report's
    etag as `If-Match`: none is 428 `PreconditionRequired`, a stale one 412 `StaleVersion` with the report as it now
    is. Send an `Idempotency-Key` to retry safely.
    """
    if not if_match:
        raise PreconditionRequired(
            "Send the report's etag (from the queue or the report) as If-Match, so nobody's change is overwritten.",
            report_id=str(report_id),
        )
    outcome = act_on_report(
        session,
        report_id=report_id,
        action=action,
        if_match=if_match,
        key=check_key(idempotency_key),
        key_kind="triage",
        viewer=viewer,
        actor=Actor.of(principal),
        borough=borough,
        base_url=base,
    )
    headers = {"ETag": outcome.item.etag}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(outcome.item.model_dump(mode="json"), headers=headers)


@router.post(
    "/bulk",
    response_model=BulkResult,
    summary="Staff: one action over a selection, a result per report; each report changed alone and exactly once, "
    "even when the request is retried with the same Idempotency-Key (required)",
)
def post_bulk(
    body: BulkTriage,
    principal: StaffPrincipal,
    request: Request,
    viewer: ViewerDep,
    borough: BoroughDep,
    base: BaseUrlDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> BulkResult:
    """Staff apply one action to up to 1,000 reports, each with the etag the officer saw. Each report is changed in a
    savepoint of its own, so one refusal (stale, not awaiting triage) never undoes another, and the answer holds a
    result per report. The `Idempotency-Key` is required: a retried request replays the reports already done and does
    only those left, each exactly once.
    """
    key = check_key(idempotency_key)
    if key is None:
        raise ValidationFailed(
            "A bulk action needs an Idempotency-Key, so a retry never applies an action to a report twice.",
            errors=[{"field": "header.Idempotency-Key", "reason": "is required"}],
        )
    results = run_bulk(
        request.app.state.engine,
        action=body.action,
        targets=body.items,
        key=key,
        viewer=viewer,
        actor=Actor.of(principal),
        borough=borough,
        base_url=base,
        instance=request.url.path,
    )
    refused = sum(1 for r in results if r.outcome is BulkOutcome.refused)
    return BulkResult(results=results, done=len(results) - refused, refused=refused)


def _arrivals(engine, viewer: Viewer, since: datetime, base: str) -> list[TriageItem]:
    with Session(engine) as session:
        allowed = queue.queue_categories(session, kind=QueueKind.general, viewer=viewer)
        rows = queue.arrivals_since(session, allowed=list(allowed), since=since)
        return queue.items_of(session, rows, allowed, base_url=base)


@router.get(
    "/events",
    summary="Staff: server-sent events, one `arrival` per report entering the general queue",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def get_events(
    request: Request,
    _staff: StaffPrincipal,
    viewer: ViewerDep,
    base: BaseUrlDep,
    since: Annotated[ClientDateTime | None, Query(description="Announce arrivals after this time; default now")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=100)] = None,
) -> StreamingResponse:
    """Staff: a stream of server-sent events, one `arrival` per report entering the general queue after `since` (or the
    `Last-Event-ID` a reconnecting browser sends), so the office shows new reports without polling. The stream stays
    open.
    """
    start = _resume_point(last_event_id) or since or utcnow()
    engine = request.app.state.engine

    async def stream() -> AsyncIterator[str]:
        seen = start
        quiet = 0.0
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            items = await run_in_threadpool(_arrivals, engine, viewer, seen, base)
            for item in items:
                seen = max(seen, item.waiting_since)
                payload = json.dumps(item.model_dump(mode="json"))
                yield f"id: {item.waiting_since.isoformat()}\nevent: arrival\ndata: {payload}\n\n"
            quiet = 0.0 if items else quiet + EVENTS_POLL_SECONDS
            if quiet >= EVENTS_HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": still here\n\n"
            await asyncio.sleep(EVENTS_POLL_SECONDS)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


def _resume_point(last_event_id: str | None) -> datetime | None:
    if not last_event_id:
        return None
    try:
        moment = datetime.fromisoformat(last_event_id)
    except ValueError:
        return None
    # A hand-made Last-Event-ID out of range resumes from now, as a missing one does.
    return None if out_of_range_reason(moment) else as_utc(moment)
