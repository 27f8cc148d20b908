"""The error envelope every Deal Digital API speaks: RFC 9457 problem details.

Exception tree:

    ServiceError            a domain error raised by a service; its class name is the machine `code`
    ├── BadRequest          400
    ├── Unauthenticated     401 (token missing, malformed, expired, wrong issuer or audience)
    ├── Forbidden           403 (verified token without the required role)
    ├── NotFound            404
    ├── Conflict            409
    ├── StaleVersion        412 (If-Match named a version that is no longer current; `current` shows what is)
    ├── Unprocessable       422
    └── TooManyRequests     429 (with Retry-After: a limit per client or per contact was reached)
    RemoteError             another service answered with an error, or could not be reached
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://deal.wigan.gov.uk/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. body.location.lat")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine `code` and per-field `errors` for validation."""

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None

    model_config = {"extra": "allow"}


class ServiceError(Exception):
    """A domain error: subclasses set the status; the class name is the machine code on the wire."""

    status_code: int = 400
    title: str = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra
        self.headers: dict[str, str] = {}

    @property
    def code(self) -> str:
        return type(self).__name__

    def to_problem(self, *, instance: str | None = None, request_id: str | None = None) -> Problem:
        return Problem(
            type=PROBLEM_TYPE_BASE + self.code,
            title=self.title,
            status=self.status_code,
            detail=self.detail,
            code=self.code,
            instance=instance,
            request_id=request_id,
            errors=self.errors,
            **self.extra,
        )


class BadRequest(ServiceError):
    status_code = 400
    title = "Bad request"


class Unauthenticated(ServiceError):
    status_code = 401
    title = "Authentication required"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Forbidden(ServiceError):
    status_code = 403
    title = "Forbidden"


class NotFound(ServiceError):
    status_code = 404
    title = "Not found"


class Conflict(ServiceError):
    status_code = 409
    title = "Conflict"


class StaleVersion(ServiceError):
    """The caller changed something from an old copy: someone else changed it first. Carries `current`."""

    status_code = 412
    title = "Changed by someone else"


class Unprocessable(ServiceError):
    status_code = 422
    title = "Unprocessable content"


class ValidationFailed(Unprocessable):
    title = "Validation failed"


class TooManyRequests(ServiceError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int, **extra: Any) -> None:
        super().__init__(detail, retry_after_s=retry_after_s, **extra)
        self.headers = {"Retry-After": str(retry_after_s)}


class RemoteError(Exception):
    """Another service answered with an error (`problem` set) or could not be reached (`status` None)."""

    def __init__(self, message: str, *, status: int | None = None, problem: Problem | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status == 429
