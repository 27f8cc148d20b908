"""'Me too': residents adding their support to an existing report, and subscribing to its updates."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from deal_shared.report_it import SupportResult
from report_it.duplicates import root_of
from report_it.models import Report, Subscription


def add_support(session: Session, *, report: Report, email: str | None, name: str | None) -> SupportResult:
    """Count one more supporter (once per e-mail) and subscribe the e-mail, on the original if this is a copy."""
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
    if counted:
        # In SQL, so concurrent supporters are all counted.
        session.execute(update(Report).where(Report.id == report.id).values(support_count=Report.support_count + 1))
    session.flush()
    session.refresh(report)
    return SupportResult(report_id=report.id, support_count=report.support_count, subscribed=subscribed)
