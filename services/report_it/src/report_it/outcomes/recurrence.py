"""Hotspot recurrence: do reports come back after a hotspot is cleared? A difference in differences.

A hotspot here is a group of reports of one category under the same linking rule as the live hotspots
(`report_it.clusters`), whatever their status now. It is *cleared* when every one of its reports is fixed or closed,
at the moment the last of them was, or when a community clean-up of its category was held at its place after its
first report (as Volunteering records it), whichever came first in the period. For each hotspot cleared in the
period, and whose weeks after have passed:

- `before` and `after`: reports of its category made within its place (its radius, and at least the linking
  distance) in the `weeks` before the clear-up and in the `weeks` after;
- its comparisons: the other hotspots of the category that were active in the weeks before (begun before the
  clear-up, with a report in those weeks or after),
  were not cleared within the weeks before or after, and do not overlap it; each is counted at its own place over
  the same weeks;
- the difference in differences: (after - before) minus the comparisons' mean (after - before).

The estimate is the mean over cleared hotspots with at least one comparison. Definitions are in docs/outcomes.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlmodel import Session, col, select

from deal_shared.geo import METRES_PER_DEGREE, haversine_m
from deal_shared.moments import as_utc
from deal_shared.outcomes import HotspotBeforeAfter, HotspotRecurrence
from deal_shared.report_it import StatusGroup, status_group
from deal_shared.volunteering import CleanUpHeld
from report_it.clusters import group_reports
from report_it.models import Report

# The most reports one answer reads (newest first), as the live hotspots do: the borough's reports of a category
# over a year and the weeks either side stay well under it.
MAX_REPORTS = 20_000


@dataclass(frozen=True)
class Hotspot:
    category: str
    lat: float
    lon: float
    radius_m: float
    report_ids: frozenset[UUID]
    first_reported_at: datetime
    last_reported_at: datetime
    cleared_at: datetime | None


def _hotspot(category: str, members: Sequence[Row], *, link_m: float) -> Hotspot:
    lat = sum(r.lat for r in members) / len(members)
    lon = sum(r.lon for r in members) / len(members)
    spread = max(haversine_m(lat, lon, r.lat, r.lon) for r in members)
    done = all(status_group(r.status) is not StatusGroup.open for r in members)
    ends = [as_utc(moment) for r in members for moment in (r.fixed_at, r.closed_at) if moment is not None]
    return Hotspot(
        category=category,
        lat=lat,
        lon=lon,
        radius_m=max(spread, link_m),
        report_ids=frozenset(r.id for r in members),
        first_reported_at=min(as_utc(r.created_at) for r in members),
        last_reported_at=max(as_utc(r.created_at) for r in members),
        cleared_at=max(ends) if done and ends else None,
    )


def _count_near(reports: Sequence[Row], spot: Hotspot, start: datetime, end: datetime) -> int:
    """Reports made in [start, end) within `spot`'s radius of its centre."""
    lat_span = spot.radius_m / METRES_PER_DEGREE
    lon_span = lat_span / max(math.cos(math.radians(spot.lat)), 1e-6)
    return sum(
        1
        for r in reports
        if start <= r.created_at < end
        and abs(r.lat - spot.lat) <= lat_span
        and abs(r.lon - spot.lon) <= lon_span
        and haversine_m(spot.lat, spot.lon, r.lat, r.lon) <= spot.radius_m
    )


def _cleared(
    spot: Hotspot, cleanups: Sequence[CleanUpHeld], start: datetime, end: datetime
) -> tuple[datetime, str] | None:
    """When and how `spot` was first cleared within [start, end): by its reports' fixes, or by a clean-up."""
    moments = []
    if spot.cleared_at is not None and start <= spot.cleared_at < end:
        moments.append((spot.cleared_at, "fixed"))
    for cleanup in cleanups:
        held = as_utc(cleanup.held_at) if cleanup.held_at else None
        if (
            held is not None
            and cleanup.category == spot.category
            and start <= held < end
            and held > spot.first_reported_at
            and haversine_m(spot.lat, spot.lon, cleanup.lat, cleanup.long) <= spot.radius_m
        ):
            moments.append((held, "clean_up"))
    return min(moments) if moments else None


def _disturbed(spot: Hotspot, cleanups: Sequence[CleanUpHeld], start: datetime, end: datetime) -> bool:
    """Whether `spot` was cleared, by fixes or a clean-up, within [start, end): no comparison then."""
    return _cleared(spot, cleanups, start, end) is not None


def _apart(a: Hotspot, b: Hotspot) -> bool:
    return haversine_m(a.lat, a.lon, b.lat, b.lon) > a.radius_m + b.radius_m


def _load(session: Session, categories: list[str], start: datetime, end: datetime) -> dict[str, list[Any]]:
    query = (
        select(
            Report.id,
            Report.category_code,
            Report.lat,
            Report.lon,
            Report.created_at,
            Report.status,
            Report.fixed_at,
            Report.closed_at,
        )
        .where(col(Report.category_code).in_(categories), Report.created_at >= start, Report.created_at < end)
        .order_by(col(Report.created_at).desc())
        .limit(MAX_REPORTS)
    )
    by_category: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(query):
        by_category[row.category_code].append(row)
    return by_category


def recurrence(
    session: Session,
    *,
    categories: list[str],
    period_start: datetime,
    period_end: datetime,
    from_month: str,
    to_month: str,
    weeks: int,
    now: datetime,
    link_m: float,
    link_days: float,
    min_reports: int,
    cleanups: Sequence[CleanUpHeld] = (),
    cleanups_note: str | None = None,
) -> HotspotRecurrence:
    window = timedelta(weeks=weeks)
    # Hotspots cleared in the period may have begun long before it: their reports are read from a year earlier.
    reports = _load(session, categories, period_start - window - timedelta(days=365), period_end + window)
    cleared: list[HotspotBeforeAfter] = []
    too_recent = 0
    for category, rows in sorted(reports.items()):
        spots = [
            _hotspot(category, group, link_m=link_m)
            for group in group_reports(rows, link_m=link_m, link_days=link_days)
            if len(group) >= min_reports
        ]
        for spot in spots:
            clear = _cleared(spot, cleanups, period_start, period_end)
            if clear is None:
                continue
            when, how = clear
            if when + window > now:
                too_recent += 1
                continue
            before = _count_near(rows, spot, when - window, when)
            after = _count_near(rows, spot, when, when + window)
            comparable = [
                other
                for other in spots
                if other is not spot
                and other.first_reported_at < when
                and other.last_reported_at >= when - window
                and not _disturbed(other, cleanups, when - window, when + window)
                and _apart(spot, other)
            ]
            changes = [
                (_count_near(rows, other, when - window, when), _count_near(rows, other, when, when + window))
                for other in comparable
            ]
            mean_before = sum(b for b, _ in changes) / len(changes) if changes else None
            mean_after = sum(a for _, a in changes) / len(changes) if changes else None
            did = (
                (after - before) - (mean_after - mean_before)
                if mean_before is not None and mean_after is not None
                else None
            )
            cleared.append(
                HotspotBeforeAfter(
                    category=category,
                    centre_lat=round(spot.lat, 6),
                    centre_long=round(spot.lon, 6),
                    radius_m=round(spot.radius_m, 1),
                    report_count=len(spot.report_ids),
                    cleared_at=when,
                    cleared_by=how,
                    before=before,
                    after=after,
                    comparisons=len(changes),
                    comparison_before=None if mean_before is None else round(mean_before, 3),
                    comparison_after=None if mean_after is None else round(mean_after, 3),
                    difference_in_differences=None if did is None else round(did, 3),
                )
            )
    cleared.sort(key=lambda c: (c.cleared_at, c.category, c.centre_lat, c.centre_long))
    estimates = [c.difference_in_differences for c in cleared if c.difference_in_differences is not None]
    return HotspotRecurrence(
        from_month=from_month,
        to_month=to_month,
        weeks=weeks,
        categories=sorted(categories),
        cleared=cleared,
        too_recent=too_recent,
        estimated_from=len(estimates),
        cleanups_counted=cleanups_note is None,
        cleanups_note=cleanups_note,
        difference_in_differences=round(sum(estimates) / len(estimates), 3) if estimates else None,
    )
