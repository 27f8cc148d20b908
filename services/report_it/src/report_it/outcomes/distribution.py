"""Time-to-fix distributions: reports fixed in a period counted in bands of working time, per footprint, read from
the fix-time histogram (`outcome_fix_time`)."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func
from sqlmodel import Session, col, select

from deal_shared.errors import FieldError
from deal_shared.outcomes import FixTimeBand, FixTimeDistribution, FixTimeRow, OutcomeDimension
from report_it.errors import InvalidOutcomeQuery
from report_it.outcomes.measures import OutcomeQuery, fix_hours
from report_it.outcomes.models import OutcomeFixTime

# In working hours (a working day is 8.5 h): the same half day, the same day, the next, within a week, two, beyond.
BANDS = (
    FixTimeBand(label="under 4 h", from_hours=0, to_hours=4),
    FixTimeBand(label="4 h to 1 day", from_hours=4, to_hours=8.5),
    FixTimeBand(label="1 to 2 days", from_hours=8.5, to_hours=17),
    FixTimeBand(label="2 to 5 days", from_hours=17, to_hours=42.5),
    FixTimeBand(label="1 to 2 weeks", from_hours=42.5, to_hours=85),
    FixTimeBand(label="over 2 weeks", from_hours=85, to_hours=None),
)
_COLUMN = {OutcomeDimension.footprint: "footprint_code", OutcomeDimension.ward: "ward_code",
           OutcomeDimension.category: "category_code"}  # fmt: skip


def band_of(tenths: int) -> int:
    hours = tenths / 10
    return next(i for i, b in enumerate(BANDS) if b.to_hours is None or hours < b.to_hours)


def _row(footprint: str | None, histogram: Counter[int]) -> FixTimeRow:
    counts = [0] * len(BANDS)
    for tenths, n in histogram.items():
        counts[band_of(tenths)] += n
    median, p90 = fix_hours(sorted(histogram.items()))
    return FixTimeRow(footprint=footprint, reports=counts, fixed=sum(counts), median_fix_hours=median,
                      p90_fix_hours=p90)  # fmt: skip


def distribution(session: Session, query: OutcomeQuery) -> FixTimeDistribution:
    if query.filters.get(OutcomeDimension.channel):
        message = "Fix times are not kept by channel: ask without channel."
        raise InvalidOutcomeQuery(message, errors=[FieldError(field="query.channel", reason=message)])
    where = [col(getattr(OutcomeFixTime, _COLUMN[d])).in_(v) for d, v in query.filters.items() if v]
    rows = session.exec(
        select(OutcomeFixTime.footprint_code, OutcomeFixTime.tenths, func.sum(OutcomeFixTime.reports))
        .where(col(OutcomeFixTime.month) >= query.from_month, col(OutcomeFixTime.month) <= query.to_month, *where)
        .group_by(OutcomeFixTime.footprint_code, OutcomeFixTime.tenths)
    )
    by_footprint: dict[str, Counter[int]] = defaultdict(Counter)
    total: Counter[int] = Counter()
    for footprint, tenths, n in rows:
        by_footprint[footprint][int(tenths)] += int(n or 0)
        total[int(tenths)] += int(n or 0)
    return FixTimeDistribution(
        from_month=query.from_month,
        to_month=query.to_month,
        bands=list(BANDS),
        rows=[_row(fp, hist) for fp, hist in sorted(by_footprint.items()) if sum(hist.values())],
        total=_row(None, total),
    )
