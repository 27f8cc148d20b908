"""Idempotency-Key on every POST, PUT and PATCH of a router: `APIRouter(route_class=idempotent_route(Record))`.

A write sent with a key claims it in the request's own session, before the route runs (see
`deal_shared.sessions`); the route's answer is stored on the key's record just before the request commits, so the
answer and the change are saved together. A retry gets that answer again, marked `Idempotent-Replayed: true`.

A key belongs to one caller and one method and path: the same key from another caller, or sent elsewhere, is
another request. Within that, the request is the query and the body (JSON compared by value, anything else byte
for byte).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from deal_shared.auth import optional_principal
from deal_shared.idempotency import (
    HEADER,
    IdempotencyRecordBase,
    PendingClaim,
    Replay,
    Replayed,
    check_key,
    request_fingerprint,
    scoped_key,
)
from deal_shared.sessions import PENDING_CLAIM
from deal_shared.web.auth_first import TokenFirstRoute

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
REPLAYED_HEADER = "Idempotent-Replayed"


def _body_of(raw: bytes, content_type: str) -> Any:
    if raw and "json" in content_type:
        try:
            return {"json": json.loads(raw)}
        except ValueError:
            pass  # not JSON after all: the route refuses it; compare the bytes
    return {"sha256": hashlib.sha256(raw).hexdigest()}


def replay_response(replay: Replay) -> Response:
    headers = {REPLAYED_HEADER: "true"}
    if replay.body is None:
        return Response(status_code=replay.status_code, headers=headers)
    return JSONResponse(replay.body, status_code=replay.status_code, headers=headers)


def _answer_of(response: Response) -> Any:
    body = getattr(response, "body", b"")
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def idempotent_route(model: type[IdempotencyRecordBase]) -> type[APIRoute]:
    """A route class whose writes honour Idempotency-Key, keeping the records in `model` (the service's table)."""

    class HonouringKeys(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            if not self.methods & WRITE_METHODS:
                return handler

            async def handle(request: Request) -> Response:
                key = check_key(request.headers.get(HEADER))
                if key is None:
                    return await handler(request)
                principal = await optional_principal(request)
                caller = principal.subject if principal else "anonymous"
                raw = await request.body()  # kept on the request: the route reads the same bytes
                pending = PendingClaim(
                    model=model,
                    key=scoped_key(f"{request.method} {request.url.path}", caller, key),
                    request_hash=request_fingerprint(
                        {
                            "query": sorted(request.query_params.multi_items()),
                            "body": _body_of(raw, request.headers.get("content-type", "")),
                        }
                    ),
                )
                request.scope[PENDING_CLAIM] = pending
                try:
                    response = await handler(request)
                except Replayed as replayed:
                    return replay_response(replayed.replay)
                if pending.record is not None:  # the route wrote through the request's session
                    pending.remember(status_code=response.status_code, body=_answer_of(response))
                return response

            return handle

    # The token check comes first: a caller without a token is refused before its key or body is looked at.
    class IdempotentRoute(TokenFirstRoute, HonouringKeys):
        pass

    return IdempotentRoute
