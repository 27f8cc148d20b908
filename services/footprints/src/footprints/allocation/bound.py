"""A proven bound for a pruned problem. The relaxation over the kept pairs is no bound on the whole problem, but any
prices of the workers' capacity give one (weak duality): each point of a case costs at least the cheapest of
its unplaced cost and, over every eligible worker, the per-point cost plus that worker's price; each worker's
capacity is worth its price. The relaxation's own prices make this bound equal its optimum when the left-out pairs
could not have helped, and lower when they could."""

from __future__ import annotations

import math

import numpy as np

from footprints.allocation.pairs import Pairs, pairs, skill_blocks
from footprints.allocation.problem import Arc, Problem

MAX_ROUNDS = 500


def worker_prices(problem: Problem, shares: list[float]) -> np.ndarray:
    """The relaxation's dual prices of capacity, from its flow: zero for a worker with room left, and for a full
    one the cheapest way to free one point of it (moving a point of one of its cases on to its next best choice,
    itself priced): shortest paths found by Bellman-Ford rounds over the kept pairs."""
    n_workers = len(problem.workers)
    unplaced = problem.costs.unplaced_m
    arc_case = np.array([a.case for a in problem.arcs], dtype=np.int64)
    arc_worker = np.array([a.worker for a in problem.arcs], dtype=np.int64)
    effort = np.array([c.effort for c in problem.cases], dtype=float)
    unit = np.array([a.cost for a in problem.arcs]) / effort[arc_case] if problem.arcs else np.zeros(0)
    flow = np.array(shares) * effort[arc_case] if problem.arcs else np.zeros(0)
    load = np.bincount(arc_worker, weights=flow, minlength=n_workers)
    free = np.array([math.floor(problem.free_capacity(j) + 1e-9) for j in range(n_workers)], dtype=float)
    full = load >= free - 1e-6
    prices = np.where(full, unplaced, 0.0)
    if not problem.arcs:
        return prices
    flowing = (flow > 1e-9) & full[arc_worker]
    for _ in range(MAX_ROUNDS):
        best = np.full(len(problem.cases), unplaced)
        np.minimum.at(best, arc_case, unit + prices[arc_worker])
        updated = np.where(full, unplaced, 0.0)
        np.minimum.at(updated, arc_worker[flowing], best[arc_case[flowing]] - unit[flowing])
        updated = np.clip(updated, 0.0, unplaced)
        if np.allclose(updated, prices, rtol=0.0, atol=1e-9):
            break
        prices = updated
    return prices


def kept_prices(problem: Problem, prices: np.ndarray) -> np.ndarray:
    """Each case's price per point over its kept pairs alone (and its unplaced cost)."""
    best = np.full(len(problem.cases), problem.costs.unplaced_m)
    if problem.arcs:
        arc_case = np.array([a.case for a in problem.arcs], dtype=np.int64)
        arc_worker = np.array([a.worker for a in problem.arcs], dtype=np.int64)
        effort = np.array([c.effort for c in problem.cases], dtype=float)
        unit = np.array([a.cost for a in problem.arcs]) / effort[arc_case]
        np.minimum.at(best, arc_case, unit + prices[arc_worker])
    return best


def full_bound(problem: Problem, prices: np.ndarray, *, add: int = 0) -> float:
    """The weak-duality bound of `prices` over every eligible pair, the pruned ones included (not fair mode).
    With `add`, up to that many left-out pairs per case that are cheaper at these prices than every kept one
    (those the relaxation would have used) join the problem's arcs, for the caller to solve again."""
    if problem.costs.fair:
        raise ValueError("the pruned bound has no fairness term; fair mode keeps every pair")
    unplaced = problem.costs.unplaced_m
    worker_index = {w.id: j for j, w in enumerate(problem.workers)}
    per_point = np.full(len(problem.cases), unplaced)
    kept = kept_prices(problem, prices) if add else per_point
    for rows, columns in skill_blocks(problem.cases, problem.workers):
        block = pairs(
            problem.cases,
            problem.workers,
            rows,
            columns,
            costs=problem.costs,
            today_ordinal=problem.today.toordinal(),
            worker_index=worker_index,
            forced_from=problem.forced_from,
        )
        effort = np.array([problem.cases[i].effort for i in rows], dtype=float)[:, None]
        priced = np.where(block.ok, block.cost / effort + prices[block.columns][None, :], np.inf)
        per_point[rows] = np.minimum(unplaced, priced.min(axis=1))
        if add:
            _add_cheaper(problem, block, priced, kept[rows], add)
    # A pinned case's only pair may be one the area rules would not pick: take its kept arcs too.
    for i, case in enumerate(problem.cases):
        for a in problem.arcs_of_case[i] if case.pinned else ():
            arc = problem.arcs[a]
            per_point[i] = min(per_point[i], arc.cost / case.effort + prices[arc.worker])
    effort = np.array([c.effort for c in problem.cases], dtype=float)
    free = np.array([math.floor(problem.free_capacity(j) + 1e-9) for j in range(len(problem.workers))], dtype=float)
    bound = float(effort @ per_point - free @ prices)
    # Floating-point sums of a million terms: keep a margin far above their error and far below a metre.
    return bound - 1e-9 * abs(bound)


def _add_cheaper(problem: Problem, block: Pairs, priced: np.ndarray, kept: np.ndarray, add: int) -> None:
    """Append to the problem the left-out pairs priced below every kept pair of their case (a kept pair never is)."""
    cheaper = priced < kept[:, None] - 1e-6 * np.maximum(1.0, np.abs(kept[:, None]))
    for r in np.nonzero(cheaper.any(axis=1))[0].tolist():
        columns = np.nonzero(cheaper[r])[0]
        columns = columns[np.argsort(priced[r, columns])[:add]]
        i = block.rows[r]
        for c in columns.tolist():
            problem.arcs_of_case[i].append(len(problem.arcs))
            problem.arcs.append(
                Arc(
                    i, int(block.columns[c]), float(block.cost[r, c]), float(block.travel[r, c]), bool(block.lent[r, c])
                )
            )
