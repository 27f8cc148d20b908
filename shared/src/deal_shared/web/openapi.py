"""What every service's /openapi.json says about errors: RFC 9457 problem details, as the handlers send them.

FastAPI documents a 422 `HTTPValidationError` on every route with input; our handlers never send that shape (see
`deal_shared.web.problems`). `describe_api` rewrites the generated document once, so it tells the truth: each
error a route can answer is `application/problem+json` with the `Problem` schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from deal_shared.auth import current_principal
from deal_shared.errors import PROBLEM_CONTENT_TYPE, FieldError, Problem

_REF = "#/components/schemas/{model}"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# FastAPI's own validation shapes, which no route of ours sends.
_FRAMEWORK_SCHEMAS = ("HTTPValidationError", "ValidationError")

_ERRORS = {
    "401": "No valid bearer token (missing, malformed, expired, wrong issuer or audience)",
    "403": "The token does not carry a role this needs",
    "404": "Nothing with that id (or not visible to the caller)",
    "412": "StaleVersion: If-Match named a version that is no longer current; `current` shows the one that is",
    "422": "The request is not valid: `errors` names each field and why (code ValidationFailed)",
    "503": (
        "DatabaseUnavailable: the service cannot reach its database just now; `saved` says whether a write "
        "was saved (no, or unknown: retry with the same Idempotency-Key); ServiceBusy: every database connection "
        "was busy for 3 s; RecordBusy: another request held what this one changes for 3 s (nothing saved); retry "
        "after Retry-After seconds"
    ),
}
_DEFAULT = "Any other error, as problem details with a stable `code` (400, 409, 413, 415, 429, 500 ...)"
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
# Routes that answer without their database.
_NO_DATABASE = ("/healthz",)


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is problem details."""
    schema = {"$ref": _REF.format(model="Problem")}
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}}}


def describe_api(
    app: FastAPI,
    *,
    extra_schemas: Iterable[type[BaseModel]] = (),
    own_errors: tuple[str, ...] = (),
    then: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Make `app.openapi()` document problem details on every route.

    `extra_schemas`: models that routes name in `openapi_extra` (a body read by hand), registered under their own
    names. `own_errors`: path prefixes of an API with an error format of its own, left to `then`, which may edit
    the document last.
    """
    extra = tuple(extra_schemas)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = FastAPI.openapi(app)
            _register(spec, (Problem, FieldError, *extra))
            for route, operation in _operations(app, spec):
                if not own_errors or not route.path_format.startswith(own_errors):
                    _document_errors(route, operation)
            _drop_unused(spec)
            if then is not None:
                then(spec)
            _drop_unused(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _register(spec: dict[str, Any], models: Iterable[type[BaseModel]]) -> None:
    _, top = models_json_schema([(model, "validation") for model in models], ref_template=_REF)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in top.get("$defs", {}).items():
        schemas.setdefault(name, schema)


def _routes(app: FastAPI) -> Iterable[Any]:
    """The app's routes as OpenAPI sees them: with their router's prefix and dependencies."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers were kept as such: the app holds the routes themselves
        yield from (route for route in app.routes if isinstance(route, APIRoute))
        return
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def _operations(app: FastAPI, spec: dict[str, Any]) -> Iterable[tuple[Any, dict[str, Any]]]:
    for route in _routes(app):
        if not route.include_in_schema:
            continue
        item = spec["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = item.get(method.lower())
            if operation is not None:
                yield route, operation


def _document_errors(route: Any, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    # Errors a route declares itself keep their description and take the problem body, unless the route says
    # what its body is (readiness answers its own document).
    for code, response in responses.items():
        declared = response.get("content", {}).get("application/json", {}).get("schema")
        if (code == "default" or int(code) >= 400) and (not declared or "HTTPValidationError" in str(declared)):
            responses[code] = problem_response(response.get("description") or _DEFAULT)
    if operation.get("parameters") or operation.get("requestBody"):
        responses["422"] = problem_response(_ERRORS["422"])
    else:
        responses.pop("422", None)
    authenticated, needs_role = _auth_of(route.dependant)
    if authenticated:
        responses.setdefault("401", problem_response(_ERRORS["401"]))
    if needs_role:
        responses.setdefault("403", problem_response(_ERRORS["403"]))
    if "{" in route.path_format:
        responses.setdefault("404", problem_response(_ERRORS["404"]))
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"}
    if "if-match" in headers:
        responses.setdefault("412", problem_response(_ERRORS["412"]))
    if route.path_format not in _NO_DATABASE:
        responses.setdefault("503", {**problem_response(_ERRORS["503"]), "headers": _RETRY_AFTER})
    responses.setdefault("default", problem_response(_DEFAULT))


def _auth_of(dependant: Dependant) -> tuple[bool, bool]:
    """(needs a token, needs a role): read from the route's dependencies, where the check really happens."""
    authenticated = needs_role = False
    for dependency in dependant.dependencies:
        call = dependency.call
        if call is current_principal:
            authenticated = True
        if getattr(call, "__qualname__", "").startswith("require_roles."):
            authenticated = needs_role = True
        deeper = _auth_of(dependency)
        authenticated, needs_role = authenticated or deeper[0], needs_role or deeper[1]
    return authenticated, needs_role


def _drop_unused(spec: dict[str, Any]) -> None:
    schemas = spec.get("components", {}).get("schemas", {})
    text = str(spec.get("paths")) + str({k: v for k, v in schemas.items() if k not in _FRAMEWORK_SCHEMAS})
    for name in _FRAMEWORK_SCHEMAS:
        if f"'#/components/schemas/{name}'" not in text:
            schemas.pop(name, None)
