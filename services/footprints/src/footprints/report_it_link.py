"""The HTTP client Footprints calls Report IT with, carrying a service token that renews itself."""

from __future__ import annotations

import httpx

from deal_shared.http import service_http_client
from deal_shared.service_auth import OutboundToken
from footprints.config import Settings


def report_it_http(settings: Settings) -> httpx.Client:
    token = OutboundToken(
        settings.auth, service="footprints", configured=settings.service_token, identity=settings.identity
    )
    return service_http_client(settings.report_it_url, token=token, timeout=10.0)
