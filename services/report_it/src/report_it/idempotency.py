"""Idempotent submission: the first response to a key is stored in the same transaction as the change (or, for
a new report on PostgreSQL, in the same statement: `store_once`).

A retry of the same request gets that response again; the same key with another body is refused. Racing
duplicates are settled by the key's primary key: the loser's insert fails, and it replays the winner's answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import CTE, Insert
from sqlmodel import Session

from deal_shared.db import utcnow
from report_it.direct_write import DirectWrite
from report_it.errors import IdempotencyKeyInvalid, IdempotencyKeyReused
from report_it.models import IdempotencyRecord

UNIQUE_VIOLATION = "23505"

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def request_fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.")
    return key


def scoped_key(kind: str, subject: object, key: str) -> str:
    """The stored key of `key` sent to one endpoint about one thing, so the same key elsewhere cannot collide.

    A key too long to fit the column beside its scope is stored as its SHA-256, which still tells keys apart.
    """
    scoped = f"{kind}:{subject}:{key}"
    if len(scoped) <= MAX_KEY_LENGTH:
        return scoped
    return f"{kind}:{subject}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def _replay(record: IdempotencyRecord, request_hash: str) -> Replay:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
        )
    assert record.status_code is not None and record.response_body is not None
    return Replay(record.status_code, record.response_body)


def claim(session: Session, *, key: str, request_hash: str) -> Replay | None:
    """Claim `key` for this transaction, or return the stored answer of the request that already holds it.

    Call it before any other write of the transaction: on a conflict the transaction is rolled back.
    """
    session.add(IdempotencyRecord(key=key, request_hash=request_hash))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        record = session.get(IdempotencyRecord, key)
        if record is None:  # the holder rolled back: there is nothing to replay, so claim again
            return claim(session, key=key, request_hash=request_hash)
        return _replay(record, request_hash)
    return None


def with_record(write: CTE) -> Insert:
    """One statement that runs `write` (an INSERT ... RETURNING as a CTE) and inserts the key's record."""
    table = IdempotencyRecord.__table__
    return (
        insert(table)
        .values({column: bindparam(f"idempotency_{column.key}", type_=column.type) for column in table.columns})
        .add_cte(write)
    )


def store_once(
    session: Session,
    *,
    write: DirectWrite,
    params: dict[str, Any],
    key: str,
    request_hash: str,
    status_code: int,
    body: dict[str, Any],
) -> Replay | None:
    """PostgreSQL: run `write` (a `with_record` statement) with `params`, recording the key's answer with the write.

    One statement is atomic by itself, so it runs without BEGIN and COMMIT: one round trip where claim, write,
    remember and commit take five. A retry, or a duplicate racing this one, fails on the key and gets the stored
    answer (read through `session`) instead; only the statement that wrote the record wrote anything.
    """
    record = {
        "idempotency_key": key,
        "idempotency_request_hash": request_hash,
        "idempotency_status_code": status_code,
        "idempotency_response_body": body,
        "idempotency_created_at": utcnow(),
    }
    try:
        write.run({**params, **record})
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
        stored = session.get(IdempotencyRecord, key)
        if stored is None or stored.status_code is None:
            raise  # not the key (a reference collided, say), or its holder gave up: let the client retry
        return _replay(stored, request_hash)
    return None


def remember(session: Session, *, key: str, status_code: int, body: dict[str, Any]) -> None:
    record = session.get(IdempotencyRecord, key)
    assert record is not None, "claim() first"
    record.status_code = status_code
    record.response_body = body
    session.add(record)
