"""Outcome measures on the wire: Report IT's figures per month, footprint, ward, category and channel.

Definitions of every figure are in docs/outcomes.md; field descriptions repeat the short form.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class OutcomeDimension(StrEnum):
    month = "month"
    footprint = "footprint"
    ward = "ward"
    category = "category"
    channel = "channel"


class OutcomeRow(BaseModel):
    """One group's figures; a dimension not grouped by is null."""

    month: str | None = None
    footprint: str | None = Field(default=None, description="'' for reports not placed in a footprint")
    ward: str | None = Field(default=None, description="'' for reports not placed in a ward")
    category: str | None = None
    channel: str | None = None
    reported: int = Field(description="Reports made in the period (local months)")
    residents: int | None = Field(description="Population of the group's wards; null when not known")
    reports_per_1000: float | None = Field(description="reported / residents * 1,000, for the whole period")
    share_of_reported: float | None = Field(
        description="This row's share of reports among rows that differ only in channel (channel shift)"
    )
    fixed: int = Field(description="Reports fixed in the period (the latest fix), now fixed")
    fixed_first_time: int = Field(description="Of those, never reopened")
    fixed_first_time_share: float | None
    with_target: int = Field(description="Fixed reports that had a target")
    within_target: int = Field(description="Of those, fixed by the target's due moment")
    within_target_share: float | None
    median_fix_hours: float | None = Field(description="Working hours from report to fix, median (0.1 h)")
    p90_fix_hours: float | None = Field(description="Working hours from report to fix, 90th percentile (0.1 h)")
    resolutions: int = Field(description="Moves from open to fixed or closed in the period")
    reopens: int = Field(description="Moves from fixed or closed back to open in the period")
    reopen_rate: float | None = Field(description="reopens / resolutions")
    not_council_responsibility: int = Field(description="Reports closed in the period as not the council's")
    duplicates: int = Field(description="Reports closed in the period as duplicates")
    forwarded: int = Field(
        default=0, description="Of the reports made in the period, those handed on: recategorised or moved footprint"
    )
    forwarded_share: float | None = Field(default=None, description="forwarded / reported")
    recategorised: int = Field(default=0, description="Of the forwarded, those recategorised at least once")
    moved_footprint: int = Field(default=0, description="Of the forwarded, those whose case moved footprint")
    forwards: int = Field(default=0, description="Hand-offs of the reports made in the period (one can have several)")
    forward_hours_mean: float | None = Field(
        default=None, description="Mean working hours from a forwarded report being made to its last hand-off"
    )
    backlog_at_end: int = Field(description="Reports open at the end of the row's month (or of the period)")
    overdue_at_end: int = Field(description="Of those, past their target's due moment")


class PopulationSource(BaseModel):
    wards: int
    total: int
    sources: list[str]
    illustrative: bool


class OutcomeFigures(BaseModel):
    from_month: str
    to_month: str
    group_by: list[OutcomeDimension]
    rows: list[OutcomeRow]
    total: OutcomeRow
    populations: PopulationSource


class HotspotBeforeAfter(BaseModel):
    """One cleared hotspot: reports at its place in the weeks before and after it was cleared, against comparable
    hotspots with no clear-up in those weeks, counted at their own places over the same weeks."""

    category: str
    centre_lat: float
    centre_long: float
    radius_m: float = Field(description="The radius counted in: the hotspot's own, and at least the linking distance")
    report_count: int = Field(description="Reports in the hotspot")
    cleared_at: datetime = Field(description="When it was cleared: its last report fixed or closed, or a clean-up")
    cleared_by: str = Field(description="fixed (the council's own fixes) or clean_up (a community clean-up)")
    before: int = Field(description="Reports at its place in the weeks before the clear-up")
    after: int = Field(description="Reports at its place in the weeks after")
    comparisons: int = Field(description="Comparable hotspots counted over the same weeks")
    comparison_before: float | None = Field(description="Their mean count before; null without comparisons")
    comparison_after: float | None = Field(description="Their mean count after; null without comparisons")
    difference_in_differences: float | None = Field(
        description="(after - before) - (comparison_after - comparison_before); below 0: fewer reports came back "
        "than at comparable hotspots"
    )


class HotspotRecurrence(BaseModel):
    from_month: str
    to_month: str
    weeks: int
    categories: list[str]
    cleared: list[HotspotBeforeAfter]
    too_recent: int = Field(description="Hotspots cleared too recently for the weeks after to have passed")
    estimated_from: int = Field(description="Cleared hotspots with at least one comparison, behind the estimate")
    difference_in_differences: float | None = Field(
        description="The mean of the cleared hotspots' differences in differences (those with comparisons)"
    )
    cleanups_counted: bool = Field(description="Whether Volunteering's clean-ups were read and counted as clear-ups")
    cleanups_note: str | None = Field(default=None, description="Why they were not, when they were not")


class FixTimeBand(BaseModel):
    label: str
    from_hours: float = Field(description="Working hours, inclusive")
    to_hours: float | None = Field(description="Working hours, exclusive; null for the last band")


class FixTimeRow(BaseModel):
    footprint: str | None = Field(description="'' for reports not placed in a footprint; null for the total")
    reports: list[int] = Field(description="Reports fixed in the period per band, in the order of `bands`")
    fixed: int
    median_fix_hours: float | None
    p90_fix_hours: float | None


class FixTimeDistribution(BaseModel):
    """How long fixing took: reports fixed in the period by working hours from report to fix, per footprint."""

    from_month: str
    to_month: str
    bands: list[FixTimeBand]
    rows: list[FixTimeRow]
    total: FixTimeRow


class OpenWardRow(BaseModel):
    """One ward's figures as published: null where the count behind them is too small to publish."""

    ward: str
    ward_name: str
    footprint: str
    residents: int
    suppressed: bool = Field(description="True when the ward's figures are withheld (too few reports)")
    withheld: list[str] = Field(description="The figures withheld (null) because too few reports are behind them")
    reported: int | None
    reports_per_1000: float | None
    fixed: int | None
    within_target_share: float | None
    median_fix_hours: float | None
    forwarded_share: float | None


class OpenWardFigures(BaseModel):
    """Open data: reports per ward over public categories, small numbers suppressed; no personal details."""

    from_month: str
    to_month: str
    min_count: int = Field(description="A ward with fewer reports than this is withheld (and one more, if needed)")
    categories: list[str]
    rows: list[OpenWardRow]
    total_reported: int | None = Field(description="The borough's reports; null when below min_count")
    populations: PopulationSource


class WardShape(BaseModel):
    code: str
    name: str
    footprint_code: str | None = None
    rings: list[list[list[float]]] = Field(description="Exterior rings as [long, lat] pairs")


class WardShapes(BaseModel):
    wards: list[WardShape]
    note: str | None = Field(default=None, description="Why no shapes are given, when none are")
