"""/v1/me, /v1/staff and /v1/directorates: profiles, entitlement, and directorate auto-approval."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from deal_shared.auth import AdminPrincipal, Principal, Role, StaffPrincipal
from deal_shared.volunteering import (
    BookingPublic,
    DirectoratePolicy,
    DirectoratePolicyPublic,
    Entitlement,
    StaffProfilePublic,
    StaffProfileUpsert,
)
from volunteering import bookings, ledger, presenters, staff
from volunteering.api.deps import BaseUrlDep, IdempotentRoute, SettingsDep
from volunteering.config import Settings
from volunteering.db import SessionDep
from volunteering.errors import NotLineManager
from volunteering.leave import leave_year, leave_year_of
from volunteering.models import StaffProfile

router = APIRouter(route_class=IdempotentRoute, tags=["staff"])


class CalendarFeed(BaseModel):
    url: str


def year_or_current(settings: Settings, start_year: int | None):
    if start_year is None:
        return leave_year_of(date.today(), settings.leave_year)
    return leave_year(start_year, settings.leave_year)


def check_can_see(principal: Principal, profile: StaffProfile) -> None:
    if principal.subject in (profile.subject, profile.line_manager_subject) or principal.has_any(Role.admin):
        return
    raise NotLineManager("Only the member of staff, their line manager or an administrator can see this.")


def entitlement_of(session, settings: Settings, profile: StaffProfile, start_year: int | None) -> Entitlement:
    figures = ledger.entitlement(session, settings, profile, year_or_current(settings, start_year))
    return presenters.entitlement_public(profile, figures, settings)


LeaveYearQuery = Query(default=None, ge=2000, le=2100, description="Year the leave year starts in; default current")


@router.get("/v1/me", response_model=StaffProfilePublic, summary="Your staff profile")
def my_profile(session: SessionDep, principal: StaffPrincipal, settings: SettingsDep) -> StaffProfilePublic:
    """The signed-in member of staff's profile (hours, FTE, directorate, team, line manager, dates employed); 404
    `StaffProfileNotFound` until an administrator has added it.
    """
    return presenters.profile_public(staff.get_profile(session, principal.subject), settings)


@router.get("/v1/me/entitlement", response_model=Entitlement, summary="Your entitlement, booked, taken and left")
def my_entitlement(
    session: SessionDep, principal: StaffPrincipal, settings: SettingsDep, leave_year: int | None = LeaveYearQuery
) -> Entitlement:
    """The caller's volunteering time for a leave year (`leave_year`, the year it starts in; the current one by
    default): entitled (with any carried over), booked (requested, approved or waitlisted, not yet given), taken
    (attended) and left, in hours and days, with the FTE and the share of the year employed. Every figure is counted
    from the booking ledger.
    """
    return entitlement_of(session, settings, staff.get_profile(session, principal.subject), leave_year)


@router.get("/v1/me/bookings", response_model=list[BookingPublic], summary="Your bookings, newest first")
def my_bookings(session: SessionDep, principal: StaffPrincipal) -> list[BookingPublic]:
    """Every booking of the caller (requested, approved, waitlisted, attended, declined, cancelled) with its
    opportunity, newest first.
    """
    staff.get_profile(session, principal.subject)
    return [presenters.booking_public(session, b) for b in bookings.bookings_of(session, principal.subject)]


@router.get("/v1/me/calendar", response_model=CalendarFeed, summary="Your subscribable calendar feed (keep it secret)")
def my_calendar(session: SessionDep, principal: StaffPrincipal, base: BaseUrlDep) -> CalendarFeed:
    """The address of the caller's iCalendar feed of their bookings, for a calendar application to subscribe to. Whoever
    holds the address can read the feed without signing in, so it is shown only to its owner.
    """
    profile = staff.get_profile(session, principal.subject)
    return CalendarFeed(url=f"{base}/v1/calendar/{profile.calendar_token}.ics")


@router.put("/v1/staff/{subject}", response_model=StaffProfilePublic, summary="Add or update a staff profile")
def put_profile(
    subject: Annotated[str, Path(min_length=1, max_length=200)],
    body: StaffProfileUpsert,
    session: SessionDep,
    _: AdminPrincipal,
    settings: SettingsDep,
) -> StaffProfilePublic:
    """Administrators create or replace the profile of the person with this identity provider subject: name, contracted
    and full-time hours, directorate, team, line manager, start and leave dates. The entitlement is computed from
    these.
    """
    return presenters.profile_public(staff.upsert_profile(session, subject=subject, fields=body), settings)


@router.get("/v1/staff", response_model=list[StaffProfilePublic], summary="Your direct reports (everyone, for admins)")
def list_staff(session: SessionDep, principal: StaffPrincipal, settings: SettingsDep) -> list[StaffProfilePublic]:
    """The profiles of the people whose line manager is the caller; administrators see everyone."""
    manager = None if principal.has_any(Role.admin) else principal.subject
    return [presenters.profile_public(p, settings) for p in staff.list_profiles(session, line_manager=manager)]


@router.get(
    "/v1/staff/{subject}/entitlement",
    response_model=Entitlement,
    summary="Someone's entitlement, booked, taken and left (their line manager or an admin)",
)
def staff_entitlement(
    subject: str,
    session: SessionDep,
    principal: StaffPrincipal,
    settings: SettingsDep,
    leave_year: int | None = LeaveYearQuery,
) -> Entitlement:
    """As `GET /v1/me/entitlement`, for someone else: only the person, their line manager or an administrator may read
    it (403 `NotLineManager` otherwise).
    """
    profile = staff.get_profile(session, subject)
    check_can_see(principal, profile)
    return entitlement_of(session, settings, profile, leave_year)


@router.put(
    "/v1/directorates/{directorate}",
    response_model=DirectoratePolicyPublic,
    summary="Admin: set a directorate's volunteering policy",
)
def put_directorate(
    directorate: Annotated[str, Path(min_length=1, max_length=200)],
    body: DirectoratePolicy,
    session: SessionDep,
    _: AdminPrincipal,
) -> DirectoratePolicyPublic:
    """Administrators turn auto-approval on or off for a directorate: with it on, its staff's requests are approved at
    once instead of waiting for the line manager.
    """
    setting = staff.set_directorate_policy(session, directorate=directorate, policy=body)
    return DirectoratePolicyPublic(directorate=setting.directorate, auto_approve=setting.auto_approve)
