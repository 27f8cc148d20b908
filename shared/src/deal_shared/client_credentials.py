"""A service's own identity at the council's identity provider: access tokens by the OAuth 2.0 client-credentials
grant (RFC 6749 §4.4), fetched when first needed and fetched again before they run out.

The service proves who it is in one of three ways, whichever the platform team set up:
- a client secret (`client_secret_post`);
- a private key whose certificate is registered with the provider: each token request carries a short assertion
  signed with it (`private_key_jwt`, RFC 7523), so no secret crosses the wire;
- a token the platform writes to a file and renews, e.g. the pod's projected service-account token under workload
  identity federation: it is read afresh for every request and sent as the client assertion.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import BaseModel, SecretStr, model_validator

log = logging.getLogger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# A token is fetched again once this share of its lifetime is left (and at least a minute before it runs out), so
# a request never carries one that expires on the way.
RENEW_AT_REMAINING_SHARE = 0.2
MIN_RENEW_AHEAD_S = 60.0
# While the provider cannot be reached and no token is left, ask it again at most this often.
RETRY_FETCH_S = 2.0
ASSERTION_LIFETIME_S = 300


class ServiceIdentity(BaseModel):
    """Nested into each service's settings, e.g. REPORT_IT_IDENTITY__CLIENT_ID. Unset `client_id`: not used."""

    client_id: str | None = None
    client_secret: SecretStr | None = None
    # A PEM private key (RSA or EC) whose certificate or public key the provider holds for this client.
    private_key_path: Path | None = None
    # The key's id at the provider (Entra ID: the certificate's x5t thumbprint), put in the assertion's header.
    private_key_id: str | None = None
    # A file of an assertion the platform keeps current (workload identity federation).
    assertion_path: Path | None = None
    # Unset: the issuer's discovery document names it.
    token_url: str | None = None
    # What to ask for: the scope of the council's API (Entra ID: "api://deal-digital/.default").
    scope: str = "api"
    timeout_seconds: float = 5.0

    @property
    def configured(self) -> bool:
        return bool(self.client_id)

    @model_validator(mode="after")
    def _one_proof(self) -> ServiceIdentity:
        if not self.client_id:
            return self
        proofs = [p for p in (self.client_secret, self.private_key_path, self.assertion_path) if p is not None]
        if len(proofs) != 1:
            raise ValueError("identity needs exactly one of client_secret, private_key_path or assertion_path")
        return self


class CredentialsUnavailable(httpx.TransportError):
    """No token could be had from the identity provider: the call is not sent, and is retried like any call that
    could not reach its peer."""


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float  # monotonic
    expires_at: float  # monotonic


class ClientCredentials:
    """Tokens for one client; thread-safe, one fetch at a time. `__call__` gives a current token."""

    def __init__(self, identity: ServiceIdentity, *, issuer: str, http: httpx.Client | None = None) -> None:
        if not identity.configured:
            raise ValueError("ClientCredentials needs identity.client_id")
        self._identity = identity
        self._issuer = issuer.rstrip("/")
        self._http = http or httpx.Client(timeout=identity.timeout_seconds)
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self._token_url = identity.token_url
        self._last_failure = float("-inf")

    def __call__(self) -> str:
        with self._lock:
            now = time.monotonic()
            current = self._token
            if current is not None and now < current.renew_at:
                return current.value
            if now - self._last_failure < RETRY_FETCH_S:
                if current is not None and now < current.expires_at:
                    return current.value
                raise CredentialsUnavailable("the identity provider gave no token; trying again shortly")
            try:
                self._token = self._fetch()
            except CredentialsUnavailable:
                self._last_failure = now
                if current is not None and now < current.expires_at:
                    # Not yet expired: keep using it while the provider is away.
                    log.warning("token renewal failed; the current token is still valid", exc_info=True)
                    return current.value
                raise
            return self._token.value

    def invalidate(self, token: str) -> None:
        """A peer refused `token` (401): fetch a new one next time, unless another thread already has."""
        with self._lock:
            if self._token is not None and self._token.value == token:
                self._token = None

    def _endpoint(self) -> str:
        if self._token_url is None:
            try:
                discovery = self._http.get(f"{self._issuer}/.well-known/openid-configuration")
                discovery.raise_for_status()
                self._token_url = str(discovery.json()["token_endpoint"])
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                raise CredentialsUnavailable(f"the identity provider's discovery failed: {exc}") from exc
        return self._token_url

    def _proof(self, token_url: str) -> dict[str, str]:
        identity = self._identity
        assert identity.client_id is not None
        if identity.client_secret is not None:
            return {"client_id": identity.client_id, "client_secret": identity.client_secret.get_secret_value()}
        if identity.assertion_path is not None:
            try:
                assertion = identity.assertion_path.read_text().strip()
            except OSError as exc:
                raise CredentialsUnavailable(f"the client assertion cannot be read: {exc}") from exc
        else:
            assert identity.private_key_path is not None
            assertion = signed_assertion(
                identity.private_key_path,
                client_id=identity.client_id,
                audience=token_url,
                key_id=identity.private_key_id,
            )
        return {"client_id": identity.client_id, "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}

    def _fetch(self) -> _Token:
        token_url = self._endpoint()
        form = {"grant_type": "client_credentials", "scope": self._identity.scope, **self._proof(token_url)}
        started = time.monotonic()
        try:
            answer = self._http.post(token_url, data=form)
        except httpx.HTTPError as exc:
            raise CredentialsUnavailable(f"the identity provider cannot be reached: {exc}") from exc
        if not answer.is_success:
            # The provider's error names what is wrong (invalid_client, unauthorized_client, ...), never the secret.
            raise CredentialsUnavailable(f"the identity provider refused the token request: {answer.text[:300]}")
        try:
            body = answer.json()
            value = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise CredentialsUnavailable(f"the identity provider's token answer is not usable: {exc}") from exc
        ahead = max(MIN_RENEW_AHEAD_S, lifetime * RENEW_AT_REMAINING_SHARE)
        return _Token(value=value, renew_at=started + max(lifetime - ahead, 0.0), expires_at=started + lifetime)


def signed_assertion(key_path: Path, *, client_id: str, audience: str, key_id: str | None = None) -> str:
    """A client assertion (RFC 7523 §3): this client, for this token endpoint, for five minutes, used once."""
    try:
        key = load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CredentialsUnavailable(f"the private key cannot be read: {exc}") from exc
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = "ES256"
    elif isinstance(key, rsa.RSAPrivateKey):
        algorithm = "RS256"
    else:
        raise CredentialsUnavailable("the private key is neither RSA nor EC")
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + ASSERTION_LIFETIME_S,
    }
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": key_id} if key_id else None)
