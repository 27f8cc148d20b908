"""Footprints' own wire shapes for its staff endpoints (the cross-service ones live in deal_shared.footprints)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from deal_shared.moments import ClientDate
from deal_shared.text import refuse_control_characters

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
FootprintCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Skill = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class WorkerRole(StrEnum):
    worker = "worker"
    team_leader = "team_leader"
    manager = "manager"


class AbsenceKind(StrEnum):
    leave = "leave"
    sickness = "sickness"
    training = "training"


class TeamFields(BaseModel):
    name: TeamName
    footprint_code: FootprintCode


class TeamCreate(TeamFields):
    check_text = refuse_control_characters()


class TeamPublic(TeamFields):
    id: uuid.UUID


class WorkerFields(BaseModel):
    subject: Name = Field(description="The identity provider's subject of this member of staff")
    display_name: Name
    team_id: uuid.UUID
    role: WorkerRole = WorkerRole.worker
    skills: list[Skill] = Field(min_length=1)
    fte: float = Field(default=1.0, gt=0, le=1)
    full_time_points: float = Field(default=40.0, gt=0, le=1000)
    home_lat: float = Field(ge=-90, le=90)
    home_long: float = Field(ge=-180, le=180)


class WorkerCreate(WorkerFields):
    check_text = refuse_control_characters()


class WorkerPublic(WorkerFields):
    """home_lat and home_long are exact for the managers and the team's leader, to 0.01 degree for anyone else."""

    id: uuid.UUID
    capacity_points: float
    active: bool


class AbsenceFields(BaseModel):
    kind: AbsenceKind
    starts_on: date
    ends_on: date
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class AbsenceCreate(AbsenceFields):
    starts_on: ClientDate
    ends_on: ClientDate

    check_text = refuse_control_characters()


class RunPublic(BaseModel):
    id: uuid.UUID
    trigger: str
    actor: str
    scope: str
    method: str
    fair: bool
    status: str
    objective: float | None
    lower_bound: float | None
    gap: float | None
    time_budget_s: float
    elapsed_s: float
    case_count: int
    moved: int
    lent: int
    unplaced: int
    details: dict[str, Any]
    started_at: datetime


class AbsencePublic(AbsenceFields):
    id: uuid.UUID
    worker_id: uuid.UUID
    repair: RunPublic


class RebalanceRequest(BaseModel):
    footprint_code: FootprintCode | None = Field(default=None, description="None: the whole borough")
    fair: bool | None = Field(default=None, description="None: the service's fair_mode setting")
    time_budget_s: float | None = Field(default=None, gt=0, le=600)
    polish: bool = False

    check_text = refuse_control_characters()


class PinRequest(BaseModel):
    worker_id: uuid.UUID
    note: Annotated[str, StringConstraints(max_length=500)] | None = None

    check_text = refuse_control_characters()


class AuditEntry(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    from_worker_id: uuid.UUID | None
    to_worker_id: uuid.UUID | None
    actor: str
    kind: str
    reason: dict[str, Any]
    run_id: uuid.UUID | None
    at: datetime


class BoundaryInfo(BaseModel):
    source: str
    illustrative: bool
    note: str
    ward_count: int
    footprint_count: int
    imported_at: datetime
