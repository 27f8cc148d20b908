"""The client Report IT calls Footprints with: one pooled connection, a service token that renews itself."""

from __future__ import annotations

from deal_shared.footprints import FootprintsClient
from deal_shared.http import service_http_client
from deal_shared.service_auth import OutboundToken
from report_it.config import Settings


def footprints_client(settings: Settings, *, timeout: float = 5.0) -> FootprintsClient:
    """Kept for the caller's life: making a client costs more than a call through it. Close its `http` when done."""
    token = OutboundToken(
        settings.auth, service="report-it", configured=settings.service_token, identity=settings.identity
    )
    return FootprintsClient(service_http_client(settings.footprints_url, token=token, timeout=timeout))
