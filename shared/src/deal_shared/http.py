"""Typed HTTP calls between services: parse a response into a contract model or raise `RemoteError`."""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from deal_shared.errors import Problem, RemoteError
from deal_shared.web.request_context import REQUEST_ID_HEADER, current_request_id

T = TypeVar("T")


def _propagate_request_id(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def service_http_client(base_url: str, *, token: str | None = None, timeout: float = 5.0) -> httpx.Client:
    """An httpx client that passes the current request id on to the service it calls."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(
        base_url=base_url, headers=headers, timeout=timeout, event_hooks={"request": [_propagate_request_id]}
    )


def send(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    try:
        response = client.send(request)
    except httpx.HTTPError as exc:
        raise RemoteError(f"{request.method} {request.url} failed: {exc}") from exc
    if response.is_error:
        problem = None
        try:
            problem = Problem.model_validate(response.json())
        except (ValueError, ValidationError):
            pass
        detail = problem.detail if problem else response.text[:200]
        raise RemoteError(
            f"{request.method} {request.url} answered {response.status_code}: {detail}",
            status=response.status_code,
            problem=problem,
        )
    return response


def parse(response: httpx.Response, model: type[T]) -> T:
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate_json(response.content)  # type: ignore[return-value]
        return TypeAdapter(model).validate_json(response.content)
    except ValidationError as exc:
        raise RemoteError(f"{response.request.url} answered a body that breaks the contract: {exc}") from exc
