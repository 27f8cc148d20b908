"""A quarter's Defra return: every fly-tipping incident with its fields (those missing one first), the aggregate
table over the complete ones, and both as CSV in WasteDataFlow's layout (one row per incident; the counts)."""

from __future__ import annotations

import io

from sqlmodel import Session, col, select

from deal_shared.flytipping import FIELDS, FlyTippingAggregate, FlyTippingReturn, FlyTippingReturnIncident
from deal_shared.spreadsheet import SafeWriter
from report_it.flytipping.codes import CATEGORY, CodeLists
from report_it.flytipping.models import FlyTippingIncident
from report_it.flytipping.quarters import LONDON, Quarter
from report_it.models import Report

# Reports that were no incident for the council: another's to deal with, the same fly-tip again, nothing found.
NOT_INCIDENTS = frozenset({"duplicate", "cancelled", "not_council_responsibility", "unable_to_locate"})

INCIDENT_COLUMNS = (
    "Incident reference",
    "Date of incident",
    "Land type",
    "Waste type",
    "Size",
    "Clearance cost band",
    "Enforcement action",
    "Ward",
)


def quarter_return(session: Session, *, quarter: Quarter, codes: CodeLists) -> FlyTippingReturn:
    starts, next_starts = quarter.utc_bounds()
    query = (
        select(Report, FlyTippingIncident)
        .join(FlyTippingIncident, col(FlyTippingIncident.report_id) == col(Report.id), isouter=True)
        .where(
            Report.category_code == CATEGORY,
            col(Report.created_at) >= starts,
            col(Report.created_at) < next_starts,
            col(Report.status).not_in(NOT_INCIDENTS),
        )
        .order_by(col(Report.created_at), col(Report.reference))
    )
    incidents = []
    for report, incident in session.exec(query).all():
        values = {f: getattr(incident, f) if incident else None for f in FIELDS}
        incidents.append(
            FlyTippingReturnIncident(
                report_id=report.id,
                reference=report.reference,
                incident_date=report.created_at.astimezone(LONDON).date(),
                status=report.status,
                ward=report.ward_code,
                **values,
                missing=codes.missing(values),
            )
        )
    incidents.sort(key=lambda i: not i.missing)  # stable: by date within each part
    complete = [i for i in incidents if not i.missing]
    return FlyTippingReturn(
        quarter=quarter.name,
        starts=quarter.starts,
        ends=quarter.ends,
        incidents=incidents,
        incomplete=len(incidents) - len(complete),
        aggregate=aggregate(complete, codes),
    )


def aggregate(complete: list[FlyTippingReturnIncident], codes: CodeLists) -> FlyTippingAggregate:
    grid = {land: dict.fromkeys(codes.allowed("waste_type"), 0) for land in codes.allowed("land_type")}
    sizes = dict.fromkeys(codes.allowed("size"), 0)
    actions = dict.fromkeys(codes.allowed("enforcement_action"), 0)
    for i in complete:
        grid[i.land_type][i.waste_type] += 1  # type: ignore[index]
        sizes[i.size] += 1  # type: ignore[index]
        actions[i.enforcement_action] += 1  # type: ignore[index]
    return FlyTippingAggregate(land_by_waste=grid, by_size=sizes, actions=actions, total=len(complete))


def _writer() -> tuple[io.StringIO, SafeWriter]:
    out = io.StringIO()
    return out, SafeWriter(out, lineterminator="\r\n")


def incidents_csv(result: FlyTippingReturn, codes: CodeLists) -> str:
    """One row per complete incident, with Defra's category names; incidents missing a field are left out."""
    names = {f: codes.names(f) for f in FIELDS}
    out, writer = _writer()
    writer.writerow(INCIDENT_COLUMNS)
    for i in result.incidents:
        if i.missing:
            continue
        writer.writerow(
            [
                i.reference,
                i.incident_date.strftime("%d/%m/%Y"),
                *[names[f][getattr(i, f)] for f in FIELDS],
                i.ward or "",
            ]
        )
    return out.getvalue()


def aggregate_csv(result: FlyTippingReturn, codes: CodeLists) -> str:
    """The aggregate table: land type by waste type, then sizes, then actions, each with its total."""
    land, waste = codes.names("land_type"), codes.names("waste_type")
    table = result.aggregate
    out, writer = _writer()
    writer.writerow([f"Fly-tipping incidents {result.quarter}: land type by waste type"])
    writer.writerow(["Land type", *waste.values(), "Total"])
    for code, row in table.land_by_waste.items():
        writer.writerow([land[code], *row.values(), sum(row.values())])
    column_totals = [sum(row[w] for row in table.land_by_waste.values()) for w in waste]
    writer.writerow(["Total", *column_totals, table.total])
    writer.writerow([])
    writer.writerow(["Size", "Incidents"])
    sizes = codes.names("size")
    writer.writerows([sizes[code], n] for code, n in table.by_size.items())
    writer.writerow(["Total", table.total])
    writer.writerow([])
    writer.writerow(["Enforcement action", "Incidents"])
    actions = codes.names("enforcement_action")
    writer.writerows([actions[code], n] for code, n in table.actions.items())
    writer.writerow(["Total", sum(table.actions.values())])
    return out.getvalue()
