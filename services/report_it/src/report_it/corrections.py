"""Staff correcting a report's category (and so the team that deals with it), priority or location."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from deal_shared.errors import Forbidden
from deal_shared.geo import Borough
from deal_shared.report_it import Priority, ReportChange
from report_it.categories import get_category
from report_it.lifecycle import Actor, apply_update
from report_it.models import Category, Report, ReportUpdate
from report_it.reports import check_in_borough, expected_at
from report_it.visibility import Viewer


def change_report(
    session: Session, *, report: Report, change: ReportChange, actor: Actor, viewer: Viewer, borough: Borough
) -> ReportUpdate:
    """Apply the corrections in `change` and record each, old and new, on the timeline; the target is recomputed."""
    changes: list[dict[str, Any]] = []
    category = session.get(Category, report.category_code)
    assert category is not None
    if change.category and change.category != report.category_code:
        new_category = get_category(session, change.category)
        if not viewer.can_see_category(new_category):
            raise Forbidden(f"You cannot move reports into {new_category.code}.", category=new_category.code)
        changes.append({"field": "category", "old": report.category_code, "new": new_category.code})
        if new_category.skill != category.skill:
            changes.append({"field": "team", "old": category.skill, "new": new_category.skill})
        report.category_code, category = new_category.code, new_category
    if change.priority and change.priority.value != report.priority:
        changes.append({"field": "priority", "old": report.priority, "new": change.priority.value})
        report.priority = change.priority.value
    if change.location and (change.location.lat, change.location.long) != (report.lat, report.lon):
        check_in_borough(borough, change.location.lat, change.location.long)
        changes.append(
            {
                "field": "location",
                "old": {"lat": report.lat, "long": report.lon},
                "new": {"lat": change.location.lat, "long": change.location.long},
            }
        )
        report.lat, report.lon = change.location.lat, change.location.long
    if any(c["field"] in ("category", "priority") for c in changes):
        new_target = expected_at(category, Priority(report.priority), report.created_at)
        if new_target != report.expected_at:
            old = report.expected_at.isoformat() if report.expected_at else None
            changes.append({"field": "expected_at", "old": old, "new": new_target.isoformat() if new_target else None})
            report.expected_at = new_target
    return apply_update(
        session,
        report=report,
        actor=actor,
        public_text=change.public_text,
        internal_note=change.internal_note,
        changes=changes,
    )
