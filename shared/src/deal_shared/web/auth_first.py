"""Refuse a request without a token before its body is read, on every route that needs one.

FastAPI reads and decodes a route's body before it resolves the route's dependencies, so an anonymous request to a
staff endpoint had its body read (and a malformed one answered 422) before the token check could say 401. A route
whose dependencies include `current_principal` cannot succeed without an Authorization header, so its absence is
answered at once; a token that is present is still verified by the route's own dependency, as before.

Every router is made with this route class (or one built on it: `idempotent_route`), so no route is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from deal_shared.auth import current_principal
from deal_shared.errors import Unauthenticated


def needs_token(dependant: Dependant) -> bool:
    return any(d.call is current_principal or needs_token(d) for d in dependant.dependencies)


class TokenFirstRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not needs_token(self.dependant):
            return handler

        async def handle(request: Request) -> Response:
            if "authorization" not in request.headers:
                raise Unauthenticated("This endpoint needs a bearer token.")
            return await handler(request)

        return handle
