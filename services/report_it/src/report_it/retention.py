"""Data retention: reporters' contact details go once a report has been closed (or fixed) for long enough."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.report_it import OPEN_STATUSES
from report_it.models import OutboxMessage, Report, Subscription


def months_before(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def anonymise_closed_reports(session: Session, *, months: int, now: datetime | None = None) -> int:
    """Blank the contact details of reports fixed or closed more than `months` ago, with their subscribers and
    e-mails. The reports themselves, their timelines and statistics stay. Returns how many reports changed."""
    cutoff = months_before(now or utcnow(), months)
    ended_at = func.coalesce(Report.closed_at, Report.fixed_at)
    query = select(Report).where(
        col(Report.status).not_in([s.value for s in OPEN_STATUSES]),
        ended_at < cutoff,
        col(Report.anonymised_at).is_(None),
    )
    changed = 0
    stamp = now or utcnow()
    for report in session.exec(query):
        subscribed = session.exec(select(Subscription.id).where(Subscription.report_id == report.id)).first()
        has_contact = report.reporter_name or report.reporter_email or report.reporter_phone or subscribed
        report.reporter_name = report.reporter_email = report.reporter_phone = None
        report.reporter_wants_updates = False
        report.anonymised_at = stamp
        session.add(report)
        session.execute(delete(Subscription).where(Subscription.report_id == report.id))
        session.execute(
            delete(OutboxMessage).where(OutboxMessage.report_id == report.id, OutboxMessage.kind == "email")
        )
        changed += 1 if has_contact else 0
    session.flush()
    return changed
