"""A report's working life: the explicit transition table, and applying a status change or update to a report.

`apply_update` is the one way any part of Report IT (staff API, Open311, Footprints case events, the reporter's
"not fixed") changes a report's status or adds to its timeline; it records the update and writes the outbox
rows (e-mails, webhooks, case sync) in the caller's transaction. It never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from deal_shared.auth import Principal
from deal_shared.db import utcnow
from deal_shared.report_it import OPEN_STATUSES, ActorKind, ReportStatus, StatusGroup, status_group
from report_it import outbox
from report_it.errors import IllegalTransition, NothingToUpdate
from report_it.models import Category, Photo, Report, ReportUpdate

S = ReportStatus
CLOSED_STATUSES = frozenset(
    {S.not_council_responsibility, S.duplicate, S.no_further_action, S.unable_to_locate, S.cancelled}
)
_WORKING = frozenset({S.allocated, S.in_progress, S.action_scheduled})

# Each status and the statuses it may move to. A fixed or closed report is reopened to `acknowledged` (or straight
# back `in_progress` after a fix); `submitted` is never re-entered: once the council has seen a report it stays seen.
TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.submitted: frozenset({S.acknowledged, *_WORKING, S.fixed, *CLOSED_STATUSES}),
    S.acknowledged: frozenset({*_WORKING, S.fixed, *CLOSED_STATUSES}),
    S.allocated: frozenset({S.acknowledged, S.in_progress, S.action_scheduled, S.fixed, *CLOSED_STATUSES}),
    S.in_progress: frozenset({S.allocated, S.action_scheduled, S.fixed, *CLOSED_STATUSES}),
    S.action_scheduled: frozenset({S.allocated, S.in_progress, S.fixed, *CLOSED_STATUSES}),
    S.fixed: frozenset({S.acknowledged, S.in_progress}),
    **{closed: frozenset({S.acknowledged}) for closed in CLOSED_STATUSES},
}


# Fixed and closed: a move from one of these to another is a correction of how a report was closed, not a step of
# its work (FixMyStreet staff turning "not responsible" into "fixed - council", say).
FINISHED_STATUSES = frozenset({S.fixed, *CLOSED_STATUSES})


def is_correction(current: ReportStatus, new: ReportStatus) -> bool:
    return current is not new and current in FINISHED_STATUSES and new in FINISHED_STATUSES


def allowed_next(current: ReportStatus) -> list[ReportStatus]:
    return sorted(TRANSITIONS[current])


def check_transition(current: ReportStatus, new: ReportStatus) -> None:
    if new not in TRANSITIONS[current]:
        allowed = allowed_next(current)
        raise IllegalTransition(
            f"A report that is {current.value} cannot become {new.value}; "
            f"it can become: {', '.join(s.value for s in allowed)}.",
            current_status=current.value,
            requested_status=new.value,
            allowed_next_statuses=[s.value for s in allowed],
        )


@dataclass(frozen=True)
class Actor:
    """Who made an update: a member of staff, the reporter, another service, or Report IT itself."""

    kind: ActorKind
    subject: str | None = None
    name: str | None = None
    department: str | None = None

    @classmethod
    def of(cls, principal: Principal, kind: ActorKind = ActorKind.staff) -> Actor:
        return cls(kind=kind, subject=principal.subject, name=principal.name, department=principal.department)


REPORTER = Actor(kind=ActorKind.reporter)
SYSTEM = Actor(kind=ActorKind.system)


def _stamp(report: Report, new: ReportStatus) -> None:
    now = utcnow()
    if new is not S.submitted and report.acknowledged_at is None:
        report.acknowledged_at = now
    group = status_group(new)
    if group is StatusGroup.open and status_group(ReportStatus(report.status)) is not StatusGroup.open:
        report.reopened_at = now  # back in the triage queue
    elif group is not StatusGroup.open:
        report.reopened_at = None
    if group is StatusGroup.fixed:
        report.fixed_at, report.closed_at = now, None
    elif group is StatusGroup.closed:
        report.closed_at, report.fixed_at = now, None
    else:
        report.fixed_at = report.closed_at = None
    if new is not S.duplicate:
        report.duplicate_of_id = None


def apply_update(
    session: Session,
    *,
    report: Report,
    actor: Actor,
    status: ReportStatus | None = None,
    public_text: str | None = None,
    internal_note: str | None = None,
    photo: Photo | None = None,
    changes: list[dict[str, Any]] | None = None,
    template_id: Any = None,
    event_id: str | None = None,
    correcting: bool = False,
) -> ReportUpdate:
    """Record an update on `report` and, if `status` differs from the current one, move the report to it.

    - `status`: the new status, or None (or the current status) to only add text, a note, a photo or changes.
      An illegal move raises `IllegalTransition` (409, with `current_status` and `allowed_next_statuses`).
    - `public_text` goes on the public timeline and to the reporter and subscribers; `internal_note` is for staff.
    - `photo`: a photo already attached to the report (see `report_photos.attach_photos`).
    - `changes`: field corrections already applied by the caller, as `{"field", "old", "new"}` dicts.
    - `event_id`: another system's id for this event, unique across updates (the caller checks for replays).
    - `correcting`: allow a move between fixed and closed statuses (`is_correction`), recorded as a status change
      in `changes` too, so the timeline shows the closure was corrected.
    Marking a duplicate needs more than a status: use `duplicates.mark_duplicate`.
    The update, the report's new state and the outbox rows are added to `session`; the caller commits.
    """
    current = ReportStatus(report.status)
    new = status if status is not None and status is not current else None
    if new is None and not (public_text or internal_note or photo or changes):
        raise NothingToUpdate("An update needs a new status, a public text, an internal note, a photo or a change.")
    changes = list(changes or [])
    if new is not None and correcting and is_correction(current, new):
        changes.append({"field": "status", "old": current.value, "new": new.value})
    elif new is not None:
        check_transition(current, new)
    if new is not None:
        _stamp(report, new)
        report.status = new.value
    report.updated_at = utcnow()
    update = ReportUpdate(
        report_id=report.id,
        actor_kind=actor.kind.value,
        actor_subject=actor.subject,
        actor_name=actor.name,
        actor_department=actor.department,
        status_from=current.value if new else None,
        status_to=new.value if new else None,
        public_text=public_text or None,
        internal_note=internal_note or None,
        changes=changes or [],
        photo_id=photo.id if photo else None,
        template_id=template_id,
        event_id=event_id,
        created_at=report.updated_at,
    )
    session.add(report)
    session.add(update)
    session.flush()
    category = session.get(Category, report.category_code)
    assert category is not None  # a foreign key guarantees it
    outbox.on_update(session, report=report, category=category, update=update)
    return update


def timeline(session: Session, report: Report) -> list[ReportUpdate]:
    query = (
        select(ReportUpdate)
        .where(ReportUpdate.report_id == report.id)
        .order_by(col(ReportUpdate.created_at), col(ReportUpdate.id))
    )
    return list(session.exec(query).all())


def is_open(report: Report) -> bool:
    return ReportStatus(report.status) in OPEN_STATUSES
