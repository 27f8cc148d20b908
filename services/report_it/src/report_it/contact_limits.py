"""How many reports one e-mail address or phone number may make in a day.

A resident reports a handful of problems a week at most; a script with one address reports hundreds. Staff are not
counted (they log what they see all day), nor a report without contact details (the per-address burst limit,
deal_shared.web.rate_limit, bounds those). The limit is over all categories (`contact_reports_per_day`), and lower
for some if configured (`contact_reports_per_day_by_category`), counted over the 24 hours before now.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.errors import TooManyRequests
from report_it.config import Settings
from report_it.models import IdempotencyRecord, Report
from report_it.reports import NewReport
from report_it.visibility import Viewer

WINDOW = timedelta(hours=24)


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
    same_contact = or_(
        *([Report.reporter_email == contact.email] if contact.email else []),
        *([Report.reporter_phone == contact.phone] if contact.phone else []),
    )
    base = select(func.count(), func.min(Report.created_at)).where(same_contact, col(Report.created_at) >= since)
    limits = [(overall, base, "")] if overall > 0 else []
    if in_category > 0:
        limits.append((in_category, base.where(Report.category_code == new.category.code), f" of {new.category.name}"))
    for limit, query, what in limits:
        count, oldest = session.exec(query).one()
        if count >= limit and not (key and session.get(IdempotencyRecord, key) is not None):
            free_at = oldest + WINDOW if oldest is not None else utcnow() + WINDOW
            wait = max(1, int((free_at - utcnow()).total_seconds()) + 1)
            raise TooManyRequests(
                f"These contact details have made {count} reports{what} in the last 24 hours, the most we take from "
                "one person in a day. If there is more to report, please call the council.",
                retry_after_s=wait,
                limit=limit,
            )
