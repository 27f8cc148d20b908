"""Dependencies that hand routes the app's long-lived parts, the clock and the caller's identity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from deal_shared.auth import Principal, Role, require_roles
from deal_shared.db import utcnow
from deal_shared.report_it import ReportItClient
from deal_shared.web.base_url import links_base_url
from deal_shared.web.idempotent import idempotent_route
from volunteering.config import Settings
from volunteering.locating import Locator
from volunteering.models import IdempotencyRecord

# Every POST, PUT and PATCH of the service's routers honours Idempotency-Key, with its records in our own table.
IdempotentRoute = idempotent_route(IdempotencyRecord)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_locator(request: Request) -> Locator:
    return request.app.state.locator


def get_report_it(request: Request) -> ReportItClient:
    return request.app.state.report_it


def base_url(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> str:
    return links_base_url(request, settings.public_base_url)


def now() -> datetime:
    return utcnow()


SettingsDep = Annotated[Settings, Depends(get_settings)]
LocatorDep = Annotated[Locator, Depends(get_locator)]
ReportItDep = Annotated[ReportItClient, Depends(get_report_it)]
BaseUrlDep = Annotated[str, Depends(base_url)]
NowDep = Annotated[datetime, Depends(now)]
# Organisers publish organisations and opportunities; managers and admins see council-wide reports.
OrganiserPrincipal = Annotated[Principal, Depends(require_roles(Role.team_leader, Role.manager, Role.admin))]
ReportsPrincipal = Annotated[Principal, Depends(require_roles(Role.manager, Role.admin))]
# Report IT reads where clean-ups were held, to count them among the clear-ups of hotspots (no person in it).
CleanUpsPrincipal = Annotated[Principal, Depends(require_roles(Role.manager, Role.admin, Role.service))]
