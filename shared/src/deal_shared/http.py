"""Typed HTTP calls between services: parse a response into a contract model or raise `RemoteError`."""

from __future__ import annotations

from collections.abc import Callable, Generator
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


class BearerFrom(httpx.Auth):
    """A bearer token asked for afresh on every request, so one long-lived client outlives the tokens it sends.

    When the peer answers 401 and the token can be renewed (it has `invalidate` and is `renewable`, as a granted
    token is), the request is sent once more with a fresh token: the provider may have revoked the old one, or the
    peer may already trust only the provider's new keys."""

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sent = self._token()
        request.headers["Authorization"] = f"Bearer {sent}"
        response = yield request
        if response.status_code == 401 and getattr(self._token, "renewable", False):
            self._token.invalidate(sent)  # type: ignore[attr-defined]
            request.headers["Authorization"] = f"Bearer {self._token()}"
            yield request


def service_http_client(
    base_url: str, *, token: str | Callable[[], str] | None = None, timeout: float = 5.0
) -> httpx.Client:
    """An httpx client that passes the current request id on to the service it calls.

    Making a client costs tens of milliseconds (it loads the CA bundle) and a new one opens a new connection, so a
    component calling a service over and over keeps one, passing `token` as a callable (e.g. an `OutboundToken`)
    that is asked for a current token on each request."""
    headers = {"Authorization": f"Bearer {token}"} if isinstance(token, str) and token else {}
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        auth=BearerFrom(token) if callable(token) else None,
        timeout=timeout,
        event_hooks={"request": [_propagate_request_id]},
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
