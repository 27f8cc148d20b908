"""Category targets in working time: expected_at on the council's calendar, and what falls back to hours."""

from __future__ import annotations

from datetime import UTC, datetime

from deal_shared.report_it import Priority
from deal_shared.working_time import Target, TargetUnit, WorkingCalendar
from report_it.models import Category
from report_it.targets import expected_at, target_of
from services.report_it.tests.test_lifecycle import new_report


def category(**targets) -> Category:
    return Category(code="x", name="X", group="g", skill="s", target_hours={"low": 100}, targets=targets)


def test_a_working_days_target_skips_the_weekend_and_bank_holidays() -> None:
    three_days = category(normal={"amount": 3, "unit": "working_days"})
    friday_evening = datetime(2026, 12, 18, 18, 0, tzinfo=UTC)
    # Starts Monday 08:30, three whole working days: Wednesday's close.
    assert expected_at(three_days, Priority.normal, friday_evening) == datetime(2026, 12, 23, 17, 0, tzinfo=UTC)
    one_day = category(normal={"amount": 1, "unit": "working_days"})
    christmas_eve_evening = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    # Christmas Day, the weekend and the substitute Boxing Day (Monday 28th) are not working days.
    assert expected_at(one_day, Priority.normal, christmas_eve_evening) == datetime(2026, 12, 29, 17, 0, tzinfo=UTC)


def test_working_hours_and_round_the_clock_targets() -> None:
    mixed = category(high={"amount": 8, "unit": "working_hours"}, urgent={"amount": 4, "unit": "hours"})
    friday_3pm = datetime(2026, 12, 18, 15, 0, tzinfo=UTC)
    # Two hours on Friday, six on Monday from 08:30.
    assert expected_at(mixed, Priority.high, friday_3pm) == datetime(2026, 12, 21, 14, 30, tzinfo=UTC)
    assert expected_at(mixed, Priority.urgent, friday_3pm) == datetime(2026, 12, 18, 19, 0, tzinfo=UTC)
    # No working-time target for low: the category's hours still apply; none at all for normal.
    assert target_of(mixed, Priority.low) == Target(amount=100, unit=TargetUnit.hours)
    assert expected_at(mixed, Priority.normal, friday_3pm) is None


def test_an_admin_sets_a_working_time_target_and_new_reports_are_due_on_it(api, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.targets')}"}
    wanted = {"normal": {"amount": 2, "unit": "working_days"}}
    response = api.patch("/v1/categories/litter", json={"targets": wanted}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["targets"] == wanted
    made = new_report(api, category="litter", answers={})
    created = datetime.fromisoformat(made["created_at"])
    due = WorkingCalendar.from_settings().due(created, Target(amount=2, unit=TargetUnit.working_days))
    assert datetime.fromisoformat(made["expected_at"]) == due
    bad = api.patch("/v1/categories/litter", json={"targets": {"normal": {"amount": 0}}}, headers=admin)
    assert bad.status_code == 422
