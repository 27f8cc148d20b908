"""Reading the outcome rollups into figures: sums over months and cells, medians from the fix-time histogram,
month-end backlog as running sums. Reads only `outcome_month`, `outcome_fix_time` and `ward_population`."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from deal_shared.outcomes import OutcomeDimension, OutcomeFigures, OutcomeRow, PopulationSource
from report_it.outcomes.models import MONTH_COUNTERS, OutcomeFixTime, OutcomeMonth, WardPopulation

D = OutcomeDimension
_FLOWS = tuple(c for c in MONTH_COUNTERS if not c.endswith("_delta"))
_COLUMN = {D.month: "month", D.footprint: "footprint_code", D.ward: "ward_code", D.category: "category_code",
           D.channel: "channel"}  # fmt: skip
_ORDER = (D.month, D.footprint, D.ward, D.category, D.channel)


@dataclass(frozen=True)
class OutcomeQuery:
    from_month: str
    to_month: str
    group_by: tuple[OutcomeDimension, ...]
    filters: dict[OutcomeDimension, list[str]]
    # The fix-time percentiles read the histogram, most of a query's cost: a reader that shows none leaves them out.
    fix_times: bool = True


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(histogram: list[tuple[int, int]], positions: list[int]) -> float:
    """The mean of the values at the given 0-based positions of the sorted sample the histogram describes."""
    found: list[int] = []
    seen = 0
    for tenths, n in histogram:
        while positions and positions[0] < seen + n:
            found.append(tenths)
            positions = positions[1:]
        seen += n
    return round(sum(found) / len(found) / 10, 1)


def fix_hours(histogram: list[tuple[int, int]]) -> tuple[float | None, float | None]:
    """Median (middle two averaged) and 90th percentile (nearest rank) of a sorted histogram."""
    n = sum(count for _, count in histogram)
    if not n:
        return None, None
    median = _hours(histogram, sorted({(n - 1) // 2, n // 2}))
    p90 = _hours(histogram, [max(math.ceil(0.9 * n), 1) - 1])
    return median, p90


def _residents(session: Session) -> tuple[dict[tuple[str, str], int], PopulationSource]:
    wards = list(session.exec(select(WardPopulation)))
    by_place = {(w.footprint_code, w.ward_code): w.population for w in wards}
    source = PopulationSource(
        wards=len(wards),
        total=sum(by_place.values()),
        sources=sorted({w.source + (f" ({w.year})" if w.year else "") for w in wards}),
        illustrative=any(w.illustrative for w in wards),
    )
    return by_place, source


def _population(
    by_place: dict[tuple[str, str], int], query: OutcomeQuery, key: dict[OutcomeDimension, str]
) -> int | None:
    footprints = [key[D.footprint]] if D.footprint in key else query.filters.get(D.footprint) or None
    wards = [key[D.ward]] if D.ward in key else query.filters.get(D.ward) or None
    if (footprints and "" in footprints) or (wards and "" in wards):
        return None  # reports not placed anywhere have no residents to divide by
    total = sum(
        n for (fp, ward), n in by_place.items() if (not footprints or fp in footprints) and (not wards or ward in wards)
    )
    return total or None


def _where(table: Any, filters: dict[OutcomeDimension, list[str]]) -> list[Any]:
    return [col(getattr(table, _COLUMN[d])).in_(values) for d, values in filters.items() if values]


def compute(session: Session, query: OutcomeQuery) -> OutcomeFigures:
    dims = [d for d in _ORDER if d in query.group_by]
    by_month = D.month in dims
    places = [d for d in dims if d is not D.month]
    cells = [getattr(OutcomeMonth, _COLUMN[d]) for d in places]
    sums = [func.sum(getattr(OutcomeMonth, c)) for c in MONTH_COUNTERS]
    flows_q = (
        select(OutcomeMonth.month, *cells, *sums)
        .where(col(OutcomeMonth.month) <= query.to_month, *_where(OutcomeMonth, query.filters))
        .group_by(OutcomeMonth.month, *cells)
    )
    flows: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    deltas: dict[tuple[str, ...], dict[str, Counter[str]]] = defaultdict(dict)  # place -> month -> deltas
    for row in session.exec(flows_q):
        month, place = row[0], tuple(row[1 : 1 + len(cells)])
        values = dict(zip(MONTH_COUNTERS, (int(v or 0) for v in row[1 + len(cells) :]), strict=True))
        deltas[place][month] = Counter(backlog=values["backlog_delta"], overdue=values["overdue_delta"])
        if month >= query.from_month:
            flows[(month, *place) if by_month else place].update({k: values[k] for k in _FLOWS})
    months = months_between(query.from_month, query.to_month)
    # Month-end backlog: the running sum of every month's openings less closings, from the first month on.
    ends: dict[tuple[str, ...], Counter[str]] = {}
    for place, by_when in deltas.items():
        running: Counter[str] = Counter()
        for month in months_between(min(by_when), query.to_month):
            running.update(by_when.get(month, Counter()))
            if by_month and month >= query.from_month:
                ends[(month, *place)] = Counter(running)
        if not by_month:
            ends[place] = running
    fix_known = query.fix_times and D.channel not in dims and not query.filters.get(D.channel)
    histograms: dict[tuple[str, ...], Counter[int]] = defaultdict(Counter)
    total_hist: Counter[int] = Counter()
    if fix_known:
        fix_cells = [getattr(OutcomeFixTime, _COLUMN[d]) for d in dims]
        fix_q = (
            select(*fix_cells, OutcomeFixTime.tenths, func.sum(OutcomeFixTime.reports))
            .where(
                col(OutcomeFixTime.month) >= query.from_month,
                col(OutcomeFixTime.month) <= query.to_month,
                *_where(OutcomeFixTime, query.filters),
            )
            .group_by(*fix_cells, OutcomeFixTime.tenths)
        )
        for row in session.exec(fix_q):
            n = int(row[-1] or 0)
            histograms[tuple(row[:-2])][int(row[-2])] += n
            total_hist[int(row[-2])] += n
    by_place, populations = _residents(session)
    keys = set(flows) | {k for k, v in ends.items() if any(v.values())}
    if by_month and not places:
        keys |= {(m,) for m in months}  # every month of the period, a month with nothing included
    channel_totals: Counter[tuple[str, ...]] = Counter()
    if D.channel in dims:
        for key in keys:
            channel_totals[key[:-1]] += flows[key]["reported"]
    out = []
    for key in sorted(keys):
        named = dict(zip(dims, key, strict=True))
        share = _share(flows[key]["reported"], channel_totals[key[:-1]]) if D.channel in dims else None
        histogram = sorted(histograms[key].items()) if fix_known else []
        out.append(_row(named, flows[key], ends.get(key, Counter()), histogram, by_place, query, share))
    total_flows: Counter[str] = Counter()
    for counts in flows.values():
        total_flows.update(counts)
    total_ends: Counter[str] = Counter()
    for by_when in deltas.values():
        for counts in by_when.values():
            total_ends.update(counts)
    total_hist_rows = sorted(total_hist.items()) if fix_known else []
    total = _row({}, total_flows, total_ends, total_hist_rows, by_place, query, None)
    return OutcomeFigures(
        from_month=query.from_month, to_month=query.to_month, group_by=dims, rows=out, total=total,
        populations=populations,
    )  # fmt: skip


def _row(
    named: dict[OutcomeDimension, str],
    flows: Counter[str],
    ends: Counter[str],
    histogram: list[tuple[int, int]],
    by_place: dict[tuple[str, str], int],
    query: OutcomeQuery,
    share: float | None,
) -> OutcomeRow:
    residents = _population(by_place, query, named)
    median, p90 = fix_hours(histogram)
    return OutcomeRow(
        **{d.value: v for d, v in named.items()},
        reported=flows["reported"],
        residents=residents,
        reports_per_1000=round(flows["reported"] / residents * 1000, 2) if residents else None,
        share_of_reported=share,
        fixed=flows["fixed"],
        fixed_first_time=flows["fixed_first_time"],
        fixed_first_time_share=_share(flows["fixed_first_time"], flows["fixed"]),
        with_target=flows["with_target"],
        within_target=flows["within_target"],
        within_target_share=_share(flows["within_target"], flows["with_target"]),
        median_fix_hours=median,
        p90_fix_hours=p90,
        resolutions=flows["resolutions"],
        reopens=flows["reopens"],
        reopen_rate=_share(flows["reopens"], flows["resolutions"]),
        not_council_responsibility=flows["not_council_responsibility"],
        duplicates=flows["duplicates"],
        forwarded=flows["forwarded"],
        forwarded_share=_share(flows["forwarded"], flows["reported"]),
        recategorised=flows["recategorised"],
        moved_footprint=flows["moved_footprint"],
        forwards=flows["forwards"],
        forward_hours_mean=round(flows["forward_tenths"] / flows["forwarded"] / 10, 1) if flows["forwarded"] else None,
        backlog_at_end=ends["backlog"],
        overdue_at_end=ends["overdue"],
    )
