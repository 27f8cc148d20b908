"""Benchmark allocation on a generated borough-scale instance: 5,000 open cases, 150 workers, 7 footprints, 6 skills.

    .venv/bin/python tests/bench/bench_allocation.py

Prints, for each method, travel, objective, proven bound and gap, utilisation spread (SD) and time; then online
allocation latency and cost against the batch optimum, and an absence repair of 10 workers. In-process, one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import time
from datetime import timedelta

from footprints.allocation.flow import solve_unit
from footprints.allocation.online import SkillIndex, choose
from footprints.allocation.problem import CostModel, Problem
from footprints.allocation.repair import repair
from footprints.allocation.synthetic import generate
from footprints.allocation.weighted import solve_weighted


def spread(instance, assignment) -> float:
    load: dict = {}
    effort = {c.id: c.effort for c in instance.cases}
    for case_id, worker_id in assignment.items():
        if worker_id is not None:
            load[worker_id] = load.get(worker_id, 0) + effort[case_id]
    return statistics.pstdev(load.get(w.id, 0) / w.capacity for w in instance.workers)


def row(name: str, solution, instance, elapsed: float, reference: float | None = None) -> None:
    unplaced = sum(1 for w in solution.assignment.values() if w is None)
    gap = f"{solution.gap:.3%}" if solution.gap is not None else "n/a"
    ratio = f"{solution.travel_m / reference:.3f}x" if reference else ""
    print(
        f"{name:34} travel {solution.travel_m / 1000:9.1f} km {ratio:7} objective {solution.objective / 1000:9.1f} "
        f"bound {solution.lower_bound / 1000:9.1f} gap {gap:>7}  SD {spread(instance, solution.assignment):.3f}  "
        f"unplaced {unplaced}  {elapsed:6.2f} s ({solution.status})"
    )


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=150)
    parser.add_argument("--polish-seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    costs = CostModel()
    print(f"instance: {args.cases} cases, {args.workers} workers, 7 footprints, 6 skills (seed {args.seed})")

    unit = generate(n_cases=args.cases, n_workers=args.workers, seed=args.seed)
    build = lambda c: Problem.build(unit.cases, unit.workers, costs=c, today=unit.today)  # noqa: E731
    optimum, t = timed(lambda: solve_unit(build(costs)))
    row("unit, min-cost flow (exact)", optimum, unit, t)
    fair, t = timed(lambda: solve_unit(build(dataclasses.replace(costs, fair=True))))
    row("unit, min-cost flow, fair mode", fair, unit, t, optimum.travel_m)

    # Online: cases arrive one by one in random order; each decision is timed on its own.
    order = list(unit.cases)
    random.Random(1).shuffle(order)
    index = SkillIndex(unit.workers)
    load: dict = {}
    latencies, travel, placed = [], 0.0, {}
    for case in order:
        started = time.perf_counter()
        decision = choose(case, index.candidates(case.skill), load=load, today=unit.today, costs=costs)
        latencies.append(time.perf_counter() - started)
        placed[case.id] = decision.worker_id
        if decision.worker_id is not None:
            load[decision.worker_id] = load.get(decision.worker_id, 0) + case.effort
            travel += decision.candidates[0].distance_m
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000
    unplaced = sum(1 for w in placed.values() if w is None)
    print(
        f"{'unit, online greedy':34} travel {travel / 1000:9.1f} km {travel / optimum.travel_m:.3f}x of the optimum's "
        f"travel; SD {spread(unit, placed):.3f}; unplaced {unplaced}; per decision p50 {p50:.3f} ms, p99 {p99:.3f} ms"
    )

    weighted = generate(n_cases=args.cases, n_workers=args.workers, seed=args.seed, weighted=True)
    problem = Problem.build(weighted.cases, weighted.workers, costs=costs, today=weighted.today)
    fast, t = timed(lambda: solve_weighted(problem, time_budget_s=1.0))
    row("weighted, LP bound + rounding (1 s)", fast, weighted, t)
    if args.polish_seconds > 0:
        polished, t = timed(
            lambda: solve_weighted(problem, time_budget_s=args.polish_seconds, polish=True, gap_limit=0.001)
        )
        row(f"weighted, + CP-SAT polish ({args.polish_seconds:.0f} s)", polished, weighted, t)

    # Absence: 10 workers off for two weeks from today, starting from the optimal unit plan.
    for case in unit.cases:
        case.current = optimum.assignment[case.id]
    absent = frozenset(w.id for w in random.Random(2).sample(unit.workers, 10))
    away = ((unit.today, unit.today + timedelta(days=14)),)
    workers = [dataclasses.replace(w, absences=away) if w.id in absent else w for w in unit.workers]
    report, t = timed(lambda: repair(unit.cases, workers, absent=absent, today=unit.today, costs=costs))
    forced, voluntary = len(report.forced), len(report.voluntary)
    print(
        f"{'absence of 10 workers, repair':34} forced {forced}, voluntary {voluntary} "
        f"({voluntary / max(1, forced + len(report.unplaced)):.0%} of forced), unplaced {len(report.unplaced)}, "
        f"{t:.2f} s"
    )


if __name__ == "__main__":
    main()
