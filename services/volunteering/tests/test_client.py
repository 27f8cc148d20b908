"""The shared typed client (deal_shared.volunteering) against the real app: the contract the field app relies on."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from deal_shared.errors import RemoteError
from deal_shared.volunteering import (
    Amount,
    AttendanceRecord,
    BookingCreate,
    BookingDecision,
    BookingStatus,
    VolunteeringClient,
)


def _client(vol, subject: str, *roles: str) -> VolunteeringClient:
    token = vol.token_for(*(roles or ("staff",)), sub=subject)
    return VolunteeringClient(httpx.Client(base_url=vol.base, headers={"Authorization": f"Bearer {token}"}))


def test_typed_client_walks_the_booking_journey(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"], places=1)
    officer, manager = _client(vol, "officer.one"), _client(vol, "manager.one")

    listed = officer.list_opportunities(skill="food_handling", min_places_left=1)
    assert [str(o.id) for o in listed] == [opportunity["id"]]
    booking = officer.book(BookingCreate(opportunity_id=listed[0].id, amount=Amount.half_day))
    assert booking.status is BookingStatus.requested and booking.hours == 3.7
    assert officer.get_opportunity(listed[0].id).places_left == 0
    assert [item.booking.id for item in manager.pending_approvals()] == [booking.id]
    approved = manager.decide(booking.id, BookingDecision(approve=True))
    assert approved.status is BookingStatus.approved
    assert "BEGIN:VEVENT" in officer.booking_ics(booking.id)
    assert [b.id for b in officer.my_bookings()] == [booking.id]
    assert officer.my_entitlement(leave_year=2031).remaining_hours == 11.1

    vol.set_now(datetime(2031, 6, 10, 15, tzinfo=UTC))
    attended = officer.record_attendance(booking.id, AttendanceRecord(attendance="attended"))
    assert attended.hours_given == 3.7
    with pytest.raises(RemoteError) as refused:
        officer.cancel(booking.id)
    assert refused.value.status == 409 and refused.value.problem.code == "BookingStateConflict"
