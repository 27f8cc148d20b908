"""Refuse a request body over a size limit before it is read: a declared length at once, a streamed one as it
passes the limit, so no request can make a service hold more than the limit in memory.

Multipart bodies (photos) have a limit of their own: Starlette spools their files to disk, and a service that takes
photos sets it from its photo limits. Every other body (JSON, forms) is read whole, so its limit is small.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deal_shared.errors import PROBLEM_TYPE_BASE, Problem
from deal_shared.web.problems import problem_response
from deal_shared.web.request_context import current_request_id

DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit: the route's own error handling answers it (a
    problem on our APIs, Open311's format on Open311), as for any other bad body."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the {limit:,}-byte limit.")
        self.limit = limit


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else None
    return None


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower() == "multipart/form-data"
    return False


def too_large_problem(path: str, limit: int) -> Problem:
    return Problem(
        type=PROBLEM_TYPE_BASE + "PayloadTooLarge",
        title="Content too large",
        status=413,
        detail=f"The request body is over the {limit:,}-byte limit.",
        code="PayloadTooLarge",
        instance=path,
        request_id=current_request_id(),
        limit_bytes=limit,
    )


class BodyLimit:
    """`limit_bytes` for every body, `multipart_limit_bytes` for multipart/form-data ones. Paths under
    `own_errors` answer in a format of their own: a declared length over the limit is left to them to refuse
    (they read at most the limit, then get `BodyTooLarge`)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit_bytes: int = DEFAULT_BODY_LIMIT_BYTES,
        multipart_limit_bytes: int | None = None,
        own_errors: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.limit_bytes = limit_bytes
        self.multipart_limit_bytes = multipart_limit_bytes or limit_bytes
        self.own_errors = own_errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.multipart_limit_bytes if _is_multipart(scope) else self.limit_bytes
        declared = _declared_length(scope)
        own_errors = bool(self.own_errors) and scope["path"].startswith(self.own_errors)
        if declared is not None and declared > limit and not own_errors:
            await problem_response(too_large_problem(scope["path"], limit))(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:  # raised where no handler turned it into an answer (outside any route)
            if started:
                raise
            await problem_response(too_large_problem(scope["path"], exc.limit))(scope, receive, send)
