"""The client Report IT calls Volunteering with (to read where clean-ups were held): one pooled connection, a
service token that renews itself."""

from __future__ import annotations

from deal_shared.http import service_http_client
from deal_shared.service_auth import OutboundToken
from deal_shared.volunteering import VolunteeringClient
from report_it.config import Settings


def volunteering_client(settings: Settings, *, timeout: float = 5.0) -> VolunteeringClient | None:
    """None when no Volunteering is configured. Kept for the app's life; close its `http` when done."""
    if not settings.volunteering_url:
        return None
    token = OutboundToken(
        settings.auth, service="report-it", configured=settings.service_token, identity=settings.identity
    )
    return VolunteeringClient(service_http_client(settings.volunteering_url, token=token, timeout=timeout))
