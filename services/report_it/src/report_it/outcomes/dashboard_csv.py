"""The dashboard's figures as CSV: time-to-fix bands, hotspots before and after, and the open ward table (withheld
values marked [c], the ONS marker, as in Volunteering's open data)."""

from __future__ import annotations

import io

from deal_shared.outcomes import FixTimeDistribution, HotspotRecurrence, OpenWardFigures
from deal_shared.spreadsheet import SafeWriter

SUPPRESSED = "[c]"


def _writer() -> tuple[io.StringIO, SafeWriter]:
    out = io.StringIO()
    return out, SafeWriter(out, lineterminator="\r\n")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def fix_times_csv(figures: FixTimeDistribution) -> str:
    out, writer = _writer()
    writer.writerow(["footprint", *[b.label for b in figures.bands], "fixed", "median_fix_hours", "p90_fix_hours"])
    for row in [*figures.rows, figures.total]:
        name = "total" if row.footprint is None else row.footprint
        writer.writerow([name, *row.reports, row.fixed, _cell(row.median_fix_hours), _cell(row.p90_fix_hours)])
    return out.getvalue()


HOTSPOT_COLUMNS = ("category", "centre_lat", "centre_long", "radius_m", "report_count", "cleared_at", "cleared_by",
                   "before", "after", "comparisons", "comparison_before", "comparison_after",
                   "difference_in_differences")  # fmt: skip


def hotspots_csv(figures: HotspotRecurrence) -> str:
    out, writer = _writer()
    writer.writerow(HOTSPOT_COLUMNS)
    for hotspot in figures.cleared:
        values = hotspot.model_dump(mode="json")
        writer.writerow([_cell(values[c]) for c in HOTSPOT_COLUMNS])
    return out.getvalue()


OPEN_COLUMNS = ("reported", "reports_per_1000", "fixed", "within_target_share", "median_fix_hours",
                "forwarded_share")  # fmt: skip


def open_wards_csv(figures: OpenWardFigures) -> str:
    out, writer = _writer()
    writer.writerow(["from_month", "to_month", "ward", "ward_name", "footprint", "residents", *OPEN_COLUMNS])
    period = [figures.from_month, figures.to_month]
    for row in figures.rows:
        values = row.model_dump()
        cells = [SUPPRESSED if c in row.withheld else _cell(values[c]) for c in OPEN_COLUMNS]
        writer.writerow([*period, row.ward, row.ward_name, row.footprint, row.residents, *cells])
    total = SUPPRESSED if figures.total_reported is None else figures.total_reported
    writer.writerow([*period, "total", "Borough", "", figures.populations.total, total, "", "", "", "", ""])
    return out.getvalue()
