"""/v1/organisations and /v1/opportunities: publishing and finding places to volunteer."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query

from deal_shared.auth import StaffPrincipal
from deal_shared.moments import ClientDate
from deal_shared.volunteering import OpportunityCreate, OpportunityPublic, OrganisationCreate, OrganisationPublic
from volunteering import bookings, catalogue, presenters
from volunteering.api.deps import IdempotentRoute, LocatorDep, NowDep, OrganiserPrincipal
from volunteering.db import SessionDep

router = APIRouter(route_class=IdempotentRoute, tags=["opportunities"])


@router.post("/v1/organisations", status_code=201, response_model=OrganisationPublic, summary="Add an organisation")
def create_organisation(
    body: OrganisationCreate, session: SessionDep, principal: OrganiserPrincipal, locator: LocatorDep
) -> OrganisationPublic:
    """Team leaders, managers and administrators add a community organisation with its address and position. Its
    footprint and ward come from Footprints (`GET /v1/locate`); when Footprints cannot answer it is stored with
    `area.located = false` and placed later by the retry loop. A position outside the borough is 422
    `OutsideBorough`.
    """
    organisation = catalogue.create_organisation(session, locator, body=body, by=principal.subject)
    return presenters.organisation_public(organisation)


@router.get(
    "/v1/organisations", response_model=list[OrganisationPublic], summary="The organisations offering volunteering"
)
def list_organisations(session: SessionDep, _: StaffPrincipal) -> list[OrganisationPublic]:
    """Every organisation with its footprint and ward; for any member of staff."""
    return [presenters.organisation_public(o) for o in catalogue.list_organisations(session)]


@router.get("/v1/organisations/{organisation_id}", response_model=OrganisationPublic, summary="One organisation")
def get_organisation(organisation_id: UUID, session: SessionDep, _: StaffPrincipal) -> OrganisationPublic:
    """One organisation; 404 `OrganisationNotFound`."""
    return presenters.organisation_public(catalogue.get_organisation(session, organisation_id))


@router.post("/v1/opportunities", status_code=201, response_model=OpportunityPublic, summary="Publish an opportunity")
def create_opportunity(
    body: OpportunityCreate, session: SessionDep, principal: OrganiserPrincipal, locator: LocatorDep
) -> OpportunityPublic:
    """Team leaders, managers and administrators publish an opportunity of an organisation: its day or flexible dates,
    times, places, skills and position, placed in a footprint and ward as organisations are.
    """
    opportunity = catalogue.create_opportunity(session, locator, body=body, by=principal.subject)
    return presenters.opportunities_public(session, [opportunity])[0]


@router.get("/v1/opportunities", response_model=list[OpportunityPublic], summary="Browse and filter opportunities")
def list_opportunities(
    session: SessionDep,
    _: StaffPrincipal,
    now: NowDep,
    on: ClientDate | None = Query(default=None, alias="date", description="On this day (flexible ones included)"),
    footprint: str | None = Query(default=None, max_length=64, description="A footprint code"),
    skill: str | None = Query(default=None, max_length=64),
    min_places_left: int | None = Query(default=None, ge=0, le=1000),
    include_past: bool = False,
) -> list[OpportunityPublic]:
    """Published opportunities with their places left, filtered by day (`date`: flexible ones included), footprint,
    skill and places left; past ones only with `include_past`.
    """
    found = catalogue.find_opportunities(
        session,
        on=on,
        footprint=footprint,
        skill=skill,
        min_places_left=min_places_left,
        include_past=include_past,
        now=now,
    )
    return presenters.opportunities_public(session, found)


@router.get(
    "/v1/opportunities/{opportunity_id}",
    response_model=OpportunityPublic,
    summary="One opportunity, with its places left",
)
def get_opportunity(opportunity_id: UUID, session: SessionDep, _: StaffPrincipal) -> OpportunityPublic:
    """One opportunity with its organisation, places and places left; 404 `OpportunityNotFound`."""
    return presenters.opportunities_public(session, [catalogue.get_opportunity(session, opportunity_id)])[0]


@router.post(
    "/v1/opportunities/{opportunity_id}/cancel",
    response_model=OpportunityPublic,
    summary="Call it off: every booking on it is cancelled and the time returned",
)
def cancel_opportunity(opportunity_id: UUID, session: SessionDep, _: OrganiserPrincipal) -> OpportunityPublic:
    """The organiser calls the opportunity off: every booking and waiting place on it is cancelled and the time returns
    to each person's entitlement. An opportunity already cancelled is 409 `OpportunityClosed`.
    """
    opportunity = bookings.cancel_opportunity(
        session, opportunity_id=opportunity_id, reason="The organiser cancelled this opportunity."
    )
    return presenters.opportunities_public(session, [opportunity])[0]
