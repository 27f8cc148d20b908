"""/v1/reports/{id}/updates and friends: staff updates, the public timeline, "not fixed" and "me too"."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile

from deal_shared.auth import Principal, Role, StaffPrincipal, require_roles
from deal_shared.errors import ValidationFailed
from deal_shared.report_it import (
    ActorKind,
    CaseEvent,
    NotFixed,
    ReportChange,
    ReportUpdateCreate,
    ReportUpdatePublic,
    Support,
    SupportResult,
)
from deal_shared.versions import DeliveryAnswer
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import case_events, corrections, lifecycle, presenters, reports, support, updates
from report_it.api.deps import BaseUrlDep, BoroughDep, SettingsDep, StorageDep, ViewerDep
from report_it.api.idempotent import IdempotencyKeyHeader, claim_key
from report_it.api.submission import MAX_JSON_BYTES, UnsupportedMediaType, _read_limited, parse_model
from report_it.db import SessionDep
from report_it.errors import ReportNotFound
from report_it.lifecycle import Actor
from report_it.models import Photo, Report
from report_it.photos import clean_photo
from report_it.report_photos import attach_photos

router = APIRouter(prefix="/v1/reports", tags=["updates"], route_class=TokenFirstRoute)

# Staff photos of the work come on top of the reporter's own.
_EXTRA_STAFF_PHOTOS = 6


@dataclass(frozen=True)
class UpdateSubmission:
    update: ReportUpdateCreate
    photo: bytes | None


async def read_update(request: Request, settings: SettingsDep) -> UpdateSubmission:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=2, max_fields=5, max_part_size=MAX_JSON_BYTES)
        raw = form.get("update")
        if not isinstance(raw, str):
            raise ValidationFailed(
                "A multipart update needs an 'update' part holding the update as JSON.",
                errors=[{"field": "body.update", "reason": "is required"}],
            )
        files = [f for f in form.getlist("photo") + form.getlist("photos") if isinstance(f, UploadFile)]
        if len(files) > 1:
            raise ValidationFailed(
                "An update carries at most one photo.", errors=[{"field": "body.photo", "reason": "one only"}]
            )
        photo = await _read_limited(files[0], settings.max_photo_bytes) if files else None
        return UpdateSubmission(update=parse_model(ReportUpdateCreate, raw, prefix=("body", "update")), photo=photo)
    if content_type in ("application/json", ""):
        body = await request.body()
        if not body or len(body) > MAX_JSON_BYTES:
            raise ValidationFailed(
                "Send the update as a JSON object.", errors=[{"field": "body", "reason": "is required"}]
            )
        return UpdateSubmission(update=parse_model(ReportUpdateCreate, body), photo=None)
    raise UnsupportedMediaType("Send the update as application/json, or multipart/form-data with an 'update' part.")


def timeline_of(session, report, category, viewer, base: str) -> list[ReportUpdatePublic]:
    rows = lifecycle.timeline(session, report)
    photo_ids = [u.photo_id for u in rows if u.photo_id]
    photos = {p.id: p for p in (session.get(Photo, pid) for pid in photo_ids) if p is not None}
    return [
        presenters.update_public(u, category, photos.get(u.photo_id) if u.photo_id else None, viewer, base_url=base)
        for u in rows
    ]


@router.post(
    "/{report_id}/updates",
    status_code=201,
    response_model=ReportUpdatePublic,
    summary="Staff: change a report's status and/or add a public text, internal note or one photo; "
    "retry safely with Idempotency-Key",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ReportUpdateCreate"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["update"],
                        "properties": {
                            "update": {"type": "string", "description": "The ReportUpdateCreate object as JSON"},
                            "photo": {"type": "string", "format": "binary"},
                        },
                    }
                },
            },
        }
    },
)
def post_update(
    report_id: UUID,
    submission: Annotated[UpdateSubmission, Depends(read_update)],
    principal: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    storage: StorageDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    """Staff move the report along its lifecycle (`status`, only by an allowed transition: 409 `IllegalTransition`
    otherwise) and/or add a public text, an internal note or one photo; a response template (`template_id`) fills the
    text and status. The update goes on the timeline, and to the reporter, subscribers and webhooks. Send an
    `Idempotency-Key` to retry safely.
    """
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer, for_update=True)
    claimed = claim_key(
        session,
        header=idempotency_key,
        kind="update",
        report_id=report_id,
        request={
            "update": submission.update.model_dump(mode="json"),
            "photo": hashlib.sha256(submission.photo).hexdigest() if submission.photo is not None else None,
            "caller": principal.subject,
        },
    )
    if claimed.replay is not None:
        return claimed.replay
    photo = None
    if submission.photo is not None:
        cleaned = clean_photo(
            submission.photo,
            max_bytes=settings.max_photo_bytes,
            max_pixels=settings.max_photo_pixels,
            max_edge=settings.photo_max_edge,
            thumbnail_edge=settings.thumbnail_edge,
        )
        attached = attach_photos(
            session,
            report=report,
            photos=[cleaned],
            storage=storage,
            limit=settings.max_photos_per_report + _EXTRA_STAFF_PHOTOS,
        )
        photo = next(p for p in attached if p.sha256 == cleaned.source_sha256)
    update = updates.staff_update(
        session, report=report, actor=Actor.of(principal), data=submission.update, photo=photo, viewer=viewer
    )
    created = presenters.update_public(update, category, photo, viewer, base_url=base)
    claimed.remember(session, status_code=201, body=created)
    return created


@router.get(
    "/{report_id}/updates", response_model=list[ReportUpdatePublic], summary="A report's timeline, oldest first"
)
def get_updates(report_id: UUID, session: SessionDep, viewer: ViewerDep, base: BaseUrlDep) -> list[ReportUpdatePublic]:
    """Every update of a report the caller may see: status changes, public texts and, for staff, internal notes and
    corrections, oldest first.
    """
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)
    return timeline_of(session, report, category, viewer, base)


@router.post(
    "/{report_id}/not-fixed",
    status_code=201,
    response_model=ReportUpdatePublic,
    summary="The reporter (X-Tracking-Token) says a fixed problem is still there: reopens it; "
    "retry safely with Idempotency-Key",
)
def post_not_fixed(
    report_id: UUID,
    body: NotFixed,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    """The reporter, with the tracking token as `X-Tracking-Token`, says a fixed problem is still there, within
    `REPORT_IT_REOPEN_DAYS` of the fix: the report reopens with their text. A report not fixed is 409 `NotFixedYet`,
    one fixed too long ago 409 `ReopenWindowClosed`. Send an `Idempotency-Key` to retry safely.
    """
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer, for_update=True)
    if not viewer.holds_tracking_token(report):
        raise ReportNotFound(
            f"There is no report {report_id} you reported; send its tracking token.", report_id=str(report_id)
        )
    claimed = claim_key(
        session,
        header=idempotency_key,
        kind="not-fixed",
        report_id=report_id,
        request={"not_fixed": body.model_dump(mode="json")},
    )
    if claimed.replay is not None:
        return claimed.replay
    update = updates.not_fixed(session, report=report, text=body.text, reopen_days=settings.reopen_days)
    created = presenters.update_public(update, category, None, viewer, base_url=base)
    claimed.remember(session, status_code=201, body=created)
    return created


@router.post(
    "/{report_id}/support",
    response_model=SupportResult,
    summary="'Me too': add your support to a report instead of reporting it again; with an e-mail, get its updates "
    "once you follow the link in the confirmation e-mail; retry safely with Idempotency-Key",
)
def post_support(
    report_id: UUID,
    body: Support,
    session: SessionDep,
    viewer: ViewerDep,
    base: BaseUrlDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    """A resident adds their support to an open report instead of reporting it again; the report counts its supporters.
    With an e-mail address they are sent a confirmation link, and get the report's updates once they follow it. Send
    an `Idempotency-Key` to retry safely.
    """
    report, _category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)
    claimed = claim_key(
        session,
        header=idempotency_key,
        kind="support",
        report_id=report_id,
        request={
            "support": body.model_dump(mode="json"),
            "caller": viewer.principal.subject if viewer.principal else None,
        },
    )
    if claimed.replay is not None:
        return claimed.replay
    result = support.add_support(session, report=report, email=body.email, name=body.name, base_url=base)
    claimed.remember(session, status_code=200, body=result)
    return result


@router.patch(
    "/{report_id}",
    response_model=ReportUpdatePublic,
    summary="Staff: correct a report's category (and so its team), priority or location; each change is recorded",
)
def patch_report(
    report_id: UUID,
    change: ReportChange,
    principal: StaffPrincipal,
    session: SessionDep,
    viewer: ViewerDep,
    borough: BoroughDep,
    base: BaseUrlDep,
) -> ReportUpdatePublic:
    """Staff correct the category (and so the team that deals with it), the priority or the position, with an optional
    public text or internal note. Each change is recorded on the timeline with its old and new value, and the
    report's case in Footprints is updated through the outbox. Nothing to change is 422 `NothingToUpdate`.
    """
    report, _category = reports.get_visible_report(session, report_id=report_id, viewer=viewer, for_update=True)
    update = corrections.change_report(
        session, report=report, change=change, actor=Actor.of(principal), viewer=viewer, borough=borough
    )
    category = reports.get_visible_report(session, report_id=report_id, viewer=viewer)[1]
    return presenters.update_public(update, category, None, viewer, base_url=base)


@router.post(
    "/{report_id}/case-events",
    response_model=DeliveryAnswer,
    summary="Footprints (role service): what happened to the report's case; the same event_id is applied once, and "
    'an event whose sequence is not newer than the last applied is answered 200 "stale, ignored"',
)
def post_case_event(
    report_id: UUID,
    event: CaseEvent,
    principal: Annotated[Principal, Depends(require_roles(Role.service))],
    session: SessionDep,
) -> DeliveryAnswer:
    """Called by Footprints (role `service`) through its outbox: a case event (allocated, reallocated, in progress,
    completed, unallocated) moves the report's status where the lifecycle allows it and goes on its timeline. The
    same `event_id` is applied once; an event whose `sequence` is not newer than the last applied is answered 200
    `stale, ignored`, so deliveries in any order never move a status backwards.
    """
    report = session.get(Report, report_id, with_for_update=True)
    if report is None:
        raise ReportNotFound(f"There is no report {report_id}.", report_id=str(report_id))
    return case_events.record_case_event(
        session, report=report, event=event, actor=Actor.of(principal, kind=ActorKind.service)
    )
