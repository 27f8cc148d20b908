"""The request id: taken from `X-Request-ID` or minted, kept in a context variable, passed to callees."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


def accept_or_mint(incoming: str | None) -> str:
    # Accept the caller's id only if it is short and printable, so logs cannot be forged or flooded.
    if incoming and len(incoming) <= 128 and incoming.isprintable() and " " not in incoming:
        return incoming
    return uuid.uuid4().hex
