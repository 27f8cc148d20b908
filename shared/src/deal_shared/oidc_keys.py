"""The identity provider's signing keys: found by issuer discovery, fetched as a JWKS, cached, followed as they rotate.

Providers rotate keys by publishing the new one beside the old, then signing with it (Entra ID does so every few
weeks), so an unknown key id is the signal to fetch again; the fetch is rate-limited so that tokens carrying
made-up key ids cannot make every request call the provider. Keys are also refetched after `max_age_seconds`
so that a withdrawn key stops being trusted.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import jwt

from deal_shared.errors import Unauthenticated


def discover_jwks_url(issuer: str, *, http: httpx.Client) -> str:
    """The `jwks_uri` of an OpenID provider's discovery document (OpenID Connect Discovery 1.0, section 4)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        document = http.get(url).raise_for_status().json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Unauthenticated("The identity provider's configuration could not be fetched; try again.") from exc
    # The document must name the issuer we were configured with, or anyone serving that path could mint tokens.
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise Unauthenticated("The identity provider's configuration names another issuer.")
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri:
        raise Unauthenticated("The identity provider's configuration has no jwks_uri.")
    return jwks_uri


class JwksCache:
    """Keys by id; fetched on first use, on an unknown key id (at most every `min_refresh_seconds`) and when old."""

    def __init__(
        self,
        url: str | None = None,
        *,
        issuer: str | None = None,
        http: httpx.Client | None = None,
        min_refresh_seconds: float = 10,
        max_age_seconds: float = 3600,
    ) -> None:
        if url is None and issuer is None:
            raise ValueError("a JWKS cache needs the JWKS URL or the issuer to discover it from")
        self.url = url
        self.issuer = issuer
        self.http = http or httpx.Client(timeout=5)
        self.min_refresh_seconds = min_refresh_seconds
        self.max_age_seconds = max_age_seconds
        self._keys: dict[str | None, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key_for(self, kid: str | None) -> Any:
        now = time.monotonic()
        stale = self._fetched_at is None or now - self._fetched_at > self.max_age_seconds
        may_refetch = self._fetched_at is None or now - self._fetched_at >= self.min_refresh_seconds
        if stale or (kid not in self._keys and may_refetch):
            self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        if kid not in self._keys:
            raise Unauthenticated("The token was signed with a key the identity provider does not publish.")
        return self._keys[kid]

    def _refresh(self) -> None:
        with self._lock:
            try:
                if self.url is None:
                    assert self.issuer is not None
                    self.url = discover_jwks_url(self.issuer, http=self.http)
                document = self.http.get(self.url).raise_for_status().json()
                published = [k for k in document.get("keys", []) if k.get("use", "sig") == "sig"]
                keys = {k.get("kid"): jwt.PyJWK(k).key for k in published}
            except (httpx.HTTPError, ValueError, jwt.PyJWKError) as exc:
                # A provider briefly unreachable must not sign everybody out: the keys we hold stay in use, and
                # the next fetch is tried after `min_refresh_seconds`, not on every request.
                if self._keys:
                    self._fetched_at = time.monotonic() - self.max_age_seconds + self.min_refresh_seconds
                    return
                raise Unauthenticated("The identity provider's keys could not be fetched; try again.") from exc
            self._keys = keys
            self._fetched_at = time.monotonic()
