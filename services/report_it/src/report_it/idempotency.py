"""Report IT's side of the shared Idempotency-Key contract (`deal_shared.idempotency`): its record table, and a new
report on PostgreSQL written with its key's record in one statement (`store_once`).

A retry of the same request gets the first response again; the same key with another body is refused; a duplicate
arriving while the first holds the key waits for its answer. A duplicate racing `store_once` fails on the key's
primary key and replays the winner's answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import CTE, Insert
from sqlmodel import Session

from deal_shared import idempotency as shared
from deal_shared.db import utcnow
from deal_shared.idempotency import MAX_KEY_LENGTH, Replay, check_key, replay_of, request_fingerprint, scoped_key
from report_it.direct_write import DirectWrite
from report_it.models import IdempotencyRecord

UNIQUE_VIOLATION = "23505"


def claim(session: Session, *, key: str, request_hash: str) -> Replay | None:
    """Claim `key` for this transaction, or return the stored answer of the request that already holds it.

    Call it before any other write of the transaction: on a conflict the transaction is rolled back.
    """
    return shared.claim(session, model=IdempotencyRecord, key=key, request_hash=request_hash)


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
        return replay_of(stored, request_hash)
    return None


def remember(session: Session, *, key: str, status_code: int, body: dict[str, Any]) -> None:
    shared.remember(session, model=IdempotencyRecord, key=key, status_code=status_code, body=body)


__all__ = [
    "MAX_KEY_LENGTH",
    "Replay",
    "check_key",
    "claim",
    "remember",
    "request_fingerprint",
    "scoped_key",
    "store_once",
    "with_record",
]
