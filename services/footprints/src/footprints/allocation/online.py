"""Online allocation: as a case arrives, score the eligible workers and pick the best, keeping the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from footprints.allocation.problem import CaseItem, CostModel, WorkerId, WorkerState, eligible

TOP_CANDIDATES = 3


@dataclass
class Candidate:
    worker_id: WorkerId
    name: str
    score: float
    distance_m: float
    utilisation_after: float
    lent: bool

    def as_reason(self) -> dict:
        return {
            "worker_id": str(self.worker_id),
            "name": self.name,
            "score": round(self.score, 1),
            "distance_m": round(self.distance_m),
            "utilisation_after": round(self.utilisation_after, 3),
            "lent": self.lent,
        }


@dataclass
class Decision:
    worker_id: WorkerId | None
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""

    def as_reason(self) -> dict:
        return {"method": "online", "reason": self.reason, "candidates": [c.as_reason() for c in self.candidates]}


def choose(
    case: CaseItem,
    workers: list[WorkerState],
    *,
    load: dict[WorkerId, float],
    today: date,
    costs: CostModel,
) -> Decision:
    """Lowest score wins: distance (weighted up for urgent work) plus lending and the load the worker would carry."""
    ranked: list[Candidate] = []
    skilled = 0
    for worker in workers:
        if case.skill not in worker.skills:
            continue
        skilled += 1
        ok, distance = eligible(case, worker, today=today, costs=costs)
        after = load.get(worker.id, 0.0) + case.effort
        if not ok or worker.capacity <= 0 or after > worker.capacity + 1e-9:
            continue
        lent = worker.footprint != case.footprint
        utilisation = after / worker.capacity
        # Urgent work goes to whoever is nearest; routine work leans towards whoever has room.
        score = distance * (1 + 0.25 * case.priority_rank) + costs.online_load_m * utilisation
        score += costs.lending_penalty_m if lent else 0.0
        ranked.append(Candidate(worker.id, worker.name, score, distance, utilisation, lent))
    ranked.sort(key=lambda c: (c.score, str(c.worker_id)))
    if not ranked:
        why = (
            f"no worker with skill {case.skill} in or near footprint {case.footprint}"
            if skilled == 0
            else f"no available worker with skill {case.skill} and capacity left in or near footprint {case.footprint}"
        )
        return Decision(worker_id=None, reason=why)
    best = ranked[0]
    why = (
        f"lowest score of {len(ranked)} eligible: {best.distance_m / 1000:.1f} km away, "
        f"load after {best.utilisation_after:.0%}"
    )
    return Decision(worker_id=best.worker_id, candidates=ranked[:TOP_CANDIDATES], reason=why)


class SkillIndex:
    """Workers by skill, so an arriving case only looks at the few who could take it."""

    def __init__(self, workers: list[WorkerState]) -> None:
        self.by_skill: dict[str, list[WorkerState]] = {}
        for worker in workers:
            for skill in worker.skills:
                self.by_skill.setdefault(skill, []).append(worker)

    def candidates(self, skill: str) -> list[WorkerState]:
        return self.by_skill.get(skill, [])
