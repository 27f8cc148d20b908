"""Data retention: reporters' contact details go once a report has been closed (or fixed) for long enough, and an
address never confirmed goes once its confirmation link has expired."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from report_it.confirmations import VALID_FOR
from report_it.models import OutboxMessage, Report, Subscription
from report_it.reports import OPEN_STATUS_VALUES


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
        col(Report.status).not_in(OPEN_STATUS_VALUES),
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


def forget_unconfirmed_subscriptions(session: Session, *, now: datetime | None = None) -> int:
    """Delete subscriptions whose address was never confirmed and whose latest link has expired (or, never sent a
    link, that are older than a link lives): nobody asked to keep that address. Returns how many went."""
    cutoff = (now or utcnow()) - VALID_FOR
    last_asked = func.coalesce(Subscription.confirmation_sent_at, Subscription.created_at)
    stale = delete(Subscription).where(col(Subscription.confirmed_at).is_(None), last_asked < cutoff)
    return session.execute(stale).rowcount
