"""The working-time calendar: council hours on working days, bank holidays, targets, time between two moments."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from deal_shared.settings import ServiceSettings
from deal_shared.working_time import Target, TargetUnit, WorkingCalendar, WorkingTimeSettings, load_bank_holidays

CAL = WorkingCalendar.from_settings(WorkingTimeSettings())  # 08:30-17:00 Europe/London


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_bundled_bank_holidays_name_their_source_and_cover_whole_years() -> None:
    holidays = load_bank_holidays()
    assert holidays.source == "https://www.gov.uk/bank-holidays.json"
    assert (holidays.first, holidays.last) == (date(2020, 1, 1), date(2028, 12, 31))
    assert all(holidays.first <= d <= holidays.last for d in holidays.days)
    # GOV.UK lists weekday holidays only: a Christmas on a Saturday has its substitute days instead.
    assert all(d.weekday() < 5 for d in holidays.days)
    assert holidays.days[date(2027, 12, 27)] == "Christmas Day"
    for year in range(2020, 2029):
        assert 8 <= sum(1 for d in holidays.days if d.year == year) <= 10  # 8 a year, plus the one-off ones


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    assert CAL.is_working_day(date(2026, 12, 24))  # Thursday
    assert not CAL.is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not CAL.is_working_day(date(2026, 12, 26))  # Saturday
    assert not CAL.is_working_day(date(2026, 12, 28))  # Boxing Day's substitute
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAL.bank_holiday(date(2026, 4, 3)) == "Good Friday"
    assert CAL.bank_holiday(date(2026, 4, 7)) is None


def test_hours_follow_local_time_through_british_summer_time() -> None:
    assert CAL.hours_of(date(2026, 1, 14)) == (utc(2026, 1, 14, 8, 30), utc(2026, 1, 14, 17))
    assert CAL.hours_of(date(2026, 7, 14)) == (utc(2026, 7, 14, 7, 30), utc(2026, 7, 14, 16))
    assert CAL.hours_of(date(2026, 7, 18)) is None  # Saturday
    assert CAL.is_working_moment(utc(2026, 7, 14, 7, 45))
    assert not CAL.is_working_moment(utc(2026, 7, 14, 16, 0))


@pytest.mark.parametrize(
    ("start", "target", "due"),
    [
        # Inside hours: the clock runs to closing, then resumes at the next opening.
        (utc(2026, 1, 9, 15), Target(amount=8, unit=TargetUnit.working_hours), utc(2026, 1, 12, 14, 30)),
        (utc(2026, 1, 12, 9), Target(amount=2, unit=TargetUnit.working_hours), utc(2026, 1, 12, 11)),
        # After closing on a Friday: the clock starts on Monday morning; a working day is 8.5 hours here.
        (utc(2026, 1, 9, 18), Target(amount=1, unit=TargetUnit.working_days), utc(2026, 1, 12, 17)),
        (utc(2026, 1, 12, 10), Target(amount=3, unit=TargetUnit.working_days), utc(2026, 1, 15, 10)),
        # Over Christmas 2026: Friday 25th, the weekend and Monday 28th are not working days.
        (utc(2026, 12, 24, 12), Target(amount=1, unit=TargetUnit.working_days), utc(2026, 12, 29, 12)),
        # Over Easter 2026 (Good Friday 3 April, Easter Monday 6 April), in BST.
        (utc(2026, 4, 2, 15, 30), Target(amount=1, unit=TargetUnit.working_hours), utc(2026, 4, 7, 8)),
        # Round-the-clock targets ignore the calendar.
        (utc(2026, 12, 24, 12), Target(amount=4, unit=TargetUnit.hours), utc(2026, 12, 24, 16)),
    ],
)
def test_due_dates_are_counted_in_working_time(start: datetime, target: Target, due: datetime) -> None:
    assert CAL.due(start, target) == due


def test_working_time_between_two_moments_is_the_inverse_of_adding_it() -> None:
    start = utc(2026, 12, 23, 16)
    due = CAL.due(start, Target(amount=5, unit=TargetUnit.working_days))
    assert CAL.working_time_between(start, due) == CAL.day_length * 5
    assert CAL.working_hours_between(due, start) == -42.5
    # A weekend, a bank holiday and the night count for nothing.
    assert CAL.working_time_between(utc(2026, 12, 24, 17), utc(2026, 12, 29, 8, 30)) == timedelta()


def test_overdue_is_counted_in_working_time() -> None:
    due = utc(2026, 12, 24, 16)
    assert CAL.overdue_by(due, utc(2026, 12, 24, 15)) == timedelta()
    # Due at 16:00 on Christmas Eve, seen on the 29th at 09:30: one hour that day, one the next working morning.
    assert CAL.overdue_by(due, utc(2026, 12, 29, 9, 30)) == timedelta(hours=2)


def test_naive_moments_are_utc() -> None:
    assert CAL.due(datetime(2026, 1, 12, 9), Target(amount=1)) == utc(2026, 1, 12, 10)


def test_targets_refuse_nonsense() -> None:
    with pytest.raises(ValidationError):
        Target(amount=0, unit=TargetUnit.working_days)
    with pytest.raises(ValidationError):
        Target(amount=400, unit=TargetUnit.working_days)
    with pytest.raises(ValidationError):
        Target(amount=3, unit="fortnights")  # type: ignore[arg-type]
    assert Target(amount=1, unit=TargetUnit.working_days).describe() == "1 working day"
    assert Target(amount=4, unit=TargetUnit.hours).describe() == "4 hours"


def test_settings_set_the_hours_and_may_name_another_holiday_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="close after it opens"):
        WorkingTimeSettings(opens=time(17), closes=time(9))
    with pytest.raises(ValidationError, match="unknown time zone"):
        WorkingTimeSettings(timezone="Europe/Wigan")
    file = tmp_path / "holidays.json"
    file.write_text(
        json.dumps(
            {
                "covers": {"from": "2030-01-01", "to": "2030-12-31"},
                "events": [{"date": "2030-01-01", "title": "New Year's Day"}],
            }
        )
    )
    calendar = WorkingCalendar.from_settings(
        WorkingTimeSettings(opens=time(9), closes=time(17), bank_holidays_path=file)
    )
    assert calendar.day_length == timedelta(hours=8)
    assert not calendar.is_working_day(date(2030, 1, 1))
    assert calendar.covers(date(2030, 6, 1)) and not calendar.covers(date(2031, 1, 2))


def test_every_service_reads_its_working_time_from_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    class Settings(ServiceSettings):
        model_config = {**ServiceSettings.model_config, "env_prefix": "EXAMPLE_"}

    monkeypatch.setenv("EXAMPLE_WORKING_TIME__OPENS", "09:00")
    settings = Settings(database_url="sqlite://")
    assert settings.working_time.opens == time(9)
    assert settings.working_time.closes == time(17)
