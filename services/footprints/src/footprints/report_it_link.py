"""The HTTP client Footprints calls Report IT with, carrying a service token that renews itself."""

from __future__ import annotations

import httpx

from deal_shared.http import service_http_client
from deal_shared.service_auth import OutboundToken
from footprints.config import Settings


class _Bearer(httpx.Auth):
    def __init__(self, token: OutboundToken) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token()}"
        yield request


def report_it_http(settings: Settings) -> httpx.Client:
    client = service_http_client(settings.report_it_url, timeout=10.0)
    client.auth = _Bearer(OutboundToken(settings.auth, service="footprints", configured=settings.service_token))
    return client
