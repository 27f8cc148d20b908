"""Footprints' tables: places, people, cases, the allocation audit, batch runs and the outbox to Report IT."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field

from deal_shared.db import JSONType, UTCDateTime, utcnow
from deal_shared.idempotency import IdempotencyRecordBase
from deal_shared.outbox import OutboxRowBase
from footprints.db import Table


def _when(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class Footprint(Table, table=True):
    __tablename__ = "footprint"

    code: str = Field(primary_key=True, max_length=64)
    number: int = Field(unique=True)
    name: str = Field(max_length=120)


class Ward(Table, table=True):
    __tablename__ = "ward"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    footprint_code: str = Field(max_length=64, index=True)
    # GeoJSON geometry (WGS84 long/lat), as imported.
    geometry: dict[str, Any] = Field(sa_type=JSONType)


class BoundaryImport(Table, table=True):
    """One accepted boundary file: where it came from and whether it is the illustrative set."""

    __tablename__ = "boundary_import"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    source: str = Field(max_length=300)
    illustrative: bool = False
    note: str = Field(default="", max_length=1000)
    ward_count: int
    footprint_count: int
    imported_at: datetime = _when(index=True)


class Team(Table, table=True):
    __tablename__ = "team"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    footprint_code: str = Field(max_length=64, index=True)


class Worker(Table, table=True):
    __tablename__ = "worker"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # The identity provider's subject: links a signed-in member of staff to their worker record.
    subject: str = Field(max_length=200, unique=True)
    display_name: str = Field(max_length=200)
    team_id: uuid.UUID = Field(sa_column=Column(ForeignKey("team.id"), nullable=False, index=True))
    role: str = Field(default="worker", max_length=32)
    skills: list[str] = Field(default_factory=list, sa_type=JSONType)
    fte: float = Field(default=1.0, sa_column=Column(Float, nullable=False))
    # Points of work a full-time worker carries; the worker's capacity is this times their FTE.
    full_time_points: float = Field(default=40.0, sa_column=Column(Float, nullable=False))
    home_lat: float
    home_long: float
    active: bool = True
    created_at: datetime = _when()


class Absence(Table, table=True):
    __tablename__ = "absence"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    worker_id: uuid.UUID = Field(sa_column=Column(ForeignKey("worker.id"), nullable=False, index=True))
    kind: str = Field(max_length=32)
    starts_on: date
    ends_on: date
    note: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=200)
    created_at: datetime = _when()


class Case(Table, table=True):
    __tablename__ = "case_record"
    __table_args__ = (
        UniqueConstraint("source_system", "source_id", name="uq_case_record_source"),
        Index("ix_case_record_open", "status", "footprint_code"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    source_system: str = Field(max_length=64)
    source_id: str = Field(max_length=200)
    # The source's version of the case (Report IT's), as last applied: an upsert not newer than it is ignored.
    version: int = 0
    # Footprints' own version of the case, raised with every event it sends about the case and carried in it, so
    # that the source applies a late event no newer than the last it applied as stale rather than going backwards.
    sequence: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    title: str = Field(max_length=300)
    category: str = Field(max_length=64)
    skill: str = Field(max_length=64)
    priority: str = Field(max_length=16)
    effort_points: int
    lat: float
    long: float
    ward_code: str = Field(max_length=64)
    footprint_code: str = Field(max_length=64)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=16)
    worker_id: uuid.UUID | None = Field(default=None, sa_column=Column(ForeignKey("worker.id"), index=True))
    pinned: bool = False
    allocated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why the case sits where it does: the top candidates' scores, or the batch run that placed it.
    allocation_reason: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    opened_at: datetime = _when()
    updated_at: datetime = _when()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AllocationAudit(Table, table=True):
    """Every (re)allocation: who or what, when, why."""

    __tablename__ = "allocation_audit"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(sa_column=Column(ForeignKey("case_record.id"), nullable=False, index=True))
    from_worker_id: uuid.UUID | None = None
    to_worker_id: uuid.UUID | None = None
    actor: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    reason: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    run_id: uuid.UUID | None = Field(default=None, index=True)
    at: datetime = _when(index=True)


class RebalanceRun(Table, table=True):
    """A batch run and its quality certificate: objective, proven bound, gap, status, budget."""

    __tablename__ = "rebalance_run"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    trigger: str = Field(max_length=64)
    actor: str = Field(max_length=200)
    scope: str = Field(max_length=64)
    method: str = Field(max_length=32)
    fair: bool = False
    status: str = Field(max_length=32)
    objective: float | None = None
    lower_bound: float | None = None
    gap: float | None = None
    time_budget_s: float
    elapsed_s: float
    case_count: int
    moved: int = 0
    lent: int = 0
    unplaced: int = 0
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    started_at: datetime = _when(index=True)


class OutboxEvent(OutboxRowBase, Table, table=True):
    """A case event for a source system, written with the change and delivered with retries."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_due", "state", "next_attempt_at"),)

    event_id: str = Field(max_length=64, unique=True)
    destination: str = Field(max_length=64)
    source_id: str = Field(max_length=200, index=True)
    payload: dict[str, Any] = Field(sa_type=JSONType)


class IdempotencyRecord(IdempotencyRecordBase, Table, table=True):
    """The first answer to an Idempotency-Key, replayed to retries of the same write."""

    __tablename__ = "idempotency_record"
