"""Leave years and the pro-rata entitlement rule, as pure functions of dates and contracted hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from volunteering.config import LeaveYearBasis


@dataclass(frozen=True)
class LeaveYear:
    start_year: int
    starts_on: date
    ends_on: date  # inclusive
    basis: LeaveYearBasis

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    @property
    def label(self) -> str:
        if self.basis is LeaveYearBasis.calendar:
            return str(self.start_year)
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def _start_month(basis: LeaveYearBasis) -> int:
    return 4 if basis is LeaveYearBasis.financial else 1


def leave_year(start_year: int, basis: LeaveYearBasis) -> LeaveYear:
    month = _start_month(basis)
    starts_on = date(start_year, month, 1)
    ends_on = date(start_year + 1, month, 1) - timedelta(days=1)
    return LeaveYear(start_year=start_year, starts_on=starts_on, ends_on=ends_on, basis=basis)


def leave_year_of(day: date, basis: LeaveYearBasis) -> LeaveYear:
    start_year = day.year if day.month >= _start_month(basis) else day.year - 1
    return leave_year(start_year, basis)


def employed_days(year: LeaveYear, *, start_date: date | None, leave_date: date | None) -> int:
    """Days of the leave year the person is employed: starters from their first day, leavers to their last."""
    first = max(year.starts_on, start_date) if start_date else year.starts_on
    last = min(year.ends_on, leave_date) if leave_date else year.ends_on
    return max(0, (last - first).days + 1)


def fte(contracted_weekly_hours: float, full_time_weekly_hours: float) -> float:
    return min(1.0, contracted_weekly_hours / full_time_weekly_hours)


def base_entitlement_minutes(
    year: LeaveYear,
    *,
    days_per_year: float,
    standard_day_minutes: int,
    contracted_weekly_hours: float,
    full_time_weekly_hours: float,
    start_date: date | None,
    leave_date: date | None,
) -> int:
    """Full-time days in minutes, times FTE, times the share of the year employed; rounded to whole minutes once."""
    share = employed_days(year, start_date=start_date, leave_date=leave_date) / year.days
    exact = days_per_year * standard_day_minutes * fte(contracted_weekly_hours, full_time_weekly_hours) * share
    return round(exact)
