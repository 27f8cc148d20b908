"""The printed summary: one row per fault (what the clients saw, how soon it recovered, the outboxes' backlog and how
soon it drained), then each invariant and whether it held."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tests.chaos.checks import Check
from tests.chaos.clients import Attempt
from tests.chaos.faults import FaultRecord


@dataclass(frozen=True)
class FaultRow:
    fault: str
    at_s: float
    client_errors: Counter
    recovery_s: float | None
    backlog_before: int
    backlog_peak: int
    drain_s: float | None


def fault_rows(
    records: list[FaultRecord], attempts: list[Attempt], samples: list[tuple[float, int]], *, began: float, ended: float
) -> list[FaultRow]:
    rows = []
    for index, record in enumerate(records):
        until = records[index + 1].started if index + 1 < len(records) else ended
        errors = Counter(
            "no answer" if a.status is None else str(a.status)
            for a in attempts
            if record.started <= a.at < until and (a.status is None or a.status >= 500)
        )
        before = [n for t, n in samples if t <= record.started]
        window = [(t, n) for t, n in samples if record.started <= t < until]
        baseline = before[-1] if before else 0
        drained = [t for t, n in window if record.recovered is not None and t >= record.recovered and n <= baseline]
        rows.append(
            FaultRow(
                fault=record.name,
                at_s=record.started - began,
                client_errors=errors,
                recovery_s=None if record.recovered is None else record.recovered - record.started,
                backlog_before=baseline,
                backlog_peak=max([baseline, *(n for _, n in window)]),
                drain_s=drained[0] - record.recovered if drained and record.recovered is not None else None,
            )
        )
    return rows


def _errors(counter: Counter) -> str:
    if not counter:
        return "0"
    return f"{sum(counter.values())} (" + ", ".join(f"{kind}: {n}" for kind, n in sorted(counter.items())) + ")"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(rows: list[FaultRow]) -> str:
    header = ("fault", "at s", "client errors", "recovery s", "backlog before/peak", "drain s")
    cells = [
        (
            row.fault,
            f"{row.at_s:.0f}",
            _errors(row.client_errors),
            _seconds(row.recovery_s),
            f"{row.backlog_before}/{row.backlog_peak}",
            _seconds(row.drain_s),
        )
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *cells]) for i in range(len(header))]
    lines = [
        " | ".join(str(value).ljust(width) for value, width in zip(line, widths, strict=True))
        for line in [header, *cells]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def verdicts(checks: list[Check]) -> str:
    return "\n".join(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}" for check in checks)
