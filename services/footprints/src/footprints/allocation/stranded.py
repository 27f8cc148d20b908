"""Stranded cases: after rounding, a case the relaxation placed may find every eligible worker a few points short
while there is room a few moves away. Ejection chains (chains.py) find most of those moves; where a case needs
several cases off one worker, or a repacking, an exact MIP over the cases around it finds them."""

from __future__ import annotations

import time

from footprints.allocation.exact import solve_mip
from footprints.allocation.problem import Problem, evaluate
from footprints.allocation.subproblem import subproblem

# A neighbourhood this size solves to optimality in about a second on 2 cores; a ring that would take it past
# this is left out.
MAX_CASES = 2500
# One neighbourhood's solve: a ring-1 neighbourhood proves optimal in 0.01-0.5 s.
MIP_SECONDS = 1.0
MAX_RINGS = 3


def stranded(problem: Problem, chosen: dict[int, int | None]) -> list[int]:
    """Unplaced cases that some worker is eligible for."""
    return [i for i, arcs in enumerate(problem.arcs_of_case) if arcs and chosen.get(i) is None]


def neighbourhood(problem: Problem, chosen: dict[int, int | None], seeds: list[int], *, rings: int) -> list[int]:
    """The seed cases and the cases held by workers who could take them, `rings` deep: each ring frees the cases
    of the workers eligible for the previous ring's cases, so a chain of that many moves can make room."""
    on_worker: dict[int, list[int]] = {}
    for i, a in chosen.items():
        if a is not None:
            on_worker.setdefault(problem.arcs[a].worker, []).append(i)
    rows = set(seeds)
    frontier = list(seeds)
    seen_workers: set[int] = set()
    for _ in range(rings):
        workers = {problem.arcs[a].worker for i in frontier for a in problem.arcs_of_case[i]} - seen_workers
        seen_workers |= workers
        ring = [k for j in workers for k in on_worker.get(j, []) if k not in rows]
        if len(rows) + len(ring) > MAX_CASES and len(rows) > len(seeds):
            break
        rows.update(ring)
        frontier = ring
    return sorted(rows)


def groups(problem: Problem, seeds: list[int]) -> list[list[int]]:
    """Stranded cases that share an eligible worker compete for the same room, so they are solved together."""
    owner: dict[int, int] = {}
    parent = list(range(len(seeds)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for k, i in enumerate(seeds):
        for a in problem.arcs_of_case[i]:
            j = problem.arcs[a].worker
            if j in owner:
                parent[root(k)] = root(owner[j])
            else:
                owner[j] = k
    together: dict[int, list[int]] = {}
    for k, i in enumerate(seeds):
        together.setdefault(root(k), []).append(i)
    return sorted(together.values(), key=lambda g: -sum(problem.cases[i].effort for i in g))


def place_stranded(
    problem: Problem, chosen: dict[int, int | None], *, deadline: float, lp_unplaced: list[float]
) -> dict[int, int | None]:
    """Re-solve exactly, group by group, the neighbourhood of stranded cases where the plan leaves more effort
    unplaced than the relaxation did (`lp_unplaced`: effort the relaxation left unplaced, per case), one ring
    deeper each time while that stays so."""
    waiting = stranded(problem, chosen)
    # No more unplaced than the relaxation (which, at 10^6 a point against metres of travel, leaves unplaced as
    # little as any plan can): nothing to repair.
    relaxed = sum(lp_unplaced[i] for i, arcs in enumerate(problem.arcs_of_case) if arcs)
    if sum(problem.cases[i].effort for i in waiting) <= relaxed + 1e-6:
        return chosen
    objective = evaluate(problem, chosen)[0]
    for group in groups(problem, waiting):
        previous: list[int] = []
        for rings in range(1, MAX_RINGS + 1):
            remaining = deadline - time.perf_counter()
            rows = neighbourhood(problem, chosen, group, rings=rings)
            left = sum(problem.cases[i].effort for i in group if chosen.get(i) is None)
            if remaining <= 0.05 or rows == previous or left <= sum(lp_unplaced[i] for i in group) + 1e-6:
                break
            previous = rows
            sub, back, start = subproblem(problem, chosen, rows)
            plan, _ = solve_mip(sub, start, time_limit_s=min(remaining, MIP_SECONDS))
            if plan is None:
                break
            candidate = dict(chosen)
            for k, i in enumerate(rows):
                candidate[i] = back[plan[k]] if plan.get(k) is not None else None
            value = evaluate(problem, candidate)[0]
            if value < objective - 1e-6:
                chosen, objective = candidate, value
    return chosen
