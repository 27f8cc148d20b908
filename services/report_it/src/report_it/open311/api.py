"""Every Open311 route: GeoReport v2 under /open311/v2, and the admins' API keys under /v1."""

from fastapi import APIRouter

from deal_shared.web.auth_first import TokenFirstRoute
from report_it.open311 import keys_api, v2

router = APIRouter(route_class=TokenFirstRoute)
router.include_router(v2.router)
router.include_router(keys_api.router)
