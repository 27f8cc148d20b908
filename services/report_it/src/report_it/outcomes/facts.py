"""What one report contributes to the monthly rollups, computed from its row and its status history.

A contribution is plain data: `months[cell key][counter] = n` and `fix_times[fix key] = n`, with keys joined by
"|". The refresher subtracts a report's previous contribution and adds the new one, so the rollups always equal
the sum over reports of their current contributions, however often and in whatever order reports change.
Definitions are in docs/outcomes.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deal_shared.moments import as_utc
from deal_shared.report_it import ReportStatus, StatusGroup, status_group
from deal_shared.working_time import WorkingCalendar
from report_it.outcomes.forwarding import Forward, forwarding

SEP = "|"


@dataclass(frozen=True)
class ReportFacts:
    """The columns of a report the measures read."""

    category_code: str
    channel: str
    footprint_code: str | None
    ward_code: str | None
    status: str
    created_at: datetime
    expected_at: datetime | None
    fixed_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class Move:
    at: datetime
    status_from: str
    status_to: str


@dataclass
class Contribution:
    months: dict[str, Counter[str]] = field(default_factory=dict)
    fix_times: Counter[str] = field(default_factory=Counter)

    def add(self, month: str, cell: tuple[str, ...], counter: str, n: int = 1) -> None:
        key = SEP.join((month, *cell))
        self.months.setdefault(key, Counter())[counter] += n

    def as_json(self) -> dict[str, Any]:
        months = {k: {c: n for c, n in v.items() if n} for k, v in self.months.items()}
        return {"m": {k: v for k, v in months.items() if v}, "f": {k: n for k, n in self.fix_times.items() if n}}


def month_of(moment: datetime, calendar: WorkingCalendar) -> str:
    """The council's month (local time, so a report at 00:30 BST on 1 June is June's)."""
    return as_utc(moment).astimezone(calendar.zone).strftime("%Y-%m")


def _group(status: str) -> StatusGroup:
    return status_group(ReportStatus(status))


def spells(report: ReportFacts, moves: list[Move]) -> tuple[list[tuple[datetime, datetime | None]], list[datetime]]:
    """The report's open spells (start, end or None while open) and the moments it was reopened."""
    opened: list[tuple[datetime, datetime | None]] = []
    reopens: list[datetime] = []
    start: datetime | None = as_utc(report.created_at)
    for move in sorted(moves, key=lambda m: m.at):
        was_open = _group(move.status_from) is StatusGroup.open
        now_open = _group(move.status_to) is StatusGroup.open
        if was_open and not now_open and start is not None:
            opened.append((start, as_utc(move.at)))
            start = None
        elif not was_open and now_open and start is None:
            start = as_utc(move.at)
            reopens.append(start)
    if start is not None and _group(report.status) is not StatusGroup.open:
        # Resolved without a recorded move (imported, or made already closed): resolved when its row says.
        end = report.fixed_at or report.closed_at or report.updated_at
        opened.append((start, max(start, as_utc(end))))
        start = None
    if start is not None:
        opened.append((start, None))
    return opened, reopens


def contribution(
    report: ReportFacts,
    moves: list[Move],
    *,
    calendar: WorkingCalendar,
    restricted: bool,
    forwards: list[Forward] | None = None,
) -> Contribution:
    # Safeguarding (restricted) reports count borough-wide but are never placed in a footprint or ward.
    footprint = "" if restricted else report.footprint_code or ""
    ward = "" if restricted else report.ward_code or ""
    cell = (footprint, ward, report.category_code, report.channel)
    out = Contribution()

    def month(moment: datetime) -> str:
        return month_of(moment, calendar)

    out.add(month(report.created_at), cell, "reported")
    # Forwarding is counted with the month the report was made, so that its share is of the same reports.
    for counter, n in forwarding(report.created_at, forwards or [], calendar=calendar).items():
        out.add(month(report.created_at), cell, counter, n)
    open_spells, reopens = spells(report, moves)
    expected = as_utc(report.expected_at) if report.expected_at else None
    for start, end in open_spells:
        out.add(month(start), cell, "backlog_delta", 1)
        if end is not None:
            out.add(month(end), cell, "backlog_delta", -1)
            out.add(month(end), cell, "resolutions")
        if expected is not None and (end is None or expected < end):
            overdue_from = max(start, expected)
            out.add(month(overdue_from), cell, "overdue_delta", 1)
            if end is not None:
                out.add(month(end), cell, "overdue_delta", -1)
    for moment in reopens:
        out.add(month(moment), cell, "reopens")
    group = _group(report.status)
    if group is StatusGroup.fixed and report.fixed_at is not None:
        fixed_at = as_utc(report.fixed_at)
        fixed_month = month(fixed_at)
        out.add(fixed_month, cell, "fixed")
        if not reopens:
            out.add(fixed_month, cell, "fixed_first_time")
        if expected is not None:
            out.add(fixed_month, cell, "with_target")
            if fixed_at <= expected:
                out.add(fixed_month, cell, "within_target")
        hours = calendar.working_hours_between(report.created_at, fixed_at)
        tenths = max(round(hours * 10), 0)
        out.fix_times[SEP.join((fixed_month, footprint, ward, report.category_code, str(tenths)))] += 1
    elif group is StatusGroup.closed:
        closed_month = month(report.closed_at or report.updated_at)
        if report.status == ReportStatus.not_council_responsibility:
            out.add(closed_month, cell, "not_council_responsibility")
        elif report.status == ReportStatus.duplicate:
            out.add(closed_month, cell, "duplicates")
    return out
