"""Report IT's routing rules: what happens to a new report on submission, decided by the first matching rule."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from deal_shared.report_it import Priority
from deal_shared.text import refuse_control_characters

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
AreaCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class RoutingDecision(StrEnum):
    acknowledge = "acknowledge"  # straight to the team: a Footprints case at once
    hold = "hold"  # wait in the triage queue for an officer


class RoutingRuleFields(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
    category: Code | None = Field(default=None, description="A category code; none: any category")
    footprint: AreaCode | None = Field(default=None, description="A footprint code; none: anywhere")
    ward: AreaCode | None = Field(default=None, description="A ward code; none: anywhere")
    answers: dict[str, Any] = Field(
        default_factory=dict, description='Answers the report must have given, e.g. {"near_children": "yes"}'
    )
    decision: RoutingDecision = RoutingDecision.hold
    priority: Priority | None = Field(default=None, description="Set this priority on matching reports")
    active: bool = True


class RoutingRuleCreate(RoutingRuleFields):
    model_config = ConfigDict(extra="forbid")

    position: int | None = Field(default=None, ge=0, description="Order of evaluation; default: after the others")

    check_text = refuse_control_characters()


class RoutingRuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)] | None = None
    category: Code | None = None
    footprint: AreaCode | None = None
    ward: AreaCode | None = None
    answers: dict[str, Any] | None = None
    decision: RoutingDecision | None = None
    priority: Priority | None = None
    active: bool | None = None
    position: int | None = Field(default=None, ge=0)

    check_text = refuse_control_characters()


class RoutingRulePublic(RoutingRuleFields):
    id: UUID
    position: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    etag: str = Field(default="", description="Send as If-Match to change or delete only the rule as you saw it")


class RoutingRuleChange(BaseModel):
    """One entry of the rules' audit trail: who changed which rule, when, from what to what."""

    id: UUID
    rule_id: UUID
    at: datetime
    actor: str
    actor_name: str | None = None
    kind: str = Field(description="created, updated or deleted")
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class RoutingPreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: RoutingRuleFields
    days: int = Field(default=30, ge=1, le=366, description="How far back to look")
    replacing: UUID | None = Field(
        default=None, description="A saved rule this edit would replace: previewed in that rule's place in the order"
    )


class RoutingPreviewReport(BaseModel):
    id: UUID
    reference: str
    category: str
    created_at: datetime
    priority_was: Priority
    priority_after: Priority
    decision: RoutingDecision
    earlier_rule: str | None = Field(default=None, description="An active rule evaluated first that also matches")


class RoutingPreview(BaseModel):
    """What the rule would have done to the reports made in the window, had it been active (and first)."""

    since: datetime
    considered: int
    matched: int
    would_acknowledge: int
    priority_changes: dict[str, int] = Field(description="'normal->urgent': how many")
    taken_by_earlier_rules: int = Field(description="Matched, but an active rule evaluated before it matches too")
    examples: list[RoutingPreviewReport]
