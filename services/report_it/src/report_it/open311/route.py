"""A route class that answers every error under /open311/v2 in Open311's own format, in the format asked for."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from deal_shared.sessions import discard_changes
from report_it.open311.errors import open311_status
from report_it.open311.formats import error_response, format_of


class Open311Route(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer_errors_in_open311_format(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every error becomes an Open311 document; unexpected ones are logged
                discard_changes(request)  # an error answer saves nothing
                status, descriptions = open311_status(exc)
                return error_response(format_of(request.url.path), status, descriptions)

        return answer_errors_in_open311_format
