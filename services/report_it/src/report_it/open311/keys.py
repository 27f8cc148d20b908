"""API keys: created, listed and revoked by admins; checked on every Open311 write."""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID

from sqlmodel import Session, col, func, select

from deal_shared.db import utcnow
from report_it.open311.errors import ApiKeyNotFound, InvalidApiKey
from report_it.open311.models import ApiKey, Submission

KEY_PREFIX = "o311_"
# The embedded default's documented key, for trying the API locally: seeded by `report-it setup --demo` only.
DEMO_KEY = "o311_demo_wigan_open311_key"
DEMO_KEY_NAME = "Demo key (embedded default; revoke in production)"


def hash_key(key: str) -> bytes:
    # Keys are long random strings, so a plain SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode()).digest()


def create_key(session: Session, *, name: str, created_by: str, key: str | None = None) -> tuple[ApiKey, str]:
    """Store a new key; returns it with the key itself, which is never shown again."""
    key = key or KEY_PREFIX + secrets.token_urlsafe(24)
    row = ApiKey(name=name, key_hash=hash_key(key), key_prefix=key[:12], created_by=created_by)
    session.add(row)
    session.flush()
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at).desc())).all())


def submission_counts(session: Session) -> dict[UUID, int]:
    """How many reports each key has submitted: every Open311 report is attributed to the key that sent it."""
    query = select(Submission.api_key_id, func.count()).group_by(col(Submission.api_key_id))
    return dict(session.exec(query).all())


def revoke_key(session: Session, *, key_id: UUID) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise ApiKeyNotFound(f"There is no API key {key_id}.", key_id=str(key_id))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
    return row


def authenticate(session: Session, key: str | None) -> ApiKey:
    if not key:
        raise InvalidApiKey("An api_key is required; ask the council for one.")
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None or row.revoked_at is not None:
        raise InvalidApiKey("The api_key is not valid, or has been revoked.")
    return row


def seed_demo_key(session: Session) -> int:
    """Add the documented demo key unless it is there (revoked or not). Returns how many were added."""
    if session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(DEMO_KEY))).first() is not None:
        return 0
    create_key(session, name=DEMO_KEY_NAME, created_by="setup --demo", key=DEMO_KEY)
    return 1
