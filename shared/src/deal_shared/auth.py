"""Who is calling: OAuth2 bearer JWTs (RS256/ES256) verified against an issuer, an audience and a JWKS.

The council's identity provider (Microsoft Entra ID, or any OpenID provider) plugs in through `AuthSettings`:
its issuer (the JWKS is found by discovery unless `jwks_url` is given), the API's audience, and the claim its
roles come in. For local runs and tests a development key signs tokens (see `deal_shared.devtoken`); services
trust it only in dev mode.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings
from starlette.concurrency import run_in_threadpool

from deal_shared.errors import Forbidden, Unauthenticated
from deal_shared.oidc_keys import JwksCache

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
    # Unset: discovered from the issuer's /.well-known/openid-configuration.
    jwks_url: str | None = None
    # Where the provider puts the caller's roles; Entra ID puts app roles in `roles`. A dotted path reaches into
    # a nested claim (e.g. `realm_access.roles`).
    roles_claim: str = "roles"
    # An unknown key id fetches the keys again (the provider rotated), at most this often.
    jwks_min_refresh_seconds: float = 10
    jwks_max_age_seconds: float = 3600
    dev_mode: bool = False
    dev_key_path: Path = Path("var/dev-signing-key.json")
    leeway_seconds: int = 30

    @property
    def uses_identity_provider(self) -> bool:
        return bool(self.jwks_url) or self.issuer != DEV_ISSUER


class TokenVerifier:
    def __init__(self, settings: AuthSettings, *, jwks: JwksCache | None = None) -> None:
        self.settings = settings
        self._static_keys: dict[str | None, Any] = {}
        self._jwks = jwks
        if settings.dev_mode:
            public = json.loads(settings.dev_key_path.read_text())["public"]
            self._static_keys[public.get("kid")] = jwt.PyJWK(public).key
        if settings.uses_identity_provider and self._jwks is None:
            self._jwks = JwksCache(
                settings.jwks_url,
                issuer=settings.issuer,
                min_refresh_seconds=settings.jwks_min_refresh_seconds,
                max_age_seconds=settings.jwks_max_age_seconds,
            )
        if not self._static_keys and self._jwks is None:
            raise ValueError("auth needs the identity provider's issuer (or JWKS URL), or dev mode with a dev key")
        # Development tokens carry the development issuer even when a real provider is configured beside them.
        self._dev_issuers = sorted({settings.issuer, DEV_ISSUER})

    def _key(self, kid: str | None) -> tuple[Any, str | list[str]]:
        """The key to check the signature with, and the issuers a token signed with it may name."""
        if kid in self._static_keys:
            return self._static_keys[kid], self._dev_issuers
        if self._jwks is not None:
            return self._jwks.key_for(kid), self.settings.issuer
        raise Unauthenticated("The token was signed with an unknown key.")

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The bearer token is not a well-formed JWT.") from exc
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise Unauthenticated(f"Tokens signed with alg={algorithm!r} are not accepted; use RS256 or ES256.")
        key, issuers = self._key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=issuers,
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
        return principal_from_claims(claims, roles_claim=self.settings.roles_claim)


def _claim_at(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def principal_from_claims(claims: dict[str, Any], *, roles_claim: str = "roles") -> Principal:
    raw_roles = _claim_at(claims, roles_claim) or []
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


_PRINCIPAL = "deal.principal"


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
    cached = request.scope.get(_PRINCIPAL)
    if cached is not None and cached[0] == token:  # verified once per request, however many ask
        return cached[1]
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await run_in_threadpool(verifier.verify, token)
    request.scope[_PRINCIPAL] = (token, principal)
    return principal


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
