"""Duplicates: a report closed as a copy of another, linked both ways; its people then hear of the original."""

from __future__ import annotations

from sqlmodel import Session, select

from deal_shared.geo import haversine_m
from deal_shared.report_it import ReportStatus
from report_it.errors import InvalidDuplicate
from report_it.lifecycle import Actor, apply_update, check_transition
from report_it.models import Category, Report, ReportUpdate

# "Nearby": staff see duplicates on the ground, so allow a generous distance, but not across town.
DUPLICATE_MAX_DISTANCE_M = 500.0


def root_of(session: Session, report: Report) -> Report:
    seen = {report.id}
    while report.duplicate_of_id is not None:
        parent = session.get(Report, report.duplicate_of_id)
        if parent is None or parent.id in seen:
            break
        seen.add(parent.id)
        report = parent
    return report


def check_duplicate(session: Session, *, duplicate: Report, original: Report) -> Report:
    """The report `duplicate` can be a duplicate of: the root of `original`'s chain, if it is related and near."""
    original = root_of(session, original)
    if original.id == duplicate.id:
        raise InvalidDuplicate("A report cannot be a duplicate of itself.", report_id=str(duplicate.id))
    if original.category_code != duplicate.category_code:
        mine, theirs = session.get(Category, duplicate.category_code), session.get(Category, original.category_code)
        if mine is None or theirs is None or mine.group != theirs.group:
            raise InvalidDuplicate(
                f"{original.reference} is a {original.category_code} report, not in the same group of categories as "
                f"{duplicate.category_code}.",
                original_id=str(original.id),
            )
    distance = haversine_m(duplicate.lat, duplicate.lon, original.lat, original.lon)
    if distance > DUPLICATE_MAX_DISTANCE_M:
        raise InvalidDuplicate(
            f"{original.reference} is {distance:.0f} m away; a duplicate must be within "
            f"{DUPLICATE_MAX_DISTANCE_M:.0f} m.",
            original_id=str(original.id),
            distance_m=round(distance),
        )
    return original


def mark_duplicate(
    session: Session,
    *,
    duplicate: Report,
    original: Report,
    actor: Actor,
    public_text: str | None = None,
    internal_note: str | None = None,
    template_id=None,
) -> ReportUpdate:
    """Close `duplicate` as a copy of `original` (or of the report `original` is itself a copy of)."""
    check_transition(ReportStatus(duplicate.status), ReportStatus.duplicate)
    original = check_duplicate(session, duplicate=duplicate, original=original)
    # Reports that were copies of this one now point at the original too: one level, one family.
    for child in session.exec(select(Report).where(Report.duplicate_of_id == duplicate.id)).all():
        child.duplicate_of_id = original.id
        session.add(child)
    text = public_text or f"This problem was already reported as {original.reference}; updates will follow on it."
    duplicate.duplicate_of_id = original.id
    update = apply_update(
        session,
        report=duplicate,
        actor=actor,
        status=ReportStatus.duplicate,
        public_text=text,
        internal_note=internal_note,
        changes=[{"field": "duplicate_of", "old": None, "new": str(original.id)}],
        template_id=template_id,
    )
    session.add(
        ReportUpdate(
            report_id=original.id,
            actor_kind=actor.kind.value,
            actor_subject=actor.subject,
            actor_name=actor.name,
            actor_department=actor.department,
            internal_note=f"{duplicate.reference} was marked as a duplicate of this report.",
            changes=[{"field": "duplicates", "old": None, "new": str(duplicate.id)}],
        )
    )
    session.flush()
    return update


def duplicates_of(session: Session, report: Report) -> list[Report]:
    return list(session.exec(select(Report).where(Report.duplicate_of_id == report.id)).all())
