"""Staff sign-in for the field app: the council's identity provider's endpoints, found by discovery and kept a while."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from report_it.webapp.settings import WebAppSettings

# Providers publish their endpoints for months at a time; an hour keeps a change of them from going unnoticed
# for long, and a failed discovery is tried again soon, so a provider that was down is picked up once it is back.
KEEP_SECONDS = 3600
RETRY_SECONDS = 30
TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str


def _discover(issuer: str) -> Endpoints | None:
    try:
        document = httpx.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=TIMEOUT_SECONDS)
        document = document.raise_for_status().json()
    except (httpx.HTTPError, ValueError):
        return None
    # A document naming another issuer is not the provider we were told to trust: offer no sign-in through it.
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        return None
    authorization, token = document.get("authorization_endpoint"), document.get("token_endpoint")
    if not (isinstance(authorization, str) and authorization and isinstance(token, str) and token):
        return None
    return Endpoints(authorization=authorization, token=token)


class ProviderDirectory:
    """Each issuer's endpoints, asked for at most once an hour (every 30 s while the provider cannot be reached)."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[float, Endpoints | None]] = {}
        self._lock = threading.Lock()

    def endpoints(self, issuer: str) -> Endpoints | None:
        now = time.monotonic()
        with self._lock:
            kept = self._found.get(issuer)
            if kept is not None and now - kept[0] < (KEEP_SECONDS if kept[1] else RETRY_SECONDS):
                return kept[1]
            found = _discover(issuer)
            self._found[issuer] = (now, found)
            return found


def offered(settings: WebAppSettings) -> bool:
    return bool(settings.sign_in_issuer and settings.sign_in_client_id)


def sign_in_config(settings: WebAppSettings, directory: ProviderDirectory) -> dict[str, Any] | None:
    """What the app needs to send staff to the provider and back; None: no provider, staff paste a token."""
    if not offered(settings):
        return None
    endpoints = directory.endpoints(settings.sign_in_issuer)
    return {
        "issuer": settings.sign_in_issuer,
        "client_id": settings.sign_in_client_id,
        "scopes": settings.sign_in_scopes.split(),
        # None while the provider cannot be reached: the app says so instead of sending anyone to a dead page.
        "authorization_endpoint": endpoints.authorization if endpoints else None,
        "token_endpoint": endpoints.token if endpoints else None,
    }


def token_urls(settings: WebAppSettings, directory: ProviderDirectory) -> list[str]:
    """The URLs the app itself calls at the provider (the token endpoint), for its Content Security Policy."""
    if not offered(settings):
        return []
    endpoints = directory.endpoints(settings.sign_in_issuer)
    # The issuer too: a policy written while the provider was down still lets in the usual token endpoint, which
    # lives beside the issuer (Entra ID's, and most providers').
    return [settings.sign_in_issuer, *([endpoints.token] if endpoints else [])]
