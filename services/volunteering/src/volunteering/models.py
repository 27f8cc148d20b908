"""Volunteering's tables: staff profiles, organisations, opportunities and the booking ledger.

Entitlement is never stored as a running counter: every figure is summed from `booking` rows, in whole minutes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field

from deal_shared.db import JSONType, UTCDateTime, utcnow
from deal_shared.idempotency import IdempotencyRecordBase
from volunteering.db import Table


def _when(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class StaffProfile(Table, table=True):
    """A member of staff as the volunteering scheme needs them; `subject` is their token subject."""

    __tablename__ = "staff_profile"

    subject: str = Field(primary_key=True, max_length=200)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    directorate: str = Field(max_length=200, index=True)
    team: str = Field(max_length=200, index=True)
    line_manager_subject: str | None = Field(default=None, max_length=200, index=True)
    contracted_weekly_hours: float
    start_date: date | None = None
    leave_date: date | None = None
    calendar_token: str = Field(max_length=64, unique=True)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class DirectorateSetting(Table, table=True):
    __tablename__ = "directorate_setting"

    directorate: str = Field(primary_key=True, max_length=200)
    auto_approve: bool = False
    updated_at: datetime = _when()


class Organisation(Table, table=True):
    __tablename__ = "organisation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    charity_number: str | None = Field(default=None, max_length=20)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    lat: float
    lon: float
    footprint_code: str | None = Field(default=None, max_length=64, index=True)
    footprint_number: int | None = None
    footprint_name: str | None = Field(default=None, max_length=200)
    ward_code: str | None = Field(default=None, max_length=64)
    ward_name: str | None = Field(default=None, max_length=200)
    located_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    created_at: datetime = _when()


class Opportunity(Table, table=True):
    __tablename__ = "opportunity"
    __table_args__ = (Index("ix_opportunity_starts", "status", "starts_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=200)
    description: str = ""
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    places: int
    skills: list[str] = Field(default_factory=list, sa_type=JSONType)
    lat: float
    lon: float
    address: str | None = Field(default=None, max_length=300)
    accessibility_notes: str = ""
    status: str = Field(default="published", max_length=16)
    suggested_from: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    footprint_code: str | None = Field(default=None, max_length=64, index=True)
    footprint_number: int | None = None
    footprint_name: str | None = Field(default=None, max_length=200)
    ward_code: str | None = Field(default=None, max_length=64)
    ward_name: str | None = Field(default=None, max_length=200)
    located_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    created_at: datetime = _when()


class Booking(Table, table=True):
    """One line of the ledger: a request for time (and a place), its decision, and what was actually given."""

    __tablename__ = "booking"
    __table_args__ = (
        Index("ix_booking_staff_year", "staff_subject", "leave_year"),
        Index("ix_booking_opportunity_status", "opportunity_id", "status"),
        Index("ix_booking_day", "day"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    staff_subject: str = Field(foreign_key="staff_profile.subject", max_length=200)
    opportunity_id: uuid.UUID | None = Field(default=None, foreign_key="opportunity.id")
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    day: date
    leave_year: int
    minutes: int = Field(description="Entitlement taken while requested, approved or waitlisted")
    status: str = Field(max_length=16)
    attendance: str | None = Field(default=None, max_length=16)
    minutes_given: int | None = None
    impact_note: str | None = None
    decision_reason: str | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Order of the waiting list: a sequence number per opportunity is exact where timestamps can tie.
    waitlist_seq: int | None = None
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Absence(Table, table=True):
    """A day range a member of staff is away, so a manager sees the whole team's day when deciding."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_staff_days", "staff_subject", "starts_on", "ends_on"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    staff_subject: str = Field(foreign_key="staff_profile.subject", max_length=200)
    starts_on: date
    ends_on: date
    kind: str = Field(max_length=32)
    recorded_by: str = Field(max_length=200)
    created_at: datetime = _when()


class IdempotencyRecord(IdempotencyRecordBase, Table, table=True):
    """The first answer to an Idempotency-Key, replayed to retries of the same write."""

    __tablename__ = "idempotency_record"
