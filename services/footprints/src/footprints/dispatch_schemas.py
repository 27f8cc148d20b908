"""Wire shapes of the dispatch board: workers against capacity, waiting and overdue cases, moves and proposals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from deal_shared.footprints import CaseloadCase
from deal_shared.text import refuse_control_characters

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class BoardCase(CaseloadCase):
    etag: str = Field(description="Send as If-Match to reassign from this copy; a stale one gets 412")
    near_due: bool = Field(description="Due within the near-due window of working time, not yet overdue")
    due_in_working_hours: float = Field(description="Working hours until due; negative: overdue by that much")


class AbsenceBrief(BaseModel):
    id: uuid.UUID
    kind: str
    starts_on: date
    ends_on: date
    note: str | None = None


class AbsenceRow(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    worker_name: str
    team_id: uuid.UUID
    kind: str
    starts_on: date
    ends_on: date
    note: str | None = None
    created_by: str


class BoardWorker(BaseModel):
    id: uuid.UUID
    display_name: str
    team_id: uuid.UUID
    team_name: str
    role: str
    skills: list[str]
    capacity_points: float
    load_points: int
    open_cases: int
    overdue: int
    near_due: int
    absent_today: bool
    absences: list[AbsenceBrief] = Field(description="Today's and the coming fortnight's")
    cases: list[BoardCase]


class BoardTotals(BaseModel):
    open_cases: int
    waiting_allocation: int
    overdue: int
    near_due: int
    capacity_points: float
    load_points: int


class TeamBrief(BaseModel):
    id: uuid.UUID
    name: str


class DispatchBoard(BaseModel):
    footprint_code: str
    footprint_name: str
    team: TeamBrief | None = Field(description="The team the board is narrowed to, if any")
    teams: list[TeamBrief]
    generated_at: datetime
    near_due_working_hours: float
    totals: BoardTotals
    workers: list[BoardWorker]
    waiting: list[BoardCase] = Field(description="Open cases of the footprint nobody holds, most urgent first")


class DueCases(BaseModel):
    """Supervision's lists: overdue and near-due open cases, most overdue first."""

    generated_at: datetime
    near_due_working_hours: float
    overdue: list[BoardCase]
    near_due: list[BoardCase]


class ReassignRequest(BaseModel):
    worker_id: uuid.UUID | None = Field(description="Who takes the case; None: back to waiting for allocation")
    reason: Reason = Field(description="Why, kept in the case's audit trail")
    pin: bool = Field(default=False, description="Keep it there: automatic allocation and rebalancing leave it")

    check_text = refuse_control_characters()


class ProposalRequest(BaseModel):
    footprint_code: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    fair: bool | None = Field(default=None, description="None: the service's fair_mode setting")
    time_budget_s: float | None = Field(default=None, gt=0, le=60)

    check_text = refuse_control_characters()


class MoveDecision(StrEnum):
    accepted = "accepted"
    dropped = "dropped"
    stale = "stale"


class ProposedMove(BaseModel):
    case_id: uuid.UUID
    title: str
    from_worker: str | None
    from_worker_id: uuid.UUID | None
    to_worker: str | None
    to_worker_id: uuid.UUID | None
    cost_m: float = Field(description="The new placement's cost, in metres of travel (penalties included)")
    saving_m: float | None = Field(description="What the move saves against leaving it; None: it was waiting")
    lent: bool = Field(description="The new worker is from another footprint")
    decision: MoveDecision | None = None
    decided_by: str | None = None
    note: str | None = Field(default=None, description="Why a move could not be made when accepted")


class ProposalPublic(BaseModel):
    id: uuid.UUID
    footprint_code: str
    actor: str
    status: str = Field(description="proposed (moves still to decide) or decided")
    solver_status: str
    method: str
    fair: bool
    objective: float | None
    lower_bound: float | None
    gap: float | None
    case_count: int
    started_at: datetime
    moves: list[ProposedMove]


class ProposalDecisions(BaseModel):
    accept: list[uuid.UUID] = Field(default_factory=list, max_length=2000)
    drop: list[uuid.UUID] = Field(default_factory=list, max_length=2000)
