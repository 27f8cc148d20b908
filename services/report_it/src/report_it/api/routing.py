"""/v1/routing-rules: admins edit the rules new reports are routed by (each change audited) and preview them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from deal_shared.auth import AdminPrincipal
from deal_shared.routing import (
    RoutingPreview,
    RoutingPreviewRequest,
    RoutingRuleChange,
    RoutingRuleCreate,
    RoutingRulePublic,
    RoutingRuleUpdate,
)
from deal_shared.web.auth_first import TokenFirstRoute
from report_it.db import SessionDep
from report_it.routing import preview, rules
from report_it.routing.etag import check_fresh

IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="The rule's etag as you saw it: a rule changed since is refused")
]

router = APIRouter(prefix="/v1/routing-rules", tags=["routing rules"], route_class=TokenFirstRoute)


@router.get("", response_model=list[RoutingRulePublic], summary="Admin: the rules, in the order they are tried")
def list_rules(_admin: AdminPrincipal, session: SessionDep) -> list[RoutingRulePublic]:
    """Administrators: every routing rule (active or not), in the order they are tried on a new report. The first active
    rule whose category, footprint, ward and answers match decides: acknowledge the report at once (a Footprints case
    straight away) or hold it in the triage queue, and may set its priority.
    """
    return [rules.to_public(r) for r in rules.list_rules(session)]


@router.post("", response_model=RoutingRulePublic, status_code=201, summary="Admin: add a rule")
def create_rule(body: RoutingRuleCreate, admin: AdminPrincipal, session: SessionDep) -> RoutingRulePublic:
    """Administrators add a rule, at `position` or after the others; the change is written to the audit trail. A
    restricted category cannot be routed (422 `RoutingRuleRestricted`).
    """
    return rules.to_public(rules.create_rule(session, data=body, actor=admin))


@router.get("/audit", response_model=list[RoutingRuleChange], summary="Admin: every change to the rules, newest first")
def audit(
    _admin: AdminPrincipal,
    session: SessionDep,
    rule_id: Annotated[UUID | None, Query(description="One rule's changes only")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RoutingRuleChange]:
    """Administrators: each creation, change and removal of a rule with who made it and the rule before and after,
    newest first (only one rule's with `rule_id`); at most `limit` (1 to 1,000).
    """
    return rules.audit_trail(session, rule_id=rule_id, limit=limit)


@router.post(
    "/preview",
    response_model=RoutingPreview,
    summary=(
        "Admin: what an unsaved rule would have done to the reports of the last `days` days "
        "(after the others, or in the place of the rule it replaces)"
    ),
)
def preview_new(body: RoutingPreviewRequest, _admin: AdminPrincipal, session: SessionDep) -> RoutingPreview:
    """Administrators: replays an unsaved rule on the reports of the last `days` days (the active rules
    before it tried first) and answers which it would have matched and what it would have decided. Nothing is saved.
    """
    earlier = rules.list_rules(session, active_only=True)
    if body.replacing is not None:
        # An edit: the rules tried before the saved one, not the saved one itself (it would take every match).
        saved = rules.get_rule(session, body.replacing)
        earlier = [r for r in earlier if (r.position, r.created_at) < (saved.position, saved.created_at)]
    return preview.preview(session, rule=preview.rule_from_fields(body.rule), earlier=earlier, days=body.days)


@router.get(
    "/{rule_id}/preview",
    response_model=RoutingPreview,
    summary="Admin: what a rule would have done to the reports of the last `days` days, where it stands in order",
)
def preview_rule(
    rule_id: UUID,
    _admin: AdminPrincipal,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> RoutingPreview:
    """Administrators: replays a saved rule in its place in the order (the rules before it tried first) on the reports
    of the last `days` days (1 to 366, default 30). Nothing changes.
    """
    rule = rules.get_rule(session, rule_id)
    ordered = rules.list_rules(session, active_only=True)
    earlier = [r for r in ordered if (r.position, r.created_at) < (rule.position, rule.created_at)]
    return preview.preview(session, rule=rule, earlier=earlier, days=days)


@router.patch(
    "/{rule_id}",
    response_model=RoutingRulePublic,
    summary="Admin: change a rule (or its position); with If-Match, only the rule as you saw it",
    responses={412: {"description": "StaleVersion: changed by someone else since; `current` is the rule now"}},
)
def update_rule(
    rule_id: UUID, body: RoutingRuleUpdate, admin: AdminPrincipal, session: SessionDep, if_match: IfMatch = None
) -> RoutingRulePublic:
    """Administrators change a rule's fields or position; the change is audited; 404 `RoutingRuleNotFound`."""
    rule = rules.get_rule(session, rule_id)
    check_fresh(rule, if_match, current=rules.to_public(rule).model_dump(mode="json"))
    return rules.to_public(rules.update_rule(session, rule=rule, data=body, actor=admin))


@router.delete(
    "/{rule_id}",
    status_code=204,
    response_class=Response,
    summary="Admin: remove a rule; with If-Match, only the rule as you saw it",
    responses={412: {"description": "StaleVersion: changed by someone else since; `current` is the rule now"}},
)
def delete_rule(rule_id: UUID, admin: AdminPrincipal, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Administrators remove a rule; the removal is audited; 404 `RoutingRuleNotFound`."""
    rule = rules.get_rule(session, rule_id)
    check_fresh(rule, if_match, current=rules.to_public(rule).model_dump(mode="json"))
    rules.delete_rule(session, rule=rule, actor=admin)
    return Response(status_code=204)
