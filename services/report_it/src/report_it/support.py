"""'Me too': residents adding their support to an existing report, and subscribing to its updates."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from deal_shared.db import utcnow
from deal_shared.report_it import SupportResult
from report_it import confirmations
from report_it.duplicates import root_of
from report_it.models import Category, Report, Subscription
from report_it.outbox import OutboxKind, enqueue


def add_support(
    session: Session, *, report: Report, email: str | None, name: str | None, base_url: str
) -> SupportResult:
    """Count one more supporter (once per e-mail) and subscribe the e-mail, on the original if this is a copy.

    The count is a tally, not a vote: it goes up at once. The subscription waits for its confirmation link, which
    is e-mailed unless one went to the address recently (see `confirmations`)."""
    report = root_of(session, report)
    subscribed = False
    counted = True
    if email:
        email = email.lower()
        try:
            with session.begin_nested():
                session.add(Subscription(report_id=report.id, email=email, name=name))
        except IntegrityError:
            counted = False  # the same person supporting twice counts once
        subscribed = True
        _ask_for_confirmation(session, report=report, email=email, base_url=base_url)
    if counted:
        # In SQL, so concurrent supporters are all counted.
        # A change the public sees: `updated_at` moves, so delta sync and the nearby model pick it up.
        session.execute(
            update(Report)
            .where(Report.id == report.id)
            .values(support_count=Report.support_count + 1, updated_at=utcnow())
        )
    session.flush()
    session.refresh(report)
    return SupportResult(report_id=report.id, support_count=report.support_count, subscribed=subscribed)


def _ask_for_confirmation(session: Session, *, report: Report, email: str, base_url: str) -> None:
    # Locked, so two "me too"s from one address at once send one e-mail between them.
    subscription = session.exec(
        select(Subscription).where(Subscription.report_id == report.id, Subscription.email == email).with_for_update()
    ).one()
    category = session.get(Category, report.category_code)
    now = utcnow()
    if category is None or category.restricted or not confirmations.may_send(session, subscription, now):
        return  # a safeguarding concern is never e-mailed about
    token = confirmations.issue(subscription, now)
    session.add(subscription)
    message = confirmations.email(
        subscription=subscription, report=report, category=category, link=confirmations.link(base_url, token)
    )
    enqueue(session, kind=OutboxKind.email, payload=message, report_id=report.id)
