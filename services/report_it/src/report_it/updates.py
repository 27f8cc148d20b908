"""Updates from people: staff updates (with templates, photos and duplicates) and the reporter's "not fixed"."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from deal_shared.db import utcnow
from deal_shared.errors import FieldError
from deal_shared.report_it import ReportStatus, ReportUpdateCreate
from report_it import duplicates, templates
from report_it.errors import InvalidDuplicate, NotFixedYet, ReopenWindowClosed, ReportNotFound, TemplateNotFound
from report_it.lifecycle import REPORTER, Actor, apply_update
from report_it.models import Category, Photo, Report, ReportUpdate
from report_it.visibility import Viewer


def staff_update(
    session: Session, *, report: Report, actor: Actor, data: ReportUpdateCreate, photo: Photo | None, viewer: Viewer
) -> ReportUpdate:
    public_text, status = data.public_text, data.status
    if data.template_id is not None:
        template = templates.get_template(session, data.template_id)
        if template.category_code not in (None, report.category_code) or not template.active:
            raise TemplateNotFound(
                f"The response template {template.id} is not one for {report.category_code} reports.",
                template_id=str(template.id),
            )
        public_text = public_text or template.text
        status = status or (ReportStatus(template.status) if template.status else None)
    if status is ReportStatus.duplicate or data.duplicate_of is not None:
        if data.duplicate_of is None or status not in (None, ReportStatus.duplicate):
            raise InvalidDuplicate(
                "Marking a duplicate needs status 'duplicate' and 'duplicate_of', the original report's id.",
                errors=[FieldError(field="body.duplicate_of", reason="is required with status duplicate")],
            )
        original = session.get(Report, data.duplicate_of)
        if original is None or not viewer.can_see(original, _category(session, original)):
            raise ReportNotFound(f"There is no report {data.duplicate_of}.", report_id=str(data.duplicate_of))
        update = duplicates.mark_duplicate(
            session,
            duplicate=report,
            original=original,
            actor=actor,
            public_text=public_text,
            internal_note=data.internal_note,
            template_id=data.template_id,
        )
        if photo is not None:
            update.photo_id = photo.id
        return update
    return apply_update(
        session,
        report=report,
        actor=actor,
        status=status,
        public_text=public_text,
        internal_note=data.internal_note,
        photo=photo,
        template_id=data.template_id,
    )


def _category(session: Session, report: Report) -> Category:
    category = session.get(Category, report.category_code)
    assert category is not None  # a foreign key guarantees it
    return category


def not_fixed(session: Session, *, report: Report, text: str, reopen_days: int) -> ReportUpdate:
    """The reporter says the problem is still there: reopen a fixed report within `reopen_days` of the fix."""
    if report.status != ReportStatus.fixed or report.fixed_at is None:
        raise NotFixedYet(
            f"{report.reference} is {report.status}, not fixed; there is nothing to reopen.",
            current_status=report.status,
        )
    deadline = report.fixed_at + timedelta(days=reopen_days)
    if utcnow() > deadline:
        raise ReopenWindowClosed(
            f"{report.reference} was fixed more than {reopen_days} days ago; please make a new report.",
            fixed_at=report.fixed_at.isoformat(),
            reopen_days=reopen_days,
        )
    return apply_update(session, report=report, actor=REPORTER, status=ReportStatus.acknowledged, public_text=text)
