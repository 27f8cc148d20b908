"""Footprints telling Report IT what happened to a report's case: recorded once, moving the report where legal."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from deal_shared.report_it import OPEN_STATUSES, CaseEvent, CaseEventKind, ReportStatus
from report_it.lifecycle import TRANSITIONS, Actor, apply_update
from report_it.models import Report, ReportUpdate

_MOVES = {
    CaseEventKind.allocated: ReportStatus.allocated,
    CaseEventKind.reallocated: ReportStatus.allocated,
    CaseEventKind.in_progress: ReportStatus.in_progress,
}

# What the public timeline says; worker names stay internal.
_PUBLIC = {
    CaseEventKind.allocated: "A council officer has been given this job.",
    CaseEventKind.in_progress: "Work on this has started.",
}


def _note(event: CaseEvent) -> str:
    parts = [event.kind.value.replace("_", " ")]
    if event.worker_display_name:
        parts.append(f"worker {event.worker_display_name}")
    if event.footprint_code:
        parts.append(f"footprint {event.footprint_code}")
    text = ", ".join(parts)
    return f"{text}: {event.note}" if event.note else text


def record_case_event(session: Session, *, report: Report, event: CaseEvent, actor: Actor) -> bool:
    """Apply `event` to `report` unless its `event_id` was seen before; returns whether it was applied."""
    if session.exec(select(ReportUpdate.id).where(ReportUpdate.event_id == event.event_id)).first() is not None:
        return False
    current = ReportStatus(report.status)
    target = _MOVES.get(event.kind)
    # An event that would be an illegal move is still recorded, without the move; and Footprints never reopens a
    # report the council has fixed or closed.
    movable = current in OPEN_STATUSES and target is not None and target is not current
    status = target if movable and target in TRANSITIONS[current] else None
    if event.footprint_code:
        report.footprint_code = event.footprint_code
    try:
        with session.begin_nested():
            apply_update(
                session,
                report=report,
                actor=actor,
                status=status,
                public_text=_PUBLIC.get(event.kind) if status is not None else None,
                internal_note=_note(event),
                event_id=event.event_id,
            )
    except IntegrityError:
        return False  # the same event delivered concurrently: the other delivery recorded it
    return True
