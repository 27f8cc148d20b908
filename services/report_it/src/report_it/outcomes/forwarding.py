"""Forwarding: a report handed on after it was made, to another category (and so, often, another team) or, as its
case, to another footprint. How often it happens and how much working time passed before the report reached the
place that dealt with it. Definitions are in docs/outcomes.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from deal_shared.moments import as_utc
from deal_shared.working_time import WorkingCalendar


class ForwardKind(StrEnum):
    recategorised = "recategorised"
    moved_footprint = "moved_footprint"


@dataclass(frozen=True)
class Forward:
    at: datetime
    kind: ForwardKind


def forwards_in(at: datetime, changes: list[dict[str, Any]] | None) -> list[Forward]:
    """The hand-offs one timeline entry records. A case's first placement in a footprint is not one: nothing was
    handed on, so only a move from one footprint to another counts."""
    found: list[Forward] = []
    for change in changes or []:
        old, new = change.get("old"), change.get("new")
        if change.get("field") == "category" and old and new and old != new:
            found.append(Forward(at=at, kind=ForwardKind.recategorised))
        elif change.get("field") == "footprint" and old and new and old != new:
            found.append(Forward(at=at, kind=ForwardKind.moved_footprint))
    return found


def forwarding(created_at: datetime, forwards: list[Forward], *, calendar: WorkingCalendar) -> dict[str, int]:
    """What a report adds to the forwarding counters of the month it was made (nothing, if never handed on)."""
    if not forwards:
        return {}
    kinds = {f.kind for f in forwards}
    last = max(as_utc(f.at) for f in forwards)
    # The time it added: the working time from the report being made to its last hand-off, spent in the wrong place.
    hours = calendar.working_hours_between(created_at, max(last, as_utc(created_at)))
    return {
        "forwarded": 1,
        "recategorised": int(ForwardKind.recategorised in kinds),
        "moved_footprint": int(ForwardKind.moved_footprint in kinds),
        "forwards": len(forwards),
        "forward_tenths": max(round(hours * 10), 0),
    }
