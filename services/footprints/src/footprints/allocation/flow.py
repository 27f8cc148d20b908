"""Unit effort: a min-cost flow, which is exact (integral) — including the convex fairness cost, laid out as
one arc per further unit of load with rising cost."""

from __future__ import annotations

import math
import time

from ortools.graph.python import min_cost_flow

from footprints.allocation.bound import full_bound, worker_prices
from footprints.allocation.problem import Problem, Solution, to_solution

# Costs are integers in a flow network: decimetres keep rounding far below anything that matters.
SCALE = 10


def solve_unit(problem: Problem, *, time_budget_s: float = 0.0) -> Solution:
    if any(case.effort != 1 for case in problem.cases):
        raise ValueError("min-cost flow is exact only when every case takes one unit of effort")
    started = time.perf_counter()
    flow = min_cost_flow.SimpleMinCostFlow()
    n_cases, n_workers = len(problem.cases), len(problem.workers)
    source, sink, unplaced = n_cases + n_workers, n_cases + n_workers + 1, n_cases + n_workers + 2
    tails, heads, capacities, costs = [], [], [], []

    def arc(tail: int, head: int, capacity: int, cost: float) -> int:
        tails.append(tail)
        heads.append(head)
        capacities.append(capacity)
        costs.append(round(cost * SCALE))
        return len(tails) - 1

    for i in range(n_cases):
        arc(source, i, 1, 0)
        arc(i, unplaced, 1, problem.costs.unplaced_m)
    case_arc_index = {}
    for a, candidate in enumerate(problem.arcs):
        case_arc_index[arc(candidate.case, n_cases + candidate.worker, 1, candidate.cost)] = a
    for j, worker in enumerate(problem.workers):
        free = math.floor(problem.free_capacity(j) + 1e-9)
        if free <= 0:
            continue
        if problem.costs.fair and worker.capacity > 0:
            base = problem.fixed_load.get(worker.id, 0.0)
            for k in range(1, free + 1):
                marginal = problem.costs.fairness_m * (2 * (base + k) - 1) / worker.capacity
                arc(n_cases + j, sink, 1, marginal)
        else:
            arc(n_cases + j, sink, free, 0)
    arc(unplaced, sink, n_cases, 0)
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies([source, sink], [n_cases, -n_cases])
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    chosen: dict[int, int | None] = {}
    for flow_arc, a in case_arc_index.items():
        if flow.flow(flow_arc) > 0:
            chosen[problem.arcs[a].case] = a
    elapsed = time.perf_counter() - started
    solution = to_solution(
        problem,
        chosen,
        lower_bound=None,
        status="optimal",
        method="min_cost_flow",
        elapsed_s=elapsed,
        time_budget_s=time_budget_s,
    )
    # Integral and exact: the flow's optimum is the proven bound (up to the decimetre rounding of costs), unless
    # pairs were pruned: then its prices give the bound over all of them.
    solution.lower_bound = solution.objective
    if problem.pruned:
        shares = [0.0] * len(problem.arcs)
        for a in chosen.values():
            if a is not None:
                shares[a] = 1.0
        solution.lower_bound = min(solution.objective, full_bound(problem, worker_prices(problem, shares)))
        solution.status = "optimal" if solution.lower_bound >= solution.objective - 1e-6 else "feasible"
    return solution
