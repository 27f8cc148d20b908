"""Outcome figures as CSV: one line per row, then the total; the dimensions grouped by come first."""

from __future__ import annotations

import io

from deal_shared.outcomes import OutcomeFigures, OutcomeRow
from deal_shared.spreadsheet import SafeWriter

_DIMENSIONS = ("month", "footprint", "ward", "category", "channel")
FIGURES = tuple(name for name in OutcomeRow.model_fields if name not in _DIMENSIONS)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def figures_csv(figures: OutcomeFigures) -> str:
    dims = [d.value for d in figures.group_by]
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow([*dims, *FIGURES])
    for row in figures.rows:
        values = row.model_dump()
        writer.writerow([_cell(values[d]) for d in dims] + [_cell(values[f]) for f in FIGURES])
    total = figures.total.model_dump()
    writer.writerow(["total", *[""] * (len(dims) - 1)] + [_cell(total[f]) for f in FIGURES] if dims else
                    [_cell(total[f]) for f in FIGURES])  # fmt: skip
    return out.getvalue()
