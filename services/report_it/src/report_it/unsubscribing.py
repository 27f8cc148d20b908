"""The one-click unsubscribe link in every update e-mail (RFC 8058), for subscribers and reporters alike.

A subscriber's link names their subscription by its id, a random UUID that only their e-mails carry. A reporter
has no subscription: their link carries an HMAC of the report's id keyed with the stored hash of its tracking
token, so it needs no new secret, is the same in every e-mail and cannot be made without the database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from uuid import UUID

from sqlmodel import Session, delete

from report_it.models import Report, Subscription

_REPORTER_KEY = re.compile(r"^r-([0-9a-f]{32})-([0-9a-f]{32})$")


def reporter_key(report: Report) -> str:
    return f"r-{report.id.hex}-{_reporter_mac(report)}"


def _reporter_mac(report: Report) -> str:
    return hmac.new(report.tracking_token_hash, b"unsubscribe:" + report.id.bytes, hashlib.sha256).hexdigest()[:32]


def stop(session: Session, key: str) -> None:
    """Stop the e-mails the key is for; an unknown or already used key changes nothing, and says so to nobody."""
    try:
        subscription_id = UUID(key)
    except ValueError:
        subscription_id = None
    if subscription_id is not None:
        session.execute(delete(Subscription).where(Subscription.id == subscription_id))
        return
    match = _REPORTER_KEY.match(key)
    if match is None:
        return
    report = session.get(Report, UUID(match.group(1)), with_for_update=True)
    if report is None or not hmac.compare_digest(_reporter_mac(report), match.group(2)):
        return
    report.reporter_wants_updates = False
    session.add(report)
