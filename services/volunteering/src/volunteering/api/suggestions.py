"""/v1/suggestions: community clean-ups proposed from Report IT's hotspots, for an organiser to publish."""

from __future__ import annotations

from fastapi import APIRouter, Query

from deal_shared.moments import ClientDateTime
from deal_shared.volunteering import OpportunitySuggestion
from volunteering import suggestions
from volunteering.api.deps import IdempotentRoute, LocatorDep, OrganiserPrincipal, ReportItDep, SettingsDep
from volunteering.db import SessionDep

router = APIRouter(route_class=IdempotentRoute, tags=["suggestions"])


@router.get(
    "/v1/suggestions",
    response_model=list[OpportunitySuggestion],
    summary="Organisers: community clean-ups suggested by Report IT hotspots",
)
def list_suggestions(
    session: SessionDep,
    _: OrganiserPrincipal,
    settings: SettingsDep,
    report_it: ReportItDep,
    locator: LocatorDep,
    since: ClientDateTime | None = Query(default=None, description="Only hotspots with reports since then"),
    min_reports: int | None = Query(default=None, ge=2, le=1000),
) -> list[OpportunitySuggestion]:
    """Team leaders, managers and administrators: Report IT's hotspots of the categories in
    `VOLUNTEERING_SUGGESTION_CATEGORIES` (at least `min_reports` reports, optionally since a time), each as a draft
    opportunity placed in its footprint and ward, most reports first. Hotspots already published as an opportunity
    are left out. When Report IT cannot be read the answer is 503 `ReportItUnavailable`.
    """
    return suggestions.suggest(
        session,
        report_it,
        locator,
        categories=settings.suggestion_categories,
        min_reports=min_reports or settings.suggestion_min_reports,
        since=since,
    )
