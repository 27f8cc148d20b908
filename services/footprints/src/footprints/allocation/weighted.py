"""Weighted effort (a generalised assignment problem): the LP relaxation gives the proven lower bound and a
near-integral start; rounding, ejection chains and an exact repair of the cases rounding strands (chains.py,
stranded.py), then local moves, give a plan in about a second; CP-SAT polishes on request."""

from __future__ import annotations

import math
import time

from ortools.graph.python import min_cost_flow
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from footprints.allocation.chains import place_by_chains
from footprints.allocation.problem import Problem, Solution, evaluate, fairness_cost, to_solution
from footprints.allocation.stranded import place_stranded
from footprints.allocation.subproblem import subproblem

TANGENTS = 16
CP_SCALE = 10
# Up to this many cases CP-SAT takes the whole problem at once; beyond, it works one footprint at a time.
SMALL = 400
# Transportation costs are integers per unit of effort: 840 is divisible by every effort from 1 to 8.
UNIT_SCALE = 10 * 840


def transport_relaxation(problem: Problem) -> tuple[float, list[float]]:
    """The LP relaxation solved as a transportation problem (each case's effort may be split between workers):
    the same optimum as the LP, found by network simplex in a fraction of the time. Returns the bound and the
    share of each arc."""
    flow = min_cost_flow.SimpleMinCostFlow()
    n_cases, n_workers = len(problem.cases), len(problem.workers)
    source, sink, unplaced = n_cases + n_workers, n_cases + n_workers + 1, n_cases + n_workers + 2
    tails, heads, capacities, costs = [], [], [], []
    # Every unit of effort crosses one arc of each stage (into its case, to a worker or unplaced, to the sink), and
    # in fair mode two of them carry rounded costs: the worst rounding of each stage counts once per unit.
    rounding = [0.0, 0.0, 0.0]

    def arc(tail: int, head: int, capacity: int, cost: float, stage: int) -> int:
        tails.append(tail)
        heads.append(head)
        capacities.append(capacity)
        costs.append(round(cost * UNIT_SCALE))
        rounding[stage] = max(rounding[stage], abs(costs[-1] - cost * UNIT_SCALE))
        return len(tails) - 1

    total = 0
    for i, case in enumerate(problem.cases):
        total += case.effort
        arc(source, i, case.effort, 0, 0)
        arc(i, unplaced, case.effort, problem.costs.unplaced_m, 1)
    index = {}
    for a, candidate in enumerate(problem.arcs):
        effort = problem.cases[candidate.case].effort
        index[arc(candidate.case, n_cases + candidate.worker, effort, candidate.cost / effort, 1)] = a
    constant = 0.0
    for j, worker in enumerate(problem.workers):
        free = math.floor(problem.free_capacity(j) + 1e-9)
        base = problem.fixed_load.get(worker.id, 0.0)
        constant += fairness_cost(base, worker.capacity, problem.costs)
        if free <= 0:
            continue
        if problem.costs.fair and worker.capacity > 0:
            for k in range(1, free + 1):
                arc(n_cases + j, sink, 1, _marginal(problem, j, base + k - 1, 1), 2)
        else:
            arc(n_cases + j, sink, free, 0, 2)
    arc(unplaced, sink, total, 0, 2)
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies([source, sink], [total, -total])
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the transportation relaxation ended with status {status}")
    shares = [0.0] * len(problem.arcs)
    for flow_arc, a in index.items():
        shares[a] = flow.flow(flow_arc) / problem.cases[problem.arcs[a].case].effort
    # Subtract the worst the integer rounding of costs could have gained, so the bound stays proven.
    bound = (flow.optimal_cost() - sum(rounding) * total) / UNIT_SCALE + constant
    return bound, shares


def lp_relaxation_glop(problem: Problem) -> tuple[float, list[float]]:
    """The same LP through GLOP, with tangents for fair mode: kept as an independent check of the bound."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    infinity = solver.infinity()
    objective = solver.Objective()
    x = [solver.NumVar(0.0, 1.0, "") for _ in problem.arcs]
    for a, arc in enumerate(problem.arcs):
        objective.SetCoefficient(x[a], arc.cost)
    for i, case in enumerate(problem.cases):
        unplaced = solver.NumVar(0.0, 1.0, "")
        objective.SetCoefficient(unplaced, problem.costs.unplaced_m * case.effort)
        row = solver.Constraint(1.0, 1.0)
        row.SetCoefficient(unplaced, 1.0)
        for a in problem.arcs_of_case[i]:
            row.SetCoefficient(x[a], 1.0)
    arcs_of_worker: list[list[int]] = [[] for _ in problem.workers]
    for a, arc in enumerate(problem.arcs):
        arcs_of_worker[arc.worker].append(a)
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


def polish_lns(
    problem: Problem, chosen: dict[int, int | None], *, deadline: float, gap_limit: float, bound: float
) -> dict[int, int | None]:
    """Large-neighbourhood search: CP-SAT re-solves one footprint's cases at a time (the rest held still), a
    model small enough to solve well on 2 cores, until the gap limit or the deadline."""
    by_footprint: dict[str, list[int]] = {}
    for i, case in enumerate(problem.cases):
        by_footprint.setdefault(case.footprint, []).append(i)
    groups = sorted(by_footprint.values(), key=len, reverse=True)
    objective = evaluate(problem, chosen)[0]
    stale = 0
    round_no = 0
    while time.perf_counter() < deadline and stale < len(groups) and groups:
        rows = groups[round_no % len(groups)]
        round_no += 1
        sub, back, start = subproblem(problem, chosen, rows)
        remaining = deadline - time.perf_counter()
        plan, _, _ = polish_cp_sat(sub, start, time_limit_s=min(remaining, 10.0), gap_limit=0.0)
        candidate = dict(chosen)
        for k, i in enumerate(rows):
            candidate[i] = back[plan[k]] if plan.get(k) is not None else None
        value = evaluate(problem, candidate)[0]
        if value < objective - 1e-6:
            chosen, objective, stale = candidate, value, 0
        else:
            stale += 1
        if objective > 0 and (objective - bound) / objective <= gap_limit:
            break
    return chosen


def solve_weighted(
    problem: Problem, *, time_budget_s: float = 1.0, polish: bool = False, gap_limit: float = 0.001
) -> Solution:
    started = time.perf_counter()
    deadline = started + time_budget_s
    bound, values = transport_relaxation(problem)
    chosen = place_by_chains(problem, round_lp(problem, values), deadline=deadline)
    # What the relaxation left unplaced of each case: where the plan leaves more, an exact repair is worth its time.
    lp_unplaced = [
        case.effort * (1 - sum(values[a] for a in problem.arcs_of_case[i])) for i, case in enumerate(problem.cases)
    ]
    chosen = place_stranded(problem, chosen, deadline=deadline, lp_unplaced=lp_unplaced)
    chosen = improve(problem, chosen, deadline=deadline)
    objective, _, _ = evaluate(problem, chosen)
    status, method = "feasible", "lp_rounding"
    gap = (objective - bound) / objective if objective > 0 else 0.0
    if polish and gap > gap_limit and time.perf_counter() < deadline:
        if len(problem.cases) <= SMALL:
            plan, cp_bound, cp_status = polish_cp_sat(
                problem, chosen, time_limit_s=deadline - time.perf_counter(), gap_limit=gap_limit
            )
            if evaluate(problem, plan)[0] <= objective:
                chosen, status = plan, cp_status
            if cp_bound is not None:
                bound = max(bound, cp_bound)
        else:
            chosen = polish_lns(problem, chosen, deadline=deadline, gap_limit=gap_limit, bound=bound)
        method = "cp_sat"
    solution = to_solution(
        problem,
        chosen,
        lower_bound=bound,
        status=status,
        method=method,
        elapsed_s=time.perf_counter() - started,
        time_budget_s=time_budget_s,
    )
    if solution.gap is not None and solution.gap <= 1e-9:
        solution.status = "optimal"
    return solution
