"""Cases: intake from source systems, online allocation, progress, pinning; every change audited and, for
Report IT's cases, told back through the outbox in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from deal_shared.auth import Principal
from deal_shared.db import utcnow
from deal_shared.footprints import CaseProgress, CaseUpsert
from deal_shared.versions import stale_detail
from footprints import outbox
from footprints.allocation.online import choose
from footprints.allocation.problem import CostModel, eligible
from footprints.errors import CaseClosed, CaseNotFound, OutsideBorough, WorkerCannotTakeCase
from footprints.models import AllocationAudit, Case, Worker
from footprints.places.locator import Locator
from footprints.state import case_item, loads, worker_states


def get_case(session: Session, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"No case has id {case_id}.")
    return case


def find_by_source(session: Session, source_system: str, source_id: str) -> Case | None:
    return session.exec(select(Case).where(Case.source_system == source_system, Case.source_id == source_id)).first()


def set_worker(
    session: Session,
    case: Case,
    worker: Worker | None,
    *,
    actor: str,
    reason: dict,
    run_id: uuid.UUID | None = None,
) -> None:
    """The one place a case changes hands: audit row and outbox event with it."""
    previous = case.worker_id
    new = worker.id if worker else None
    if previous == new:
        case.allocation_reason = reason
        return
    kind = "allocated" if previous is None else ("unallocated" if new is None else "reallocated")
    case.worker_id = new
    case.allocated_at = utcnow() if new else None
    case.allocation_reason = reason
    case.updated_at = utcnow()
    session.add(
        AllocationAudit(
            case_id=case.id,
            from_worker_id=previous,
            to_worker_id=new,
            actor=actor,
            kind=kind,
            reason=reason,
            run_id=run_id,
        )
    )
    note = reason.get("reason") if isinstance(reason.get("reason"), str) else None
    outbox.enqueue(session, case, kind=kind, worker_name=worker.display_name if worker else None, note=note)


def allocate_online(session: Session, case: Case, *, costs: CostModel, actor: str = "system:online") -> None:
    today = utcnow().date()
    workers = worker_states(session, today=today)
    current = loads(session)
    if case.worker_id is not None:
        current[case.worker_id] = current.get(case.worker_id, 0.0) - case.effort_points
    decision = choose(case_item(case), workers, load=current, today=today, costs=costs)
    worker = session.get(Worker, decision.worker_id) if decision.worker_id else None
    set_worker(session, case, worker, actor=actor, reason=decision.as_reason())


def _still_fits(session: Session, case: Case, costs: CostModel) -> bool:
    if case.worker_id is None:
        return False
    today = utcnow().date()
    worker = next((w for w in worker_states(session, today=today) if w.id == case.worker_id), None)
    return worker is not None and eligible(case_item(case), worker, today=today, costs=costs)[0]


def _claim_version(session: Session, case: Case, version: int) -> bool:
    """Take `version` as the case's source version unless one as new is stored, in one conditional UPDATE: of two
    upserts racing, only the newer passes (the first read took no lock). Then `case` is read again as it now is."""
    claimed = session.execute(
        update(Case)
        .where(col(Case.id) == case.id, col(Case.version) < version)
        .values(version=version)
        .execution_options(synchronize_session=False)
    )
    session.refresh(case)
    return claimed.rowcount == 1


@dataclass(frozen=True)
class Upserted:
    case: Case
    # None when applied; otherwise why the upsert left the stored case as it was.
    ignored: str | None = None


def upsert_case(
    session: Session,
    *,
    source_system: str,
    source_id: str,
    body: CaseUpsert,
    locator: Locator,
    costs: CostModel,
    _retried: bool = False,
) -> Upserted:
    case = find_by_source(session, source_system, source_id)
    if case is not None and body.version is not None and not _claim_version(session, case, body.version):
        # A late or repeated upsert: the stored case is as new or newer, and applying this one again could only move
        # it backwards (or re-run its allocation).
        return Upserted(case, ignored=stale_detail(body.version, case.version))
    place = locator.locate(body.location.lat, body.location.long)
    if place is None:
        raise OutsideBorough(
            f"({body.location.lat}, {body.location.long}) is not in any ward of the borough.",
        )
    now = utcnow()
    created = case is None
    if case is None:
        case = Case(source_system=source_system, source_id=source_id, opened_at=now)
    if body.version is not None:
        case.version = body.version
    case.title = body.title
    case.category = body.category
    case.skill = body.skill
    case.priority = body.priority.value
    case.effort_points = body.effort_points
    case.lat, case.long = body.location.lat, body.location.long
    case.ward_code, case.footprint_code = place.ward.code, place.footprint.code
    due = body.due_at if body.due_at.tzinfo else body.due_at.replace(tzinfo=UTC)
    case.due_at = due.astimezone(UTC)
    case.updated_at = now
    session.add(case)
    try:
        session.flush()
    except IntegrityError:
        if not created or _retried:
            raise
        # The same case arrived twice at once and the other request created it first: nothing else was written in
        # this transaction yet, so start again as an update of that case.
        session.rollback()
        return upsert_case(
            session,
            source_system=source_system,
            source_id=source_id,
            body=body,
            locator=locator,
            costs=costs,
            _retried=True,
        )
    if body.status == "closed":
        if case.status != "closed":
            case.status, case.closed_at = "closed", now
        return Upserted(case)
    if case.status in ("closed", "completed"):
        case.status, case.closed_at = "open", None  # reopened at the source
    if created or case.worker_id is None or (not case.pinned and not _still_fits(session, case, costs)):
        allocate_online(session, case, costs=costs)
    return Upserted(case)


def record_progress(session: Session, case: Case, *, progress: CaseProgress, principal: Principal) -> Case:
    if case.status == "closed":
        raise CaseClosed("The case is closed at its source; progress can no longer be recorded.")
    case.status = progress.kind.value
    case.updated_at = utcnow()
    worker = session.get(Worker, case.worker_id) if case.worker_id else None
    session.add(
        AllocationAudit(
            case_id=case.id,
            from_worker_id=case.worker_id,
            to_worker_id=case.worker_id,
            actor=f"user:{principal.subject}",
            kind=progress.kind.value,
            reason={"note": progress.note},
        )
    )
    outbox.enqueue(
        session,
        case,
        kind=progress.kind.value,
        worker_name=worker.display_name if worker else None,
        note=progress.note,
    )
    return case


def pin_case(session: Session, case: Case, worker: Worker, *, principal: Principal, note: str | None) -> Case:
    if case.status not in ("open", "in_progress"):
        raise CaseClosed("Only open cases can be pinned.")
    if case.skill not in worker.skills:
        raise WorkerCannotTakeCase(f"{worker.display_name} lacks the skill {case.skill}.")
    reason = {"method": "manual", "reason": note or "pinned by a team leader", "by": principal.subject}
    set_worker(session, case, worker, actor=f"user:{principal.subject}", reason=reason)
    case.pinned = True
    return case


def unpin_case(session: Session, case: Case) -> Case:
    case.pinned = False
    case.updated_at = utcnow()
    return case
