"""Batch rebalancing and absence repair against the database: solve, apply the moves, store the certificate."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

from sqlmodel import Session, select

from deal_shared.db import utcnow
from footprints.allocation.flow import solve_unit
from footprints.allocation.problem import CostModel, Problem, Solution, WorkerState
from footprints.allocation.repair import repair
from footprints.allocation.weighted import NEAREST, solve_weighted
from footprints.cases import set_worker
from footprints.models import Absence, Case, RebalanceRun, Worker
from footprints.state import case_item, open_cases, worker_states


@dataclasses.dataclass(frozen=True)
class Plan:
    """A solved rebalance of some open cases, not yet applied."""

    problem: Problem
    solution: Solution
    cases: list[Case]
    workers: list[WorkerState]


def plan_rebalance(
    session: Session, *, costs: CostModel, footprint: str | None, time_budget_s: float, polish: bool = False
) -> Plan:
    """Solve for the open cases of `footprint` (None: the borough); the others' load stays where it is."""
    today = utcnow().date()
    workers = worker_states(session, today=today)
    everything = open_cases(session)
    scoped = [c for c in everything if footprint is None or c.footprint_code == footprint]
    scoped_ids = {c.id for c in scoped}
    fixed: dict = {}
    for case in everything:
        if case.id not in scoped_ids and case.worker_id is not None:
            fixed[case.worker_id] = fixed.get(case.worker_id, 0.0) + case.effort_points
    items = [case_item(c) for c in scoped]
    unit = all(item.effort == 1 for item in items)
    # The weighted path keeps each case's nearest pairs (its bound still covers them all); the flow takes them all.
    nearest = None if unit else NEAREST
    problem = Problem.build(items, workers, costs=costs, today=today, fixed_load=fixed, nearest=nearest)
    if unit:
        solution = solve_unit(problem, time_budget_s=time_budget_s)
    else:
        solution = solve_weighted(problem, time_budget_s=time_budget_s, polish=polish)
    return Plan(problem=problem, solution=solution, cases=scoped, workers=workers)


def run_rebalance(
    session: Session,
    *,
    costs: CostModel,
    footprint: str | None,
    time_budget_s: float,
    trigger: str,
    actor: str,
    polish: bool = False,
) -> RebalanceRun:
    plan = plan_rebalance(session, costs=costs, footprint=footprint, time_budget_s=time_budget_s, polish=polish)
    solution, scoped, workers, items = plan.solution, plan.cases, plan.workers, plan.problem.cases
    run = RebalanceRun(
        trigger=trigger,
        actor=actor,
        scope=footprint or "borough",
        method=solution.method,
        fair=costs.fair,
        status=solution.status,
        objective=solution.objective,
        lower_bound=solution.lower_bound,
        gap=solution.gap,
        time_budget_s=time_budget_s,
        elapsed_s=solution.elapsed_s,
        case_count=len(items),
    )
    session.add(run)
    session.flush()
    _apply(session, run, scoped, workers, solution.assignment, reason_base={"method": solution.method})
    run.details = {**run.details, "travel_m": round(solution.travel_m)}
    return run


def _apply(session: Session, run: RebalanceRun, cases: list[Case], workers, assignment, *, reason_base: dict) -> None:
    """Move the cases the plan moves; count lending (a worker outside the case's footprint) and unplaced."""
    footprint_of = {w.id: w.footprint for w in workers}
    lent, unplaced, moved = [], [], 0
    for case in cases:
        target = assignment.get(case.id)
        if target is not None and footprint_of.get(target) != case.footprint_code:
            lent.append(
                {
                    "case_id": str(case.id),
                    "worker_id": str(target),
                    "from": footprint_of.get(target),
                    "to": case.footprint_code,
                    "why": "nearest eligible worker with room was across the line",
                }
            )
        if target is None:
            unplaced.append(str(case.id))
        if target != case.worker_id:
            moved += 1
            worker = session.get(Worker, target) if target else None
            reason = {**reason_base, "reason": f"batch run {run.id} ({run.scope})", "run_id": str(run.id)}
            set_worker(session, case, worker, actor=f"system:{run.trigger}", reason=reason, run_id=run.id)
    run.moved, run.lent, run.unplaced = moved, len(lent), len(unplaced)
    run.details = {**run.details, "lending": lent[:200], "unplaced_case_ids": unplaced[:200]}


def add_absence(
    session: Session,
    worker: Worker,
    *,
    kind: str,
    starts_on: date,
    ends_on: date,
    note: str | None,
    actor: str,
    costs: CostModel,
    time_budget_s: float,
) -> tuple[Absence, RebalanceRun]:
    """Record the absence and repair the caseload at once: forced moves, voluntary moves, unplaced with reasons."""
    absence = Absence(worker_id=worker.id, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note, created_by=actor)
    session.add(absence)
    session.flush()
    today = utcnow().date()
    workers = worker_states(session, today=today)
    cases = open_cases(session)
    report = repair(
        [case_item(c) for c in cases],
        workers,
        absent=frozenset({worker.id}),
        today=today,
        costs=dataclasses.replace(costs, fair=False),
        time_budget_s=time_budget_s,
    )
    solution = report.solution
    run = RebalanceRun(
        trigger="absence",
        actor=actor,
        scope=f"absence:{worker.id}",
        method=solution.method if solution else "none",
        fair=False,
        status=solution.status if solution else "nothing_to_do",
        objective=solution.objective if solution else 0.0,
        lower_bound=solution.lower_bound if solution else 0.0,
        gap=solution.gap if solution else 0.0,
        time_budget_s=time_budget_s,
        elapsed_s=solution.elapsed_s if solution else 0.0,
        case_count=len(report.forced) + len(report.unplaced),
    )
    session.add(run)
    session.flush()
    by_id = {c.id: c for c in cases}
    names = {w.id: w.name for w in workers}
    moves = [(item, target, "forced") for item, target in report.forced]
    moves += [(item, target, "voluntary") for item, target in report.voluntary]
    for item, target, why in moves:
        reason = {
            "method": "absence_repair",
            "reason": f"{why} move: {worker.display_name} is away",
            "run_id": str(run.id),
        }
        set_worker(
            session,
            by_id[item.id],
            session.get(Worker, target),
            actor=f"system:absence:{actor}",
            reason=reason,
            run_id=run.id,
        )
    run.moved = len(moves)
    run.unplaced = len(report.unplaced)
    run.details = {
        "forced": [{"case_id": str(i.id), "to": names.get(t)} for i, t in report.forced],
        "voluntary": [{"case_id": str(i.id), "to": names.get(t)} for i, t in report.voluntary],
        "unplaced": [{"case_id": str(i.id), "reason": why} for i, why in report.unplaced],
    }
    for item, why in report.unplaced:
        reason = {"method": "absence_repair", "reason": f"left unallocated: {why}", "run_id": str(run.id)}
        set_worker(session, by_id[item.id], None, actor=f"system:absence:{actor}", reason=reason, run_id=run.id)
    return absence, run


def get_run(session: Session, run_id: uuid.UUID) -> RebalanceRun | None:
    return session.exec(select(RebalanceRun).where(RebalanceRun.id == run_id)).first()
