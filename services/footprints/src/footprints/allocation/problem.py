"""The allocation problem: workers, cases, who may take what, and what each choice costs."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from deal_shared.geo import METRES_PER_DEGREE
from footprints.allocation.pairs import Pairs, pairs, skill_blocks

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


@dataclass(slots=True)
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
    forced_from: frozenset[WorkerId] = frozenset()
    # Some eligible pairs were left out (`nearest`): the relaxation's optimum alone is then no proven bound.
    pruned: bool = False

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
        nearest: int | None = None,
    ) -> Problem:
        """Index the eligible pairs; `forced_from` are workers whose cases must move (no move penalty). With
        `nearest`, each case keeps only its cheapest pairs (and its current worker): the plan is then found among
        those, and the bound is checked against all pairs (bound.py), so it stays a bound on the whole problem."""
        problem = cls(
            cases=cases,
            workers=workers,
            costs=costs,
            today=today,
            fixed_load=dict(fixed_load or {}),
            forced_from=forced_from,
        )
        worker_index = {w.id: j for j, w in enumerate(workers)}
        per_case: list[list[Arc]] = [[] for _ in cases]
        # Fair mode's bound has no check for pruned pairs (see bound.py), so it keeps them all.
        keep = None if costs.fair else nearest
        for rows, columns in skill_blocks(cases, workers):
            block = pairs(
                cases,
                workers,
                rows,
                columns,
                costs=costs,
                today_ordinal=today.toordinal(),
                worker_index=worker_index,
                forced_from=forced_from,
            )
            _arcs_for_block(problem, block, per_case, keep)
        for own in per_case:
            problem.arcs_of_case.append(list(range(len(problem.arcs), len(problem.arcs) + len(own))))
            problem.arcs.extend(own)
        return problem

    def free_capacity(self, j: int) -> float:
        worker = self.workers[j]
        return max(0.0, worker.capacity - self.fixed_load.get(worker.id, 0.0))


def _arcs_for_block(problem: Problem, block: Pairs, per_case: list[list[Arc]], nearest: int | None) -> None:
    """The arcs of one block of pairs; with `nearest`, only that many cheapest per case (and its current worker)."""
    keep = block.ok
    if nearest is not None and block.ok.shape[1] > nearest:
        masked = np.where(block.ok, block.cost, np.inf)
        kth = np.partition(masked, nearest - 1, axis=1)[:, nearest - 1 : nearest]
        keep = block.ok & ((masked <= kth) | (block.columns[None, :] == block.current[:, None]))
        problem.pruned = problem.pruned or bool((keep != block.ok).any())
    r, c = np.nonzero(keep)
    # Gathered as plain lists first: one Python object per pair is the cost of the build, so keep it to that.
    cases = np.array(block.rows, dtype=np.int64)[r].tolist()
    columns = block.columns[c].tolist()
    for i, j, cost, travel, lent in zip(
        cases, columns, block.cost[r, c].tolist(), block.travel[r, c].tolist(), block.lent[r, c].tolist(), strict=True
    ):
        per_case[i].append(Arc(i, j, cost, travel, lent))
    # A pinned case stays with its worker even when the area or availability rules would not pick them.
    for r, i in enumerate(block.rows):
        case = problem.cases[i]
        if case.pinned and not per_case[i] and block.current[r] >= 0:
            where = np.nonzero(block.columns == block.current[r])[0]
            if len(where):
                c = int(where[0])
                per_case[i].append(
                    Arc(
                        case=i,
                        worker=int(block.columns[c]),
                        cost=float(block.cost[r, c]),
                        travel=float(block.travel[r, c]),
                        lent=bool(block.lent[r, c]),
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
