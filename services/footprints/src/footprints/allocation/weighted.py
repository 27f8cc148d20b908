"""Weighted effort (a generalised assignment problem): the LP relaxation gives the proven lower bound and a
near-integral start; rounding, ejection chains and an exact repair of the cases rounding strands (chains.py,
stranded.py), then local moves, give a plan in about a second; CP-SAT polishes on request."""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.linear_solver import pywraplp

from footprints.allocation.bound import full_bound, worker_prices
from footprints.allocation.chains import place_by_chains
from footprints.allocation.linear_rows import assignment_rows
from footprints.allocation.polish import SMALL, placeable_gap, polish_cp_sat, polish_lns
from footprints.allocation.problem import Problem, Solution, evaluate, fairness_cost, to_solution
from footprints.allocation.stranded import place_stranded

TANGENTS = 16
# Pairs kept per case on the weighted path (Problem.build's `nearest`): on the borough-like instances 16 cost the
# relaxation under 0.001% and cut the pairs by up to four fifths at 50,000 cases; the bound checks every pair.
NEAREST = 16
# Rounds of pricing the left-out pairs, and how many of them each case may take back in a round.
PRICING_ROUNDS = 3
PRICING_ADD = 4
# Transportation costs are integers per unit of effort: 840 is divisible by every effort from 1 to 8.
UNIT_SCALE = 10 * 840


def transport_relaxation(problem: Problem) -> tuple[float, list[float]]:
    """The LP relaxation solved as a transportation problem (each case's effort may be split between workers):
    the same optimum as the LP, found by network simplex in a fraction of the time. Returns the bound and the
    share of each arc."""
    flow = min_cost_flow.SimpleMinCostFlow()
    n_cases, n_workers = len(problem.cases), len(problem.workers)
    source, sink, unplaced = n_cases + n_workers, n_cases + n_workers + 1, n_cases + n_workers + 2
    # Every unit of effort crosses one arc of each stage (into its case, to a worker or unplaced, to the sink), and
    # in fair mode two of them carry rounded costs: the worst rounding of each stage counts once per unit.
    rounding = [0.0, 0.0, 0.0]
    effort = np.array([case.effort for case in problem.cases], dtype=np.int64)
    total = int(effort.sum())
    cases = np.arange(n_cases, dtype=np.int64)
    unplaced_cost = problem.costs.unplaced_m * UNIT_SCALE
    rounding[1] = abs(round(unplaced_cost) - unplaced_cost)
    arc_case = np.array([arc.case for arc in problem.arcs], dtype=np.int64)
    arc_worker = np.array([arc.worker for arc in problem.arcs], dtype=np.int64)
    per_unit = np.array([arc.cost for arc in problem.arcs]) / effort[arc_case] * UNIT_SCALE
    rounded = np.rint(per_unit)
    if len(rounded):
        rounding[1] = max(rounding[1], float(np.abs(rounded - per_unit).max()))
    worker_tails, worker_capacities, worker_costs = [], [], []
    constant = 0.0
    for j, worker in enumerate(problem.workers):
        free = math.floor(problem.free_capacity(j) + 1e-9)
        base = problem.fixed_load.get(worker.id, 0.0)
        constant += fairness_cost(base, worker.capacity, problem.costs)
        if free <= 0:
            continue
        if problem.costs.fair and worker.capacity > 0:
            for k in range(1, free + 1):
                step = _marginal(problem, j, base + k - 1, 1) * UNIT_SCALE
                worker_tails.append(n_cases + j)
                worker_capacities.append(1)
                worker_costs.append(round(step))
                rounding[2] = max(rounding[2], abs(round(step) - step))
        else:
            worker_tails.append(n_cases + j)
            worker_capacities.append(free)
            worker_costs.append(0)
    worker_tails.append(unplaced)
    worker_capacities.append(total)
    worker_costs.append(0)
    # Arcs: source to each case, each case to unplaced, the eligible pairs, then each worker's (and unplaced) to sink.
    tails = np.concatenate([np.full(n_cases, source), cases, arc_case, np.array(worker_tails, dtype=np.int64)])
    heads = np.concatenate([cases, np.full(n_cases, unplaced), n_cases + arc_worker, np.full(len(worker_tails), sink)])
    capacities = np.concatenate([effort, effort, effort[arc_case], np.array(worker_capacities, dtype=np.int64)])
    costs = np.concatenate(
        [
            np.zeros(n_cases, dtype=np.int64),
            np.full(n_cases, round(unplaced_cost), dtype=np.int64),
            rounded.astype(np.int64),
            np.array(worker_costs, dtype=np.int64),
        ]
    )
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies([source, sink], [total, -total])
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the transportation relaxation ended with status {status}")
    pair_arcs = np.arange(2 * n_cases, 2 * n_cases + len(problem.arcs), dtype=np.int64)
    shares = (flow.flows(pair_arcs) / effort[arc_case]).tolist() if len(pair_arcs) else []
    # Subtract the worst the integer rounding of costs could have gained, so the bound stays proven.
    bound = (flow.optimal_cost() - sum(rounding) * total) / UNIT_SCALE + constant
    return bound, shares


def lp_relaxation_glop(problem: Problem) -> tuple[float, list[float]]:
    """The same LP through GLOP, with tangents for fair mode: kept as an independent check of the bound."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    infinity = solver.infinity()
    objective = solver.Objective()
    rows = assignment_rows(solver, problem, lambda: solver.NumVar(0.0, 1.0, ""))
    x, arcs_of_worker = rows.placed, rows.arcs_of_worker
    constant = 0.0
    for j, worker in enumerate(problem.workers):
        if not arcs_of_worker[j]:
            constant += fairness_cost(problem.fixed_load.get(worker.id, 0.0), worker.capacity, problem.costs)
            continue
        row = solver.Constraint(-infinity, problem.free_capacity(j))
        for a in arcs_of_worker[j]:
            row.SetCoefficient(x[a], problem.cases[problem.arcs[a].case].effort)
        if problem.costs.fair and worker.capacity > 0:
            # Tangents lie below the convex cost, so the LP's optimum stays a valid lower bound.
            f = solver.NumVar(0.0, infinity, "")
            objective.SetCoefficient(f, 1.0)
            base = problem.fixed_load.get(worker.id, 0.0)
            k = problem.costs.fairness_m / worker.capacity
            for t in range(TANGENTS + 1):
                p = worker.capacity * t / TANGENTS
                # f >= k * (2 p L - p^2) with L = base + sum(effort * x)
                tangent = solver.Constraint(k * (2 * p * base - p * p), infinity)
                tangent.SetCoefficient(f, 1.0)
                for a in arcs_of_worker[j]:
                    tangent.SetCoefficient(x[a], -k * 2 * p * problem.cases[problem.arcs[a].case].effort)
    objective.SetMinimization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        raise RuntimeError(f"the LP relaxation ended with status {status}")
    return objective.Value() + constant, [v.solution_value() for v in x]


def _marginal(problem: Problem, j: int, load: float, effort: int) -> float:
    capacity = problem.workers[j].capacity
    return fairness_cost(load + effort, capacity, problem.costs) - fairness_cost(load, capacity, problem.costs)


def round_lp(problem: Problem, values: list[float]) -> dict[int, int | None]:
    """Keep the LP's integral choices; place its few fractional cases greedily, largest first."""
    chosen: dict[int, int | None] = {}
    load = [problem.fixed_load.get(w.id, 0.0) for w in problem.workers]
    pending = []
    for i, arcs in enumerate(problem.arcs_of_case):
        best = max(arcs, key=lambda a: values[a], default=None)
        if best is not None and values[best] > 1 - 1e-6:
            chosen[i] = best
            load[problem.arcs[best].worker] += problem.cases[i].effort
        else:
            pending.append(i)
    pending.sort(key=lambda i: -problem.cases[i].effort)
    for i in pending:
        effort = problem.cases[i].effort
        options = [
            (problem.arcs[a].cost + _marginal(problem, problem.arcs[a].worker, load[problem.arcs[a].worker], effort), a)
            for a in problem.arcs_of_case[i]
            if load[problem.arcs[a].worker] + effort <= problem.workers[problem.arcs[a].worker].capacity + 1e-9
        ]
        chosen[i] = min(options)[1] if options else None
        if chosen[i] is not None:
            load[problem.arcs[chosen[i]].worker] += effort
    return chosen


def improve(problem: Problem, chosen: dict[int, int | None], *, deadline: float) -> dict[int, int | None]:
    """First-improvement single moves (a case to a cheaper worker with room) until none helps or time is up."""
    _, _, load = evaluate(problem, chosen)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for i, arcs in enumerate(problem.arcs_of_case):
            effort = problem.cases[i].effort
            current = chosen.get(i)
            if current is None:
                here = problem.costs.unplaced_m * effort
            else:
                j0 = problem.arcs[current].worker
                # What keeping the case costs: its arc plus the load it adds to its worker.
                here = problem.arcs[current].cost + _marginal(problem, j0, load[j0] - effort, effort)
            for a in arcs:
                j = problem.arcs[a].worker
                if a == current or load[j] + effort > problem.workers[j].capacity + 1e-9:
                    continue
                there = problem.arcs[a].cost + _marginal(problem, j, load[j], effort)
                if there < here - 1e-6:
                    if current is not None:
                        load[problem.arcs[current].worker] -= effort
                    load[j] += effort
                    chosen[i], current, here = a, a, there
                    improved = True
            if i % 256 == 0 and time.perf_counter() > deadline:
                break
    return chosen


def _price_left_out_pairs(
    problem: Problem, relaxed: float, values: list[float], details: dict, *, until: float
) -> tuple[float, list[float]]:
    """Over the kept pairs the relaxation bounds only the pruned problem; its prices bound the whole one, and name
    the left-out pairs it would have used. Those join and the relaxation is solved again, until none is named
    (then pruning cost the relaxation nothing) or the rounds or the time (`until`) run out. Returns the bound and
    the last shares."""
    added = 0
    for round_no in range(PRICING_ROUNDS):
        size = len(problem.arcs)
        # Past `until`, the search needs the time more: the bound is taken from the prices as they are.
        last = round_no == PRICING_ROUNDS - 1 or time.perf_counter() > until
        bound = full_bound(problem, worker_prices(problem, values), add=0 if last else PRICING_ADD)
        added += len(problem.arcs) - size
        if len(problem.arcs) == size:
            break
        relaxed, values = transport_relaxation(problem)
    details.update(relaxation_over_kept_pairs=relaxed, pairs_added_by_pricing=added)
    return bound, values


def solve_weighted(
    problem: Problem, *, time_budget_s: float = 1.0, polish: bool = False, gap_limit: float = 0.001
) -> Solution:
    started = time.perf_counter()
    deadline = started + time_budget_s
    bound, values = transport_relaxation(problem)
    details: dict = {}
    if problem.pruned:
        bound, values = _price_left_out_pairs(problem, bound, values, details, until=started + time_budget_s / 3)
    # What the relaxation left unplaced of each case: those it placed are repaired first, and where the plan leaves
    # more unplaced than it did, an exact repair is worth its time.
    lp_unplaced = [
        case.effort * (1 - sum(values[a] for a in problem.arcs_of_case[i])) for i, case in enumerate(problem.cases)
    ]
    chosen = place_by_chains(problem, round_lp(problem, values), deadline=deadline, lp_unplaced=lp_unplaced)
    chosen = place_stranded(problem, chosen, deadline=deadline, lp_unplaced=lp_unplaced)
    chosen = improve(problem, chosen, deadline=deadline)
    objective, _, _ = evaluate(problem, chosen)
    status, method = "feasible", "lp_rounding"
    if polish and placeable_gap(problem, objective, bound) > gap_limit and time.perf_counter() < deadline:
        if len(problem.cases) <= SMALL:
            plan, cp_bound, cp_status = polish_cp_sat(
                problem, chosen, time_limit_s=deadline - time.perf_counter(), gap_limit=gap_limit
            )
            if evaluate(problem, plan)[0] <= objective:
                chosen, status = plan, cp_status
            if cp_bound is not None and not problem.pruned:
                bound = max(bound, cp_bound)
        else:
            chosen = polish_lns(problem, chosen, deadline=deadline, gap_limit=gap_limit, bound=bound, shares=values)
        method = "cp_sat"
    solution = to_solution(
        problem,
        chosen,
        lower_bound=bound,
        status=status,
        method=method,
        elapsed_s=time.perf_counter() - started,
        time_budget_s=time_budget_s,
        details=details,
    )
    if solution.gap is not None and solution.gap <= 1e-9:
        solution.status = "optimal"
    return solution
