"""The Defra record of one fly-tipping report, as the officer completed it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from deal_shared.db import UTCDateTime, utcnow
from report_it.db import Table


class FlyTippingIncident(Table, table=True):
    __tablename__ = "flytipping_incident"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="report.id", unique=True)
    # Codes from the lists in force when recorded; kept as given, so a later list change shows as missing.
    land_type: str = Field(max_length=64)
    waste_type: str = Field(max_length=64)
    size: str = Field(max_length=64)
    cost_band: str = Field(max_length=64)
    enforcement_action: str = Field(max_length=64)
    recorded_by: str = Field(max_length=200)
    recorded_by_name: str | None = Field(default=None, max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
