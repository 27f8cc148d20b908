"""Polish: CP-SAT from a plan, on the whole problem when it is small, else one footprint at a time with the time
budget shared among the footprints by how far each is above its part of the bound."""

from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from footprints.allocation.problem import Problem, evaluate
from footprints.allocation.subproblem import subproblem

CP_SCALE = 10
# Up to this many cases CP-SAT takes the whole problem at once; beyond, it works one footprint at a time.
SMALL = 400
# Below this a footprint's CP-SAT run finds nothing on 2 cores (the model alone takes about 0.1 s to build).
MIN_SLICE_S = 0.5


def placeable_gap(problem: Problem, objective: float, bound: float) -> float:
    """The gap with the cases no one can take left out: they cost the same in every plan and in the bound, and
    would otherwise make any plan look within a fraction of a percent."""
    fixed = sum(problem.costs.unplaced_m * c.effort for i, c in enumerate(problem.cases) if not problem.arcs_of_case[i])
    rest = objective - fixed
    return max(0.0, (objective - bound) / rest) if rest > 0 else 0.0


def polish_cp_sat(
    problem: Problem, start: dict[int, int | None], *, time_limit_s: float, gap_limit: float
) -> tuple[dict[int, int | None], float | None, str]:
    """CP-SAT from the given plan, stopped at the time or relative gap limit: (plan, its bound, status)."""
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in problem.arcs]
    terms = []
    for i, case in enumerate(problem.cases):
        unplaced = model.new_bool_var("")
        model.add_exactly_one([x[a] for a in problem.arcs_of_case[i]] + [unplaced])
        terms.append(round(problem.costs.unplaced_m * case.effort * CP_SCALE) * unplaced)
        model.add_hint(unplaced, start.get(i) is None)
    for a, arc in enumerate(problem.arcs):
        terms.append(round(arc.cost * CP_SCALE) * x[a])
        model.add_hint(x[a], start.get(arc.case) == a)
    arcs_of_worker: list[list[int]] = [[] for _ in problem.workers]
    for a, arc in enumerate(problem.arcs):
        arcs_of_worker[arc.worker].append(a)
    for j, worker in enumerate(problem.workers):
        if not arcs_of_worker[j]:
            continue
        efforts = [problem.cases[problem.arcs[a].case].effort for a in arcs_of_worker[j]]
        added = sum(e * x[a] for e, a in zip(efforts, arcs_of_worker[j], strict=True))
        model.add(added <= math.floor(problem.free_capacity(j) + 1e-9))
        if problem.costs.fair and worker.capacity > 0:
            base = round(problem.fixed_load.get(worker.id, 0.0))
            top = base + int(worker.capacity)
            total = model.new_int_var(base, top, "")
            model.add(total == base + added)
            square = model.new_int_var(0, top * top, "")
            model.add_multiplication_equality(square, [total, total])
            terms.append(round(problem.costs.fairness_m / worker.capacity * CP_SCALE) * square)
    model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.relative_gap_limit = gap_limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start, None, solver.status_name(status).lower()
    plan: dict[int, int | None] = dict.fromkeys(range(len(problem.cases)))
    for a, arc in enumerate(problem.arcs):
        if solver.boolean_value(x[a]):
            plan[arc.case] = a
    # The squared-load coefficients are rounded per worker, so CP-SAT's own bound is not a bound on the true fair
    # objective; it is reported only without fair mode.
    # Each case contributes one rounded cost (at most half a unit off), so widen the bound by that much.
    slack = 0.5 * len(problem.cases) / CP_SCALE
    bound = None if problem.costs.fair else solver.best_objective_bound / CP_SCALE - slack
    return plan, bound, solver.status_name(status).lower()


def _excess(problem: Problem, chosen: dict[int, int | None], rows: list[int], lp_cost: list[float]) -> float:
    """How far the plan's cost of `rows` is above the relaxation's (travel, lending, moves and unplaced effort)."""
    total = 0.0
    for i in rows:
        a = chosen.get(i)
        total += problem.arcs[a].cost if a is not None else problem.costs.unplaced_m * problem.cases[i].effort
        total -= lp_cost[i]
    return max(0.0, total)


def polish_lns(
    problem: Problem,
    chosen: dict[int, int | None],
    *,
    deadline: float,
    gap_limit: float,
    bound: float,
    shares: list[float],
) -> dict[int, int | None]:
    """Large-neighbourhood search: CP-SAT re-solves one footprint's cases at a time (the rest held still). Each
    round shares the time left among the footprints in proportion to their excess over their part of the
    relaxation (`shares`: its value per arc), which grows with both a footprint's size and its gap; a footprint
    CP-SAT proves optimal rests until another footprint changes."""
    by_footprint: dict[str, list[int]] = {}
    for i, case in enumerate(problem.cases):
        if problem.arcs_of_case[i]:
            by_footprint.setdefault(case.footprint, []).append(i)
    lp_cost = []
    for i, case in enumerate(problem.cases):
        placed = sum(shares[a] for a in problem.arcs_of_case[i])
        cost = sum(shares[a] * problem.arcs[a].cost for a in problem.arcs_of_case[i])
        lp_cost.append(cost + (1 - placed) * problem.costs.unplaced_m * case.effort)
    objective = evaluate(problem, chosen)[0]
    resting: set[str] = set()
    while time.perf_counter() < deadline - 0.05 and placeable_gap(problem, objective, bound) > gap_limit:
        weights = {f: _excess(problem, chosen, rows, lp_cost) for f, rows in by_footprint.items() if f not in resting}
        total = sum(weights.values())
        if total <= 1e-6:
            break
        improved = False
        round_time = deadline - time.perf_counter()
        for footprint, weight in sorted(weights.items(), key=lambda item: -item[1]):
            remaining = deadline - time.perf_counter()
            if remaining <= 0.05:
                break
            if weight <= 1e-6:
                continue
            slice_s = min(remaining, max(MIN_SLICE_S, round_time * weight / total))
            rows = by_footprint[footprint]
            sub, back, start = subproblem(problem, chosen, rows)
            plan, _, status = polish_cp_sat(sub, start, time_limit_s=slice_s, gap_limit=0.0)
            candidate = dict(chosen)
            for k, i in enumerate(rows):
                candidate[i] = back[plan[k]] if plan.get(k) is not None else None
            value = evaluate(problem, candidate)[0]
            if status == "optimal":
                resting.add(footprint)
            if value < objective - 1e-6:
                chosen, objective, improved = candidate, value, True
        if improved:
            # A footprint's change moves the load it lends or borrows: the proven ones may do better now.
            resting.clear()
        elif len(resting) == len(by_footprint):
            break
    return chosen
