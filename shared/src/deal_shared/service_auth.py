"""The bearer token a service presents when it calls another service.

In production each service has its own identity at the council's identity provider (`<PREFIX>_IDENTITY__*`) and
gets tokens with the `service` role by the client-credentials grant, renewed before they run out
(`deal_shared.client_credentials`). A fixed token handed over as a Secret (`<PREFIX>_SERVICE_TOKEN`) still works,
for a provider that cannot do the grant, but it stops working when it expires. In the embedded default (dev mode)
the service mints a short-lived one with the development key, so `make run` needs no identity provider.
"""

from __future__ import annotations

import threading
import time

from pydantic import SecretStr

from deal_shared.auth import AuthSettings, Role
from deal_shared.client_credentials import ClientCredentials, CredentialsUnavailable, ServiceIdentity
from deal_shared.devtoken import mint_token

_DEV_LIFETIME_SECONDS = 3600


class OutboundToken:
    """Gives a valid token for calls to other services, re-minting a dev token before it expires."""

    def __init__(
        self,
        auth: AuthSettings,
        *,
        service: str,
        configured: SecretStr | None,
        identity: ServiceIdentity | None = None,
    ) -> None:
        self._auth = auth
        self._service = service
        self._configured = configured
        self._granted = (
            ClientCredentials(identity, issuer=auth.issuer) if identity is not None and identity.configured else None
        )
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def __call__(self) -> str:
        if self._granted is not None:
            return self._granted()
        if self._configured is not None and self._configured.get_secret_value():
            return self._configured.get_secret_value()
        if not self._auth.dev_mode:
            # A transport failure to the caller: retried and reported like a peer that cannot be reached.
            raise CredentialsUnavailable(
                f"{self._service} has no identity for calling other services: set its IDENTITY__CLIENT_ID (and a "
                "secret, key or assertion) or its SERVICE_TOKEN setting"
            )
        with self._lock:
            if self._token is None or time.monotonic() > self._expires_at - 60:
                self._token = mint_token(
                    self._auth.dev_key_path,
                    subject=f"service:{self._service}",
                    roles=[Role.service.value],
                    audience=self._auth.audience,
                    issuer=self._auth.issuer,
                    lifetime_seconds=_DEV_LIFETIME_SECONDS,
                )
                self._expires_at = time.monotonic() + _DEV_LIFETIME_SECONDS
            return self._token

    def invalidate(self, token: str) -> None:
        """A peer refused `token`: a granted token is fetched again (the provider may have revoked it or rotated
        its keys); a fixed or development one cannot be, so the refusal stands."""
        if self._granted is not None:
            self._granted.invalidate(token)

    @property
    def renewable(self) -> bool:
        return self._granted is not None
