"""Service request updates (FixMyStreet's Open311 extension): the public timeline out, clients' updates in.

Updates go in through the lifecycle's `apply_update`, the one way anything changes a report's status.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.report_it import ActorKind, ReportStatus
from report_it.config import Settings
from report_it.errors import TooManyPhotos
from report_it.lifecycle import TRANSITIONS, Actor, apply_update, is_correction
from report_it.models import Category, Photo, Report, ReportUpdate
from report_it.open311 import statuses
from report_it.open311.config import Open311Settings
from report_it.open311.errors import UnknownRequest
from report_it.open311.formats import w3c
from report_it.open311.models import ApiKey, UpdateReceipt
from report_it.open311.params import Params, bad
from report_it.open311.submit import cleaned_photos, find_report, media_urls
from report_it.report_photos import attach_photos
from report_it.storage import PhotoStorage


def _statuses_over_time(session: Session, report_ids: set[UUID]) -> dict[UUID, list[tuple[Any, str, str | None]]]:
    """Each report's status changes, oldest first: (when, status, status before)."""
    changes: dict[UUID, list[tuple[Any, str, str | None]]] = defaultdict(list)
    if not report_ids:
        return changes
    query = (
        select(ReportUpdate)
        .where(col(ReportUpdate.report_id).in_(report_ids), col(ReportUpdate.status_to).is_not(None))
        .order_by(col(ReportUpdate.created_at), col(ReportUpdate.id))
    )
    for update in session.exec(query):
        changes[update.report_id].append((update.created_at, update.status_to, update.status_from))
    return changes


def _status_at(changes: list[tuple[Any, str, str | None]], update: ReportUpdate) -> str:
    if update.status_to:
        return statuses.fixmystreet(ReportStatus(update.status_to))
    # A message alone: the report's status when it was written.
    index = bisect_right([when for when, _, _ in changes], update.created_at)
    return statuses.fixmystreet(ReportStatus(changes[index - 1][1]) if index else ReportStatus.submitted)


def list_updates(
    session: Session, *, params: Params, exposed: dict[str, Category], settings: Open311Settings, base_url: str
) -> list[dict[str, Any]]:
    """Public updates (a status change or a public message) of exposed categories; never internal notes."""
    start, end = params.datetime("start_date"), params.datetime("end_date")
    if start and end and end < start:
        raise bad("end_date", "must not be before start_date")
    if start is None and end is None:
        start = utcnow() - timedelta(days=settings.default_window_days)
    query = (
        select(ReportUpdate)
        .join(Report, col(Report.id) == col(ReportUpdate.report_id))
        .where(col(Report.category_code).in_(list(exposed)))
        .where(or_(col(ReportUpdate.status_to).is_not(None), col(ReportUpdate.public_text).is_not(None)))
    )
    if start:
        query = query.where(ReportUpdate.created_at >= start)
    if end:
        query = query.where(ReportUpdate.created_at <= end)
    query = query.order_by(col(ReportUpdate.created_at), col(ReportUpdate.id)).limit(settings.max_page_size)
    updates = list(session.exec(query).all())
    changes = _statuses_over_time(session, {u.report_id for u in updates})
    photo_ids = [u.photo_id for u in updates if u.photo_id]
    photos = {p.id for p in session.exec(select(Photo).where(col(Photo.id).in_(photo_ids)))} if photo_ids else set()
    links = _receipt_links(session, [u.id for u in updates])
    return [
        {
            "update_id": str(update.id),
            "service_request_id": str(update.report_id),
            "status": _status_at(changes[update.report_id], update),
            "updated_datetime": w3c(update.created_at),
            "description": update.public_text or "",
            "media_url": f"{base_url}/v1/photos/{update.photo_id}.jpg"
            if update.photo_id in photos
            else links.get(update.id),
        }
        for update in updates
    ]


def _receipt_links(session: Session, update_ids: list[UUID]) -> dict[UUID, str]:
    if not update_ids:
        return {}
    query = select(UpdateReceipt).where(
        col(UpdateReceipt.report_update_id).in_(update_ids), col(UpdateReceipt.media_url).is_not(None)
    )
    return {r.report_update_id: r.media_url for r in session.exec(query) if r.report_update_id and r.media_url}


def _receipt(session: Session, api_key_id: UUID, update_id: str | None) -> UpdateReceipt | None:
    if update_id is None:
        return None
    query = select(UpdateReceipt).where(UpdateReceipt.api_key_id == api_key_id, UpdateReceipt.update_id == update_id)
    return session.exec(query).first()


def _answer(receipt: UpdateReceipt) -> str:
    return str(receipt.report_update_id or receipt.id)


def _status_move(raw_status: str, current: ReportStatus) -> tuple[ReportStatus | None, str | None]:
    """The status a client's update moves the report to (None: leave it), and a note for staff when a move it
    asked for cannot be made.

    An echo of our own status moves nothing. A move the lifecycle does not allow is not refused: FixMyStreet
    retries a refused update every half hour for ever and holds back the problem's later updates behind it, so
    the update is taken (its text reaches the timeline) and staff are told what was asked.
    """
    if statuses.is_echo(raw_status, current=current):
        return None, None
    new = statuses.ours(raw_status, current=current)
    if new is None or new is current:
        return None, None
    if new in TRANSITIONS[current] or is_correction(current, new):
        return new, None
    return None, (
        f"The client asked for status {raw_status.strip().upper()}, which a report that is {current.value} "
        "cannot move to; the status was left as it is."
    )


def _attached_photos(
    session: Session, params: Params, *, report: Report, settings: Settings, storage: PhotoStorage
) -> list[Photo]:
    cleaned = cleaned_photos(params, settings)
    if not cleaned:
        return []
    try:
        return attach_photos(
            session, report=report, photos=cleaned, storage=storage, limit=settings.max_photos_per_report
        )
    except TooManyPhotos as exc:
        raise bad(params.uploads[0].part, exc.detail) from None


def post_update(
    session: Session,
    *,
    params: Params,
    api_key: ApiKey,
    exposed: dict[str, Category],
    settings: Settings,
    storage: PhotoStorage,
) -> str:
    """Apply a client's update once per update_id; returns the update_id to answer with (ours).

    Photo files (FixMyStreet's `photo1`, ... with `upload_files`) go through the same cleaning as /v1's and are
    attached to the report; the update carries the first, so the timeline and servicerequestupdates show it."""
    key_id, key_name = api_key.id, api_key.name
    service_request_id = params.get("service_request_id")
    if service_request_id is None:
        raise bad("service_request_id", "is required")
    report = find_report(session, service_request_id)
    if report is None or report.category_code not in exposed:
        raise UnknownRequest(f"There is no request {service_request_id!r}.", service_request_id=service_request_id)
    update_id = params.text("update_id", max_length=200)
    earlier = _receipt(session, key_id, update_id)
    if earlier is not None:
        return _answer(earlier)
    raw_status = params.get("status")
    if raw_status is None:
        raise bad("status", f"is required: one of {', '.join(s.upper() for s in statuses.ACCEPTED)}")
    current = ReportStatus(report.status)
    params.datetime("updated_datetime")  # checked, not trusted: the timeline records when we heard of it
    description = params.text("description", max_length=4000)
    links = media_urls(params)
    photos = _attached_photos(session, params, report=report, settings=settings, storage=storage)
    new, note = _status_move(raw_status, current)
    applied = None
    if new is not None or description or note or photos:
        actor = Actor(kind=ActorKind.service, name=key_name)
        applied = apply_update(
            session,
            report=report,
            actor=actor,
            status=new,
            public_text=description,
            internal_note=note,
            photo=photos[0] if photos else None,
            correcting=new is not None and is_correction(current, new),
        )
    receipt = UpdateReceipt(
        api_key_id=key_id,
        update_id=update_id,
        report_id=report.id,
        report_update_id=applied.id if applied else None,
        media_url=links[0] if links else None,
    )
    session.add(receipt)
    try:
        session.flush()
    except IntegrityError:
        # The same update_id raced in twice: this one is rolled back and the first one's answer given.
        session.rollback()
        earlier = _receipt(session, key_id, update_id)
        if earlier is None:
            raise
        return _answer(earlier)
    return _answer(receipt)
