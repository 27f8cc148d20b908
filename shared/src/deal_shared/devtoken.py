"""Development signing key and token minting, for local runs and tests only (never trusted in production).

python -m deal_shared.devtoken --role staff --role admin --sub demo.officer
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from deal_shared.auth import DEFAULT_AUDIENCE, DEV_ISSUER


def ensure_dev_key(path: Path) -> dict[str, Any]:
    """Create the development key pair at `path` if it is not there yet; return its JWKs."""
    if path.exists():
        return json.loads(path.read_text())
    private_key = ec.generate_private_key(ec.SECP256R1())
    kid = f"dev-{uuid.uuid4().hex[:8]}"
    private = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private_key))
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key()))
    for jwk in (private, public):
        jwk.update({"kid": kid, "alg": "ES256", "use": "sig"})
    document = {"private": private, "public": public}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    return document


def mint_token(
    key_path: Path,
    *,
    subject: str,
    roles: list[str],
    name: str | None = None,
    department: str | None = None,
    email: str | None = None,
    audience: str = DEFAULT_AUDIENCE,
    issuer: str = DEV_ISSUER,
    lifetime_seconds: int = 12 * 3600,
    extra: dict[str, Any] | None = None,
) -> str:
    document = ensure_dev_key(key_path)
    key = jwt.PyJWK(document["private"]).key
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "roles": roles,
        **({"name": name} if name else {}),
        **({"department": department} if department else {}),
        **({"email": email} if email else {}),
        **(extra or {}),
    }
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": document["private"]["kid"]})


def main() -> None:
    parser = argparse.ArgumentParser(description="Mint a development bearer token")
    parser.add_argument("--key", type=Path, default=Path("var/dev-signing-key.json"))
    parser.add_argument("--sub", default="demo.officer")
    parser.add_argument("--name", default="Demo Officer")
    parser.add_argument("--department", default="environment")
    parser.add_argument("--role", action="append", dest="roles")
    parser.add_argument("--hours", type=int, default=12)
    args = parser.parse_args()
    print(
        mint_token(
            args.key,
            subject=args.sub,
            roles=args.roles or ["staff"],
            name=args.name,
            department=args.department,
            lifetime_seconds=args.hours * 3600,
        )
    )


if __name__ == "__main__":
    main()
