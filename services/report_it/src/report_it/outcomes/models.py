"""The outcome rollups' tables: one row per month and cell, the fix-time histogram, each report's last
contribution, the refresher's watermark and queue, and the ward populations measures are divided by."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String
from sqlmodel import Field

from deal_shared.db import JSONType, UTCDateTime, utcnow
from report_it.db import Table

# The counters of `OutcomeMonth`, in the order the CSV shows them. Each is additive across cells and months.
MONTH_COUNTERS = (
    "reported",
    "fixed",
    "fixed_first_time",
    "with_target",
    "within_target",
    "resolutions",
    "reopens",
    "not_council_responsibility",
    "duplicates",
    "forwarded",
    "recategorised",
    "moved_footprint",
    "forwards",
    "forward_tenths",
    "backlog_delta",
    "overdue_delta",
)


def _cell(length: int) -> Any:
    return Field(default="", sa_column=Column(String(length), primary_key=True, nullable=False))


def _count() -> Any:
    return Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class OutcomeMonth(Table, table=True):
    """Counts for one local month in one cell (footprint, ward, category, channel); '' is "not placed"."""

    __tablename__ = "outcome_month"

    month: str = Field(sa_column=Column(String(7), primary_key=True, nullable=False))
    footprint_code: str = _cell(32)
    ward_code: str = _cell(32)
    category_code: str = _cell(64)
    channel: str = _cell(16)
    reported: int = _count()
    fixed: int = _count()
    fixed_first_time: int = _count()
    with_target: int = _count()
    within_target: int = _count()
    resolutions: int = _count()
    reopens: int = _count()
    not_council_responsibility: int = _count()
    duplicates: int = _count()
    # Of the reports made in the month: handed on at least once, by kind, hand-offs, working time before the last.
    forwarded: int = _count()
    recategorised: int = _count()
    moved_footprint: int = _count()
    forwards: int = _count()
    forward_tenths: int = _count()
    # Month-end backlog and overdue are running sums of these from the first month on.
    backlog_delta: int = _count()
    overdue_delta: int = _count()


class OutcomeFixTime(Table, table=True):
    """How many reports fixed in a month and cell took a given working time, in tenths of a working hour."""

    __tablename__ = "outcome_fix_time"

    month: str = Field(sa_column=Column(String(7), primary_key=True, nullable=False))
    footprint_code: str = _cell(32)
    ward_code: str = _cell(32)
    category_code: str = _cell(64)
    tenths: int = Field(sa_column=Column(Integer, primary_key=True, nullable=False, autoincrement=False))
    reports: int = _count()


class OutcomeReportFact(Table, table=True):
    """What a report last added to the rollups, so a change is applied as the difference."""

    __tablename__ = "outcome_report_fact"

    report_id: uuid.UUID = Field(primary_key=True)
    contribution: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # The report's `updated_at` when this was computed: a report read again unchanged is skipped.
    seen_updated_at: datetime = Field(sa_type=UTCDateTime)


class OutcomeWatermark(Table, table=True):
    """How far the refresher has read reports by `updated_at` (one row)."""

    __tablename__ = "outcome_watermark"

    id: int = Field(default=1, primary_key=True)
    read_to: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutcomePending(Table, table=True):
    """A report changed without moving `updated_at` (placed in a footprint by its case): refresh it anyway."""

    __tablename__ = "outcome_pending"

    report_id: uuid.UUID = Field(primary_key=True)
    queued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WardPopulation(Table, table=True):
    """A ward's residents, the denominator of reports per 1,000 residents; replaced by `import-populations`."""

    __tablename__ = "ward_population"

    ward_code: str = Field(primary_key=True, max_length=32)
    ward_name: str = Field(max_length=120)
    footprint_code: str = Field(max_length=32)
    population: int
    year: int | None = None
    source: str = Field(max_length=500)
    illustrative: bool = False
