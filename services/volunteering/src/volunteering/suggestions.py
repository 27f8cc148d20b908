"""Where the borough needs help: community clean-ups proposed at Report IT's recurring fly-tipping and litter spots.

"Our part, your part": the council clears the street; a clean-up with a local group keeps it clear. An organiser
publishes a suggestion as an ordinary opportunity (carrying `suggested_from`), after which it is no longer proposed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from deal_shared.errors import RemoteError
from deal_shared.report_it import Cluster, ReportItClient
from deal_shared.volunteering import Area, Location, OpportunitySuggestion, SuggestionSource
from volunteering.errors import OutsideBorough, ReportItUnavailable
from volunteering.locating import Locator
from volunteering.models import Opportunity

_WHAT = {"fly_tipping": "fly-tipping", "litter": "litter"}


def _already_published(session: Session) -> set[str]:
    seen: set[str] = set()
    for source in session.exec(select(Opportunity.suggested_from).where(Opportunity.suggested_from.is_not(None))):  # type: ignore[union-attr]
        seen.update(str(report_id) for report_id in (source or {}).get("report_ids", []))
    return seen


def _suggestion(cluster: Cluster, area: Area) -> OpportunitySuggestion:
    what = _WHAT.get(cluster.category, cluster.category.replace("_", " "))
    where = area.ward_name or area.footprint_name or "the borough"
    return OpportunitySuggestion(
        title=f"Community clean-up: {what} in {where}",
        description=(
            f"{cluster.report_count} {what} reports within {cluster.radius_m:.0f} m since "
            f"{cluster.first_reported_at:%d %B %Y}. A clean-up with local people, and a word with neighbours, "
            "helps keep it clear once the council has removed what was dumped."
        ),
        location=Location(lat=cluster.centre.lat, long=cluster.centre.long),
        radius_m=cluster.radius_m,
        area=area,
        source=SuggestionSource(
            category=cluster.category, report_count=cluster.report_count, report_ids=cluster.report_ids
        ),
        first_reported_at=cluster.first_reported_at,
        last_reported_at=cluster.last_reported_at,
    )


def suggest(
    session: Session,
    report_it: ReportItClient,
    locator: Locator,
    *,
    categories: list[str],
    min_reports: int,
    since: datetime | None,
) -> list[OpportunitySuggestion]:
    published = _already_published(session)
    suggestions: list[OpportunitySuggestion] = []
    for category in categories:
        try:
            clusters = report_it.list_clusters(category=category, min_reports=min_reports, since=since)
        except RemoteError as exc:
            raise ReportItUnavailable(f"Report IT's hotspots could not be read: {exc}") from exc
        for cluster in clusters:
            if published.intersection(str(report_id) for report_id in cluster.report_ids):
                continue
            try:
                located = locator.locate(cluster.centre.lat, cluster.centre.long)
            except OutsideBorough:
                continue
            area = Area(located=False)
            if located is not None:
                area = Area(
                    footprint_code=located.footprint.code,
                    footprint_number=located.footprint.number,
                    footprint_name=located.footprint.name,
                    ward_code=located.ward.code,
                    ward_name=located.ward.name,
                    located=True,
                )
            suggestions.append(_suggestion(cluster, area))
    # The most reports first; among equals, the most recently active.
    suggestions.sort(key=lambda s: (-s.source.report_count, -s.last_reported_at.timestamp()))
    return suggestions
