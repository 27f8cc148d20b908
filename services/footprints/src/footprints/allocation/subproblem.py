"""A part of a plan re-opened for a solver: some cases free to move, every other case held where it is."""

from __future__ import annotations

import dataclasses

from footprints.allocation.problem import Problem


def subproblem(
    problem: Problem, chosen: dict[int, int | None], rows: list[int]
) -> tuple[Problem, dict[int, int], dict[int, int | None]]:
    """The cases `rows` free to move, the others' effort counted as fixed load. Returns the sub-problem, its arcs'
    indices in `problem`, and the plan `chosen` in the sub-problem's indices (a solver's starting point)."""
    free = set(rows)
    fixed = dict(problem.fixed_load)
    for i, a in chosen.items():
        if i not in free and a is not None:
            worker = problem.workers[problem.arcs[a].worker]
            fixed[worker.id] = fixed.get(worker.id, 0.0) + problem.cases[i].effort
    sub = Problem(
        cases=[problem.cases[i] for i in rows],
        workers=problem.workers,
        costs=problem.costs,
        today=problem.today,
        fixed_load=fixed,
    )
    back: dict[int, int] = {}
    start: dict[int, int | None] = {}
    for k, i in enumerate(rows):
        own = []
        for a in problem.arcs_of_case[i]:
            back[len(sub.arcs)] = a
            if chosen.get(i) == a:
                start[k] = len(sub.arcs)
            own.append(len(sub.arcs))
            sub.arcs.append(dataclasses.replace(problem.arcs[a], case=k))
        sub.arcs_of_case.append(own)
        start.setdefault(k, None)
    return sub, back, start
