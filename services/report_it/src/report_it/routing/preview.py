"""A rule replayed on the reports of a past window: what it would have decided, had it been active."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.report_it import Priority
from deal_shared.routing import RoutingDecision, RoutingPreview, RoutingPreviewReport, RoutingRuleFields
from report_it.models import Category, Report, RoutingRule
from report_it.routing.rules import first_match, matches

_EXAMPLES = 20


def rule_from_fields(fields: RoutingRuleFields) -> RoutingRule:
    return RoutingRule(
        position=0,
        name=fields.name,
        category_code=fields.category,
        footprint_code=fields.footprint,
        ward_code=fields.ward,
        answers=fields.answers,
        decision=fields.decision.value,
        priority=fields.priority.value if fields.priority else None,
        active=True,
        updated_by="preview",
    )


def preview(session: Session, *, rule: RoutingRule, earlier: list[RoutingRule], days: int) -> RoutingPreview:
    """`earlier`: the active rules evaluated before `rule`; a report one of them matches would have gone to it."""
    since = utcnow() - timedelta(days=days)
    categories = {c.code: c for c in session.exec(select(Category)).all()}
    query = select(Report).where(Report.created_at >= since).order_by(col(Report.created_at), col(Report.id))
    if rule.category_code:
        query = query.where(Report.category_code == rule.category_code)
    considered = matched = acknowledged = taken = 0
    changes: Counter[str] = Counter()
    examples: list[RoutingPreviewReport] = []
    for report in session.exec(query):
        category = categories[report.category_code]
        considered += 1
        if not matches(rule, report, category):
            continue
        matched += 1
        winner = first_match(earlier, report, category)
        if winner is not None:
            taken += 1
        after = rule.priority or report.priority
        if rule.decision == RoutingDecision.acknowledge:
            acknowledged += 1
        if after != report.priority:
            changes[f"{report.priority}->{after}"] += 1
        if len(examples) < _EXAMPLES:
            examples.append(
                RoutingPreviewReport(
                    id=report.id,
                    reference=report.reference,
                    category=report.category_code,
                    created_at=report.created_at,
                    priority_was=Priority(report.priority),
                    priority_after=Priority(after),
                    decision=RoutingDecision(rule.decision),
                    earlier_rule=winner.name if winner else None,
                )
            )
    return RoutingPreview(
        since=since,
        considered=considered,
        matched=matched,
        would_acknowledge=acknowledged,
        priority_changes=dict(changes),
        taken_by_earlier_rules=taken,
        examples=examples,
    )
