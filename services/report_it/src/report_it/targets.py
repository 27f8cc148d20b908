"""Category targets: when a report is expected to be dealt with, on the council's working calendar.

A category's `targets` (per priority, e.g. 3 working days) are measured with `deal_shared.working_time`; a
priority without one falls back to the category's round-the-clock `target_hours`. The calendar is the one the app
configured from its settings in `lifespan`; code running outside an app (scripts, the worker) gets the default
calendar, built on first use.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from deal_shared.report_it import Priority
from deal_shared.working_time import MAX_TARGET, Target, TargetUnit, WorkingCalendar
from report_it.models import Category

_configured: list[WorkingCalendar] = []


def configure(calendar: WorkingCalendar) -> None:
    """Measure targets on `calendar` from now on (the app's, from its working-time settings)."""
    _configured[:] = [calendar]


@cache
def _default() -> WorkingCalendar:
    return WorkingCalendar.from_settings()


def calendar() -> WorkingCalendar:
    return _configured[0] if _configured else _default()


def target_of(category: Category, priority: Priority) -> Target | None:
    # Read leniently: a target stored before updates were checked (null, or beyond a year) counts as none, rather
    # than failing every report made in the category.
    chosen = (category.targets or {}).get(priority.value)
    if chosen:
        try:
            return Target.model_validate(chosen)
        except ValueError:
            pass
    hours = (category.target_hours or {}).get(priority.value)
    if not isinstance(hours, int) or not 1 <= hours <= MAX_TARGET["hours"]:
        return None
    return Target(amount=hours, unit=TargetUnit.hours)


def expected_at(category: Category, priority: Priority, created_at: datetime) -> datetime | None:
    target = target_of(category, priority)
    if target is None:
        return None
    if target.unit is TargetUnit.hours:
        return created_at + timedelta(hours=target.amount)  # no calendar needed round the clock
    return calendar().due(created_at, target)
