"""Idempotency-Key, one contract for every service (after the IETF httpapi idempotency-key draft).

The same key and the same request get the first answer again, with its status and body; the same key with
another request is refused (422); a request arriving while the first one with its key is still being worked on
waits a moment for it, then gets its answer, or a 409 if it is still not done.

The key's record is written in the same transaction as the change it answers, so both are saved or neither is:
a retry after a commit whose outcome was not known (the database went away mid-commit) gets the original answer
when it was saved, and is carried out afresh when it was not. Each service keeps the records in its own table
(`IdempotencyRecordBase` on its own registry).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from deal_shared import transaction_locks
from deal_shared.db import JSONType, UTCDateTime, utcnow
from deal_shared.errors import Conflict, FieldError, Unprocessable, ValidationFailed

MAX_KEY_LENGTH = 200
HEADER = "Idempotency-Key"

# How long a request waits for another request holding its key before answering 409: long enough for any
# ordinary write to finish, so a double tap gets the first answer rather than an error.
IN_FLIGHT_WAIT_S = 2.0


class IdempotencyKeyInvalid(ValidationFailed):
    title = "Idempotency key is not valid"


class IdempotencyKeyReused(Unprocessable):
    title = "Idempotency key reused with a different request"


class IdempotencyKeyInFlight(Conflict):
    title = "A request with this idempotency key is still being processed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": "1"}


class IdempotencyRecordBase(SQLModel):
    """The first response to a key; each service adds it to its own registry as `idempotency_record`."""

    key: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: Any = Field(default=None, sa_type=JSONType, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any


def request_fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            errors=[
                FieldError(field="header.Idempotency-Key", reason=f"is not 1 to {MAX_KEY_LENGTH} printable characters")
            ],
        )
    return key


def scoped_key(kind: str, subject: object, key: str) -> str:
    """The stored key of `key` sent to one endpoint about one thing, so the same key elsewhere cannot collide.

    A key too long to fit the column beside its scope is stored as its SHA-256, which still tells keys apart.
    """
    scoped = f"{kind}:{subject}:{key}"
    if len(scoped) <= MAX_KEY_LENGTH:
        return scoped
    hashed = f"{kind}:{subject}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    if len(hashed) <= MAX_KEY_LENGTH:
        return hashed
    return f"sha256:{hashlib.sha256(scoped.encode()).hexdigest()}"


def reused() -> IdempotencyKeyReused:
    return IdempotencyKeyReused(
        "This Idempotency-Key was already used for a different request; use a new key for a new request."
    )


def _in_flight() -> IdempotencyKeyInFlight:
    return IdempotencyKeyInFlight(
        "A request with this Idempotency-Key is still being processed; retry with the same key in a moment."
    )


def replay_of(record: IdempotencyRecordBase, request_hash: str) -> Replay:
    if record.request_hash != request_hash:
        raise reused()
    if record.status_code is None:  # saved without its answer: the request that holds it is not done
        raise _in_flight()
    return Replay(record.status_code, record.response_body)


def hold(session: Session, key: str, *, wait_s: float | None = None) -> None:
    """Make this transaction the only one working under `key` until it ends, waiting a moment for another."""
    if not transaction_locks.hold(session, f"idempotency:{key}", wait_s=IN_FLIGHT_WAIT_S if wait_s is None else wait_s):
        raise _in_flight()


def claim(
    session: Session,
    *,
    model: type[IdempotencyRecordBase],
    key: str,
    request_hash: str,
    savepoint: bool = False,
) -> Replay | None:
    """Claim `key` for this transaction, or return the stored answer of the request that already holds it.

    Call it before any other write of the transaction. A racing insert of the same key (one that did not wait
    for it) rolls back the transaction, or only the savepoint the record was added in when `savepoint` is set.
    """
    hold(session, key)
    record = session.get(model, key, populate_existing=True)
    if record is not None:
        return replay_of(record, request_hash)
    try:
        if savepoint:
            with session.begin_nested():
                session.add(model(key=key, request_hash=request_hash))
        else:
            session.add(model(key=key, request_hash=request_hash))
            session.flush()
    except IntegrityError:
        if not savepoint:
            session.rollback()
        record = session.get(model, key, populate_existing=True)
        if record is None:  # the racer rolled back: nothing to replay, so claim again
            return claim(session, model=model, key=key, request_hash=request_hash, savepoint=savepoint)
        return replay_of(record, request_hash)
    return None


@dataclass
class PendingClaim:
    """A request's key, claimed by the request's session as soon as it is opened (see `deal_shared.sessions`)."""

    model: type[IdempotencyRecordBase]
    key: str
    request_hash: str
    record: IdempotencyRecordBase | None = None

    def claim_in(self, session: Session) -> Replay | None:
        replay = claim(session, model=self.model, key=self.key, request_hash=self.request_hash)
        if replay is None:
            self.record = session.get(self.model, self.key)
        return replay

    def remember(self, *, status_code: int, body: Any) -> None:
        """Record the answer on the claimed row; the request's commit saves it with the change."""
        assert self.record is not None
        self.record.status_code = status_code
        self.record.response_body = body


class Replayed(Exception):
    def __init__(self, replay: Replay) -> None:
        super().__init__("replayed")
        self.replay = replay


def remember(session: Session, *, model: type[IdempotencyRecordBase], key: str, status_code: int, body: Any) -> None:
    record = session.get(model, key)
    assert record is not None, "claim() first"
    record.status_code = status_code
    record.response_body = body
    session.add(record)
