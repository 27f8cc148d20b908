"""The solvers against brute force on small instances, the bound against an independent LP, and the repair."""

from __future__ import annotations

import dataclasses
import itertools
import random
import time
from datetime import date, timedelta

import pytest

from footprints.allocation.exact import solve_mip
from footprints.allocation.flow import solve_unit
from footprints.allocation.online import choose
from footprints.allocation.problem import Arc, CaseItem, CostModel, Problem, WorkerState, evaluate
from footprints.allocation.repair import repair
from footprints.allocation.synthetic import generate, generate_borough
from footprints.allocation.weighted import (
    UNIT_SCALE,
    improve,
    lp_relaxation_glop,
    solve_weighted,
    transport_relaxation,
)

TODAY = date(2026, 11, 23)


def small_instance(seed: int, *, n_cases: int, n_workers: int, weighted: bool) -> tuple[list, list]:
    rng = random.Random(seed)
    footprints = ["a", "b"]
    workers = [
        WorkerState(
            id=f"w{j}",
            footprint=footprints[j % 2],
            skills=frozenset(rng.sample(["x", "y"], rng.choice((1, 2)))),
            lat=53.50 + rng.random() * 0.05,
            long=-2.60 + rng.random() * 0.05,
            capacity=float(rng.randint(1, 4)),
        )
        for j in range(n_workers)
    ]
    cases = [
        CaseItem(
            id=f"c{i}",
            skill=rng.choice(["x", "y"]),
            effort=rng.randint(1, 3) if weighted else 1,
            lat=53.50 + rng.random() * 0.05,
            long=-2.60 + rng.random() * 0.05,
            footprint=rng.choice(footprints),
            due=TODAY + timedelta(days=3),
            current=f"w{rng.randrange(n_workers)}" if rng.random() < 0.5 else None,
        )
        for i in range(n_cases)
    ]
    return cases, workers


def brute_force(problem: Problem) -> float:
    """Every choice of arc (or none) per case, capacity respected: the true optimum."""
    best = float("inf")
    options = [[*arcs, None] for arcs in problem.arcs_of_case]
    for choice in itertools.product(*options):
        load: dict[int, float] = {}
        feasible = True
        for i, a in enumerate(choice):
            if a is not None:
                j = problem.arcs[a].worker
                load[j] = load.get(j, 0.0) + problem.cases[i].effort
                if load[j] > problem.free_capacity(j) + 1e-9:
                    feasible = False
                    break
        if feasible:
            best = min(best, evaluate(problem, dict(enumerate(choice)))[0])
    return best


@pytest.mark.parametrize("fair", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_min_cost_flow_is_optimal_for_unit_effort(seed: int, fair: bool) -> None:
    cases, workers = small_instance(seed, n_cases=6, n_workers=3, weighted=False)
    costs = CostModel(fair=fair, lending_radius_m=3000)
    problem = Problem.build(cases, workers, costs=costs, today=TODAY)
    solution = solve_unit(problem)
    optimum = brute_force(problem)
    assert solution.objective == pytest.approx(optimum, abs=1.0)
    assert solution.gap == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_weighted_plan_is_within_its_bound_and_the_bound_is_valid(seed: int) -> None:
    cases, workers = small_instance(100 + seed, n_cases=6, n_workers=3, weighted=True)
    problem = Problem.build(cases, workers, costs=CostModel(lending_radius_m=3000), today=TODAY)
    optimum = brute_force(problem)
    solution = solve_weighted(problem, time_budget_s=5, polish=True, gap_limit=0.0)
    assert solution.lower_bound <= optimum + 1e-3
    # CP-SAT proves optimality on an instance this small.
    assert solution.objective == pytest.approx(optimum, rel=1e-4)


@pytest.mark.parametrize("seed", range(6))
def test_fair_weighted_polish_reaches_the_fair_optimum(seed: int) -> None:
    # The fairness term must weigh in CP-SAT's objective exactly as in the plan's own cost.
    cases, workers = small_instance(200 + seed, n_cases=6, n_workers=3, weighted=True)
    costs = CostModel(fair=True, lending_radius_m=3000)
    problem = Problem.build(cases, workers, costs=costs, today=TODAY)
    optimum = brute_force(problem)
    solution = solve_weighted(problem, time_budget_s=5, polish=True, gap_limit=0.0)
    assert solution.objective == pytest.approx(optimum, rel=1e-3, abs=1.0)


@pytest.mark.parametrize("seed", range(8))
def test_fair_improve_leaves_no_single_move_that_lowers_the_objective(seed: int) -> None:
    # improve must price the current placement with the load it adds, as evaluate does.
    cases, workers = small_instance(300 + seed, n_cases=10, n_workers=4, weighted=True)
    problem = Problem.build(cases, workers, costs=CostModel(fair=True, lending_radius_m=3000), today=TODAY)
    chosen = improve(problem, dict.fromkeys(range(len(problem.cases))), deadline=time.perf_counter() + 2)
    objective = evaluate(problem, chosen)[0]
    for i, arcs in enumerate(problem.arcs_of_case):
        for a in arcs:
            moved = {**chosen, i: a}
            load = evaluate(problem, moved)[2]
            j = problem.arcs[a].worker
            if a != chosen[i] and load[j] <= problem.workers[j].capacity + 1e-9:
                assert evaluate(problem, moved)[0] >= objective - 1e-3


def test_transportation_bound_equals_the_lp_relaxation() -> None:
    instance = generate(n_cases=300, n_workers=20, weighted=True, seed=3)
    problem = Problem.build(instance.cases, instance.workers, costs=CostModel(), today=instance.today)
    fast, _ = transport_relaxation(problem)
    glop, _ = lp_relaxation_glop(problem)
    assert fast == pytest.approx(glop, rel=1e-6)


def test_fair_mode_evens_out_utilisation() -> None:
    instance = generate(n_cases=700, n_workers=21, seed=5, utilisation=0.7)
    spread = {}
    for fair in (False, True):
        problem = Problem.build(instance.cases, instance.workers, costs=CostModel(fair=fair), today=instance.today)
        solution = solve_unit(problem)
        util = []
        for worker in instance.workers:
            load = sum(1 for worker_id in solution.assignment.values() if worker_id == worker.id)
            util.append(load / worker.capacity)
        mean = sum(util) / len(util)
        spread[fair] = (sum((u - mean) ** 2 for u in util) / len(util)) ** 0.5
    assert spread[True] < spread[False] / 2


def test_pinned_case_stays_with_its_worker() -> None:
    cases, workers = small_instance(7, n_cases=5, n_workers=3, weighted=False)
    far = dataclasses.replace(workers[0], lat=53.6, long=-2.7, skills=frozenset({"x", "y"}), capacity=5)
    workers = [far, *workers[1:]]
    cases[0].current, cases[0].pinned = far.id, True
    problem = Problem.build(cases, workers, costs=CostModel(lending_radius_m=50_000), today=TODAY)
    assert solve_unit(problem).assignment[cases[0].id] == far.id


def test_online_choice_prefers_the_near_worker_and_records_candidates() -> None:
    near = WorkerState(id="near", footprint="a", skills=frozenset({"x"}), lat=53.50, long=-2.60, capacity=5)
    far = WorkerState(id="far", footprint="a", skills=frozenset({"x"}), lat=53.55, long=-2.60, capacity=5)
    away = dataclasses.replace(near, id="away", absences=((TODAY, TODAY + timedelta(days=9)),))
    case = CaseItem(id="c", skill="x", effort=1, lat=53.501, long=-2.60, footprint="a", due=TODAY + timedelta(days=2))
    decision = choose(case, [far, near, away], load={}, today=TODAY, costs=CostModel())
    assert decision.worker_id == "near"
    assert [c.worker_id for c in decision.candidates] == ["near", "far"]
    full = choose(case, [near], load={"near": 5}, today=TODAY, costs=CostModel())
    assert full.worker_id is None and "capacity" in full.reason


def test_absence_repair_moves_forced_cases_and_lists_what_cannot_move() -> None:
    a = WorkerState(id="a", footprint="f", skills=frozenset({"x", "asbestos"}), lat=53.5, long=-2.6, capacity=3)
    b = WorkerState(id="b", footprint="f", skills=frozenset({"x"}), lat=53.5, long=-2.61, capacity=2)
    c = WorkerState(id="c", footprint="f", skills=frozenset({"x"}), lat=53.5, long=-2.62, capacity=2)
    due = TODAY + timedelta(days=2)
    cases = [
        CaseItem(id="k1", skill="x", effort=1, lat=53.5, long=-2.6, footprint="f", due=due, current="a"),
        CaseItem(id="k2", skill="asbestos", effort=1, lat=53.5, long=-2.6, footprint="f", due=due, current="a"),
        CaseItem(id="k3", skill="x", effort=1, lat=53.5, long=-2.61, footprint="f", due=due, current="b"),
        CaseItem(id="k4", skill="x", effort=1, lat=53.5, long=-2.61, footprint="f", due=due, current="b"),
        CaseItem(
            id="late",
            skill="x",
            effort=1,
            lat=53.5,
            long=-2.6,
            footprint="f",
            due=due + timedelta(days=30),
            current="a",
        ),
    ]
    away = dataclasses.replace(a, absences=((TODAY, TODAY + timedelta(days=7)),))
    report = repair(cases, [away, b, c], absent=frozenset({"a"}), today=TODAY, costs=CostModel())
    assert [(case.id, to) for case, to in report.forced] == [("k1", "c")]
    assert report.voluntary == []
    assert [(case.id, "asbestos" in why) for case, why in report.unplaced] == [("k2", True)]


def test_fair_bound_allows_for_the_rounding_of_both_arcs_a_unit_crosses() -> None:
    # Ten cases, each with one worker of capacity 1. Travel and the fairness step are chosen so that both round up
    # by 0.49 of the flow's cost unit: a bound that allows for one rounding per unit would sit above the optimum.
    scale = UNIT_SCALE
    travel = 1000 + 0.51 / scale
    costs = CostModel(fair=True, fairness_m=10_000 + 0.51 / scale)
    workers = [
        WorkerState(id=f"w{j}", footprint="f", skills=frozenset({"x"}), lat=53.5, long=-2.6, capacity=1.0)
        for j in range(10)
    ]
    cases = [
        CaseItem(id=f"c{i}", skill="x", effort=1, lat=53.5, long=-2.6, footprint="f", due=TODAY) for i in range(10)
    ]
    problem = Problem(cases=cases, workers=workers, costs=costs, today=TODAY)
    for i in range(10):
        problem.arcs.append(Arc(case=i, worker=i, cost=travel, travel=travel, lent=False))
        problem.arcs_of_case.append([i])
    optimum = evaluate(problem, {i: i for i in range(10)})[0]
    assert optimum == pytest.approx(10 * (travel + costs.fairness_m))
    bound, _ = transport_relaxation(problem)
    assert bound <= optimum
    assert bound >= optimum - 10 * 2 * 0.5 / scale


@pytest.mark.parametrize("seed", range(4))
def test_fair_bound_is_below_the_proven_fair_optimum(seed: int) -> None:
    instance = generate_borough(n_cases=300, n_workers=14, seed=seed)
    costs = CostModel(fair=True)
    problem = Problem.build(instance.cases, instance.workers, costs=costs, today=instance.today)
    plan, mip_bound = solve_mip(problem, time_limit_s=20)
    optimum = evaluate(problem, plan)[0]
    assert optimum - mip_bound <= 1e-6 * optimum
    solution = solve_weighted(problem, time_budget_s=2)
    assert solution.lower_bound <= optimum + 1e-6
    assert solution.objective >= optimum - 1e-6
