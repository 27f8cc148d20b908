"""A real OpenID provider for the tests (panva's certified oidc-provider under Node), on a free port.

It stands in for the council's (Microsoft Entra ID in production): discovery, JWKS, authorization code with PKCE
for the field app and the office, refresh tokens, and client credentials for each service.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.server import free_port

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
AUDIENCE = "api://deal-digital"
SERVICES = ("report-it", "footprints", "volunteering")
FIELD_APP_CLIENT = "deal-field-app"

# The staff the provider knows; a login name not listed signs in with no roles.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "officer.one": {"name": "Officer One", "email": "officer.one@wigan.example", "roles": ["staff"]},
    "lead.one": {"name": "Lead One", "email": "lead.one@wigan.example", "roles": ["staff", "team_leader"]},
    "admin.one": {"name": "Admin One", "email": "admin.one@wigan.example", "roles": ["staff", "admin"]},
}


def signing_key(kid: str) -> dict[str, Any]:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private))
    jwk.update({"kid": kid, "alg": "ES256", "use": "sig"})
    return jwk


def ensure_installed() -> None:
    """`npm ci` the provider once per checkout (node_modules is not in git)."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the identity provider tests need Node and npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True, capture_output=True)


@dataclass
class IdentityProvider:
    """A running provider; `restart(keys=...)` brings it back on the same issuer (e.g. with rotated keys)."""

    port: int
    workdir: Path
    redirect_uris: list[str]
    access_token_ttl: int = 3600
    client_credentials_ttl: int = 3600
    keys: list[dict[str, Any]] = field(default_factory=lambda: [signing_key("k1")])
    secrets: dict[str, str] = field(default_factory=dict)
    # Clients that prove themselves with a key instead of a secret (private_key_jwt): client id -> public JWK.
    keyed_clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    _process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    def _config(self) -> dict[str, Any]:
        clients: list[dict[str, Any]] = [
            {
                "client_id": FIELD_APP_CLIENT,
                "token_endpoint_auth_method": "none",
                "application_type": "web",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "redirect_uris": self.redirect_uris,
                "post_logout_redirect_uris": self.redirect_uris,
            }
        ]
        for service in SERVICES:
            self.secrets.setdefault(service, f"secret-of-{service}-{self.port}")
            clients.append(
                {
                    "client_id": service,
                    "client_secret": self.secrets[service],
                    "token_endpoint_auth_method": "client_secret_post",
                    "grant_types": ["client_credentials"],
                    "response_types": [],
                    "redirect_uris": [],
                }
            )
        for client_id, public_jwk in self.keyed_clients.items():
            clients.append(
                {
                    "client_id": client_id,
                    "token_endpoint_auth_method": "private_key_jwt",
                    "token_endpoint_auth_signing_alg": public_jwk.get("alg", "ES256"),
                    "jwks": {"keys": [public_jwk]},
                    "grant_types": ["client_credentials"],
                    "response_types": [],
                    "redirect_uris": [],
                }
            )
        return {
            "issuer": self.issuer,
            "port": self.port,
            "audience": AUDIENCE,
            "jwks": {"keys": self.keys},
            "clients": clients,
            "service_roles": {client: ["service"] for client in (*SERVICES, *self.keyed_clients)},
            "accounts": ACCOUNTS,
            "access_token_ttl": self.access_token_ttl,
            "client_credentials_ttl": self.client_credentials_ttl,
        }

    def start(self) -> None:
        config_path = self.workdir / "provider.json"
        config_path.write_text(json.dumps(self._config()))
        log = (self.workdir / "provider.log").open("ab")
        self._process = subprocess.Popen(
            ["node", str(PROVIDER_DIR / "provider.mjs"), str(config_path)],
            cwd=PROVIDER_DIR,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if b"ready" not in line:
            raise RuntimeError(f"the identity provider did not start: {(self.workdir / 'provider.log').read_text()}")
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def restart(self, *, keys: list[dict[str, Any]] | None = None) -> None:
        self.stop()
        if keys is not None:
            self.keys = keys
        self.start()

    def service_token(self, service: str) -> str:
        answer = httpx.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": service,
                "client_secret": self.secrets[service],
                "scope": "api",
            },
        )
        answer.raise_for_status()
        return answer.json()["access_token"]


@contextmanager
def identity_provider(
    *,
    redirect_uris: list[str] | None = None,
    access_token_ttl: int = 3600,
    client_credentials_ttl: int = 3600,
    keyed_clients: dict[str, dict[str, Any]] | None = None,
) -> Iterator[IdentityProvider]:
    ensure_installed()
    with tempfile.TemporaryDirectory(prefix="deal-idp-") as workdir:
        provider = IdentityProvider(
            port=free_port(),
            workdir=Path(workdir),
            redirect_uris=redirect_uris or ["http://127.0.0.1/callback"],
            access_token_ttl=access_token_ttl,
            client_credentials_ttl=client_credentials_ttl,
            keyed_clients=keyed_clients or {},
        )
        provider.start()
        try:
            yield provider
        finally:
            provider.stop()
