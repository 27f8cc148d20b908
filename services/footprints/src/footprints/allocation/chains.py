"""Ejection chains: place a stranded case by moving one case off its worker, that case's new worker moving one of
its own on, and so on, until some worker on the chain has the room. A breadth-first search over workers."""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

from footprints.allocation.problem import Problem, evaluate

# Four moves reach across a skill pool and back through the workers who hold two skills; deeper chains found
# nothing more on the borough-like instances.
MAX_DEPTH = 8
# Pairs one search may look at: a search in a pool with no room anywhere would otherwise look at all of them, at
# every depth; one that succeeds looks at a few thousand.
MAX_LOOKS = 5_000
# A case the relaxation placed has room somewhere: its search may look ten times as far.
MAX_LOOKS_PLACED = 50_000
EPS = 1e-9


@dataclass
class Plan:
    """A plan being changed in place: the chosen arc per case, each worker's load and cases."""

    problem: Problem
    chosen: dict[int, int | None]
    load: dict[int, float]
    on_worker: dict[int, set[int]]

    @classmethod
    def of(cls, problem: Problem, chosen: dict[int, int | None]) -> Plan:
        load = evaluate(problem, chosen)[2]
        on_worker: dict[int, set[int]] = {j: set() for j in range(len(problem.workers))}
        for i, a in chosen.items():
            if a is not None:
                on_worker[problem.arcs[a].worker].add(i)
        return cls(problem=problem, chosen=chosen, load=load, on_worker=on_worker)

    def room(self, j: int) -> float:
        return self.problem.workers[j].capacity - self.load[j]

    def move(self, i: int, a: int | None) -> None:
        effort = self.problem.cases[i].effort
        old = self.chosen.get(i)
        if old is not None:
            j = self.problem.arcs[old].worker
            self.load[j] -= effort
            self.on_worker[j].discard(i)
        self.chosen[i] = a
        if a is not None:
            j = self.problem.arcs[a].worker
            self.load[j] += effort
            self.on_worker[j].add(i)


@dataclass
class Label:
    """How the search reached a worker: `case` moves onto it by `arc`, leaving it `deficit` points over."""

    deficit: float
    cost: float
    parent: int | None
    case: int
    arc: int


def find_chain(
    plan: Plan, i: int, *, max_depth: int = MAX_DEPTH, max_looks: int = MAX_LOOKS
) -> list[tuple[int, int | None]] | None:
    """The cheapest shortest chain of moves (case, arc) that places case `i`, last move first, or None. Failing
    that, a chain that ends by unplacing a smaller case (its arc None): fewer points are left unplaced."""
    problem = plan.problem
    effort = problem.cases[i].effort
    labels: dict[int, Label] = {}
    frontier: list[int] = []
    best: tuple[float, int | None, int, int] | None = None
    # The smallest case on the search's workers that would make room if dropped: (effort, cost, its worker, case).
    drop: tuple[int, float, int, int] | None = None
    for a in problem.arcs_of_case[i]:
        j = problem.arcs[a].worker
        deficit = effort - plan.room(j)
        cost = problem.arcs[a].cost
        if deficit <= EPS:
            if best is None or cost < best[0]:
                best = (cost, None, i, a)
        elif j not in labels or (deficit, cost) < (labels[j].deficit, labels[j].cost):
            labels[j] = Label(deficit, cost, None, i, a)
    frontier = list(labels)
    looks = 0
    for _ in range(max_depth):
        if best is not None or looks > max_looks:
            break
        reached: dict[int, Label] = {}
        for j in frontier:
            label = labels[j]
            for c in plan.on_worker[j]:
                moved = problem.cases[c].effort
                if moved < label.deficit - EPS:
                    continue
                current = plan.chosen[c]
                looks += len(problem.arcs_of_case[c])
                base = label.cost - problem.arcs[current].cost
                if moved < effort and (drop is None or (moved, base) < drop[:2]):
                    drop = (moved, base, j, c)
                for b in problem.arcs_of_case[c]:
                    k = problem.arcs[b].worker
                    if k in labels or b == current:
                        continue
                    deficit = moved - plan.room(k)
                    cost = base + problem.arcs[b].cost
                    if deficit <= EPS:
                        if best is None or cost < best[0]:
                            best = (cost, j, c, b)
                    elif k not in reached or (deficit, cost) < (reached[k].deficit, reached[k].cost):
                        reached[k] = Label(deficit, cost, j, c, b)
        labels.update(reached)
        frontier = list(reached)
        if not frontier:
            break
    chain: list[tuple[int, int | None]]
    if best is not None:
        _, parent, case, arc = best
        chain = [(case, arc)]
    elif drop is not None:
        parent, chain = drop[2], [(drop[3], None)]
    else:
        return None
    while parent is not None:
        label = labels[parent]
        chain.append((label.case, label.arc))
        parent = label.parent
    return chain


def place_by_chains(
    problem: Problem, chosen: dict[int, int | None], *, deadline: float, lp_unplaced: list[float] | None = None
) -> dict[int, int | None]:
    """Try a chain for every stranded case: first those the relaxation placed (`lp_unplaced`: effort it left
    unplaced, per case), then the rest, the largest first within each (they are the hardest to fit). A case a
    chain drops is smaller than the one it placed, so the unplaced effort falls with every chain and the loop ends."""
    plan = Plan.of(problem, dict(chosen))

    def key(i: int) -> tuple[bool, int, int]:
        effort = problem.cases[i].effort
        return (lp_unplaced is not None and lp_unplaced[i] >= effort - 1e-6, -effort, i)

    waiting = [key(i) for i, arcs in enumerate(problem.arcs_of_case) if arcs and chosen.get(i) is None]
    heapq.heapify(waiting)
    while waiting:
        unplaced_by_relaxation, _, i = heapq.heappop(waiting)
        # The cases the relaxation placed are searched even past the deadline: there are few, each search is
        # bounded, and a busy machine should not cost the plan whole cases.
        if unplaced_by_relaxation and time.perf_counter() > deadline:
            break
        chain = find_chain(plan, i, max_looks=MAX_LOOKS if unplaced_by_relaxation else MAX_LOOKS_PLACED)
        if chain is None:
            continue
        # The first move is onto a worker with room (or a drop): applied in order, no load ever exceeds capacity.
        for case, arc in chain:
            plan.move(case, arc)
        if chain[0][1] is None:
            heapq.heappush(waiting, key(chain[0][0]))
    return plan.chosen
