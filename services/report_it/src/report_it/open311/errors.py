"""Open311's errors, and how any error raised under /open311/v2 becomes an Open311 `errors` document.

The spec's statuses: 404 for an unknown service, request or token; 403 for a missing or bad api_key; 400 for
everything else a client can get wrong.
"""

from __future__ import annotations

import logging

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from deal_shared.errors import BadRequest, NotFound, ServiceError
from deal_shared.web.refused_writes import refusal

log = logging.getLogger("report_it.open311")


class InvalidApiKey(ServiceError):
    status_code = 403
    title = "Missing or invalid api_key"


class UnknownService(NotFound):
    title = "Unknown service_code"


class UnknownRequest(NotFound):
    title = "Unknown service_request_id"


class UnknownToken(NotFound):
    title = "Unknown token"


class UnknownResource(NotFound):
    title = "No such resource"


class InvalidParameter(BadRequest):
    title = "Invalid parameter"


class ApiKeyNotFound(NotFound):
    title = "API key not found"


def open311_status(exc: Exception) -> tuple[int, list[str]]:
    """The status and error descriptions an exception is answered with in Open311 format."""
    if isinstance(exc, ServiceError):
        if isinstance(exc, NotFound):
            status = 404
        elif isinstance(exc, InvalidApiKey):
            status = 403
        else:
            status = 400
        details = [f"{e.field}: {e.reason}" for e in exc.errors or []]
        return status, details or [exc.detail]
    if isinstance(exc, RequestValidationError):
        details = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body"))
            details.append(f"{where}: {error.get('msg', 'is not valid')}")
        return 400, details or ["The request is not valid."]
    if isinstance(exc, HTTPException):
        status = 404 if exc.status_code == 404 else 400
        return status, [exc.detail if isinstance(exc.detail, str) else "The request is not valid."]
    refused = refusal(exc)
    if refused is not None:  # a write the database refused on the client's account: Open311 says 400
        return 400, [f"{e.field}: {e.reason}" for e in refused.errors] or [refused.detail]
    log.exception("unhandled error in Open311", exc_info=exc)
    return 500, ["Something went wrong on our side; it has been logged. Please try again."]
