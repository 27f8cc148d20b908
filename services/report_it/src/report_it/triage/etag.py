"""A report's entity tag: changes whenever anything an officer decides on changes, so stale copies are refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from deal_shared.errors import StaleVersion
from report_it.models import Report


def etag_of(report: Report) -> str:
    # Every change goes through lifecycle.apply_update, which moves updated_at; the other fields make the tag safe
    # against two changes in one clock tick and against writers that touch a column directly.
    parts = (
        report.updated_at.isoformat(),
        report.status,
        report.priority,
        report.category_code,
        str(report.duplicate_of_id),
        report.reopened_at.isoformat() if report.reopened_at else "",
        str(report.support_count),
        f"{report.lat:.6f},{report.lon:.6f}",
    )
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:20] + '"'


def _normal(tag: str) -> str:
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    return tag if tag.startswith('"') else f'"{tag}"'


def matches(report: Report, if_match: str) -> bool:
    """If-Match semantics: `*`, or any of the listed tags equal to the report's current one."""
    if if_match.strip() == "*":
        return True
    current = etag_of(report)
    return any(_normal(tag) == current for tag in if_match.split(",") if tag.strip())


def check_fresh(report: Report, if_match: str, *, current: Callable[[], dict]) -> None:
    """Refuse a change made from an old copy (412), showing the report as it now is (`current()` renders it)."""
    if not matches(report, if_match):
        raise StaleVersion(
            f"{report.reference} was changed by someone else since you loaded it; here it is as it is now. "
            "Check it and try again with its new etag.",
            current=current(),
            current_etag=etag_of(report),
        )
