"""Hotspots: groups of open reports of one category close in space and time.

The rule: two open reports of the same category are *linked* when they are at most `link_m` metres apart and
were made at most `link_days` days apart. A cluster is a connected group of linked reports (single linkage: a
chain of fly-tips along one lay-by is one hotspot) with at least `min_reports` members, among reports made since
`since` (the newest MAX_REPORTS of them at most). Its centre is the mean position of its members and its radius
the distance from the centre to the farthest member.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from deal_shared.geo import METRES_PER_DEGREE, haversine_m
from deal_shared.report_it import Cluster, Location
from report_it.models import Report
from report_it.reports import OPEN_STATUS_VALUES

# The most open reports one lookup groups, newest first, whatever `since` it is given. Grouping 5,000 takes about
# 0.1 s spread over the borough and 2.6 s in the worst case (all at one spot, 90 days apart, so few pairs link);
# 20,000 at one spot would take 40 s. The borough's open reports of three months are well under it.
MAX_REPORTS = 5_000


class _Links:
    """Union-find over report indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _steps(reports: Sequence[Report], link_m: float) -> tuple[float, float]:
    """Cell sizes in degrees at least one link wide everywhere (longitude degrees shrink towards the poles)."""
    widest = min(89.0, max(abs(r.lat) for r in reports))
    return link_m / METRES_PER_DEGREE, link_m / (METRES_PER_DEGREE * math.cos(math.radians(widest)))


def group_reports(reports: Sequence[Report], *, link_m: float, link_days: float) -> list[list[Report]]:
    """Connected groups of `reports` (all of one category) under the linking rule, in no particular order."""
    if not reports:
        return []
    links = _Links(len(reports))
    lat_step, lon_step = _steps(reports, link_m)
    # Linked reports always sit in the same or a neighbouring cell, so only those are compared.
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, report in enumerate(reports):
        cells[(math.floor(report.lat / lat_step), math.floor(report.lon / lon_step))].append(i)
    window = timedelta(days=link_days)
    for (row, column), members in cells.items():
        neighbours = [j for dr in (-1, 0, 1) for dc in (-1, 0, 1) for j in cells.get((row + dr, column + dc), ())]
        for i in members:
            a = reports[i]
            for j in neighbours:
                if j <= i:
                    continue
                if links.find(i) == links.find(j):
                    continue  # already in one group: where reports crowd, most pairs are
                b = reports[j]
                if abs(a.created_at - b.created_at) <= window and haversine_m(a.lat, a.lon, b.lat, b.lon) <= link_m:
                    links.join(i, j)
    groups: dict[int, list[Report]] = defaultdict(list)
    for i, report in enumerate(reports):
        groups[links.find(i)].append(report)
    return list(groups.values())


def describe(category: str, members: Sequence[Report]) -> Cluster:
    lat = sum(r.lat for r in members) / len(members)
    lon = sum(r.lon for r in members) / len(members)
    ordered = sorted(members, key=lambda r: (r.created_at, r.id))
    return Cluster(
        category=category,
        report_count=len(members),
        centre=Location(lat=round(lat, 6), long=round(lon, 6)),
        radius_m=round(max(haversine_m(lat, lon, r.lat, r.lon) for r in members), 1),
        first_reported_at=ordered[0].created_at,
        last_reported_at=ordered[-1].created_at,
        report_ids=[r.id for r in ordered],
    )


def find_clusters(
    session: Session,
    *,
    categories: Iterable[str],
    since: datetime,
    min_reports: int,
    link_m: float,
    link_days: float,
) -> list[Cluster]:
    """Clusters among open reports of `categories` made since `since`: biggest first, then most recent."""
    query = (
        select(Report)
        .where(
            col(Report.category_code).in_(list(categories)),
            col(Report.status).in_(OPEN_STATUS_VALUES),
            Report.created_at >= since,
        )
        .order_by(col(Report.created_at).desc())
        .limit(MAX_REPORTS)
    )
    by_category: dict[str, list[Report]] = defaultdict(list)
    for report in session.exec(query):
        by_category[report.category_code].append(report)
    found = [
        describe(code, group)
        for code, reports in by_category.items()
        for group in group_reports(reports, link_m=link_m, link_days=link_days)
        if len(group) >= min_reports
    ]
    found.sort(key=lambda c: (-c.report_count, -c.last_reported_at.timestamp(), c.category))
    return found
