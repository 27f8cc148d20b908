"""Routing rules as stored: reading, editing with an audit entry per change, and which rule matches a report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlmodel import Session, col, select

from deal_shared.auth import Principal
from deal_shared.db import utcnow
from deal_shared.routing import RoutingRuleChange, RoutingRuleCreate, RoutingRulePublic, RoutingRuleUpdate
from report_it.categories import get_category
from report_it.errors import RoutingRuleNotFound, RoutingRuleRestricted
from report_it.models import Category, Report, RoutingRule, RoutingRuleAudit
from report_it.routing.etag import etag_of

# Wire field -> column, where they differ.
_COLUMNS = {"category": "category_code", "footprint": "footprint_code", "ward": "ward_code"}


def to_public(rule: RoutingRule) -> RoutingRulePublic:
    return RoutingRulePublic(
        id=rule.id,
        position=rule.position,
        name=rule.name,
        category=rule.category_code,
        footprint=rule.footprint_code,
        ward=rule.ward_code,
        answers=rule.answers,
        decision=rule.decision,
        priority=rule.priority,
        active=rule.active,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
        updated_by=rule.updated_by,
        etag=etag_of(rule),
    )


def list_rules(session: Session, *, active_only: bool = False) -> list[RoutingRule]:
    query = select(RoutingRule).order_by(col(RoutingRule.position), col(RoutingRule.created_at))
    if active_only:
        query = query.where(RoutingRule.active == True)  # noqa: E712 - SQL expression
    return list(session.exec(query).all())


def get_rule(session: Session, rule_id: UUID) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise RoutingRuleNotFound(f"There is no routing rule {rule_id}.", rule_id=str(rule_id))
    return rule


def _check_category(session: Session, code: str | None) -> None:
    if code is None:
        return
    category = get_category(session, code)
    if category.restricted:
        # Safeguarding concerns are worked by the safeguarding team alone: no rule sends them anywhere.
        raise RoutingRuleRestricted(
            f"{code} reports are safeguarding concerns: they are never routed by rules, only by the safeguarding team.",
            category=code,
        )


def _audit(session: Session, *, rule_id: UUID, actor: Principal, kind: str, before, after) -> None:
    session.add(
        RoutingRuleAudit(
            rule_id=rule_id,
            actor_subject=actor.subject,
            actor_name=actor.name,
            kind=kind,
            before=before.model_dump(mode="json") if before is not None else None,
            after=after.model_dump(mode="json") if after is not None else None,
        )
    )


def create_rule(session: Session, *, data: RoutingRuleCreate, actor: Principal) -> RoutingRule:
    _check_category(session, data.category)
    position = data.position
    if position is None:
        last = session.exec(select(func.max(RoutingRule.position))).one()
        position = 0 if last is None else last + 10
    values: dict[str, Any] = {_COLUMNS.get(k, k): v for k, v in data.model_dump(mode="json").items()}
    values["position"] = position
    rule = RoutingRule(**values, updated_by=actor.subject)
    session.add(rule)
    session.flush()
    _audit(session, rule_id=rule.id, actor=actor, kind="created", before=None, after=to_public(rule))
    return rule


def update_rule(session: Session, *, rule: RoutingRule, data: RoutingRuleUpdate, actor: Principal) -> RoutingRule:
    changes = data.model_dump(mode="json", exclude_unset=True)
    if "category" in changes:
        _check_category(session, changes["category"])
    before = to_public(rule)
    for field, value in changes.items():
        setattr(rule, _COLUMNS.get(field, field), value)
    rule.updated_at, rule.updated_by = utcnow(), actor.subject
    session.add(rule)
    session.flush()
    _audit(session, rule_id=rule.id, actor=actor, kind="updated", before=before, after=to_public(rule))
    return rule


def delete_rule(session: Session, *, rule: RoutingRule, actor: Principal) -> None:
    _audit(session, rule_id=rule.id, actor=actor, kind="deleted", before=to_public(rule), after=None)
    session.delete(rule)
    session.flush()


def audit_trail(session: Session, *, rule_id: UUID | None = None, limit: int = 200) -> list[RoutingRuleChange]:
    query = select(RoutingRuleAudit).order_by(col(RoutingRuleAudit.at).desc(), col(RoutingRuleAudit.id))
    if rule_id is not None:
        query = query.where(RoutingRuleAudit.rule_id == rule_id)
    return [
        RoutingRuleChange(
            id=a.id,
            rule_id=a.rule_id,
            at=a.at,
            actor=a.actor_subject,
            actor_name=a.actor_name,
            kind=a.kind,
            before=a.before,
            after=a.after,
        )
        for a in session.exec(query.limit(limit)).all()
    ]


def needs_area(rules: Sequence[RoutingRule]) -> bool:
    return any(r.footprint_code or r.ward_code for r in rules)


def matches(rule: RoutingRule, report: Report, category: Category) -> bool:
    if category.restricted:
        return False
    if rule.category_code and rule.category_code != category.code:
        return False
    if rule.footprint_code and rule.footprint_code != report.footprint_code:
        return False
    if rule.ward_code and rule.ward_code != report.ward_code:
        return False
    return all(_answer_matches(report.answers.get(k), v) for k, v in rule.answers.items())


def _answer_matches(given: Any, wanted: Any) -> bool:
    # A multi-choice answer matches when it includes the wanted value.
    if isinstance(given, list) and not isinstance(wanted, list):
        return wanted in given
    return given == wanted


def first_match(rules: Sequence[RoutingRule], report: Report, category: Category) -> RoutingRule | None:
    """The first active rule, in position order, that matches: it alone decides."""
    return next((r for r in rules if r.active and matches(r, report, category)), None)
