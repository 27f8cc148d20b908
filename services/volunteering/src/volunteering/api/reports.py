"""/v1/reports and /v1/open-data: time given, uptake, entitlement left, CSV and the suppressed public table."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from deal_shared.auth import Role, StaffPrincipal
from deal_shared.volunteering import CleanUps, Entitlement, GroupBy, Summary, Uptake
from volunteering import ledger, presenters, reporting, staff
from volunteering.api.deps import CleanUpsPrincipal, IdempotentRoute, ReportsPrincipal, SettingsDep
from volunteering.api.staff import LeaveYearQuery, year_or_current
from volunteering.db import SessionDep

router = APIRouter(route_class=IdempotentRoute, tags=["reports"])
CSV = "text/csv; charset=utf-8"


def _csv(body: str, filename: str) -> Response:
    return Response(body, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/v1/reports/summary", response_model=Summary, summary="Days and hours given, grouped")
def summary(
    session: SessionDep,
    _: ReportsPrincipal,
    settings: SettingsDep,
    group_by: GroupBy = GroupBy.directorate,
    leave_year: int | None = LeaveYearQuery,
) -> Summary:
    """Managers and administrators: bookings, distinct staff, hours and days given in a leave year, grouped by
    directorate, team, organisation, footprint or ward (`group_by`). Counts approved bookings attended, at the hours
    they gave.
    """
    year = year_or_current(settings, leave_year)
    return reporting.summary(session, settings, start_year=year.start_year, group_by=group_by)


@router.get("/v1/reports/summary.csv", response_class=Response, summary="The summary as CSV")
def summary_csv(
    session: SessionDep,
    _: ReportsPrincipal,
    settings: SettingsDep,
    group_by: GroupBy = GroupBy.directorate,
    leave_year: int | None = LeaveYearQuery,
) -> Response:
    """`GET /v1/reports/summary` as a CSV file, one row per group."""
    year = year_or_current(settings, leave_year)
    report = reporting.summary(session, settings, start_year=year.start_year, group_by=group_by)
    return _csv(reporting.summary_csv(report), f"volunteering-{year.start_year}-{group_by.value}.csv")


@router.get(
    "/v1/reports/cleanups",
    response_model=CleanUps,
    summary="Clean-ups held at Report IT's hotspots in a leave year: where, when, staff and hours",
)
def cleanups(
    session: SessionDep, _: CleanUpsPrincipal, settings: SettingsDep, leave_year: int | None = LeaveYearQuery
) -> CleanUps:
    """Clean-ups published from a Report IT hotspot suggestion where staff time was given in the leave year: the place,
    the date, the hotspot's category and size, staff and hours, and totals. Report IT reads it with its service
    identity to count clean-ups among the clearances of its hotspots; no person is named.
    """
    return reporting.cleanups(session, start_year=year_or_current(settings, leave_year).start_year)


@router.get("/v1/reports/uptake", response_model=Uptake, summary="Share of staff who used any of their days")
def uptake(
    session: SessionDep, _: ReportsPrincipal, settings: SettingsDep, leave_year: int | None = LeaveYearQuery
) -> Uptake:
    """Managers and administrators: of the staff employed in the leave year, how many gave any volunteering time and
    their share, with the hours and days given.
    """
    return reporting.uptake(session, settings, start_year=year_or_current(settings, leave_year).start_year)


def _entitlements(session, principal, settings, leave_year: int | None) -> list[Entitlement]:
    year = year_or_current(settings, leave_year)
    manager = None if principal.has_any(Role.admin) else principal.subject
    return [
        presenters.entitlement_public(profile, ledger.entitlement(session, settings, profile, year), settings)
        for profile in staff.list_profiles(session, line_manager=manager)
    ]


@router.get("/v1/reports/entitlements", response_model=list[Entitlement], summary="Left per person (your reports)")
def entitlements(
    session: SessionDep, principal: StaffPrincipal, settings: SettingsDep, leave_year: int | None = LeaveYearQuery
) -> list[Entitlement]:
    """Entitlement, booked, taken and left for each of the caller's direct reports (everyone, for administrators) in a
    leave year.
    """
    return _entitlements(session, principal, settings, leave_year)


@router.get("/v1/reports/entitlements.csv", response_class=Response, summary="Left per person, as CSV")
def entitlements_csv(
    session: SessionDep, principal: StaffPrincipal, settings: SettingsDep, leave_year: int | None = LeaveYearQuery
) -> Response:
    """`GET /v1/reports/entitlements` as a CSV file."""
    rows = _entitlements(session, principal, settings, leave_year)
    body = reporting.entitlements_csv(rows)
    label = rows[0].leave_year if rows else year_or_current(settings, leave_year).start_year
    return _csv(body, f"volunteering-entitlements-{label}.csv")


@router.get(
    "/v1/open-data/volunteering.csv",
    response_class=Response,
    summary="Open data: aggregate time given, small numbers suppressed (no sign-in)",
)
def open_data(
    session: SessionDep,
    settings: SettingsDep,
    group_by: GroupBy = Query(default=GroupBy.footprint, description="team is not published: too fine-grained"),
    leave_year: int | None = LeaveYearQuery,
) -> Response:
    """Time given in a leave year as open data, without signing in: grouped by footprint (default), directorate,
    organisation or ward, never by team (asked for, it is given by directorate). A cell from fewer than
    `VOLUNTEERING_OPEN_DATA_MIN_COUNT` distinct staff is shown as `[c]`, and when only one cell is withheld the next
    smallest is too, so no figure can be recovered from the total.
    """
    if group_by is GroupBy.team:
        group_by = GroupBy.directorate
    year = year_or_current(settings, leave_year)
    report = reporting.summary(session, settings, start_year=year.start_year, group_by=group_by)
    body = reporting.open_data_csv(report, year_label=year.label, min_count=settings.open_data_min_count)
    return _csv(body, f"wigan-staff-volunteering-{year.start_year}-{group_by.value}.csv")
