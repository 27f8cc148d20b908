"""Who hears of a report's update by e-mail, and what the e-mail says."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from deal_shared.report_it import ReportStatus, StatusGroup, status_group
from report_it import unsubscribing
from report_it.models import Category, Report, ReportUpdate, Subscription

_STATUS_WORDS = {
    ReportStatus.acknowledged: "has been acknowledged",
    ReportStatus.allocated: "has been given to a team",
    ReportStatus.in_progress: "is being worked on",
    ReportStatus.action_scheduled: "has work scheduled",
    ReportStatus.fixed: "has been fixed",
    ReportStatus.not_council_responsibility: "is not the council's responsibility",
    ReportStatus.duplicate: "duplicates another report; you will now hear of that one",
    ReportStatus.no_further_action: "has been closed with no further action",
    ReportStatus.unable_to_locate: "has been closed: we could not find the problem",
    ReportStatus.cancelled: "has been cancelled",
}


def is_notifiable(update: ReportUpdate) -> bool:
    """Residents hear of acknowledgement, fixes, closures and any public text; not of internal moves."""
    if update.public_text:
        return True
    if update.status_to is None:
        return False
    new = ReportStatus(update.status_to)
    return new in (ReportStatus.acknowledged, ReportStatus.fixed) or status_group(new) is StatusGroup.closed


def recipients(session: Session, report: Report) -> dict[str, str]:
    """The reporter (if they asked for updates) and confirmed subscribers, of this report and of its duplicates:
    each address once, with the key of its one-click unsubscribe link (see `unsubscribing`)."""
    family = [report, *session.exec(select(Report).where(Report.duplicate_of_id == report.id)).all()]
    emails: dict[str, str] = {}
    for member in family:
        if member.reporter_email and member.reporter_wants_updates:
            emails[member.reporter_email.lower()] = unsubscribing.reporter_key(member)
    ids = [m.id for m in family]
    # Only confirmed subscriptions: anyone may type any address into "me too"; its owner must opt in.
    confirmed = select(Subscription).where(
        col(Subscription.report_id).in_(ids), col(Subscription.confirmed_at).is_not(None)
    )
    for subscription in session.exec(confirmed):
        emails.setdefault(subscription.email.lower(), str(subscription.id))
    return emails


def compose(report: Report, category: Category, update: ReportUpdate) -> tuple[str, str]:
    lines = [f"Your report {report.reference} ({category.name})"]
    if update.status_to:
        lines[0] += f" {_STATUS_WORDS.get(ReportStatus(update.status_to), 'has been updated')}."
    else:
        lines[0] += " has an update."
    if update.public_text:
        lines += ["", update.public_text]
    if report.address:
        lines += ["", f"Where: {report.address}"]
    lines += ["", "Wigan Council, Report IT", "You get these e-mails because you reported or supported this problem."]
    state = ReportStatus(update.status_to).value.replace("_", " ") if update.status_to else "update"
    return f"[{report.reference}] {category.name}: {state}", "\n".join(lines)


def emails_for(session: Session, *, report: Report, category: Category, update: ReportUpdate) -> list[dict[str, Any]]:
    if not is_notifiable(update) or category.restricted:
        return []  # a safeguarding concern is never e-mailed about
    subject, body = compose(report, category, update)
    return [
        {
            "to": to,
            "subject": subject,
            "body": body,
            "update_id": str(update.id),
            # The deliverer builds the unsubscribe link from this key (the name predates reporters' links).
            "subscription_id": key,
        }
        for to, key in recipients(session, report).items()
    ]
