"""Machine subscribers: which webhooks hear of a report, what they are sent, and how it is signed.

Each delivery is a POST of JSON with headers `X-Deal-Event`, `X-Deal-Delivery` (the same id on every retry, so the
receiver can drop repeats), `X-Deal-Timestamp` and `X-Deal-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>" under the webhook's secret>`. Receivers should refuse timestamps more than 5 minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlmodel import Session, select

from deal_shared.report_it import ReportStatus, status_group
from report_it.models import Category, Report, ReportUpdate, Webhook
from report_it.snapshot import RowSnapshot
from report_it.visibility import coarsen

if TYPE_CHECKING:
    from report_it.reports import NewReportRow

# Sensitive reports reach webhooks as a public viewer sees them: position snapped to this grid, no text.
SENSITIVE_GRID_M = 250


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def is_newsworthy(update: ReportUpdate) -> bool:
    return bool(update.status_to or update.public_text or update.changes)


def matches(hook: Webhook, report: Report | NewReportRow) -> bool:
    if hook.categories and report.category_code not in hook.categories:
        return False
    if hook.bbox:
        min_lon, min_lat, max_lon, max_lat = hook.bbox
        if not (min_lat <= report.lat <= max_lat and min_lon <= report.lon <= max_lon):
            return False
    return True


def report_body(report: Report | NewReportRow, category: Category) -> dict[str, Any]:
    lat, lon = (report.lat, report.lon) if not category.sensitive else coarsen(report.lat, report.lon, SENSITIVE_GRID_M)
    status = ReportStatus(report.status)
    return {
        "id": str(report.id),
        "reference": report.reference,
        "category": category.code,
        "category_name": category.name,
        "status": status.value,
        "status_group": status_group(status).value,
        "priority": report.priority,
        "location": {"lat": lat, "long": lon},
        "location_coarsened": category.sensitive,
        "description": None if category.sensitive else report.description,
        "created_at": report.created_at.isoformat(),
        "updated_at": report.updated_at.isoformat(),
        "expected_at": report.expected_at.isoformat() if report.expected_at else None,
        "duplicate_of": str(report.duplicate_of_id) if report.duplicate_of_id else None,
    }


def deliveries_for(
    session: Session,
    *,
    event: str,
    report: Report | NewReportRow,
    category: Category,
    update: ReportUpdate | None = None,
) -> list[tuple[Webhook, dict[str, Any]]]:
    if category.staff_only or category.restricted:
        return []  # staff-only reports never leave the council
    hooks = [h for h in active_webhooks(session) if matches(h, report)]
    if not hooks:
        return []
    body: dict[str, Any] = {"event": event, "report": report_body(report, category)}
    if update is not None:
        body["update"] = {
            "id": str(update.id),
            "created_at": update.created_at.isoformat(),
            "status_from": update.status_from,
            "status": update.status_to,
            "public_text": update.public_text,
            "changes": [c["field"] for c in update.changes],
        }
    return [(hook, body) for hook in hooks]


# Deep in every report and update (lifecycle, case events, Open311) only the session is at hand, so each engine
# has its snapshot of the active webhooks (see report_it.snapshot).
_active_by_engine: WeakKeyDictionary[Engine, RowSnapshot[list[Webhook]]] = WeakKeyDictionary()
_registry_lock = threading.Lock()


def _active_snapshot(session: Session) -> RowSnapshot[list[Webhook]]:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    snapshot = _active_by_engine.get(engine)
    if snapshot is None:
        with _registry_lock:
            query = select(Webhook).where(Webhook.active == True)  # noqa: E712
            snapshot = _active_by_engine.setdefault(engine, RowSnapshot(engine, query, list))
    return snapshot


def active_webhooks(session: Session) -> list[Webhook]:
    """The active webhooks, detached from any session: read them, never change them."""
    return _active_snapshot(session).get()


def forget_active_webhooks(session: Session) -> None:
    """Call after committing a change to the webhooks."""
    _active_snapshot(session).invalidate()


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
