"""Footprints telling Report IT what happened to a report's case: recorded once, moving the report where legal.

Footprints' outbox retries each event on its own, so an `allocated` can arrive after the `in_progress` that followed
it. Each event carries the case's sequence; the report keeps the last one applied, and an event no newer is ignored
(and answered as a success, so that Footprints stops sending it): delivery order never moves a report backwards."""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from deal_shared.report_it import OPEN_STATUSES, CaseEvent, CaseEventKind, ReportStatus
from deal_shared.versions import DeliveryAnswer, Outcome, stale_detail
from report_it.lifecycle import TRANSITIONS, Actor, apply_update
from report_it.models import Report, ReportUpdate

_MOVES = {
    CaseEventKind.allocated: ReportStatus.allocated,
    CaseEventKind.reallocated: ReportStatus.allocated,
    CaseEventKind.in_progress: ReportStatus.in_progress,
}

# A case changing hands does not change its state in Footprints: work begun stays begun. So an allocation moves only
# a report not yet being worked; on one allocated or in progress it is recorded without a move.
_BEFORE_WORK = frozenset({ReportStatus.submitted, ReportStatus.acknowledged})
_HANDS = frozenset({CaseEventKind.allocated, CaseEventKind.reallocated})

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


_DUPLICATE = DeliveryAnswer(outcome=Outcome.duplicate, detail="duplicate, ignored: this event_id was applied before")
_APPLIED = DeliveryAnswer(outcome=Outcome.applied, detail="applied")


def _claim(session: Session, report: Report, sequence: int) -> bool:
    """Record `sequence` as the last applied unless one as new already is, in one conditional UPDATE: of two events
    racing, only the newer passes, also on SQLite, where the caller's read holds no lock. Then `report` is read again
    as this transaction now holds it."""
    newer = or_(col(Report.case_event_sequence).is_(None), col(Report.case_event_sequence) < sequence)
    claimed = session.execute(
        update(Report)
        .where(col(Report.id) == report.id, newer)
        .values(case_event_sequence=sequence)
        .execution_options(synchronize_session=False)
    )
    session.refresh(report)
    return claimed.rowcount == 1


def record_case_event(session: Session, *, report: Report, event: CaseEvent, actor: Actor) -> DeliveryAnswer:
    """Apply `event` to `report` (held FOR UPDATE by the caller) unless its `event_id` was seen before or a newer
    event was applied already; an event without a sequence comes from an older Footprints and is applied as before."""
    if session.exec(select(ReportUpdate.id).where(ReportUpdate.event_id == event.event_id)).first() is not None:
        return _DUPLICATE
    if event.sequence is not None and not _claim(session, report, event.sequence):
        held = report.case_event_sequence or 0  # never empty here: a claim fails only against one applied
        return DeliveryAnswer(outcome=Outcome.stale, detail=stale_detail(event.sequence, held))
    current = ReportStatus(report.status)
    target = _MOVES.get(event.kind)
    # An event that would be an illegal move is still recorded, without the move; and Footprints never reopens a
    # report the council has fixed or closed.
    movable = current in OPEN_STATUSES and target is not None and target is not current
    if event.kind in _HANDS and current not in _BEFORE_WORK:
        movable = False
    status = target if movable and target in TRANSITIONS[current] else None
    changes = []
    if event.footprint_code and event.footprint_code != report.footprint_code:
        # On the timeline as a change, so that a case moved between footprints is counted as forwarded.
        changes.append({"field": "footprint", "old": report.footprint_code, "new": event.footprint_code})
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
                changes=changes,
                event_id=event.event_id,
            )
    except IntegrityError:
        return _DUPLICATE  # the same event delivered concurrently: the other delivery recorded it
    return _APPLIED
