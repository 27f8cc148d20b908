"""The rows every linear model of the weighted problem shares: each case on exactly one of its arcs or unplaced, at
the arc's cost or the unplaced penalty for its effort. The exact MIP makes the variables whole, the LP bound not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from footprints.allocation.problem import Problem


@dataclass(frozen=True)
class AssignmentRows:
    placed: list[pywraplp.Variable]  # one per arc
    unplaced: list[pywraplp.Variable]  # one per case
    arcs_of_worker: list[list[int]]


def assignment_rows(
    solver: pywraplp.Solver, problem: Problem, variable: Callable[[], pywraplp.Variable]
) -> AssignmentRows:
    objective = solver.Objective()
    placed = [variable() for _ in problem.arcs]
    for a, arc in enumerate(problem.arcs):
        objective.SetCoefficient(placed[a], arc.cost)
    unplaced = []
    for i, case in enumerate(problem.cases):
        u = variable()
        unplaced.append(u)
        objective.SetCoefficient(u, problem.costs.unplaced_m * case.effort)
        row = solver.Constraint(1.0, 1.0)
        row.SetCoefficient(u, 1.0)
        for a in problem.arcs_of_case[i]:
            row.SetCoefficient(placed[a], 1.0)
    arcs_of_worker: list[list[int]] = [[] for _ in problem.workers]
    for a, arc in enumerate(problem.arcs):
        arcs_of_worker[arc.worker].append(a)
    return AssignmentRows(placed, unplaced, arcs_of_worker)
