"""Report IT's Defra fly-tipping return: the record an officer completes per incident, and the quarter's return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

# The Defra fields, in the order the officer answers them and the return lists them.
FIELDS = ("land_type", "waste_type", "size", "cost_band", "enforcement_action")


class FlyTippingCode(BaseModel):
    code: str
    name: str


class FlyTippingCodes(BaseModel):
    """The code lists in force (the council may replace them); `source` says where they come from."""

    source: str
    land_types: list[FlyTippingCode]
    waste_types: list[FlyTippingCode]
    sizes: list[FlyTippingCode]
    cost_bands: list[FlyTippingCode]
    enforcement_actions: list[FlyTippingCode]
    size_cost_bands: dict[str, str] = Field(description="The clearance cost band each size suggests")


class FlyTippingFields(BaseModel):
    """What the officer records on completing a fly-tipping case; every field is required (a code from its list)."""

    model_config = ConfigDict(extra="forbid")

    land_type: Code | None = None
    waste_type: Code | None = None
    size: Code | None = None
    cost_band: Code | None = None
    enforcement_action: Code | None = None


class FlyTippingIncidentPublic(BaseModel):
    """One report's Defra record, or, before one is recorded, the defaults its answers suggest."""

    report_id: UUID
    reference: str
    recorded: bool = Field(description="False: nothing recorded yet, the values are suggestions")
    land_type: str | None
    waste_type: str | None
    size: str | None
    cost_band: str | None
    enforcement_action: str | None
    missing: list[str] = Field(description="Required fields with no value from the current lists")
    recorded_at: datetime | None = None
    recorded_by_name: str | None = None


class FlyTippingReturnIncident(BaseModel):
    report_id: UUID
    reference: str
    incident_date: date
    status: str
    ward: str | None
    land_type: str | None
    waste_type: str | None
    size: str | None
    cost_band: str | None
    enforcement_action: str | None
    missing: list[str]


class FlyTippingAggregate(BaseModel):
    """The council's aggregate table for the quarter, over incidents with every field recorded."""

    land_by_waste: dict[str, dict[str, int]] = Field(description="land type -> waste type -> incidents")
    by_size: dict[str, int]
    actions: dict[str, int] = Field(description="enforcement action -> incidents (no action included)")
    total: int


class FlyTippingReturn(BaseModel):
    quarter: str = Field(description="Financial year and quarter, e.g. 2026-27-Q3 (October to December 2026)")
    starts: date
    ends: date = Field(description="The last day of the quarter")
    incidents: list[FlyTippingReturnIncident] = Field(description="Missing a field first, then by date")
    incomplete: int
    aggregate: FlyTippingAggregate
