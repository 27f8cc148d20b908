"""Working time: the council's hours on working days (Mon-Fri, less England and Wales bank holidays), and targets.

Every service measures against the same clock: Report IT's `expected_at`, Footprints' due dates and overdue
counts, and time-to-fix against target. A target is an amount in one of three units:

- `working_hours`: hours the council is open (e.g. 8 working hours from Friday 15:00 is Monday 14:30 with
  08:30-17:00 hours);
- `working_days`: that many whole working days of the council's hours (a report made after closing starts the
  next working morning, so 1 working day from Friday 18:00 is Monday 17:00);
- `hours`: round the clock, for emergencies the council answers out of hours.

    calendar = WorkingCalendar.from_settings(WorkingTimeSettings())
    calendar.due(report.created_at, Target(amount=3, unit=TargetUnit.working_days))
    calendar.working_hours_between(report.created_at, report.fixed_at)

Bank holidays come from `data/bank_holidays_england_wales.json` (GOV.UK's list, source named in the file); a
deployment may point `bank_holidays_path` at a newer copy of the same shape. Days past the file's `covers`
range count weekends only (`covers()` tells a caller whether a day is inside it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings

# The longest target we accept: a year of working days, or its hours. Beyond that a target is a typo.
MAX_TARGET = {"hours": 24 * 366, "working_hours": 24 * 366, "working_days": 366}
# A bound on the walk day by day (about 27 years), so a far-off date can never loop for long.
_MAX_DAYS_WALKED = 10_000
_BUNDLED = "data/bank_holidays_england_wales.json"


class TargetUnit(StrEnum):
    hours = "hours"
    working_hours = "working_hours"
    working_days = "working_days"


class Target(BaseModel):
    """How long the council gives itself for something, e.g. 3 working days."""

    amount: int = Field(ge=1, description="How many units")
    unit: TargetUnit = TargetUnit.working_hours

    @model_validator(mode="after")
    def _not_absurd(self) -> Target:
        limit = MAX_TARGET[self.unit.value]
        if self.amount > limit:
            raise ValueError(f"a target in {self.unit.value} may be at most {limit}")
        return self

    def describe(self) -> str:
        words = {"hours": "hour", "working_hours": "working hour", "working_days": "working day"}[self.unit.value]
        return f"{self.amount} {words}{'' if self.amount == 1 else 's'}"


class WorkingTimeSettings(BaseSettings):
    """Nested into each service's settings (e.g. REPORT_IT_WORKING_TIME__OPENS=08:30)."""

    opens: time = Field(default=time(8, 30), description="When the council's working day starts, local time")
    closes: time = Field(default=time(17, 0), description="When it ends, local time")
    timezone: str = "Europe/London"
    bank_holidays_path: Path | None = Field(
        default=None, description="A bank holiday file of the bundled shape; default: the bundled GOV.UK list"
    )

    @model_validator(mode="after")
    def _opens_before_closing(self) -> WorkingTimeSettings:
        if self.closes <= self.opens:
            raise ValueError("the working day must close after it opens")
        try:
            ZoneInfo(self.timezone)  # an unknown zone fails here, at start-up, not on the first report
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        return self


@dataclass(frozen=True)
class BankHolidays:
    days: dict[date, str]
    first: date
    last: date
    source: str

    @classmethod
    def parse(cls, document: dict[str, Any]) -> BankHolidays:
        days = {date.fromisoformat(e["date"]): e["title"] for e in document["events"]}
        covers = document["covers"]
        return cls(
            days=days,
            first=date.fromisoformat(covers["from"]),
            last=date.fromisoformat(covers["to"]),
            source=document.get("source", ""),
        )


@cache
def _bundled_holidays() -> BankHolidays:
    return BankHolidays.parse(json.loads(resources.files("deal_shared").joinpath(_BUNDLED).read_text()))


def load_bank_holidays(path: Path | None = None) -> BankHolidays:
    if path is None:
        return _bundled_holidays()
    return BankHolidays.parse(json.loads(path.read_text()))


def _as_utc(moment: datetime) -> datetime:
    # The services store UTC; a naive value from the database is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class WorkingCalendar:
    opens: time
    closes: time
    zone: ZoneInfo
    holidays: BankHolidays

    @classmethod
    def from_settings(cls, settings: WorkingTimeSettings | None = None) -> WorkingCalendar:
        settings = settings or WorkingTimeSettings()
        return cls(
            opens=settings.opens,
            closes=settings.closes,
            zone=ZoneInfo(settings.timezone),
            holidays=load_bank_holidays(settings.bank_holidays_path),
        )

    # Days

    def covers(self, day: date) -> bool:
        """Whether the bank holiday data reaches `day` (outside it only weekends are known)."""
        return self.holidays.first <= day <= self.holidays.last

    def bank_holiday(self, day: date) -> str | None:
        return self.holidays.days.get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays.days

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for _ in range(_MAX_DAYS_WALKED):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_DAYS_WALKED} days of {day}")

    def hours_of(self, day: date) -> tuple[datetime, datetime] | None:
        """When `day`'s working hours start and end, in UTC (None on a day off). Local time, so it follows BST."""
        if not self.is_working_day(day):
            return None
        start = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return start, end

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date(2000, 1, 3), self.closes) - datetime.combine(date(2000, 1, 3), self.opens)

    # Moments

    def is_working_moment(self, moment: datetime) -> bool:
        moment = _as_utc(moment)
        hours = self.hours_of(moment.astimezone(self.zone).date())
        return hours is not None and hours[0] <= moment < hours[1]

    def add_working(self, start: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of working time after `start` (a start outside hours begins at the next opening)."""
        moment = _as_utc(start)
        remaining = amount
        day = moment.astimezone(self.zone).date()
        for _ in range(_MAX_DAYS_WALKED):
            hours = self.hours_of(day)
            if hours is not None:
                begin = max(moment, hours[0])
                if begin < hours[1]:
                    available = hours[1] - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"{amount} of working time from {start} is too far off")

    def due(self, start: datetime, target: Target) -> datetime:
        """When something started at `start` is due under `target` (UTC)."""
        if target.unit is TargetUnit.hours:
            return _as_utc(start) + timedelta(hours=target.amount)
        if target.unit is TargetUnit.working_hours:
            return self.add_working(start, timedelta(hours=target.amount))
        return self.add_working(start, self.day_length * target.amount)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end`; negative when `end` is earlier (e.g. time left before a due date)."""
        start, end = _as_utc(start), _as_utc(end)
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta()
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        if (last - day).days > _MAX_DAYS_WALKED:
            raise ValueError(f"{start} to {end} is too long a span to count working time over")
        while day <= last:
            hours = self.hours_of(day)
            if hours is not None:
                overlap = min(end, hours[1]) - max(start, hours[0])
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        return self.working_time_between(start, end).total_seconds() / 3600

    def overdue_by(self, due_at: datetime, now: datetime) -> timedelta:
        """Working time past `due_at` at `now` (zero when not yet due)."""
        return max(self.working_time_between(due_at, now), timedelta())
