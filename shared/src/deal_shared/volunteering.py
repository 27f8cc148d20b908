"""Volunteering's public surface: its wire models and the typed client other apps call it with.

Amounts of time travel as hours (two decimals); the service keeps whole minutes in its ledger so figures never drift.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from deal_shared.http import parse, send
from deal_shared.moments import ClientDate, ClientDateTime
from deal_shared.report_it import Location
from deal_shared.text import refuse_control_characters

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Skill = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class BookingStatus(StrEnum):
    waitlisted = "waitlisted"
    requested = "requested"
    approved = "approved"
    declined = "declined"
    cancelled = "cancelled"


class Attendance(StrEnum):
    attended = "attended"
    no_show = "no_show"


class Amount(StrEnum):
    """How much of the entitlement a booking takes: a standard day, half of one, or a number of hours."""

    day = "day"
    half_day = "half_day"
    hours = "hours"


class OpportunityStatus(StrEnum):
    published = "published"
    cancelled = "cancelled"


class GroupBy(StrEnum):
    directorate = "directorate"
    team = "team"
    organisation = "organisation"
    footprint = "footprint"
    ward = "ward"


class Area(BaseModel):
    """Where a place sits, from the footprints service; null fields while the lookup is pending."""

    footprint_code: str | None = None
    footprint_number: int | None = None
    footprint_name: str | None = None
    ward_code: str | None = None
    ward_name: str | None = None
    located: bool = Field(description="False while footprints has not answered yet; it is filled in later")


class StaffProfileFields(BaseModel):
    name: Text200
    email: Email | None = None
    directorate: Text200
    team: Text200
    line_manager_subject: str | None = Field(
        default=None, max_length=200, description="Token subject of the approving manager"
    )
    contracted_weekly_hours: float = Field(gt=0, le=60, description="Contracted hours a week (37 is full time)")
    start_date: ClientDate | None = Field(default=None, description="Starters get a pro-rata share of their first year")
    leave_date: ClientDate | None = Field(default=None, description="Leavers get a pro-rata share of their last year")

    @model_validator(mode="after")
    def _dates_in_order(self) -> StaffProfileFields:
        if self.start_date and self.leave_date and self.leave_date < self.start_date:
            raise ValueError("leave_date is before start_date")
        return self


class StaffProfileUpsert(StaffProfileFields):
    model_config = ConfigDict(extra="forbid")

    check_text = refuse_control_characters()


class StaffProfilePublic(StaffProfileFields):
    subject: str
    fte: float


class DirectoratePolicy(BaseModel):
    auto_approve: bool = Field(description="Bookings by this directorate's staff are approved without a manager")


class DirectoratePolicyPublic(DirectoratePolicy):
    directorate: str


class OrganisationFields(BaseModel):
    name: Text200
    charity_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Z-]{4,20}$")] | None = None
    contact_name: Text200 | None = None
    contact_email: Email | None = None
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+() -]{6,40}$")] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    location: Location


class OrganisationCreate(OrganisationFields):
    model_config = ConfigDict(extra="forbid")

    check_text = refuse_control_characters()


class OrganisationPublic(OrganisationFields):
    id: UUID
    area: Area
    created_at: datetime


class SuggestionSource(BaseModel):
    """The Report IT hotspot an opportunity was proposed from."""

    category: Annotated[str, StringConstraints(max_length=64)]
    report_count: int = Field(ge=0, le=1_000_000)
    report_ids: list[UUID] = Field(default_factory=list, max_length=1000)


class OpportunityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: UUID
    title: Text200
    description: LongText = ""
    starts_at: ClientDateTime | None = Field(
        default=None, description="Leave both times out for a flexible opportunity"
    )
    ends_at: ClientDateTime | None = None
    places: int = Field(ge=1, le=1000)
    skills: list[Skill] = Field(default_factory=list, max_length=20)
    location: Location | None = Field(default=None, description="Defaults to the organisation's location")
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    accessibility_notes: LongText = ""
    suggested_from: SuggestionSource | None = None

    check_text = refuse_control_characters()

    @model_validator(mode="after")
    def _times(self) -> OpportunityCreate:
        if (self.starts_at is None) != (self.ends_at is None):
            raise ValueError("give both starts_at and ends_at, or neither for a flexible opportunity")
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("times need a timezone offset")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class OpportunityPublic(BaseModel):
    id: UUID
    organisation_id: UUID
    organisation_name: str
    title: str
    description: str
    starts_at: datetime | None
    ends_at: datetime | None
    flexible: bool
    places: int
    places_left: int
    waitlist_count: int
    skills: list[str]
    location: Location
    address: str | None
    accessibility_notes: str
    area: Area
    status: OpportunityStatus
    suggested_from: SuggestionSource | None = None
    created_at: datetime


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opportunity_id: UUID
    # The service bounds booking dates itself, answering InvalidBookingTime with the years it books for.
    date: dt.date | None = Field(default=None, description="Required for a flexible opportunity")
    amount: Amount = Amount.day
    hours: float | None = Field(default=None, gt=0, le=24, description="Only with amount=hours; quarter hours")
    join_waitlist: bool = Field(default=True, description="When the opportunity is full, join its waiting list")

    check_text = refuse_control_characters()


class VolunteeringLog(BaseModel):
    """Volunteering done with an organisation that had no listed opportunity, for the manager to approve."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: UUID
    date: dt.date
    amount: Amount = Amount.day
    hours: float | None = Field(default=None, gt=0, le=24)
    impact_note: LongText | None = None

    check_text = refuse_control_characters()


class BookingDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: LongText | None = Field(default=None, description="Required when declining")

    check_text = refuse_control_characters()


class AttendanceRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attendance: Attendance
    hours_given: float | None = Field(default=None, ge=0, le=24, description="Defaults to the hours booked")
    impact_note: LongText | None = None

    check_text = refuse_control_characters()


class BookingPublic(BaseModel):
    id: UUID
    staff_subject: str
    staff_name: str
    opportunity_id: UUID | None
    opportunity_title: str | None
    organisation_id: UUID
    organisation_name: str
    date: dt.date
    starts_at: datetime | None
    ends_at: datetime | None
    hours: float = Field(description="Entitlement the booking takes, in hours")
    status: BookingStatus
    waitlist_position: int | None = None
    attendance: Attendance | None = None
    hours_given: float | None = None
    impact_note: str | None = None
    decision_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    leave_year: int
    created_at: datetime


class Entitlement(BaseModel):
    subject: str
    name: str
    leave_year: int = Field(description="The year the leave year starts in")
    leave_year_label: str
    starts_on: date
    ends_on: date
    fte: float
    employed_fraction: float = Field(description="Share of the leave year the person is employed (starters, leavers)")
    entitlement_hours: float
    carried_over_hours: float
    booked_hours: float = Field(description="Requested, approved or waitlisted, not yet confirmed as given")
    taken_hours: float = Field(description="Confirmed as attended")
    remaining_hours: float
    remaining_days: float
    standard_day_hours: float


class AbsenceKind(StrEnum):
    annual_leave = "annual_leave"
    sickness = "sickness"
    training = "training"
    other = "other"


class AbsenceFields(BaseModel):
    """Time a member of staff is away, recorded by their line manager so volunteering requests can be weighed."""

    staff_subject: Subject
    starts_on: ClientDate
    ends_on: ClientDate
    kind: AbsenceKind = AbsenceKind.annual_leave

    @model_validator(mode="after")
    def _in_order(self) -> AbsenceFields:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class AbsenceCreate(AbsenceFields):
    model_config = ConfigDict(extra="forbid")

    check_text = refuse_control_characters()


class AbsencePublic(AbsenceFields):
    id: UUID
    recorded_by: str


class TeamDay(BaseModel):
    """Someone else in the team who is away, or volunteering (booked or approved), on the same day."""

    subject: str
    name: str
    status: BookingStatus | None = Field(default=None, description="Set when they are volunteering")
    hours: float | None = None
    away: AbsenceKind | None = Field(default=None, description="Set when they are away")


class ApprovalItem(BaseModel):
    booking: BookingPublic
    team_that_day: list[TeamDay]
    entitlement: Entitlement


class SummaryRow(BaseModel):
    key: str | None
    label: str
    staff: int
    bookings: int
    hours: float
    days: float


class Summary(BaseModel):
    leave_year: int
    group_by: GroupBy
    rows: list[SummaryRow]
    total_staff: int = Field(description="Distinct staff: one person may appear in several rows")
    total_hours: float
    total_days: float


class Uptake(BaseModel):
    leave_year: int
    staff: int = Field(description="Staff employed in the leave year")
    staff_who_volunteered: int
    share: float = Field(description="staff_who_volunteered / staff, 0..1")
    hours_given: float
    days_given: float


class CleanUpHeld(BaseModel):
    """A community clean-up proposed at a Report IT hotspot and held: staff time given there."""

    opportunity_id: UUID
    title: str
    held_at: datetime | None
    lat: float
    long: float
    footprint_code: str | None
    ward_code: str | None
    category: str = Field(description="The hotspot's category")
    hotspot_reports: int = Field(description="Reports in the hotspot when the clean-up was proposed")
    staff: int = Field(description="Staff who attended")
    hours: float


class CleanUps(BaseModel):
    leave_year: int
    held: list[CleanUpHeld]
    total_held: int
    total_staff: int = Field(description="Distinct staff over all of them")
    total_hours: float


class OpportunitySuggestion(BaseModel):
    """A proposed community clean-up where a street problem keeps recurring, for an organiser to publish."""

    title: str
    description: str
    location: Location
    radius_m: float
    area: Area
    source: SuggestionSource
    first_reported_at: datetime
    last_reported_at: datetime


class VolunteeringClient:
    """Typed access to Volunteering for the field app and the other services (calls carry the user's token)."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def _json(self, method: str, url: str, body: BaseModel | None = None, **params: object) -> httpx.Response:
        kwargs: dict = {"params": {k: v for k, v in params.items() if v is not None}}
        if body is not None:
            kwargs["content"] = body.model_dump_json(exclude_unset=True)
            kwargs["headers"] = {"Content-Type": "application/json"}
        return send(self.http, self.http.build_request(method, url, **kwargs))

    def list_opportunities(self, **filters: object) -> list[OpportunityPublic]:
        return parse(self._json("GET", "/v1/opportunities", **filters), list[OpportunityPublic])

    def get_opportunity(self, opportunity_id: UUID | str) -> OpportunityPublic:
        return parse(self._json("GET", f"/v1/opportunities/{opportunity_id}"), OpportunityPublic)

    def book(self, booking: BookingCreate) -> BookingPublic:
        return parse(self._json("POST", "/v1/bookings", booking), BookingPublic)

    def my_bookings(self) -> list[BookingPublic]:
        return parse(self._json("GET", "/v1/me/bookings"), list[BookingPublic])

    def my_entitlement(self, leave_year: int | None = None) -> Entitlement:
        return parse(self._json("GET", "/v1/me/entitlement", leave_year=leave_year), Entitlement)

    def cancel(self, booking_id: UUID | str) -> BookingPublic:
        return parse(self._json("POST", f"/v1/bookings/{booking_id}/cancel"), BookingPublic)

    def pending_approvals(self) -> list[ApprovalItem]:
        return parse(self._json("GET", "/v1/approvals"), list[ApprovalItem])

    def decide(self, booking_id: UUID | str, decision: BookingDecision) -> BookingPublic:
        return parse(self._json("POST", f"/v1/bookings/{booking_id}/decision", decision), BookingPublic)

    def record_attendance(self, booking_id: UUID | str, record: AttendanceRecord) -> BookingPublic:
        return parse(self._json("POST", f"/v1/bookings/{booking_id}/attendance", record), BookingPublic)

    def cleanups(self, leave_year: int | None = None) -> CleanUps:
        """Clean-ups held at Report IT's hotspots in a leave year (managers, admins and services)."""
        return parse(self._json("GET", "/v1/reports/cleanups", leave_year=leave_year), CleanUps)

    def booking_ics(self, booking_id: UUID | str) -> str:
        return self._json("GET", f"/v1/bookings/{booking_id}/calendar.ics").text
