"""Who is calling: OAuth2 bearer JWTs (RS256/ES256) verified against an issuer, an audience and a JWKS.

The council's identity provider (e.g. Microsoft Entra ID) plugs in through `AuthSettings`. For local runs
and tests a development key signs tokens (see `deal_shared.devtoken`); services trust it only in dev mode.
"""

from __future__ import annotations

import json
import threading
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings
from starlette.concurrency import run_in_threadpool

from deal_shared.errors import Forbidden, Unauthenticated

ALLOWED_ALGORITHMS = ["RS256", "ES256"]
DEV_ISSUER = "https://dev.deal-digital.invalid/"
DEFAULT_AUDIENCE = "api://deal-digital"


class Role(StrEnum):
    staff = "staff"
    team_leader = "team_leader"
    manager = "manager"
    admin = "admin"
    safeguarding = "safeguarding"
    service = "service"


class Principal(BaseModel):
    """A verified caller."""

    subject: str
    name: str | None = None
    email: str | None = None
    roles: frozenset[Role] = Field(default_factory=frozenset)
    department: str | None = Field(default=None, description="The caller's council service, e.g. waste")

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


class AuthSettings(BaseSettings):
    """Nested into each service's settings (e.g. REPORT_IT_AUTH__ISSUER)."""

    issuer: str = DEV_ISSUER
    audience: str = DEFAULT_AUDIENCE
    jwks_url: str | None = None
    dev_mode: bool = False
    dev_key_path: Path = Path("var/dev-signing-key.json")
    leeway_seconds: int = 30


class JwksCache:
    """Fetches the identity provider's JWKS, refreshing on an unknown key id (keys rotate) at most every 60 s."""

    def __init__(self, url: str, *, http: httpx.Client | None = None) -> None:
        self.url = url
        self.http = http or httpx.Client(timeout=5)
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def key_for(self, kid: str | None) -> Any:
        if kid not in self._keys and time.monotonic() - self._fetched_at > 60:
            self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        if kid not in self._keys:
            raise Unauthenticated("The token was signed with a key the identity provider does not publish.")
        return self._keys[kid]

    def _refresh(self) -> None:
        with self._lock:
            try:
                document = self.http.get(self.url).raise_for_status().json()
            except (httpx.HTTPError, ValueError) as exc:
                raise Unauthenticated("The identity provider's keys could not be fetched; try again.") from exc
            self._keys = {k.get("kid"): jwt.PyJWK(k).key for k in document.get("keys", [])}
            self._fetched_at = time.monotonic()


class TokenVerifier:
    def __init__(self, settings: AuthSettings, *, jwks: JwksCache | None = None) -> None:
        self.settings = settings
        self._static_keys: dict[str | None, Any] = {}
        self._jwks = jwks
        if settings.dev_mode:
            public = json.loads(settings.dev_key_path.read_text())["public"]
            self._static_keys[public.get("kid")] = jwt.PyJWK(public).key
        if settings.jwks_url and self._jwks is None:
            self._jwks = JwksCache(settings.jwks_url)
        if not self._static_keys and self._jwks is None:
            raise ValueError("auth needs a JWKS URL, or dev mode with a development key")

    def _key(self, kid: str | None) -> Any:
        if kid in self._static_keys:
            return self._static_keys[kid]
        if self._jwks is not None:
            return self._jwks.key_for(kid)
        raise Unauthenticated("The token was signed with an unknown key.")

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The bearer token is not a well-formed JWT.") from exc
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise Unauthenticated(f"Tokens signed with alg={algorithm!r} are not accepted; use RS256 or ES256.")
        try:
            claims = jwt.decode(
                token,
                self._key(header.get("kid")),
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The bearer token has expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated(
                f"The bearer token is not meant for this API (audience {self.settings.audience})."
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthenticated(
                "The bearer token was issued by an identity provider this API does not trust."
            ) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"The bearer token lacks the {exc.claim!r} claim.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The bearer token's signature or claims are not valid.") from exc
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    raw_roles = claims.get("roles") or []
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    roles = frozenset(Role(r) for r in raw_roles if r in Role.__members__)
    return Principal(
        subject=str(claims["sub"]),
        name=claims.get("name"),
        email=claims.get("email") or claims.get("preferred_username"),
        roles=roles,
        department=claims.get("department"),
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


async def optional_principal(request: Request) -> Principal | None:
    # Async, so an anonymous request costs no thread hand-off; verifying may fetch the identity provider's keys
    # (blocking I/O), so that runs in the thread pool.
    token = _bearer(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    return await run_in_threadpool(verifier.verify, token)


async def current_principal(request: Request) -> Principal:
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthenticated("This endpoint needs a bearer token.")
    return principal


def require_roles(*roles: Role):
    """A dependency admitting a verified caller holding any of `roles`."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(*roles):
            needed = ", ".join(sorted(r.value for r in roles))
            raise Forbidden(f"This needs one of these roles: {needed}.", required_roles=sorted(roles))
        return principal

    return dependency


StaffPrincipal = Annotated[
    Principal,
    Depends(require_roles(Role.staff, Role.team_leader, Role.manager, Role.admin, Role.safeguarding)),
]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]
