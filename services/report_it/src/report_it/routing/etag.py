"""A routing rule's entity tag: two admins editing the same rule do not overwrite each other's change."""

from __future__ import annotations

import hashlib
import json

from deal_shared.errors import StaleVersion
from report_it.models import RoutingRule


def etag_of(rule: RoutingRule) -> str:
    # Every field the rule decides by, not only updated_at: two changes in one clock tick still differ.
    parts = [
        rule.updated_at.isoformat(),
        rule.position,
        rule.name,
        rule.category_code,
        rule.footprint_code,
        rule.ward_code,
        rule.answers,
        rule.decision,
        rule.priority,
        rule.active,
    ]
    return '"' + hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20] + '"'


def _normal(tag: str) -> str:
    tag = tag.strip().removeprefix("W/")
    return tag if tag.startswith('"') else f'"{tag}"'


def check_fresh(rule: RoutingRule, if_match: str | None, *, current: dict) -> None:
    """Refuse a change made from an old copy of the rule (412), with the rule as it now is; no If-Match: no check."""
    if if_match is None or if_match.strip() == "*":
        return
    if etag_of(rule) not in {_normal(tag) for tag in if_match.split(",") if tag.strip()}:
        raise StaleVersion(
            f"The rule '{rule.name}' was changed by someone else since you loaded it; here it is as it is now. "
            "Check it and make your change again.",
            current=current,
            current_etag=etag_of(rule),
        )
