"""Refuse a control character in a request's path or query string before any route sees it.

Body fields are checked by the input models (deal_shared.text); a path segment or query parameter reaches the
database as it is, and PostgreSQL refuses NUL with an error, not an answer.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from deal_shared.errors import FieldError, ValidationFailed
from deal_shared.text import forbidden_reason
from deal_shared.web.problems import problem_response
from deal_shared.web.request_context import current_request_id


def _refusal(scope: Scope) -> ValidationFailed | None:
    reason = forbidden_reason(scope["path"])
    if reason is not None:
        return ValidationFailed(f"The path {reason}.", errors=[FieldError(field="path", reason=reason)])
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        reason = forbidden_reason(value) or forbidden_reason(name)
        if reason is not None:
            field = f"query.{name}" if forbidden_reason(name) is None else "query"
            return ValidationFailed(f"{field}: {reason}.", errors=[FieldError(field=field, reason=reason)])
    return None


class UrlTextGuard:
    """Answers a 422 problem for a control character in a request's URL, except under the `skip` prefixes (an API
    with an error format of its own, which cleans its parameters itself)."""

    def __init__(self, app: ASGIApp, skip: tuple[str, ...] = ()) -> None:
        self.app = app
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not (self.skip and scope["path"].startswith(self.skip)):
            refusal = _refusal(scope)
            if refusal is not None:
                problem = refusal.to_problem(instance=scope["path"], request_id=current_request_id())
                await problem_response(problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)
