"""Idempotency-Key on the writes about one report: claim the key first, replay the stored answer to a retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from report_it.idempotency import check_key, claim, remember, request_fingerprint, scoped_key

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A fresh key per change; a retry with the same key and body gets the first answer again",
    ),
]


@dataclass(frozen=True)
class Claimed:
    """The outcome of claiming a request's key: `replay` is set when an earlier request already answered it."""

    key: str | None
    replay: JSONResponse | None = None

    def remember(self, session: Session, *, status_code: int, body: BaseModel) -> None:
        if self.key is not None:
            remember(session, key=self.key, status_code=status_code, body=body.model_dump(mode="json"))


def claim_key(session: Session, *, header: str | None, kind: str, report_id: UUID, request: Any) -> Claimed:
    """Claim the Idempotency-Key of a `kind` request about one report; call it before the request writes anything.

    `request` is everything that makes two requests the same one: the body, the photo's hash and the caller.
    """
    key = check_key(header)
    if key is None:
        return Claimed(key=None)
    stored = scoped_key(kind, report_id, key)
    replay = claim(session, key=stored, request_hash=request_fingerprint(request))
    if replay is None:
        return Claimed(key=stored)
    return Claimed(
        key=None,
        replay=JSONResponse(replay.body, status_code=replay.status_code, headers={"Idempotent-Replayed": "true"}),
    )
