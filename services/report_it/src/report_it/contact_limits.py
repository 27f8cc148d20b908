"""How many reports one e-mail address or phone number may make in a day, and a hint before a repeat.

A resident reports a handful of problems a week at most; a script with one address reports hundreds. Staff are not
counted (they log what they see all day), nor a report without contact details (the per-address burst limit,
deal_shared.web.rate_limit, bounds those). The limit is over all categories (`contact_reports_per_day`), and lower
for some if configured (`contact_reports_per_day_by_category`), counted over the 24 hours before now.

A repeat is a report of the same category, from the same reporter (contact details, or the member of staff),
within `repeat_hint_m` of one they made in the last `repeat_hint_minutes`: most often the same problem sent twice
(a double tap, a resend from another phone). It is answered 409 PossibleRepeat naming the earlier report, and
taken when sent again with `repeat_confirmed` (two fly-tips on one street are two reports).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.errors import TooManyRequests
from deal_shared.geo import bounding_box, haversine_m
from deal_shared.report_it import ReporterContact
from report_it.config import Settings
from report_it.errors import PossibleRepeat
from report_it.models import IdempotencyRecord, Report
from report_it.reports import NewReport
from report_it.visibility import Viewer

WINDOW = timedelta(hours=24)


def _same_contact(contact: ReporterContact) -> ColumnElement[bool]:
    """Reports with the same e-mail address or the same phone number (either is the same person)."""
    return or_(
        *([Report.reporter_email == contact.email] if contact.email else []),
        *([Report.reporter_phone == contact.phone] if contact.phone else []),
    )


def _already_taken(session: Session, key: str | None) -> bool:
    """Whether `key` already answered a report: its retry is replayed, never refused."""
    return bool(key) and session.get(IdempotencyRecord, key) is not None


def check_contact_limit(
    session: Session, *, new: NewReport, viewer: Viewer, settings: Settings, key: str | None = None
) -> None:
    """Raise TooManyRequests (429, Retry-After) if `new`'s contact has reached a daily limit.

    `key`: the request's Idempotency-Key; a retry of a report already taken is never refused (it gets its answer
    again, even when that report was the last the limit allowed)."""
    contact = new.data.reporter
    if viewer.is_staff or contact is None or not (contact.email or contact.phone):
        return
    overall = settings.contact_reports_per_day
    in_category = settings.contact_reports_per_day_by_category.get(new.category.code, 0)
    if overall <= 0 and in_category <= 0:
        return
    since = utcnow() - WINDOW
    base = select(func.count(), func.min(Report.created_at)).where(
        _same_contact(contact), col(Report.created_at) >= since
    )
    limits = [(overall, base, "")] if overall > 0 else []
    if in_category > 0:
        limits.append((in_category, base.where(Report.category_code == new.category.code), f" of {new.category.name}"))
    for limit, query, what in limits:
        count, oldest = session.exec(query).one()
        if count >= limit and not _already_taken(session, key):
            free_at = oldest + WINDOW if oldest is not None else utcnow() + WINDOW
            wait = max(1, int((free_at - utcnow()).total_seconds()) + 1)
            raise TooManyRequests(
                f"These contact details have made {count} reports{what} in the last 24 hours, the most we take from "
                "one person in a day. If there is more to report, please call the council.",
                retry_after_s=wait,
                limit=limit,
            )


def check_repeat(session: Session, *, new: NewReport, viewer: Viewer, settings: Settings, key: str | None) -> None:
    """Raise PossibleRepeat (409) if `new` looks like its reporter's report of a moment ago, unless confirmed."""
    if new.data.repeat_confirmed or settings.repeat_hint_minutes <= 0 or settings.repeat_hint_m <= 0:
        return
    contact = new.data.reporter
    if viewer.is_staff and viewer.principal is not None:
        same_reporter = Report.staff_subject == viewer.principal.subject
    elif contact is not None and (contact.email or contact.phone):
        same_reporter = _same_contact(contact)
    else:
        return  # nobody to recognise
    lat, lon = new.data.location.lat, new.data.location.long
    min_lat, min_lon, max_lat, max_lon = bounding_box(lat, lon, settings.repeat_hint_m)
    recent = session.exec(
        select(Report)
        .where(
            same_reporter,
            Report.category_code == new.category.code,
            col(Report.created_at) >= utcnow() - timedelta(minutes=settings.repeat_hint_minutes),
            col(Report.lat).between(min_lat, max_lat),
            col(Report.lon).between(min_lon, max_lon),
        )
        .order_by(col(Report.created_at).desc())
        .limit(20)
    ).all()
    for earlier in recent:
        distance = haversine_m(lat, lon, earlier.lat, earlier.lon)
        if distance > settings.repeat_hint_m:
            continue
        if _already_taken(session, key):
            return  # a retry of a report already taken: it gets its answer again
        minutes = max(1, round((utcnow() - earlier.created_at).total_seconds() / 60))
        raise PossibleRepeat(
            f"You reported {new.category.name.lower()} {distance:.0f} m from here {minutes} min ago (our reference "
            f"{earlier.reference}). If this is a different problem, send it again with repeat_confirmed set to true.",
            earlier={
                "id": str(earlier.id),
                "reference": earlier.reference,
                "created_at": earlier.created_at.isoformat(),
                "distance_m": round(distance),
            },
        )
