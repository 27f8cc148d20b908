"""Render every error as RFC 9457 problem details, so no client ever sees a bare 500 or an HTML page."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from deal_shared.db_outage import DATABASE_ERROR_CLASSES, database_unavailable, lock_wait_timed_out, saved_state
from deal_shared.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, FieldError, Problem, ServiceError
from deal_shared.web.refused_writes import refusal
from deal_shared.web.request_context import current_request_id

log = logging.getLogger("deal.errors")

# Stable codes for the errors the framework raises itself, before our code runs.
_FRAMEWORK_CODES = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _reason(error: dict) -> str:
    message = str(error.get("msg", "invalid"))
    # Pydantic prefixes custom validator messages; the reason reads better without it.
    return message.removeprefix("Value error, ")


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        problem = exc.to_problem(instance=request.url.path, request_id=current_request_id())
        headers = dict(exc.headers)
        if exc.status_code == 503:
            # Unavailable for now (a peer service, the database): say when to try again, or clients guess.
            headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        return problem_response(problem, headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(field=_field_path(e["loc"]), reason=_reason(e)) for e in exc.errors()]
        summary = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
        problem = Problem(
            type=PROBLEM_TYPE_BASE + "ValidationFailed",
            title="Validation failed",
            status=422,
            detail=f"The request is not valid: {summary}",
            code="ValidationFailed",
            instance=request.url.path,
            request_id=current_request_id(),
            errors=errors,
        )
        return problem_response(problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        code = _FRAMEWORK_CODES.get(status, "HttpError")
        title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        detail = exc.detail if isinstance(exc.detail, str) else title
        if status == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path}"
        if status == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        problem = Problem(
            type=PROBLEM_TYPE_BASE + code,
            title=title,
            status=status,
            detail=detail,
            code=code,
            instance=request.url.path,
            request_id=current_request_id(),
        )
        return problem_response(problem, getattr(exc, "headers", None))

    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        if lock_wait_timed_out(exc):
            return lock_busy_response(request, exc)
        if database_unavailable(exc):
            return database_unavailable_response(request, exc)
        refused = refusal(exc)
        if refused is not None:
            log.info("write refused by the database", extra={"path": request.url.path, "code": refused.code})
            problem = Problem(
                type=PROBLEM_TYPE_BASE + refused.code,
                title=refused.title,
                status=refused.status,
                detail=refused.detail,
                code=refused.code,
                instance=request.url.path,
                request_id=current_request_id(),
                errors=refused.errors,
            )
            return problem_response(problem)
        return internal_error_response(request, exc)

    # One handler for every error that means "no database just now", whichever layer raised it (the driver's own
    # errors come through unwrapped from a raw pool checkout). Registered by class, so it runs inside the request
    # middleware and the answer carries the request id.
    for error_class in DATABASE_ERROR_CLASSES:
        app.add_exception_handler(error_class, _database_error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return internal_error_response(request, exc)


def internal_error_response(request: Request, exc: BaseException) -> JSONResponse:
    log.exception("unhandled error", extra={"path": request.url.path}, exc_info=exc)
    problem = Problem(
        type=PROBLEM_TYPE_BASE + "InternalError",
        title="Internal server error",
        status=500,
        detail="Something went wrong on our side; it has been logged. Please try again.",
        code="InternalError",
        instance=request.url.path,
        request_id=current_request_id(),
    )
    return problem_response(problem)


RETRY_AFTER_SECONDS = 5

_SAVED_DETAIL = {
    "no": "The service cannot reach its database just now; nothing was saved. Please try again shortly.",
    "unknown": (
        "The service lost its database while saving; whether the change was saved is not known. Retry with the same "
        "Idempotency-Key: if it was saved, the original answer comes back, and it is never done twice."
    ),
}


def database_unavailable_response(request: Request, exc: BaseException) -> JSONResponse:
    """503 with Retry-After; `saved` says "no" only when this request is known to have saved nothing."""
    # A read changes nothing whatever happened; only a write can leave its outcome unknown.
    saved = "no" if request.method in ("GET", "HEAD", "OPTIONS") else saved_state(exc)
    orig = getattr(exc, "orig", None) or exc
    log.warning("database unavailable", extra={"path": request.url.path, "saved": saved, "error": str(orig)[:200]})
    problem = Problem(
        type=PROBLEM_TYPE_BASE + "DatabaseUnavailable",
        title="Service temporarily unavailable",
        status=503,
        detail=_SAVED_DETAIL[saved],
        code="DatabaseUnavailable",
        instance=request.url.path,
        request_id=current_request_id(),
        saved=saved,
    )
    return problem_response(problem, {"Retry-After": str(RETRY_AFTER_SECONDS)})


LOCK_BUSY_RETRY_AFTER_SECONDS = 1


def lock_busy_response(request: Request, exc: BaseException) -> JSONResponse:
    """503 with Retry-After: another request held what this one needed to change for longer than it may wait."""
    saved = "no" if request.method in ("GET", "HEAD", "OPTIONS") else saved_state(exc)
    log.info("lock wait timed out", extra={"path": request.url.path, "saved": saved})
    problem = Problem(
        type=PROBLEM_TYPE_BASE + "RecordBusy",
        title="Busy just now",
        status=503,
        detail=(
            "Another request was changing the same record and did not finish in time; "
            + ("nothing was saved. " if saved == "no" else "whether this change was saved is not known. ")
            + "Retry in a moment with the same Idempotency-Key."
        ),
        code="RecordBusy",
        instance=request.url.path,
        request_id=current_request_id(),
        saved=saved,
    )
    return problem_response(problem, {"Retry-After": str(LOCK_BUSY_RETRY_AFTER_SECONDS)})
