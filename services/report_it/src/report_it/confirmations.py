"""Double opt-in: a subscription gets updates only once its address's owner follows the confirmation link.

The link carries a single-use secret; the subscription keeps only its SHA-256 hash. A new link (and e-mail) goes out
at most once per `RESEND_AFTER` for one subscription and `ADDRESS_DAILY_LIMIT` times a day for one address over all
reports, so "me too" cannot be used to flood a stranger's inbox.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from deal_shared.db import utcnow
from report_it.errors import ConfirmationLinkExpired, ConfirmationLinkNotFound, SubscriptionAlreadyConfirmed
from report_it.models import Category, Report, Subscription
from report_it.visibility import hash_token

VALID_FOR = timedelta(days=7)
RESEND_AFTER = timedelta(hours=1)
ADDRESS_DAILY_LIMIT = 5
CONFIRM_PATH = "/v1/subscriptions/confirm/{token}"
# secrets.token_urlsafe(32): 43 URL-safe characters; anything much longer is not one of ours.
_MAX_TOKEN_LENGTH = 64


@dataclass(frozen=True)
class PendingConfirmation:
    subscription: Subscription
    report: Report
    category: Category
    expires_at: datetime


def expires_at(subscription: Subscription) -> datetime | None:
    sent = subscription.confirmation_sent_at
    return sent + VALID_FOR if sent else None


def may_send(session: Session, subscription: Subscription, now: datetime) -> bool:
    """Not again for this subscription within `RESEND_AFTER`; not beyond the address's daily limit."""
    if subscription.confirmed_at is not None:
        return False
    sent = subscription.confirmation_sent_at
    if sent is not None and now - sent < RESEND_AFTER:
        return False
    recent = col(Subscription.confirmation_sent_at) >= now - timedelta(days=1)
    sent_today = session.exec(
        select(func.count()).select_from(Subscription).where(Subscription.email == subscription.email, recent)
    ).one()
    return sent_today < ADDRESS_DAILY_LIMIT


def issue(subscription: Subscription, now: datetime) -> str:
    """A fresh secret for the subscription's link; any earlier link stops working."""
    token = secrets.token_urlsafe(32)
    subscription.confirmation_token_hash = hash_token(token)
    subscription.confirmation_sent_at = now
    return token


def email(*, subscription: Subscription, report: Report, category: Category, link: str) -> dict[str, Any]:
    """The outbox payload of the confirmation e-mail. It has no unsubscribe link: ignoring it is enough."""
    lines = [
        f"Someone (we hope you) asked for e-mail updates about report {report.reference} ({category.name}).",
    ]
    if report.address and not category.sensitive:  # a sensitive report's place is public only roughly
        lines += ["", f"Where: {report.address}"]
    lines += [
        "",
        f"To start the updates, open this link within {VALID_FOR.days} days and press Confirm:",
        link,
        "",
        "If this was not you, ignore this e-mail: you will get no updates about this report.",
        "",
        "Wigan Council, Report IT",
    ]
    return {
        "to": subscription.email,
        "subject": f"[{report.reference}] Please confirm you want updates",
        "body": "\n".join(lines),
        "subscription_id": None,
    }


def link(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + CONFIRM_PATH.format(token=token)


def find(session: Session, token: str, *, now: datetime | None = None, for_update: bool = False) -> PendingConfirmation:
    """The unconfirmed subscription the token belongs to, or the problem to answer with."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise ConfirmationLinkNotFound(_NOT_FOUND)
    query = select(Subscription).where(Subscription.confirmation_token_hash == hash_token(token))
    if for_update:
        query = query.with_for_update()
    subscription = session.exec(query).first()
    if subscription is None:
        raise ConfirmationLinkNotFound(_NOT_FOUND)
    report = session.get(Report, subscription.report_id)
    category = session.get(Category, report.category_code) if report else None
    if report is None or category is None:
        raise ConfirmationLinkNotFound(_NOT_FOUND)
    if subscription.confirmed_at is not None:
        raise SubscriptionAlreadyConfirmed(
            f"This link was already used: you get e-mail updates about report {report.reference}.",
            report_reference=report.reference,
        )
    expiry = expires_at(subscription)
    if expiry is None or (now or utcnow()) >= expiry:
        raise ConfirmationLinkExpired(
            f"This link expired {VALID_FOR.days} days after it was sent. Add your support to report "
            f"{report.reference} again with your e-mail address to get a new one.",
            report_reference=report.reference,
        )
    return PendingConfirmation(subscription=subscription, report=report, category=category, expires_at=expiry)


def confirm(session: Session, token: str) -> PendingConfirmation:
    now = utcnow()
    pending = find(session, token, now=now, for_update=True)
    pending.subscription.confirmed_at = now
    session.add(pending.subscription)
    session.flush()
    return pending


_NOT_FOUND = (
    "This confirmation link is not one of ours, was replaced by a newer one, or the subscription was stopped. "
    "Use the link in the latest confirmation e-mail."
)
