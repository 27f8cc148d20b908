"""The allocation problem: workers, cases, who may take what, and what each choice costs."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from deal_shared.geo import METRES_PER_DEGREE

WorkerId = Hashable
CaseId = Hashable


@dataclass(frozen=True)
class WorkerState:
    id: WorkerId
    footprint: str
    skills: frozenset[str]
    lat: float
    long: float
    capacity: float
    absences: tuple[tuple[date, date], ...] = ()
    name: str = ""

    def available_on(self, day: date) -> bool:
        return not any(start <= day <= end for start, end in self.absences)


@dataclass
class CaseItem:
    id: CaseId
    skill: str
    effort: int
    lat: float
    long: float
    footprint: str
    due: date
    priority_rank: int = 1
    current: WorkerId | None = None
    pinned: bool = False


@dataclass(frozen=True)
class CostModel:
    """Everything is in metres of travel, so one number compares distance, load, moves and lending."""

    lending_radius_m: float = 4000.0
    lending_penalty_m: float = 1500.0
    # In an absence, borrowing from a neighbouring footprint beats reshuffling a whole team: a wider reach.
    repair_lending_radius_m: float = 8000.0
    move_penalty_m: float = 2000.0
    # Fair mode: a worker's load L of capacity C costs fairness_m * L^2 / C, so each further point of work costs
    # more as they fill up (convex); a full worker's next point costs about 2 * fairness_m.
    fair: bool = False
    fairness_m: float = 10000.0
    unplaced_m: float = 1_000_000.0
    # Online scoring: a candidate's load after taking the case costs this much per unit of utilisation.
    online_load_m: float = 1500.0


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Equirectangular distance: within 0.1% of the great circle at a borough's scale, and far cheaper."""
    cos = math.cos(math.radians((lat1 + lat2) / 2))
    dx = (long2 - long1) * cos
    dy = lat2 - lat1
    return math.hypot(dx, dy) * METRES_PER_DEGREE


def eligible(case: CaseItem, worker: WorkerState, *, today: date, costs: CostModel) -> tuple[bool, float]:
    """May `worker` take `case`? Returns (eligible, distance in metres)."""
    if case.skill not in worker.skills:
        return False, math.inf
    if not (worker.available_on(today) and worker.available_on(case.due)):
        return False, math.inf
    distance = distance_m(worker.lat, worker.long, case.lat, case.long)
    if worker.footprint != case.footprint and distance > costs.lending_radius_m:
        return False, distance
    return True, distance


def fairness_cost(load: float, capacity: float, costs: CostModel) -> float:
    if not costs.fair or capacity <= 0:
        return 0.0
    return costs.fairness_m * load * load / capacity


@dataclass
class Arc:
    case: int
    worker: int
    cost: float
    travel: float
    lent: bool


@dataclass
class Problem:
    """Indexed form of an instance: the arcs are the eligible (case, worker) pairs and their costs."""

    cases: list[CaseItem]
    workers: list[WorkerState]
    costs: CostModel
    today: date
    fixed_load: dict[WorkerId, float] = field(default_factory=dict)
    arcs: list[Arc] = field(default_factory=list)
    arcs_of_case: list[list[int]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        cases: list[CaseItem],
        workers: list[WorkerState],
        *,
        costs: CostModel,
        today: date,
        fixed_load: dict[WorkerId, float] | None = None,
        forced_from: frozenset[WorkerId] = frozenset(),
    ) -> Problem:
        """Index the eligible pairs; `forced_from` are workers whose cases must move (no move penalty)."""
        problem = cls(cases=cases, workers=workers, costs=costs, today=today, fixed_load=dict(fixed_load or {}))
        worker_index = {w.id: j for j, w in enumerate(workers)}
        by_skill: dict[str, list[int]] = {}
        for j, worker in enumerate(workers):
            for skill in worker.skills:
                by_skill.setdefault(skill, []).append(j)
        per_case: list[list[Arc]] = [[] for _ in cases]
        cases_by_skill: dict[str, list[int]] = {}
        for i, case in enumerate(cases):
            cases_by_skill.setdefault(case.skill, []).append(i)
        for skill, case_rows in cases_by_skill.items():
            columns = by_skill.get(skill, [])
            if columns:
                _arcs_for_skill(problem, case_rows, columns, per_case, worker_index, forced_from)
        for own in per_case:
            problem.arcs_of_case.append(list(range(len(problem.arcs), len(problem.arcs) + len(own))))
            problem.arcs.extend(own)
        return problem

    def free_capacity(self, j: int) -> float:
        worker = self.workers[j]
        return max(0.0, worker.capacity - self.fixed_load.get(worker.id, 0.0))


def _arcs_for_skill(
    problem: Problem,
    rows: list[int],
    columns: list[int],
    per_case: list[list[Arc]],
    worker_index: dict[WorkerId, int],
    forced_from: frozenset[WorkerId],
) -> None:
    """All (case, worker) pairs of one skill at once: distances and the area rule as array operations."""
    cases = [problem.cases[i] for i in rows]
    workers = [problem.workers[j] for j in columns]
    case_lat = np.array([c.lat for c in cases])[:, None]
    case_long = np.array([c.long for c in cases])[:, None]
    worker_lat = np.array([w.lat for w in workers])[None, :]
    worker_long = np.array([w.long for w in workers])[None, :]
    cos = np.cos(np.radians((case_lat + worker_lat) / 2))
    travel = np.hypot((case_long - worker_long) * cos, case_lat - worker_lat) * METRES_PER_DEGREE
    case_fp = np.array([c.footprint for c in cases], dtype=object)[:, None]
    worker_fp = np.array([w.footprint for w in workers], dtype=object)[None, :]
    lent = case_fp != worker_fp
    ok = ~lent | (travel <= problem.costs.lending_radius_m)
    ok &= np.array([w.available_on(problem.today) for w in workers])[None, :]
    for col, worker in enumerate(workers):
        if worker.absences:
            ok[:, col] &= np.array([worker.available_on(c.due) for c in cases])
    cost = travel + np.where(lent, problem.costs.lending_penalty_m, 0.0)
    for r, c in zip(*np.nonzero(ok), strict=True):
        case = cases[r]
        worker = workers[c]
        if case.pinned and case.current != worker.id:
            continue
        # Moving a case off a worker who can still do it costs; moving it off an absent one does not.
        moving = case.current is not None and case.current != worker.id and case.current not in forced_from
        extra = problem.costs.move_penalty_m if moving and case.current in worker_index else 0.0
        per_case[rows[r]].append(
            Arc(
                case=rows[r],
                worker=columns[c],
                cost=float(cost[r, c]) + extra,
                travel=float(travel[r, c]),
                lent=bool(lent[r, c]),
            )
        )
    # A pinned case stays with its worker even when the area or availability rules would not pick them.
    for r, case in enumerate(cases):
        if case.pinned and case.current in worker_index and not per_case[rows[r]]:
            j = worker_index[case.current]
            if j in columns:
                c = columns.index(j)
                per_case[rows[r]].append(
                    Arc(
                        case=rows[r],
                        worker=j,
                        cost=float(cost[r, c]),
                        travel=float(travel[r, c]),
                        lent=bool(lent[r, c]),
                    )
                )


@dataclass
class Solution:
    assignment: dict[CaseId, WorkerId | None]
    objective: float
    travel_m: float
    lower_bound: float | None
    status: str
    method: str
    elapsed_s: float
    time_budget_s: float
    details: dict = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        if self.lower_bound is None or self.objective <= 0:
            return None if self.lower_bound is None else 0.0
        return max(0.0, (self.objective - self.lower_bound) / self.objective)


def evaluate(problem: Problem, chosen_arcs: dict[int, int | None]) -> tuple[float, float, dict[int, float]]:
    """(objective, travel, load per worker index) of a choice of arc per case index (None: unplaced)."""
    objective = travel = 0.0
    load = {j: problem.fixed_load.get(w.id, 0.0) for j, w in enumerate(problem.workers)}
    for i, case in enumerate(problem.cases):
        a = chosen_arcs.get(i)
        if a is None:
            objective += problem.costs.unplaced_m * case.effort
            continue
        arc = problem.arcs[a]
        objective += arc.cost
        travel += arc.travel
        load[arc.worker] += case.effort
    for j, worker in enumerate(problem.workers):
        objective += fairness_cost(load[j], worker.capacity, problem.costs)
    return objective, travel, load


def to_solution(problem: Problem, chosen: dict[int, int | None], **kwargs) -> Solution:
    objective, travel, _ = evaluate(problem, chosen)
    assignment = {
        case.id: (problem.workers[problem.arcs[chosen[i]].worker].id if chosen.get(i) is not None else None)
        for i, case in enumerate(problem.cases)
    }
    return Solution(assignment=assignment, objective=objective, travel_m=travel, **kwargs)


def chosen_from(problem: Problem, assignment: dict[CaseId, WorkerId | None]) -> dict[int, int | None]:
    """The arc per case index of a plan given as worker per case id (the inverse of `to_solution`)."""
    chosen: dict[int, int | None] = {}
    for i, case in enumerate(problem.cases):
        worker = assignment.get(case.id)
        chosen[i] = next(
            (a for a in problem.arcs_of_case[i] if problem.workers[problem.arcs[a].worker].id == worker), None
        )
    return chosen
