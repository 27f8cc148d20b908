"""Absence repair: move the absent workers' cases that fall due while they are away, with the fewest other moves."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

from footprints.allocation.flow import solve_unit
from footprints.allocation.problem import CaseItem, CostModel, Problem, Solution, WorkerId, WorkerState, eligible
from footprints.allocation.weighted import solve_weighted

# Making room is allowed but expensive: a voluntary move must save more than this much travel.
REPAIR_MOVE_PENALTY_M = 50_000.0


@dataclass
class RepairReport:
    forced: list = field(default_factory=list)
    voluntary: list = field(default_factory=list)
    unplaced: list[tuple] = field(default_factory=list)
    solution: Solution | None = None


def unplaced_reason(case: CaseItem, workers: list[WorkerState], *, today: date, costs: CostModel) -> str:
    able = [w for w in workers if eligible(case, w, today=today, costs=costs)[0]]
    if not able:
        return f"no available worker with skill {case.skill} in or near footprint {case.footprint}"
    return f"all {len(able)} available workers with skill {case.skill} near footprint {case.footprint} are full"


def repair(
    cases: list[CaseItem],
    workers: list[WorkerState],
    *,
    absent: frozenset[WorkerId],
    today: date,
    costs: CostModel,
    time_budget_s: float = 1.0,
) -> RepairReport:
    """`workers` already carry the new absences. Only the forced cases and the cases of workers who could take
    them are re-solved; everything else stays as fixed load."""
    forced = [c for c in cases if c.current in absent and not c.pinned]
    worker_by_id = {w.id: w for w in workers}
    forced = [c for c in forced if not worker_by_id[c.current].available_on(c.due)]
    if not forced:
        return RepairReport()
    repair_costs = dataclasses.replace(
        costs,
        move_penalty_m=REPAIR_MOVE_PENALTY_M,
        lending_radius_m=max(costs.lending_radius_m, costs.repair_lending_radius_m),
    )
    reach = Problem.build(forced, workers, costs=repair_costs, today=today)
    helpers = {workers[arc.worker].id for arc in reach.arcs} - absent
    forced_ids = {c.id for c in forced}
    movable = [c for c in cases if c.id in forced_ids or (c.current in helpers and not c.pinned)]
    movable_ids = {c.id for c in movable}
    fixed: dict[WorkerId, float] = {}
    for c in cases:
        if c.id not in movable_ids and c.current is not None:
            fixed[c.current] = fixed.get(c.current, 0.0) + c.effort
    problem = Problem.build(movable, workers, costs=repair_costs, today=today, fixed_load=fixed, forced_from=absent)
    if all(c.effort == 1 for c in movable):
        solution = solve_unit(problem, time_budget_s=time_budget_s)
    else:
        solution = solve_weighted(problem, time_budget_s=time_budget_s)
    report = RepairReport(solution=solution)
    for case in movable:
        target = solution.assignment.get(case.id)
        if case.id in forced_ids:
            if target is None:
                report.unplaced.append((case, unplaced_reason(case, workers, today=today, costs=repair_costs)))
            else:
                report.forced.append((case, target))
        elif target != case.current:
            report.voluntary.append((case, target))
    return report
