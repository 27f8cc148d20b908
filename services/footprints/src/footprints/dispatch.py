"""A team leader's hands on the board: reassign or pin a case with a reason, and rebalance proposals whose moves
are accepted or dropped one by one before anything changes.

A proposal is a rebalance run stored with `status="proposed"` and its moves in `details["moves"]`; nothing moves
until a move is accepted, and then only if the case is still where the proposal found it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from deal_shared.auth import Principal
from deal_shared.db import utcnow
from deal_shared.errors import StaleVersion
from footprints.allocation.problem import CostModel
from footprints.board import case_etag
from footprints.cases import set_worker
from footprints.dispatch_schemas import MoveDecision, ProposalPublic, ProposedMove, ReassignRequest
from footprints.errors import CaseClosed, RunNotFound, WorkerCannotTakeCase
from footprints.models import Absence, Case, RebalanceRun, Worker
from footprints.rebalance import plan_rebalance
from footprints.state import OPEN_STATUSES

PROPOSAL = "proposal"


def _absent_today(session: Session, worker: Worker) -> Absence | None:
    today = utcnow().date()
    query = select(Absence).where(Absence.worker_id == worker.id, Absence.starts_on <= today, Absence.ends_on >= today)
    return session.exec(query).first()


def check_can_take(session: Session, case: Case, worker: Worker) -> None:
    if not worker.active:
        raise WorkerCannotTakeCase(f"{worker.display_name} no longer works cases.")
    if case.skill not in worker.skills:
        raise WorkerCannotTakeCase(f"{worker.display_name} lacks the skill {case.skill}.", skill=case.skill)
    absence = _absent_today(session, worker)
    if absence is not None:
        raise WorkerCannotTakeCase(
            f"{worker.display_name} is away ({absence.kind}) until {absence.ends_on.isoformat()}.",
            away_until=absence.ends_on.isoformat(),
        )


def current_state(session: Session, case: Case) -> dict[str, Any]:
    holder = session.get(Worker, case.worker_id) if case.worker_id else None
    return {
        "etag": case_etag(case),
        "status": case.status,
        "pinned": case.pinned,
        "worker": {"id": str(holder.id), "display_name": holder.display_name} if holder else None,
    }


def reassign(
    session: Session, case: Case, *, body: ReassignRequest, worker: Worker | None, principal: Principal, if_match: str
) -> Case:
    """Hand `case` to `worker` (None: back to waiting) with the caller's reason; `if_match` guards lost updates."""
    if if_match and if_match != case_etag(case):
        raise StaleVersion(
            "Someone changed this case since you loaded it; here is how it stands now.",
            current=current_state(session, case),
        )
    if case.status not in OPEN_STATUSES:
        raise CaseClosed("Only open cases can be reassigned.")
    if worker is not None:
        check_can_take(session, case, worker)
    reason = {"method": "manual", "reason": body.reason, "by": principal.subject, "pinned": body.pin}
    set_worker(session, case, worker, actor=f"user:{principal.subject}", reason=reason)
    case.pinned = body.pin and worker is not None
    case.updated_at = utcnow()
    session.add(case)
    return case


def propose(session: Session, *, costs: CostModel, footprint: str, time_budget_s: float, actor: str) -> RebalanceRun:
    """Solve a rebalance of `footprint` and store its moves as a proposal; no case changes hands."""
    plan = plan_rebalance(session, costs=costs, footprint=footprint, time_budget_s=time_budget_s)
    names = {w.id: w.name for w in plan.workers}
    arcs = plan.problem.arcs
    arc_cost = {(plan.problem.cases[a.case].id, plan.problem.workers[a.worker].id): a for a in arcs}
    moves: list[dict[str, Any]] = []
    for case in plan.cases:
        target = plan.solution.assignment.get(case.id)
        if target == case.worker_id:
            continue
        new_arc = arc_cost.get((case.id, target)) if target is not None else None
        old_arc = arc_cost.get((case.id, case.worker_id)) if case.worker_id is not None else None
        new_cost = new_arc.cost if new_arc else plan.problem.costs.unplaced_m * case.effort_points
        moves.append(
            {
                "case_id": str(case.id),
                "title": case.title,
                "from_worker_id": str(case.worker_id) if case.worker_id else None,
                "from_worker": names.get(case.worker_id) if case.worker_id else None,
                "to_worker_id": str(target) if target else None,
                "to_worker": names.get(target) if target else None,
                "cost_m": round(new_cost, 1),
                "saving_m": round(old_arc.cost - new_cost, 1) if old_arc else None,
                "lent": bool(new_arc and new_arc.lent),
                "decision": None,
            }
        )
    solution = plan.solution
    run = RebalanceRun(
        trigger=PROPOSAL,
        actor=actor,
        scope=footprint,
        method=solution.method,
        fair=costs.fair,
        status="proposed" if moves else "decided",
        objective=solution.objective,
        lower_bound=solution.lower_bound,
        gap=solution.gap,
        time_budget_s=time_budget_s,
        elapsed_s=solution.elapsed_s,
        case_count=len(plan.cases),
        details={"solver_status": solution.status, "moves": moves, "travel_m": round(solution.travel_m)},
    )
    session.add(run)
    session.flush()
    return run


def get_proposal(session: Session, proposal_id: uuid.UUID, *, lock: bool = False) -> RebalanceRun:
    query = select(RebalanceRun).where(RebalanceRun.id == proposal_id, RebalanceRun.trigger == PROPOSAL)
    run = session.exec(query.with_for_update() if lock else query).first()
    if run is None:
        raise RunNotFound(f"No rebalance proposal has id {proposal_id}.")
    return run


def _accept(session: Session, run: RebalanceRun, move: dict[str, Any], principal: Principal) -> tuple[str, str | None]:
    case = session.get(Case, uuid.UUID(move["case_id"]))
    if case is None or case.status not in OPEN_STATUSES:
        return MoveDecision.stale, "the case is no longer open"
    holding = str(case.worker_id) if case.worker_id else None
    if holding != move["from_worker_id"]:
        holder = session.get(Worker, case.worker_id) if case.worker_id else None
        return MoveDecision.stale, f"the case has moved since, to {holder.display_name if holder else 'nobody'}"
    if case.pinned:
        return MoveDecision.stale, "the case has been pinned since"
    worker = session.get(Worker, uuid.UUID(move["to_worker_id"])) if move["to_worker_id"] else None
    if worker is not None:
        try:
            check_can_take(session, case, worker)
        except WorkerCannotTakeCase as refused:
            return MoveDecision.stale, refused.detail
    reason = {"method": run.method, "reason": f"rebalance proposal {run.id} accepted", "by": principal.subject}
    set_worker(session, case, worker, actor=f"user:{principal.subject}", reason=reason, run_id=run.id)
    return MoveDecision.accepted, None


def decide(
    session: Session, run: RebalanceRun, *, accept: set[uuid.UUID], drop: set[uuid.UUID], principal: Principal
) -> RebalanceRun:
    """Apply the accepted moves still possible and note the dropped ones; a decided move is never decided again."""
    moves = [dict(m) for m in run.details.get("moves", [])]
    for move in moves:
        case_id = uuid.UUID(move["case_id"])
        if move["decision"] is not None or case_id not in accept | drop:
            continue
        if case_id in accept:
            move["decision"], move["note"] = _accept(session, run, move, principal)
        else:
            move["decision"] = MoveDecision.dropped
        move["decided_by"] = principal.subject
    run.details = {**run.details, "moves": moves}
    run.moved = sum(1 for m in moves if m["decision"] == MoveDecision.accepted)
    if all(m["decision"] is not None for m in moves):
        run.status = "decided"
    session.add(run)
    return run


def present_proposal(run: RebalanceRun) -> ProposalPublic:
    return ProposalPublic(
        id=run.id,
        footprint_code=run.scope,
        actor=run.actor,
        status=run.status,
        solver_status=run.details.get("solver_status", ""),
        method=run.method,
        fair=run.fair,
        objective=run.objective,
        lower_bound=run.lower_bound,
        gap=run.gap,
        case_count=run.case_count,
        started_at=run.started_at,
        moves=[ProposedMove.model_validate(m) for m in run.details.get("moves", [])],
    )


def open_proposals(session: Session, *, footprint: str) -> list[RebalanceRun]:
    query = select(RebalanceRun).where(
        RebalanceRun.trigger == PROPOSAL, RebalanceRun.scope == footprint, RebalanceRun.status == "proposed"
    )
    return list(session.exec(query.order_by(col(RebalanceRun.started_at).desc()).limit(20)).all())
