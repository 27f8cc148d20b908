"""Staff statistics: the baselines the Deal's impact is measured by (definitions on `ReportStatistics`)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

from sqlmodel import Session, col, select

from deal_shared.report_it import (
    Location,
    RepeatLocation,
    ReportStatistics,
    ReportStatus,
    StatusGroup,
    TimeToFix,
    status_group,
)
from report_it.models import Category, Report
from report_it.visibility import coarsen

REPEAT_GRID_M = 100
UNPLACED = "unplaced"


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(values: list[float], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def compute(
    session: Session,
    *,
    created_from: datetime | None,
    created_to: datetime | None,
    categories: list[str] | None,
) -> ReportStatistics:
    restricted = {c.code for c in session.exec(select(Category).where(Category.restricted == True))}  # noqa: E712
    columns = select(
        Report.category_code,
        Report.status,
        Report.channel,
        Report.footprint_code,
        Report.created_at,
        Report.fixed_at,
        Report.expected_at,
        Report.lat,
        Report.lon,
    )
    if created_from:
        columns = columns.where(Report.created_at >= created_from)
    if created_to:
        columns = columns.where(Report.created_at < created_to)
    if categories:
        columns = columns.where(col(Report.category_code).in_(categories))
    by_category: Counter[str] = Counter()
    by_group: Counter[StatusGroup] = Counter(dict.fromkeys(StatusGroup, 0))
    by_month: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    by_area: Counter[str] = Counter()
    cells: Counter[tuple[str, float, float]] = Counter()
    hours: list[float] = []
    with_target = within_target = 0
    # Plain column tuples, folded into counters as they come: no ORM objects are built.
    for code, status, channel, footprint, created, fixed, expected, lat, lon in session.exec(columns):
        group = status_group(ReportStatus(status))
        by_category[code] += 1
        by_group[group] += 1
        by_month[created.strftime("%Y-%m")] += 1
        by_channel[channel] += 1
        if code not in restricted:
            by_area[footprint or UNPLACED] += 1
            cells[(code, *coarsen(lat, lon, REPEAT_GRID_M))] += 1
        if group is StatusGroup.fixed and fixed is not None:
            hours.append((fixed - created).total_seconds() / 3600)
            if expected is not None:
                with_target += 1
                within_target += fixed <= expected
    repeats = [
        RepeatLocation(category=code, centre=Location(lat=lat, long=lon), report_count=n)
        for (code, lat, lon), n in cells.items()
        if n >= 2
    ]
    repeats.sort(key=lambda r: (-r.report_count, r.category, r.centre.lat, r.centre.long))
    return ReportStatistics(
        created_from=created_from,
        created_to=created_to,
        total=sum(by_category.values()),
        by_category=dict(sorted(by_category.items())),
        by_status_group=dict(by_group),
        by_month=dict(sorted(by_month.items())),
        by_channel=dict(sorted(by_channel.items())),
        by_area=dict(sorted(by_area.items())),
        time_to_fix=TimeToFix(
            fixed_count=len(hours),
            median_hours=_round(median(hours)),
            p90_hours=_round(nearest_rank(hours, 90)),
            with_target_count=with_target,
            within_target_count=within_target,
            within_target_share=round(within_target / with_target, 4) if with_target else None,
        ),
        repeat_locations=repeats,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
