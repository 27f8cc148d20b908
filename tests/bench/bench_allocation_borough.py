"""Benchmark weighted allocation on borough-like instances (`footprints.allocation.synthetic.generate_borough`):
uneven skills per footprint, fractional capacities, absences, cases no one can take, effort 1-8.

    .venv/bin/python tests/bench/bench_allocation_borough.py                      # 3 x 5,000 x 150, 1 x 20,000 x 400
    .venv/bin/python tests/bench/bench_allocation_borough.py --sizes 50000x1000 --polish-seconds 0
    .venv/bin/python tests/bench/bench_allocation_borough.py --sizes 5000x150 --exact-seconds 300

For each instance and method prints the objective, the proven bound, the gap (and the gap with the cases no one can
take left out of objective and bound: they cost 10^6 a point in both, which flatters the plain gap), the unplaced
effort (and how much of it no one can take), travel, the time and the peak memory of the process that solved it
(each run in a fresh process).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time

from footprints.allocation.exact import solve_mip
from footprints.allocation.polish import placeable_gap
from footprints.allocation.problem import CostModel, Problem, Solution, chosen_from, to_solution
from footprints.allocation.synthetic import generate_borough
from footprints.allocation.weighted import NEAREST, solve_weighted


def _unplaced(problem: Problem, solution: Solution) -> tuple[int, int]:
    """(unplaced effort, of which no worker is eligible for)."""
    total = impossible = 0
    for i, case in enumerate(problem.cases):
        if solution.assignment[case.id] is None:
            total += case.effort
            impossible += case.effort if not problem.arcs_of_case[i] else 0
    return total, impossible


def run(n_cases: int, n_workers: int, seed: int, method: str, seconds: float) -> str:
    instance = generate_borough(n_cases=n_cases, n_workers=n_workers, seed=seed)
    started, cpu_started = time.perf_counter(), time.process_time()
    nearest = None if method == "exact" else NEAREST
    problem = Problem.build(instance.cases, instance.workers, costs=CostModel(), today=instance.today, nearest=nearest)
    built = time.perf_counter() - started
    if method == "exact":
        start = solve_weighted(problem, time_budget_s=5.0)
        plan, mip_bound = solve_mip(problem, chosen_from(problem, start.assignment), time_limit_s=seconds)
        solution = to_solution(
            problem,
            plan or chosen_from(problem, start.assignment),
            lower_bound=max(mip_bound or 0.0, start.lower_bound or 0.0),
            status="mip",
            method="scip",
            elapsed_s=time.perf_counter() - started,
            time_budget_s=seconds,
        )
    else:
        solution = solve_weighted(problem, time_budget_s=seconds, polish=method == "polish")
    elapsed = time.perf_counter() - started
    # CPU time of this process: on the shared machine, wall time also counts what other processes took.
    cpu = time.process_time() - cpu_started
    unplaced, impossible = _unplaced(problem, solution)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gap = f"{solution.gap:.3%}" if solution.gap is not None else "n/a"
    placeable = placeable_gap(problem, solution.objective, solution.lower_bound)
    return (
        f"{n_cases}x{n_workers} seed {seed} {method:>7} ({seconds:g} s): objective {solution.objective:14,.0f} "
        f"bound {solution.lower_bound:14,.0f} gap {gap:>7}, {placeable:.2%} without the cases no one can take; "
        f"unplaced effort {unplaced} ({impossible} no one can take); travel {solution.travel_m / 1000:.1f} km; "
        f"{elapsed:.2f} s (build {built:.2f} s, CPU {cpu:.2f} s); peak {peak_mb:.0f} MB; {len(problem.arcs):,} pairs"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000x150,20000x400")
    parser.add_argument("--seeds", default="1,2,3", help="seeds for 5,000-case instances; larger ones use the first")
    parser.add_argument("--default-seconds", type=float, default=5.0, help="the nightly run's budget")
    parser.add_argument("--polish-seconds", type=float, default=20.0)
    parser.add_argument("--exact-seconds", type=float, default=0.0, help="also run SCIP on the whole instance")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = []
    for size in args.sizes.split(","):
        n_cases, n_workers = (int(v) for v in size.split("x"))
        for seed in seeds if n_cases <= 5000 else seeds[:1]:
            jobs.append((n_cases, n_workers, seed, "default", args.default_seconds))
            if args.polish_seconds > 0:
                jobs.append((n_cases, n_workers, seed, "polish", args.polish_seconds))
            if args.exact_seconds > 0:
                jobs.append((n_cases, n_workers, seed, "exact", args.exact_seconds))
    # A fresh process per run, so each peak memory figure is that run's alone.
    context = multiprocessing.get_context("spawn")
    for job in jobs:
        with context.Pool(1, maxtasksperchild=1) as pool:
            print(pool.apply(run, job), flush=True)


if __name__ == "__main__":
    main()
