"""/open311/v2: GeoReport v2 (discovery, services, requests, tokens) in XML and JSON, thin over the service code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import select
from starlette.routing import Match

from report_it.api.deps import BaseUrlDep, BoroughDep, SettingsDep
from report_it.db import SessionDep
from report_it.open311 import listing, request_updates, services
from report_it.open311.config import Open311Settings, get_open311_settings
from report_it.open311.errors import InvalidParameter, UnknownRequest, UnknownResource, UnknownToken
from report_it.open311.formats import Format, render, w3c
from report_it.open311.keys import authenticate
from report_it.open311.models import ApiKey, Submission
from report_it.open311.openapi import REQUEST_FORM, UPDATE_FORM
from report_it.open311.params import ParamsDep, is_clean
from report_it.open311.route import Open311Route
from report_it.open311.submit import submit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {Format.xml: "text/xml", Format.json: "application/json"}


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)

Open311SettingsDep = Annotated[Open311Settings, Depends(get_open311_settings)]


def chosen_format(fmt: str) -> Format:
    try:
        return Format(fmt.lower())
    except ValueError:
        raise InvalidParameter(f"The format {fmt!r} is not offered; use .xml or .json.") from None


FormatDep = Annotated[Format, Depends(chosen_format)]


def api_key(params: ParamsDep, session: SessionDep) -> ApiKey:
    return authenticate(session, params.get("api_key"))


ApiKeyDep = Annotated[ApiKey, Depends(api_key)]


@router.get("/discovery.{fmt}", summary="Service discovery: where the API is, its formats and whom to ask")
def discovery(fmt: FormatDep, session: SessionDep, base: BaseUrlDep, settings: Open311SettingsDep) -> Response:
    """GeoReport v2 service discovery: the API's address, the formats it answers in (`xml`, `json`), when its service
    list last changed, whom to contact and how to get an API key (`REPORT_IT_OPEN311_CONTACT`,
    `REPORT_IT_OPEN311_KEY_SERVICE`).
    """
    changed = w3c(services.changeset(services.exposed_categories(session)))
    document = {
        "changeset": changed,
        "contact": settings.contact,
        "key_service": settings.key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}/open311/v2",
                "changeset": changed,
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }
    return render(fmt, "discovery", document)


@router.get("/services.{fmt}", summary="Every public category, as a service")
def list_services(fmt: FormatDep, session: SessionDep, settings: Open311SettingsDep) -> Response:
    """Every public category as a GeoReport service (code, name, group, whether it has questions, `realtime` or
    `batch`); staff-only, sensitive and restricted categories are never listed.
    """
    exposed = services.exposed_categories(session).values()
    return render(fmt, "services", [services.service_entry(c, settings) for c in exposed])


@router.get("/services/{service_code}.{fmt}", summary="A service's definition: its questions as attributes")
def service_definition(service_code: str, fmt: FormatDep, session: SessionDep) -> Response:
    """A service's questions as GeoReport attributes, with their data types, whether they are required and their allowed
    values.
    """
    category = services.exposed_category(session, service_code)
    return render(fmt, "service_definition", services.service_definition(category))


@router.post("/requests.{fmt}", summary="Report a problem (form-encoded; api_key required)", openapi_extra=REQUEST_FORM)
def create_request(
    request: Request,
    fmt: FormatDep,
    params: ParamsDep,
    key: ApiKeyDep,
    session: SessionDep,
    borough: BoroughDep,
    settings: Open311SettingsDep,
) -> Response:
    """A GeoReport client (FixMyStreet, say) reports a problem with its `api_key`: form-encoded, or multipart with photo
    files (`photo1`, ... or `media`) and `media_url` links. It goes through the same intake as `POST /v1/reports`.
    Answered with the `service_request_id`, or for a service in `REPORT_IT_OPEN311_BATCH_SERVICES` with a `token` to
    resolve later.
    """
    state = request.app.state
    done = submit(
        session, params=params, api_key_id=key.id, borough=borough, settings=state.settings, storage=state.storage
    )
    report = done.report
    entry: dict[str, str | None] = {}
    if report.category_code in settings.batch_services:
        entry["token"] = done.submission.token
    else:
        entry["service_request_id"] = str(report.id)
    entry["service_notice"] = f"Our reference: {report.reference}"
    entry["account_id"] = done.submission.account_id
    return render(fmt, "service_requests", [entry])


@router.get("/tokens/{token}.{fmt}", summary="The service_request_id a batch submission's token became")
def resolve_token(token: str, fmt: FormatDep, session: SessionDep) -> Response:
    """The `service_request_id` that a batch submission's token became; an unknown token is 404."""
    query = select(Submission).where(Submission.token == token)
    submission = session.exec(query).first() if is_clean(token) else None
    if submission is None:
        raise UnknownToken(f"There is no token {token!r}.", token=token)
    entry = {"service_request_id": str(submission.report_id), "token": submission.token}
    return render(fmt, "service_requests", [entry])


@router.get("/requests.{fmt}", summary="Find requests: by ids, or by service, dates and status, paged")
def list_requests(
    fmt: FormatDep,
    params: ParamsDep,
    session: SessionDep,
    app_settings: SettingsDep,
    settings: Open311SettingsDep,
    base: BaseUrlDep,
) -> Response:
    """Requests by `service_request_id` (comma separated), or by `service_code`, `start_date`, `end_date`, `status` and
    `updated_after`; without dates the last `REPORT_IT_OPEN311_DEFAULT_WINDOW_DAYS` (90). A client that does not page
    gets every request in the window up to 1,000; `page` and `page_size` page it. Public categories only; sensitive
    positions coarsened.
    """
    exposed = services.exposed_categories(session)
    ids = params.csv("service_request_id")
    found = (
        listing.reports_by_ids(session, ids, exposed)
        if ids
        else listing.search(session, params=params, exposed=exposed, settings=settings)
    )
    items = listing.present(
        session, found, exposed, settings=settings, base_url=base, grid_m=app_settings.sensitive_grid_m
    )
    return render(fmt, "service_requests", items)


@router.get("/requests/{service_request_id}.{fmt}", summary="One request")
def get_request(
    service_request_id: str,
    fmt: FormatDep,
    session: SessionDep,
    app_settings: SettingsDep,
    settings: Open311SettingsDep,
    base: BaseUrlDep,
) -> Response:
    """One request with its status, description, position, address and media URL; 404 for an unknown or non-public
    one."""
    exposed = services.exposed_categories(session)
    found = listing.reports_by_ids(session, [service_request_id], exposed)
    if not found:
        raise UnknownRequest(f"There is no request {service_request_id!r}.", service_request_id=service_request_id)
    items = listing.present(
        session, found, exposed, settings=settings, base_url=base, grid_m=app_settings.sensitive_grid_m
    )
    return render(fmt, "service_requests", items)


@router.get("/servicerequestupdates.{fmt}", summary="Public updates to requests between start_date and end_date")
def list_request_updates(
    fmt: FormatDep, params: ParamsDep, session: SessionDep, settings: Open311SettingsDep, base: BaseUrlDep
) -> Response:
    """The public updates (status and message) of public requests between `start_date` and `end_date` (by default the
    recent window), oldest first.
    """
    exposed = services.exposed_categories(session)
    items = request_updates.list_updates(session, params=params, exposed=exposed, settings=settings, base_url=base)
    return render(fmt, "service_request_updates", items)


@router.post(
    "/servicerequestupdates.{fmt}",
    summary="Update a request: status and message (api_key required)",
    openapi_extra=UPDATE_FORM,
)
def post_request_update(
    request: Request, fmt: FormatDep, params: ParamsDep, key: ApiKeyDep, session: SessionDep
) -> Response:
    """A GeoReport client with its `api_key` adds an update to a request: a `status` (required) and a message,
    optionally photos. Answered with the id of the update made.
    """
    exposed = services.exposed_categories(session)
    state = request.app.state
    update_id = request_updates.post_update(
        session, params=params, api_key=key, exposed=exposed, settings=state.settings, storage=state.storage
    )
    return render(fmt, "service_request_updates", [{"update_id": update_id}])


@router.api_route(
    "/{rest:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    include_in_schema=False,
)
def anything_else(rest: str, request: Request) -> Response:
    # Reached only when no route above matched: a method a path does not take, or a path we do not have.
    for route in router.routes:
        if route is not _CATCH_ALL[0] and route.matches(request.scope)[0] is Match.PARTIAL:
            raise InvalidParameter(f"{request.method} is not accepted on {request.url.path}.")
    raise UnknownResource(f"There is nothing at {request.url.path}; see discovery.xml for the endpoints.")


_CATCH_ALL = [router.routes[-1]]
