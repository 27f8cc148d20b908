"""Footprints' public surface: places (locate), case intake, caseloads, and the typed client for them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

import httpx
from pydantic import BaseModel, Field, StringConstraints

from deal_shared.http import parse, send
from deal_shared.moments import ClientDateTime
from deal_shared.report_it import Location, Priority
from deal_shared.text import refuse_control_characters, strip_control_characters
from deal_shared.versions import Outcome, SenderVersion

__all__ = [
    "CaseProgress",
    "CasePublic",
    "CaseStatus",
    "CaseUpsert",
    "CaseUpserted",
    "Caseload",
    "CaseloadCase",
    "FootprintRef",
    "FootprintsClient",
    "LocateResult",
    "Location",
    "Priority",
    "ProgressKind",
    "WardFeature",
    "WardFeatureCollection",
    "WardProperties",
    "WardRef",
    "WorkerRef",
]


class WardRef(BaseModel):
    code: str
    name: str


class FootprintRef(BaseModel):
    code: str
    number: int = Field(description="1-7, as in the borough's Pharmaceutical Needs Assessment")
    name: str


class LocateResult(BaseModel):
    ward: WardRef
    footprint: FootprintRef


class CaseStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    completed = "completed"
    closed = "closed"


class CaseUpsert(BaseModel):
    """A case as its source system (e.g. Report IT) knows it; sent whole on every change.

    Its sender's outbox retries it, so text it cannot store is cleaned rather than refused."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    skill: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
    priority: Priority = Priority.normal
    effort_points: int = Field(default=1, ge=1, le=1000)
    location: Location
    due_at: ClientDateTime = Field(description="UTC")
    status: Literal["open", "closed"] = "open"
    version: SenderVersion | None = Field(
        default=None,
        description="The source's version of the case, raised on every change; Footprints applies only a version "
        "newer than the last it applied. Absent from older senders: such an upsert is applied.",
    )

    clean_text = strip_control_characters("title", "category", "skill")


class WorkerRef(BaseModel):
    id: UUID
    display_name: str


class CasePublic(BaseModel):
    id: UUID
    source_system: str
    source_id: str
    footprint_code: str
    ward_code: str
    status: CaseStatus
    worker: WorkerRef | None = None
    due_at: datetime
    priority: Priority
    skill: str
    effort_points: int
    allocated_at: datetime | None = None


class CaseUpserted(CasePublic):
    """The answer to an upsert: the case as stored, and whether this upsert changed it."""

    outcome: Outcome = Outcome.applied
    detail: str = "applied"


class ProgressKind(StrEnum):
    """The worker's own steps; the allocation kinds of `deal_shared.report_it.CaseEventKind` come from Footprints."""

    in_progress = "in_progress"
    completed = "completed"


class CaseProgress(BaseModel):
    """A worker's progress on their case, sent from the field app."""

    kind: ProgressKind
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None

    check_text = refuse_control_characters()


class CaseloadCase(BaseModel):
    id: UUID
    source_system: str
    source_id: str
    title: str
    category: str
    skill: str
    priority: Priority
    effort_points: int
    status: CaseStatus
    location: Location
    footprint_code: str
    ward_code: str
    worker: WorkerRef | None = None
    pinned: bool = False
    opened_at: datetime
    due_at: datetime
    allocated_at: datetime | None = None
    age_days: float
    overdue: bool


class Caseload(BaseModel):
    """Open work in one scope (a footprint, a team or a worker) against the capacity there."""

    scope: Literal["footprint", "team", "worker"]
    key: str = Field(description="Footprint code, team id or worker id")
    name: str
    capacity_points: float
    load_points: int
    utilisation: float | None = Field(description="load / capacity; None where there is no capacity")
    open_cases: int
    waiting_allocation: int
    overdue: int
    ageing: dict[str, int] = Field(description="Open cases by age band: 0-2d, 3-7d, 8-28d, 29d+")
    cases: list[CaseloadCase] = Field(default_factory=list)


class WardProperties(BaseModel):
    code: str
    name: str
    footprint_code: str | None = None


class WardFeature(BaseModel):
    properties: WardProperties
    geometry: dict[str, Any] | None = None


class WardFeatureCollection(BaseModel):
    """GET /v1/wards: the wards as a GeoJSON FeatureCollection (readers use the fields named here)."""

    features: list[WardFeature]


class FootprintsClient:
    """Typed access to Footprints for the other services and the field app's backend."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def locate(self, lat: float, long: float) -> LocateResult:
        request = self.http.build_request("GET", "/v1/locate", params={"lat": lat, "long": long})
        return parse(send(self.http, request), LocateResult)

    def wards(self) -> WardFeatureCollection:
        return parse(send(self.http, self.http.build_request("GET", "/v1/wards")), WardFeatureCollection)

    def upsert_case(self, source_system: str, source_id: str, case: CaseUpsert) -> CaseUpserted:
        request = self.http.build_request(
            "PUT",
            f"/v1/cases/{source_system}/{source_id}",
            content=case.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        return parse(send(self.http, request), CaseUpserted)

    def get_case(self, case_id: UUID | str) -> CasePublic:
        return parse(send(self.http, self.http.build_request("GET", f"/v1/cases/{case_id}")), CasePublic)

    def get_case_by_source(self, source_system: str, source_id: str) -> CasePublic:
        request = self.http.build_request("GET", f"/v1/cases/{source_system}/{source_id}")
        return parse(send(self.http, request), CasePublic)

    def record_progress(self, case_id: UUID | str, progress: CaseProgress) -> CasePublic:
        request = self.http.build_request(
            "POST",
            f"/v1/cases/{case_id}/progress",
            content=progress.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        return parse(send(self.http, request), CasePublic)

    def my_caseload(self) -> Caseload:
        """The calling worker's own caseload (the token's subject is the worker's identity)."""
        return parse(send(self.http, self.http.build_request("GET", "/v1/caseloads/me")), Caseload)

    def worker_caseload(self, worker_id: UUID | str) -> Caseload:
        request = self.http.build_request("GET", f"/v1/caseloads/workers/{worker_id}")
        return parse(send(self.http, request), Caseload)

    def team_caseload(self, team_id: UUID | str) -> Caseload:
        return parse(send(self.http, self.http.build_request("GET", f"/v1/caseloads/teams/{team_id}")), Caseload)

    def footprint_caseload(self, footprint_code: str) -> Caseload:
        request = self.http.build_request("GET", f"/v1/caseloads/footprints/{footprint_code}")
        return parse(send(self.http, request), Caseload)
