"""The weighted problem as a mixed-integer programme: exact on a neighbourhood of a plan, or on a whole small
instance (the tests' reference optimum)."""

from __future__ import annotations

import math

from ortools.linear_solver import pywraplp

from footprints.allocation.linear_rows import assignment_rows
from footprints.allocation.problem import Problem, fairness_cost

# SCIP ships inside OR-Tools and proves these models (assignment rows, knapsack capacities) fastest of its MIPs here.
BACKEND = "SCIP"


def solve_mip(
    problem: Problem, start: dict[int, int | None] | None = None, *, time_limit_s: float, gap_limit: float = 0.0
) -> tuple[dict[int, int | None] | None, float | None]:
    """The best plan found within the limits (None if none) and the solver's proven bound on the objective."""
    solver = pywraplp.Solver.CreateSolver(BACKEND)
    if solver is None:
        raise RuntimeError(f"the {BACKEND} MIP backend is not available")
    objective = solver.Objective()
    rows = assignment_rows(solver, problem, lambda: solver.BoolVar(""))
    x, unplaced, arcs_of_worker = rows.placed, rows.unplaced, rows.arcs_of_worker
    constant = 0.0
    for j, worker in enumerate(problem.workers):
        base = problem.fixed_load.get(worker.id, 0.0)
        constant += fairness_cost(base, worker.capacity, problem.costs)
        if not arcs_of_worker[j]:
            continue
        free = math.floor(problem.free_capacity(j) + 1e-9)
        row = solver.Constraint(-solver.infinity(), free)
        for a in arcs_of_worker[j]:
            row.SetCoefficient(x[a], problem.cases[problem.arcs[a].case].effort)
        if problem.costs.fair and worker.capacity > 0:
            # Loads are whole points, so the convex cost is exact as one step per further point with a rising
            # price: the steps fill in order by themselves, and need not be integer.
            steps = solver.Constraint(0.0, 0.0)
            for a in arcs_of_worker[j]:
                steps.SetCoefficient(x[a], problem.cases[problem.arcs[a].case].effort)
            for k in range(free):
                step = solver.NumVar(0.0, 1.0, "")
                steps.SetCoefficient(step, -1.0)
                marginal = fairness_cost(base + k + 1, worker.capacity, problem.costs)
                objective.SetCoefficient(step, marginal - fairness_cost(base + k, worker.capacity, problem.costs))
    objective.SetOffset(constant)
    objective.SetMinimization()
    if start is not None:
        hint_vars = [*x, *unplaced]
        hint_values = [1.0 if start.get(arc.case) == a else 0.0 for a, arc in enumerate(problem.arcs)]
        hint_values += [1.0 if start.get(i) is None else 0.0 for i in range(len(problem.cases))]
        solver.SetHint(hint_vars, hint_values)
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(parameters.RELATIVE_MIP_GAP, gap_limit)
    status = solver.Solve(parameters)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, None
    plan: dict[int, int | None] = dict.fromkeys(range(len(problem.cases)))
    for a, arc in enumerate(problem.arcs):
        if x[a].solution_value() > 0.5:
            plan[arc.case] = a
    return plan, objective.BestBound()
