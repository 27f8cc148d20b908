"""Dependencies handing routes the app's long-lived parts and the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from deal_shared.auth import Principal, Role, require_roles
from deal_shared.web.idempotent import idempotent_route
from deal_shared.working_time import WorkingCalendar
from footprints.config import Settings
from footprints.models import IdempotencyRecord
from footprints.places.cache import PlaceCache

# Every POST, PUT and PATCH of the service's routers honours Idempotency-Key, with its records in our own table.
IdempotentRoute = idempotent_route(IdempotencyRecord)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_places(request: Request) -> PlaceCache:
    return request.app.state.places


def get_calendar(request: Request) -> WorkingCalendar:
    return request.app.state.calendar


SettingsDep = Annotated[Settings, Depends(get_settings)]
PlacesDep = Annotated[PlaceCache, Depends(get_places)]
CalendarDep = Annotated[WorkingCalendar, Depends(get_calendar)]
ServicePrincipal = Annotated[Principal, Depends(require_roles(Role.service))]
StaffPrincipal = Annotated[
    Principal, Depends(require_roles(Role.staff, Role.team_leader, Role.manager, Role.admin, Role.service))
]
LeaderPrincipal = Annotated[Principal, Depends(require_roles(Role.team_leader, Role.manager, Role.admin))]
