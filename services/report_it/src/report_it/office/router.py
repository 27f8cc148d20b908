"""Routes under /office/: the office's static files (ETags, its own Content Security Policy) and the borough outline."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from deal_shared.errors import NotFound
from deal_shared.web.auth_first import TokenFirstRoute

# The office signs staff in with the field app's own modules (imported from /app/js/ by URL), so its policy must
# let in exactly what the field app's does: the same provider's token endpoint and the same peers.
from report_it.webapp.router import provider_directory, security_headers, webapp_settings

STATIC = Path(__file__).parent / "static"
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html; charset=utf-8"}

router = APIRouter(include_in_schema=False, route_class=TokenFirstRoute)


class OfficeFileNotFound(NotFound):
    pass


@cache
def _load(relative: str) -> tuple[bytes, str, str]:
    path = (STATIC / relative).resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        raise OfficeFileNotFound(f"The office has no file {relative!r}.")
    body = path.read_bytes()
    media_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return body, media_type, '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


@router.api_route("/office", methods=["GET", "HEAD"])
def office_root() -> RedirectResponse:
    return RedirectResponse("/office/", status_code=308)


@cache
def _outline(borough) -> bytes:
    # Exterior rings only, as [long, lat] pairs: enough to draw where a report is; no map tiles are needed.
    geometry = borough.geometry
    polygons = getattr(geometry, "geoms", [geometry])
    rings = [[[round(x, 5), round(y, 5)] for x, y in p.exterior.coords] for p in polygons]
    return json.dumps({"name": borough.name, "rings": rings}).encode()


@router.get("/office/borough.json")
def borough_outline(request: Request) -> Response:
    body = _outline(request.app.state.borough)
    return Response(body, media_type="application/json", headers={"Cache-Control": "public, max-age=3600"})


@router.api_route("/office/{relative:path}", methods=["GET", "HEAD"])
def office_file(relative: str, request: Request) -> Response:
    relative = relative or "index.html"
    body, media_type, etag = _load(relative)
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if relative == "index.html":
        headers |= security_headers(webapp_settings(request), provider_directory(request))
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
