"""Generated instances shaped like the borough (footprints, skills, part-time staff) for demos and benchmarks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from footprints.allocation.problem import CaseItem, WorkerState

# Approximate centres of the seven footprints (illustrative), and a metre in degrees at Wigan's latitude.
FOOTPRINT_CENTRES = {
    "wigan_north": (53.580, -2.655),
    "tyldesley_and_atherton": (53.512, -2.462),
    "ince_hindley_abram_platt_bridge": (53.530, -2.580),
    "leigh": (53.495, -2.518),
    "lowton_and_golborne": (53.470, -2.570),
    "wigan_central": (53.548, -2.655),
    "south_wigan_and_ashton_north": (53.510, -2.670),
}
SKILLS = (
    "street_cleansing",
    "highways",
    "environmental_enforcement",
    "street_lighting",
    "drainage",
    "community_safety",
)
_LAT_M = 1 / 111_195
_LONG_M = 1 / 66_150


@dataclass
class Instance:
    cases: list[CaseItem]
    workers: list[WorkerState]
    today: date


def _near(rng: random.Random, centre: tuple[float, float], spread_m: float) -> tuple[float, float]:
    return centre[0] + rng.gauss(0, spread_m) * _LAT_M, centre[1] + rng.gauss(0, spread_m) * _LONG_M


def generate(
    *,
    n_cases: int = 5000,
    n_workers: int = 150,
    n_skills: int = 6,
    weighted: bool = False,
    utilisation: float = 0.9,
    seed: int = 7,
) -> Instance:
    rng = random.Random(seed)
    today = date(2026, 11, 23)
    footprints = list(FOOTPRINT_CENTRES)
    skills = SKILLS[:n_skills]
    efforts = [rng.choice((1, 1, 2, 2, 3, 5, 8)) if weighted else 1 for _ in range(n_cases)]
    cases = []
    for i in range(n_cases):
        footprint = footprints[i % len(footprints)]
        lat, long = _near(rng, FOOTPRINT_CENTRES[footprint], 1500)
        cases.append(
            CaseItem(
                id=f"case-{i}",
                skill=skills[rng.randrange(len(skills))],
                effort=efforts[i],
                lat=lat,
                long=long,
                footprint=footprint,
                due=today + timedelta(days=rng.randrange(1, 15)),
                priority_rank=rng.choice((0, 1, 1, 1, 2, 3)),
            )
        )
    ftes = [1.0 if rng.random() < 0.8 else 0.6 for _ in range(n_workers)]
    # Capacity pro rata by FTE, sized so the whole borough runs at `utilisation`.
    full_time = sum(efforts) / (utilisation * sum(ftes))
    workers = []
    for j in range(n_workers):
        footprint = footprints[j % len(footprints)]
        lat, long = _near(rng, FOOTPRINT_CENTRES[footprint], 1200)
        # Every footprint has every skill: the primary skill goes round-robin, the second at random.
        primary = skills[(j // len(footprints)) % len(skills)]
        second = skills[rng.randrange(len(skills))]
        workers.append(
            WorkerState(
                id=f"worker-{j}",
                footprint=footprint,
                skills=frozenset({primary, second}),
                lat=lat,
                long=long,
                capacity=float(round(full_time * ftes[j])),
                name=f"Worker {j}",
            )
        )
    return Instance(cases=cases, workers=workers, today=today)


# Weighted effort as the borough scores it: mostly small jobs, a long tail of big ones.
BOROUGH_EFFORTS = (1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8)
# A skill no worker holds (a specialist contractor's job): these cases can never be placed.
NOBODY_SKILL = "asbestos_survey"


def generate_borough(*, n_cases: int = 5000, n_workers: int = 150, utilisation: float = 0.9, seed: int = 7) -> Instance:
    """Harder than `generate`, as the borough is: each footprint lacks some skills and is short of others, part-time
    staff have fractional capacities, some workers are away today or later in the fortnight, some cases no one can
    take, and effort runs from 1 to 8 points."""
    rng = random.Random(seed)
    today = date(2026, 11, 23)
    footprints = list(FOOTPRINT_CENTRES)
    # Supply and demand of each skill differ by footprint, and one or two skills are missing from each footprint.
    supply = {}
    demand = {}
    for footprint in footprints:
        weights = [rng.uniform(0.2, 1.8) for _ in SKILLS]
        for k in rng.sample(range(len(SKILLS)), rng.choice((1, 2))):
            weights[k] = 0.0
        supply[footprint] = weights
        demand[footprint] = [w * rng.uniform(0.6, 1.4) + 0.15 for w in weights]
    size = {footprint: rng.uniform(0.6, 1.4) for footprint in footprints}
    cases = []
    for i in range(n_cases):
        footprint = rng.choices(footprints, weights=[size[f] for f in footprints])[0]
        lat, long = _near(rng, FOOTPRINT_CENTRES[footprint], 1500)
        skill = rng.choices(SKILLS, weights=demand[footprint])[0] if rng.random() > 0.004 else NOBODY_SKILL
        cases.append(
            CaseItem(
                id=f"case-{i}",
                skill=skill,
                effort=rng.choice(BOROUGH_EFFORTS),
                lat=lat,
                long=long,
                footprint=footprint,
                due=today + timedelta(days=rng.randrange(1, 15)),
                priority_rank=rng.choice((0, 1, 1, 1, 2, 3)),
            )
        )
    ftes = [rng.choice((1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.5)) for _ in range(n_workers)]
    full_time = sum(c.effort for c in cases) / (utilisation * sum(ftes))
    workers = []
    for j in range(n_workers):
        footprint = rng.choices(footprints, weights=[size[f] for f in footprints])[0]
        lat, long = _near(rng, FOOTPRINT_CENTRES[footprint], 1200)
        skills = {rng.choices(SKILLS, weights=supply[footprint])[0]}
        if rng.random() < 0.5:
            skills.add(rng.choices(SKILLS, weights=supply[footprint])[0])
        absences: tuple[tuple[date, date], ...] = ()
        chance = rng.random()
        if chance < 0.04:
            absences = ((today - timedelta(days=2), today + timedelta(days=rng.randrange(1, 10))),)
        elif chance < 0.12:
            start = today + timedelta(days=rng.randrange(2, 12))
            absences = ((start, start + timedelta(days=rng.randrange(1, 6))),)
        workers.append(
            WorkerState(
                id=f"worker-{j}",
                footprint=footprint,
                skills=frozenset(skills),
                lat=lat,
                long=long,
                # Contracted hours turn into fractional points: 0.6 FTE of 31 points is 18.6.
                capacity=round(full_time * ftes[j] * rng.uniform(0.9, 1.1), 1),
                absences=absences,
                name=f"Worker {j}",
            )
        )
    # Half the cases are already with someone in their footprint who holds the skill (a rebalance may move them).
    holders: dict[tuple[str, str], list[str]] = {}
    for worker in workers:
        for skill in worker.skills:
            holders.setdefault((worker.footprint, skill), []).append(str(worker.id))
    for case in cases:
        who = holders.get((case.footprint, case.skill))
        if who and rng.random() < 0.5:
            case.current = rng.choice(who)
    return Instance(cases=cases, workers=workers, today=today)
