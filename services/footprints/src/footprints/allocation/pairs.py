"""Eligibility and cost of every (case, worker) pair of one skill as arrays: the area rule, availability, lending
and move penalties computed at once, for building the arcs and for checking a pruned problem's bound."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from deal_shared.geo import METRES_PER_DEGREE

if TYPE_CHECKING:
    from footprints.allocation.problem import CaseItem, CostModel, WorkerId, WorkerState

# Rows per block: a block of 2,048 cases by a few hundred workers keeps the arrays to tens of megabytes.
BLOCK = 2048


@dataclass
class Pairs:
    rows: list[int]
    columns: np.ndarray
    ok: np.ndarray
    cost: np.ndarray
    travel: np.ndarray
    lent: np.ndarray
    current: np.ndarray  # each row's current worker as an index into all workers, -1 if none


def skill_blocks(cases: list[CaseItem], workers: list[WorkerState]) -> Iterator[tuple[list[int], list[int]]]:
    """(case rows, worker columns) of each skill, the rows in blocks."""
    by_skill: dict[str, list[int]] = {}
    for j, worker in enumerate(workers):
        for skill in worker.skills:
            by_skill.setdefault(skill, []).append(j)
    cases_by_skill: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        cases_by_skill.setdefault(case.skill, []).append(i)
    for skill, rows in cases_by_skill.items():
        columns = by_skill.get(skill, [])
        if columns:
            for start in range(0, len(rows), BLOCK):
                yield rows[start : start + BLOCK], columns


def pairs(
    cases: list[CaseItem],
    workers: list[WorkerState],
    rows: list[int],
    columns: list[int],
    *,
    costs: CostModel,
    today_ordinal: int,
    worker_index: dict[WorkerId, int],
    forced_from: frozenset[WorkerId],
) -> Pairs:
    block = [cases[i] for i in rows]
    team = [workers[j] for j in columns]
    case_lat = np.array([c.lat for c in block])[:, None]
    case_long = np.array([c.long for c in block])[:, None]
    worker_lat = np.array([w.lat for w in team])[None, :]
    worker_long = np.array([w.long for w in team])[None, :]
    cos = np.cos(np.radians((case_lat + worker_lat) / 2))
    travel = np.hypot((case_long - worker_long) * cos, case_lat - worker_lat) * METRES_PER_DEGREE
    codes: dict[str, int] = {}
    case_fp = np.array([codes.setdefault(c.footprint, len(codes)) for c in block])[:, None]
    worker_fp = np.array([codes.setdefault(w.footprint, len(codes)) for w in team])[None, :]
    lent = case_fp != worker_fp
    ok = ~lent | (travel <= costs.lending_radius_m)
    due = np.array([c.due.toordinal() for c in block])
    for col, worker in enumerate(team):
        for start, end in worker.absences:
            start_o, end_o = start.toordinal(), end.toordinal()
            if start_o <= today_ordinal <= end_o:
                ok[:, col] = False
            else:
                ok[:, col] &= (due < start_o) | (due > end_o)
    cost = travel + np.where(lent, costs.lending_penalty_m, 0.0)
    column_ids = np.array(columns)[None, :]
    current = np.array([worker_index.get(c.current, -1) if c.current is not None else -1 for c in block])
    # Moving a case off a worker who can still do it costs; moving it off an absent one does not.
    penalised = np.array(
        [c.current is not None and c.current in worker_index and c.current not in forced_from for c in block]
    )
    moving = penalised[:, None] & (column_ids != current[:, None])
    cost = cost + np.where(moving, costs.move_penalty_m, 0.0)
    pinned = np.array([c.pinned for c in block])
    ok &= ~pinned[:, None] | (column_ids == current[:, None])
    return Pairs(rows=rows, columns=np.array(columns), ok=ok, cost=cost, travel=travel, lent=lent, current=current)
