"""Entitlement: two days a year, pro rata by FTE in hours, starters and leavers, leave-year basis, carry-over."""

from __future__ import annotations

from datetime import date

import pytest

from volunteering.config import LeaveYearBasis
from volunteering.leave import base_entitlement_minutes, leave_year, leave_year_of

FINANCIAL = LeaveYearBasis.financial
CALENDAR = LeaveYearBasis.calendar


def minutes(year, *, hours: float = 37, start: date | None = None, leave: date | None = None) -> int:
    return base_entitlement_minutes(
        year,
        days_per_year=2,
        standard_day_minutes=444,
        contracted_weekly_hours=hours,
        full_time_weekly_hours=37,
        start_date=start,
        leave_date=leave,
    )


def test_leave_years_financial_and_calendar() -> None:
    assert leave_year_of(date(2027, 3, 31), FINANCIAL).start_year == 2026
    assert leave_year_of(date(2027, 4, 1), FINANCIAL).start_year == 2027
    year = leave_year(2026, FINANCIAL)
    assert (year.starts_on, year.ends_on, year.days, year.label) == (
        date(2026, 4, 1),
        date(2027, 3, 31),
        365,
        "2026/27",
    )
    assert leave_year_of(date(2028, 12, 31), CALENDAR).label == "2028"
    assert leave_year(2028, CALENDAR).days == 366


@pytest.mark.parametrize(
    ("hours", "start", "leave", "expected"),
    [
        (37, None, None, 888),  # two 7.4-hour days
        (18.5, None, None, 444),  # half time: one day
        (22.2, None, None, 533),  # 0.6 FTE: 532.8 minutes, rounded once
        (45, None, None, 888),  # overtime contracts do not earn more than full time
        (37, date(2026, 10, 1), None, 443),  # starter: 182 of 365 days -> 442.78
        (37, None, date(2026, 6, 30), 221),  # leaver: 91 of 365 days -> 221.39
        (18.5, date(2026, 10, 1), date(2026, 12, 31), 112),  # both, part time: 92/365 * 444 = 111.9
        (37, date(2027, 4, 1), None, 0),  # starts after the year
        (37, None, date(2026, 3, 31), 0),  # left before it
    ],
)
def test_pro_rata_entitlement_in_minutes(hours, start, leave, expected) -> None:
    assert minutes(leave_year(2026, FINANCIAL), hours=hours, start=start, leave=leave) == expected


def test_pro_rata_over_a_leap_calendar_year() -> None:
    assert minutes(leave_year(2028, CALENDAR), start=date(2028, 7, 1)) == 446  # 184/366 * 888 = 446.4


def test_part_timer_and_starter_over_http(vol) -> None:
    vol.add_staff("part.timer", contracted_weekly_hours=18.5)
    vol.add_staff("new.starter", start_date="2031-10-01")
    organisation = vol.add_organisation()
    june = vol.add_opportunity(organisation["id"])
    november = vol.add_opportunity(
        organisation["id"], starts_at="2031-11-05T09:00:00Z", ends_at="2031-11-05T17:00:00Z", title="November day"
    )
    with vol.as_("part.timer") as part_timer:
        figures = part_timer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
        assert (figures["fte"], figures["entitlement_hours"], figures["remaining_days"]) == (0.5, 7.4, 1.0)
        assert part_timer.post("/v1/bookings", json={"opportunity_id": june["id"]}).status_code == 201
        refused = part_timer.post(
            "/v1/bookings", json={"opportunity_id": november["id"], "amount": "hours", "hours": 0.25}
        )
        assert refused.status_code == 409 and refused.json()["code"] == "EntitlementExceeded"
    with vol.as_("new.starter") as starter:
        figures = starter.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
        # 1 October 2031 to 31 March 2032 is 183 of the 366 days of 2031/32 (29 February 2032): exactly half.
        assert (figures["employed_fraction"], figures["entitlement_hours"]) == (0.5, 7.4)
        before = starter.post("/v1/bookings", json={"opportunity_id": june["id"]})
        assert before.status_code == 422 and before.json()["code"] == "NotEmployed"
        assert starter.post("/v1/bookings", json={"opportunity_id": november["id"], "amount": "half_day"}).is_success


@pytest.mark.parametrize(("carry_days", "expected_hours"), [(0, 14.8), (1, 22.2), (0.25, 16.65)])
def test_carry_over_is_off_by_default_and_capped(make_volunteering, carry_days, expected_hours) -> None:
    vol = make_volunteering(carry_over_max_days=carry_days)
    vol.add_staff("officer.one")
    last_year = vol.add_opportunity(
        vol.add_organisation()["id"], starts_at="2030-06-10T09:00:00+01:00", ends_at="2030-06-10T13:00:00+01:00"
    )
    with vol.as_("officer.one") as officer:
        booked = officer.post("/v1/bookings", json={"opportunity_id": last_year["id"], "amount": "half_day"})
        assert booked.status_code == 201
        figures = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
    # 2030/31 left 11.1 hours unused; at most the cap carries into 2031/32.
    assert figures["entitlement_hours"] == expected_hours
    assert figures["carried_over_hours"] == round(expected_hours - 14.8, 2)


def test_calendar_leave_year_when_configured(make_volunteering) -> None:
    vol = make_volunteering(leave_year="calendar")
    vol.add_staff("officer.one")
    with vol.as_("officer.one") as officer:
        figures = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
    assert (figures["leave_year_label"], figures["starts_on"], figures["ends_on"]) == (
        "2031",
        "2031-01-01",
        "2031-12-31",
    )
