"""GET /v1/reports/nearby: "already reported nearby?", asked before every report the app makes.

Answered from the in-memory model of open reports (`report_it.nearby_index`) once it has loaded, else from the
database. Its router is mounted ahead of the others: routes are matched in order, and this is the busiest read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from deal_shared.report_it import NearbyReport, ReportPublic
from deal_shared.sessions import session_engine
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import presenters, reports
from report_it.api.deps import ViewerDep, public_base_url
from report_it.category_cache import CategoryCache
from report_it.config import Settings
from report_it.errors import CategoryNotFound
from report_it.models import Category
from report_it.nearby_index import OpenReportIndex, Rendered, Renderer, walks_inline
from report_it.reports import check_within_reach
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/reports", tags=["reports"], route_class=TokenFirstRoute)
MAX_RADIUS_M = 5000


@router.get(
    "/nearby",
    response_model=list[NearbyReport],
    summary="Open reports of a category near a point: 'already reported, add your support?'",
)
async def nearby(
    request: Request,
    viewer: ViewerDep,
    category: Annotated[str, Query(description="Category code")],
    lat: Annotated[float, Query(ge=-90, le=90)],
    long: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[int | None, Query(ge=10, le=MAX_RADIUS_M, description="Default: the category's radius")] = None,
) -> Response:
    """Asked before a report is made: open reports of the category within `radius_m` of the point (by default the
    category's own radius), nearest first, so the resident can add their support instead. Sensitive categories'
    positions are shown on a coarse grid. Answered from the in-memory model of open reports once it has loaded; a
    point far outside the borough is refused.
    """
    # The hottest read of the service: the app's parts are taken from its state here rather than as dependencies,
    # each of which costs more to resolve than the lookup itself.
    state = request.app.state
    check_within_reach(state.borough, lat, long)
    settings: Settings = state.settings
    base = public_base_url(request, settings)
    chosen = state.categories.get(category)
    if not viewer.can_see_category(chosen):
        raise CategoryNotFound(f"There is no category with code {category!r}.", category=category)
    # A category's own radius is held to the same ceiling as the query's, whatever was stored.
    radius = min(radius_m or chosen.nearby_radius_m, MAX_RADIUS_M)
    ask = NearbyAsk(chosen, viewer, lat, long, radius, base, settings.sensitive_grid_m)
    index: OpenReportIndex | None = state.nearby_index
    # A reporter's tracking token shows their own report exactly: one lookup rendered for them alone, not from the
    # model (which keeps one rendering of each report per kind of viewer).
    if index is not None and index.ready and viewer.tracking_token is None:
        body = await _nearby_from_memory(index, session_engine(request), ask)
    else:
        # One hand-off to the thread pool for the whole lookup (the database calls block), serialised once.
        body = await run_in_threadpool(_nearby_json, session_engine(request), ask)
    return Response(body, media_type="application/json")


@dataclass(frozen=True)
class NearbyAsk:
    """One lookup: open reports of `category` within `radius_m` of the point, as `viewer` may see them."""

    category: Category
    viewer: Viewer
    lat: float
    lon: float
    radius_m: int
    base: str  # where photo links point
    grid_m: int  # sensitive reports' public positions snap to this grid


NEARBY_LIMIT = 20
_NEARBY_LIST = TypeAdapter(list[NearbyReport])
_PUBLIC_REPORT = TypeAdapter(ReportPublic)


async def _nearby_from_memory(index: OpenReportIndex, engine: Engine, ask: NearbyAsk) -> bytes:
    # The model answers from memory; the database is read only to catch up with this process's own writes, and
    # for reports not rendered yet for this kind of viewer.
    if index.behind:
        await run_in_threadpool(index.catch_up)
    if walks_inline(ask.lat, ask.radius_m):
        found = index.nearest(ask.category.code, ask.lat, ask.lon, ask.radius_m, NEARBY_LIMIT)
    else:
        found = await run_in_threadpool(index.nearest, ask.category.code, ask.lat, ask.lon, ask.radius_m, NEARBY_LIMIT)
    exact = ask.viewer.sees_exact(ask.category)
    look = look_of(ask.category)
    bodies = {report_id: index.rendered(report_id, exact=exact, base=ask.base, look=look) for report_id, _ in found}
    missing = [report_id for report_id, body in bodies.items() if body is None]
    if missing:
        fresh = await run_in_threadpool(_render_missing, engine, ask, missing)
        for report_id, exact, updated_at, look, links_base, body in fresh:
            index.remember(report_id, exact=exact, look=look, base=links_base, updated_at=updated_at, body=body)
            bodies[report_id] = body
    # A report closed by another process a moment ago may be gone from the database's answer: it is left out.
    return with_distances((body, distance) for report_id, distance in found if (body := bodies[report_id]))


def with_distances(bodies: Iterable[tuple[bytes, float]]) -> bytes:
    """A JSON list of rendered public reports, each with `distance_m` added last (as `NearbyReport` has it)."""
    return (
        b"[" + b",".join(body[:-1] + b',"distance_m":' + repr(round(d, 1)).encode() + b"}" for body, d in bodies) + b"]"
    )


def look_of(category: Category) -> str:
    """What a rendered report shows of its category besides the code: renamed, its renderings are redone."""
    return f"{category.name}\x1f{category.group}"


def _render_missing(engine: Engine, ask: NearbyAsk, report_ids: list[UUID]) -> list[Rendered]:
    with engine.connect() as connection:
        return list(
            render_open_reports(connection, report_ids, lambda _code: ask.category, ask.viewer, ask.base, ask.grid_m)
        )


def render_open_reports(
    connection: Connection,
    report_ids: Sequence[UUID],
    category_of: Callable[[str], Category],
    viewer: Viewer,
    base: str | None,
    grid_m: int,
) -> Iterator[Rendered]:
    """These reports' public JSON as `viewer` sees it, for those still open. With `base` None (no public base URL
    is configured, so links depend on the request), reports with photos are left for lookups to render."""
    rows = [row for row in reports.public_rows(connection, report_ids) if row.status in reports.OPEN_STATUS_VALUES]
    if base is None:
        rows = [row for row in rows if not row.photo_count]
    photos = reports.photo_rows_by_report(connection, rows)
    for row in rows:
        try:
            category = category_of(row.category_code)
        except CategoryNotFound:
            continue
        fields = presenters.public_fields(row, category, photos[row.id], viewer, base_url=base or "", grid_m=grid_m)
        body = _PUBLIC_REPORT.dump_json(_PUBLIC_REPORT.validate_python(fields))
        yield (
            row.id,
            viewer.sees_exact(category),
            row.updated_at,
            look_of(category),
            base if photos[row.id] else None,
            body,
        )


def public_renderer(categories: CategoryCache, settings: Settings) -> Renderer:
    """Renders reports ahead of lookups as the public sees them (the common lookup), for the nearby model."""
    public, base = Viewer(), settings.public_base_url.rstrip("/") or None

    def render(connection: Connection, report_ids: Sequence[UUID]) -> Iterator[Rendered]:
        return render_open_reports(connection, report_ids, categories.get, public, base, settings.sensitive_grid_m)

    return render


def _nearby_json(engine: Engine, ask: NearbyAsk) -> bytes:
    with engine.connect() as connection:
        found = reports.nearby_open_reports(
            connection, category=ask.category, lat=ask.lat, lon=ask.lon, radius_m=ask.radius_m, limit=NEARBY_LIMIT
        )
        photos = reports.photo_rows_by_report(connection, [row for row, _ in found])
    items = [
        {
            **presenters.public_fields(
                row, ask.category, photos[row.id], ask.viewer, base_url=ask.base, grid_m=ask.grid_m
            ),
            "distance_m": round(distance, 1),
        }
        for row, distance in found
    ]
    return _NEARBY_LIST.dump_json(_NEARBY_LIST.validate_python(items))
