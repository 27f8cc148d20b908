"""Triage actions on one report: acknowledge, recategorise, set priority, merge as duplicate, close, note.

Each goes through the report's one way of changing (`lifecycle.apply_update`, `duplicates`, `corrections`), so
acknowledging writes the Footprints case sync to the outbox in the same transaction, as any acknowledgement does.
Functions never commit.
"""

from __future__ import annotations

from sqlmodel import Session

from deal_shared.geo import Borough
from deal_shared.report_it import ReportChange, ReportStatus, ReportUpdateCreate, StatusGroup, status_group
from deal_shared.triage import TriageAction, TriageActionKind
from report_it import templates, updates
from report_it.corrections import change_report
from report_it.errors import NotAwaitingTriage, TemplateNotClosing
from report_it.lifecycle import Actor, apply_update, check_transition
from report_it.models import Report
from report_it.triage.queue import in_queue
from report_it.visibility import Viewer

K = TriageActionKind


def apply_action(
    session: Session, *, report: Report, action: TriageAction, actor: Actor, viewer: Viewer, borough: Borough
) -> None:
    """Apply `action` to `report` (already loaded for update and checked fresh); raises the domain error on refusal."""
    kind = action.action
    if kind is K.acknowledge:
        _acknowledge(session, report=report, action=action, actor=actor)
    elif kind in (K.recategorise, K.set_priority):
        change = ReportChange(
            category=action.category if kind is K.recategorise else None,
            priority=action.priority if kind is K.set_priority else None,
            public_text=action.public_text,
            internal_note=action.internal_note,
        )
        change_report(session, report=report, change=change, actor=actor, viewer=viewer, borough=borough)
    elif kind is K.merge:
        updates.staff_update(
            session,
            report=report,
            actor=actor,
            data=ReportUpdateCreate(
                status=ReportStatus.duplicate,
                duplicate_of=action.duplicate_of,
                public_text=action.public_text,
                internal_note=action.internal_note,
            ),
            photo=None,
            viewer=viewer,
        )
    elif kind is K.close:
        _close(session, report=report, action=action, actor=actor, viewer=viewer)
    else:
        apply_update(session, report=report, actor=actor, internal_note=action.internal_note)


def _acknowledge(session: Session, *, report: Report, action: TriageAction, actor: Actor) -> None:
    if not in_queue(report):
        raise NotAwaitingTriage(
            f"{report.reference} is {report.status} and not waiting for triage: there is nothing to acknowledge.",
            current_status=report.status,
        )
    if report.status == ReportStatus.submitted.value:
        check_transition(ReportStatus.submitted, ReportStatus.acknowledged)
        apply_update(
            session,
            report=report,
            actor=actor,
            status=ReportStatus.acknowledged,
            public_text=action.public_text,
            internal_note=action.internal_note,
        )
        return
    # Reopened: already open again and its case told of it; the officer confirms it goes back to the team.
    report.reopened_at = None
    apply_update(
        session,
        report=report,
        actor=actor,
        public_text=action.public_text,
        internal_note=action.internal_note or "Reopened report reviewed and passed back to the team.",
    )


def _close(session: Session, *, report: Report, action: TriageAction, actor: Actor, viewer: Viewer) -> None:
    assert action.template_id is not None  # the action's validator requires it
    template = templates.get_template(session, action.template_id)
    status = ReportStatus(template.status) if template.status else None
    if status is None or status_group(status) is not StatusGroup.closed:
        raise TemplateNotClosing(
            f"The template '{template.title}' does not close a report; choose one whose status is a closed one "
            "(not the council's responsibility, no further action, unable to locate ...).",
            template_id=str(template.id),
            template_status=template.status,
        )
    updates.staff_update(
        session,
        report=report,
        actor=actor,
        data=ReportUpdateCreate(
            template_id=template.id,
            status=status,
            public_text=action.public_text,
            internal_note=action.internal_note,
        ),
        photo=None,
        viewer=viewer,
    )
