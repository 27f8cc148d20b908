"""Report IT's triage surface: the queue of new and reopened reports, and the actions officers take on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from deal_shared.report_it import Cluster, Location, PhotoPublic, Priority, ReportStatus, ReportUpdatePublic
from deal_shared.text import refuse_control_characters

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class TriageQueueKind(StrEnum):
    general = "general"
    safeguarding = "safeguarding"  # restricted categories: only the safeguarding role


class TriageItem(BaseModel):
    """A report waiting for triage, as an officer sees it; `etag` goes back as If-Match with an action."""

    id: UUID
    reference: str
    category: str
    category_name: str
    status: ReportStatus
    priority: Priority
    reopened: bool = Field(description="Fixed or closed before, reopened since")
    waiting_since: datetime = Field(description="When it came in, or when it was reopened")
    created_at: datetime
    updated_at: datetime
    expected_at: datetime | None = Field(description="Due on the category's target, in working time")
    overdue: bool = Field(default=False, description="Past expected_at")
    location: Location
    address: str | None
    description: str | None
    answers: dict[str, Any] = Field(default_factory=dict)
    photos: list[PhotoPublic] = Field(default_factory=list)
    footprint: str | None = None
    ward: str | None = None
    support_count: int = 0
    duplicate_of: UUID | None = None
    etag: str


class NearbyOpenReport(BaseModel):
    id: UUID
    reference: str
    status: ReportStatus
    created_at: datetime
    distance_m: float


class TriageDetail(TriageItem):
    """One report with what helps decide on it: open reports nearby, its hotspot, its timeline."""

    nearby: list[NearbyOpenReport] = Field(default_factory=list)
    hotspot: Cluster | None = None
    timeline: list[ReportUpdatePublic] = Field(default_factory=list)


class TriagePage(BaseModel):
    items: list[TriageItem]
    total: int = Field(description="Reports in the queue matching the filters")
    next_cursor: str | None = None


class TriageActionKind(StrEnum):
    acknowledge = "acknowledge"  # accept: the report becomes a Footprints case
    recategorise = "recategorise"
    set_priority = "set_priority"
    merge = "merge"  # close as a duplicate of `duplicate_of`
    close = "close"  # with a response template whose status is a closed one
    note = "note"  # an internal note only


_NEEDS = {
    TriageActionKind.recategorise: "category",
    TriageActionKind.set_priority: "priority",
    TriageActionKind.merge: "duplicate_of",
    TriageActionKind.close: "template_id",
    TriageActionKind.note: "internal_note",
}


class TriageAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: TriageActionKind
    category: str | None = Field(default=None, max_length=64, description="recategorise: the new category")
    priority: Priority | None = Field(default=None, description="set_priority: the new priority")
    duplicate_of: UUID | None = Field(default=None, description="merge: the original report")
    template_id: UUID | None = Field(default=None, description="close: the response template sent to the reporter")
    public_text: Text | None = Field(default=None, description="Replaces the template's or default public text")
    internal_note: Text | None = Field(default=None, description="Staff only; required for `note`")

    check_text = refuse_control_characters()

    @model_validator(mode="after")
    def _has_what_it_needs(self) -> TriageAction:
        needed = _NEEDS.get(self.action)
        if needed and getattr(self, needed) is None:
            raise ValueError(f"the {self.action.value} action needs {needed}")
        return self


class BulkTarget(BaseModel):
    report_id: UUID
    etag: str = Field(min_length=1, max_length=100, description="The report's etag as the officer saw it")


class BulkTriage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: TriageAction
    items: list[BulkTarget] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _one_each(self) -> BulkTriage:
        ids = [item.report_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("each report may appear once in a bulk action")
        return self


class BulkOutcome(StrEnum):
    done = "done"
    replayed = "replayed"  # done by an earlier try of the same Idempotency-Key
    refused = "refused"


class BulkItemResult(BaseModel):
    report_id: UUID
    outcome: BulkOutcome
    status: int = Field(description="The HTTP status this item alone would have had")
    item: TriageItem | None = Field(default=None, description="The report after the action (done, replayed)")
    problem: dict[str, Any] | None = Field(default=None, description="Why it was refused (RFC 9457)")


class BulkResult(BaseModel):
    results: list[BulkItemResult]
    done: int
    refused: int
