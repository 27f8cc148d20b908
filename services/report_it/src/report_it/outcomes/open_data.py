"""Open data and the councillors' ward view: reports per ward over public categories, with small numbers withheld
as Volunteering's open data does, so that no figure can point at a household or a single report."""

from __future__ import annotations

from sqlmodel import Session, select

from deal_shared.outcomes import OpenWardFigures, OpenWardRow, OutcomeDimension, OutcomeRow
from report_it.models import Category
from report_it.outcomes import measures
from report_it.outcomes.measures import OutcomeQuery
from report_it.outcomes.models import WardPopulation

# As Volunteering's open data: a count below this is not published.
MIN_COUNT = 5


def public_categories(session: Session) -> list[str]:
    # Safeguarding concerns and sensitive categories are never published by place.
    return sorted(c.code for c in session.exec(select(Category)) if not (c.sensitive or c.restricted))


def withheld(counts: list[int], min_count: int) -> set[int]:
    """The positions to withhold: every count from 1 to below `min_count`; and when that is exactly one, the next
    smallest too, so that it cannot be recovered from the published total. A ward with none is published."""
    small = {i for i, n in enumerate(counts) if 0 < n < min_count}
    if len(small) == 1:
        rest = sorted((n, i) for i, n in enumerate(counts) if i not in small and n > 0)
        if rest:
            small.add(rest[0][1])
    return small


FIGURES = ("reported", "reports_per_1000", "fixed", "within_target_share", "median_fix_hours", "forwarded_share")


def _published(ward: WardPopulation, row: OutcomeRow | None, *, hidden: bool, min_count: int) -> OpenWardRow:
    base = {"ward": ward.ward_code, "ward_name": ward.ward_name, "footprint": ward.footprint_code,
            "residents": ward.population}  # fmt: skip
    if hidden:
        return OpenWardRow(**base, suppressed=True, withheld=list(FIGURES), **dict.fromkeys(FIGURES))
    if row is None:
        return OpenWardRow(**base, suppressed=False, withheld=[], reported=0, reports_per_1000=0.0, fixed=0,
                           within_target_share=None, median_fix_hours=None, forwarded_share=None)  # fmt: skip
    # A figure over a few of the ward's reports (the fixed, those with a target, the forwarded) is withheld too.
    values = {
        "reported": row.reported,
        "reports_per_1000": row.reports_per_1000,
        "fixed": row.fixed,
        "within_target_share": row.within_target_share,
        "median_fix_hours": row.median_fix_hours,
        "forwarded_share": row.forwarded_share,
    }
    behind = {"fixed": row.fixed, "within_target_share": row.with_target, "median_fix_hours": row.fixed,
              "forwarded_share": row.forwarded}  # fmt: skip
    withheld = [name for name, n in behind.items() if 0 < n < min_count]
    return OpenWardRow(**base, suppressed=False, withheld=withheld,
                       **{k: None if k in withheld else v for k, v in values.items()})  # fmt: skip


def ward_figures(session: Session, *, from_month: str, to_month: str, min_count: int) -> OpenWardFigures:
    categories = public_categories(session)
    query = OutcomeQuery(
        from_month=from_month,
        to_month=to_month,
        group_by=(OutcomeDimension.ward,),
        filters={OutcomeDimension.category: categories},
    )
    figures = measures.compute(session, query)
    by_ward = {row.ward: row for row in figures.rows}
    wards = list(session.exec(select(WardPopulation).order_by(WardPopulation.ward_name)))
    hidden = withheld([by_ward[w.ward_code].reported if w.ward_code in by_ward else 0 for w in wards], min_count)
    total = figures.total.reported
    return OpenWardFigures(
        from_month=from_month,
        to_month=to_month,
        min_count=min_count,
        categories=categories,
        rows=[
            _published(w, by_ward.get(w.ward_code), hidden=i in hidden, min_count=min_count)
            for i, w in enumerate(wards)
        ],
        total_reported=total if total >= min_count or total == 0 else None,
        populations=figures.populations,
    )
