"""Reports from the ledger: time given by year and grouping, uptake, entitlement left, and the open-data table."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from deal_shared.spreadsheet import SafeWriter
from deal_shared.volunteering import CleanUpHeld, CleanUps, Entitlement, GroupBy, Summary, SummaryRow, Uptake
from volunteering.config import Settings
from volunteering.leave import employed_days, leave_year
from volunteering.ledger import consumed_minutes, is_taken
from volunteering.models import Booking, Opportunity, Organisation, StaffProfile

SUPPRESSED = "[c]"  # the ONS marker for a value withheld to protect confidentiality


@dataclass
class _Cell:
    label: str
    staff: set[str] = field(default_factory=set)
    bookings: int = 0
    minutes: int = 0


def _given(session: Session, start_year: int):
    """Bookings confirmed as given in the year, with who gave them and where."""
    query = (
        select(Booking, StaffProfile, Organisation, Opportunity)
        .join(StaffProfile, StaffProfile.subject == Booking.staff_subject)
        .join(Organisation, Organisation.id == Booking.organisation_id)
        .outerjoin(Opportunity, Opportunity.id == Booking.opportunity_id)
        .where(Booking.leave_year == start_year, Booking.status == "approved", Booking.attendance == "attended")
    )
    for booking, profile, organisation, opportunity in session.exec(query):
        if is_taken(booking) and consumed_minutes(booking) > 0:
            yield booking, profile, organisation, opportunity


def _key(group_by: GroupBy, profile, organisation, opportunity) -> tuple[str | None, str]:
    place = opportunity or organisation
    if group_by is GroupBy.directorate:
        return profile.directorate, profile.directorate
    if group_by is GroupBy.team:
        return f"{profile.directorate}/{profile.team}", f"{profile.team} ({profile.directorate})"
    if group_by is GroupBy.organisation:
        return str(organisation.id), organisation.name
    if group_by is GroupBy.footprint:
        return place.footprint_code, place.footprint_name or "Not yet located"
    return place.ward_code, place.ward_name or "Not yet located"


def summary(session: Session, settings: Settings, *, start_year: int, group_by: GroupBy) -> Summary:
    cells: dict[str | None, _Cell] = {}
    for booking, profile, organisation, opportunity in _given(session, start_year):
        key, label = _key(group_by, profile, organisation, opportunity)
        cell = cells.setdefault(key, _Cell(label=label))
        cell.staff.add(profile.subject)
        cell.bookings += 1
        cell.minutes += consumed_minutes(booking)
    day = settings.standard_day_minutes
    rows = [
        SummaryRow(
            key=key,
            label=cell.label,
            staff=len(cell.staff),
            bookings=cell.bookings,
            hours=round(cell.minutes / 60, 2),
            days=round(cell.minutes / day, 2),
        )
        for key, cell in sorted(cells.items(), key=lambda item: item[1].label)
    ]
    total = sum(cell.minutes for cell in cells.values())
    return Summary(
        leave_year=start_year,
        group_by=group_by,
        rows=rows,
        total_staff=len(set().union(*(cell.staff for cell in cells.values()))),
        total_hours=round(total / 60, 2),
        total_days=round(total / day, 2),
    )


def cleanups(session: Session, *, start_year: int) -> CleanUps:
    """Clean-ups proposed at Report IT's hotspots (opportunities carrying `suggested_from`) where staff time was
    given in the year, oldest first."""
    attended: dict[Any, set[str]] = defaultdict(set)
    minutes: dict[Any, int] = defaultdict(int)
    places: dict[Any, Opportunity] = {}
    for booking, profile, _organisation, opportunity in _given(session, start_year):
        if opportunity is None or not opportunity.suggested_from:
            continue
        places[opportunity.id] = opportunity
        attended[opportunity.id].add(profile.subject)
        minutes[opportunity.id] += consumed_minutes(booking)
    held = [
        CleanUpHeld(
            opportunity_id=o.id,
            title=o.title,
            held_at=o.starts_at,
            lat=o.lat,
            long=o.lon,
            footprint_code=o.footprint_code,
            ward_code=o.ward_code,
            category=str(o.suggested_from.get("category", "")),
            hotspot_reports=int(o.suggested_from.get("report_count", 0)),
            staff=len(attended[o.id]),
            hours=round(minutes[o.id] / 60, 2),
        )
        for o in sorted(places.values(), key=lambda o: (o.starts_at is None, o.starts_at, o.title))
    ]
    return CleanUps(
        leave_year=start_year,
        held=held,
        total_held=len(held),
        total_staff=len(set().union(*attended.values())),
        total_hours=round(sum(minutes.values()) / 60, 2),
    )


def uptake(session: Session, settings: Settings, *, start_year: int) -> Uptake:
    year = leave_year(start_year, settings.leave_year)
    employed = {
        p.subject
        for p in session.exec(select(StaffProfile))
        if employed_days(year, start_date=p.start_date, leave_date=p.leave_date) > 0
    }
    given: dict[str, int] = defaultdict(int)
    for booking, profile, _organisation, _opportunity in _given(session, start_year):
        given[profile.subject] += consumed_minutes(booking)
    volunteered = {subject for subject in given if subject in employed}
    total = sum(given.values())
    return Uptake(
        leave_year=start_year,
        staff=len(employed),
        staff_who_volunteered=len(volunteered),
        share=round(len(volunteered) / len(employed), 4) if employed else 0.0,
        hours_given=round(total / 60, 2),
        days_given=round(total / settings.standard_day_minutes, 2),
    )


def summary_csv(report: Summary) -> str:
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(["leave_year", report.group_by.value, "label", "staff", "bookings", "hours", "days"])
    for row in report.rows:
        writer.writerow([report.leave_year, row.key or "", row.label, row.staff, row.bookings, row.hours, row.days])
    return out.getvalue()


def open_data_csv(report: Summary, *, year_label: str, min_count: int) -> str:
    """Aggregate totals only; a cell from fewer than `min_count` staff is withheld.

    When exactly one cell is withheld, the next smallest is withheld too, so no value can be recovered by
    subtracting the published cells from the published total.
    """
    small = {i for i, row in enumerate(report.rows) if row.staff < min_count}
    if len(small) == 1:
        rest = sorted((row.staff, i) for i, row in enumerate(report.rows) if i not in small)
        if rest:
            small.add(rest[0][1])
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(["leave_year", report.group_by.value, "staff_volunteering", "days_given", "hours_given"])
    for i, row in enumerate(report.rows):
        if i in small:
            writer.writerow([year_label, row.label, SUPPRESSED, SUPPRESSED, SUPPRESSED])
        else:
            writer.writerow([year_label, row.label, row.staff, row.days, row.hours])
    if report.total_staff >= min_count:
        writer.writerow([year_label, "Total", report.total_staff, report.total_days, report.total_hours])
    else:
        writer.writerow([year_label, "Total", SUPPRESSED, SUPPRESSED, SUPPRESSED])
    return out.getvalue()


ENTITLEMENT_FIELDS = (
    "subject",
    "name",
    "leave_year_label",
    "fte",
    "entitlement_hours",
    "booked_hours",
    "taken_hours",
    "remaining_hours",
    "remaining_days",
)


def entitlements_csv(rows: list[Entitlement]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(ENTITLEMENT_FIELDS)
    for row in rows:
        values = row.model_dump()
        writer.writerow([values[name] for name in ENTITLEMENT_FIELDS])
    return out.getvalue()
