"""The bound of a pruned problem (each case keeps only its nearest pairs) against the whole problem's optimum."""

from __future__ import annotations

import pytest

from footprints.allocation.bound import full_bound, worker_prices
from footprints.allocation.exact import solve_mip
from footprints.allocation.flow import solve_unit
from footprints.allocation.problem import CostModel, Problem, evaluate
from footprints.allocation.synthetic import generate, generate_borough
from footprints.allocation.weighted import NEAREST, solve_weighted, transport_relaxation


def build(instance, nearest: int | None) -> Problem:
    return Problem.build(instance.cases, instance.workers, costs=CostModel(), today=instance.today, nearest=nearest)


def test_prices_of_the_whole_relaxation_give_back_its_optimum() -> None:
    problem = build(generate_borough(n_cases=1500, n_workers=50, seed=2), None)
    relaxed, shares = transport_relaxation(problem)
    assert full_bound(problem, worker_prices(problem, shares)) == pytest.approx(relaxed, rel=1e-9, abs=5.0)


@pytest.mark.parametrize("nearest", [1, 2, 4])
@pytest.mark.parametrize("seed", [1, 4])
def test_a_pruned_problem_s_bound_is_below_the_whole_problem_s_optimum(seed: int, nearest: int) -> None:
    instance = generate_borough(n_cases=900, n_workers=36, seed=seed)
    whole = build(instance, None)
    plan, mip_bound = solve_mip(whole, time_limit_s=30)
    optimum = evaluate(whole, plan)[0]
    assert optimum - mip_bound <= 1e-6 * optimum
    pruned = build(instance, nearest)
    assert pruned.pruned and len(pruned.arcs) < len(whole.arcs)
    solution = solve_weighted(pruned, time_budget_s=5)
    assert solution.lower_bound <= optimum
    assert solution.objective >= optimum - 1e-6


def test_the_weighted_path_s_pruning_costs_the_bound_next_to_nothing() -> None:
    instance = generate_borough(n_cases=5000, n_workers=150, seed=1)
    whole, _ = transport_relaxation(build(instance, None))
    pruned = build(instance, NEAREST)
    assert pruned.pruned
    _, shares = transport_relaxation(pruned)
    bound = full_bound(pruned, worker_prices(pruned, shares))
    assert bound <= whole + 1.0
    assert whole - bound <= 1e-6 * whole


def test_a_pruned_unit_flow_claims_optimality_only_when_its_bound_shows_it() -> None:
    instance = generate(n_cases=400, n_workers=14, seed=3)
    exact = solve_unit(build(instance, None))
    for nearest in (1, 3):
        solution = solve_unit(build(instance, nearest))
        assert solution.lower_bound <= exact.objective + 1e-6
        assert solution.objective >= exact.objective - 1e-6
        assert (solution.status == "optimal") == (solution.lower_bound >= solution.objective - 1e-6)
