"""Routes under /app/: the static shell (gzip, ETags, cache headers), the service worker and /app/config.json."""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from deal_shared.errors import NotFound
from deal_shared.web.auth_first import TokenFirstRoute
from report_it.webapp.settings import WebAppSettings
from report_it.webapp.sign_in import ProviderDirectory, sign_in_config, token_urls

STATIC = Path(__file__).parent / "static"
SERVICE_WORKER = "sw.js"
# Versioned vendor folders never change under their name; everything else is revalidated (cheap with ETags),
# while the service worker keeps the copy the app runs from offline.
IMMUTABLE_PREFIXES = ("vendor/",)
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json", "image/svg")
TYPES = {".js": "text/javascript", ".webmanifest": "application/manifest+json", ".css": "text/css"}

router = APIRouter(include_in_schema=False, route_class=TokenFirstRoute)


class AppFileNotFound(NotFound):
    pass


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _media_type(path: Path) -> str:
    return TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _asset(body: bytes, media_type: str) -> Asset:
    compress = media_type.startswith(COMPRESSIBLE) and len(body) > 512
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    return Asset(body, gzip.compress(body, 9, mtime=0) if compress else None, media_type, etag)


def shell_files() -> list[str]:
    """Every file the service worker precaches: the whole app except the lazily loaded map library."""
    files = [p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file()]
    return sorted(f for f in files if f != SERVICE_WORKER and not f.startswith("vendor/"))


@cache
def _load(relative: str) -> Asset:
    path = (STATIC / relative).resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        raise AppFileNotFound(f"The app has no file {relative!r}.")
    body = path.read_bytes()
    if relative == SERVICE_WORKER:
        # The worker's bytes change whenever any shell file does, so browsers install the new shell by themselves.
        files = shell_files()
        digest = hashlib.sha256()
        for name in files:
            digest.update(name.encode() + (STATIC / name).read_bytes())
        body = body.replace(b'"__SHELL_VERSION__"', json.dumps(digest.hexdigest()[:16]).encode())
        body = body.replace(b'["__SHELL_FILES__"]', json.dumps(files).encode())
    return _asset(body, _media_type(path))


def _respond(request: Request, asset: Asset, cache_control: str, extra: dict[str, str] | None = None) -> Response:
    headers = {"Cache-Control": cache_control, "ETag": asset.etag, "Vary": "Accept-Encoding", **(extra or {})}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "")
    if asset.gzipped is not None and accepts_gzip:
        return Response(asset.gzipped, media_type=asset.media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def webapp_settings(request: Request) -> WebAppSettings:
    # Tests (and embedders) may place their own settings on the app; otherwise read the environment once.
    state = request.app.state
    if getattr(state, "webapp_settings", None) is None:
        state.webapp_settings = WebAppSettings()
    return state.webapp_settings


def provider_directory(request: Request) -> ProviderDirectory:
    state = request.app.state
    if getattr(state, "webapp_providers", None) is None:
        state.webapp_providers = ProviderDirectory()
    return state.webapp_providers


def _route_path(request: Request, method: str, *candidates: str) -> str | None:
    """The first of `candidates` this running app serves: the app offers what the API has, nothing more."""
    # The OpenAPI document (built once, then cached by FastAPI) lists every route of every included router.
    paths = request.app.openapi().get("paths", {})
    return next((c for c in candidates if method.lower() in paths.get(c, {})), None)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _peer_services(settings: WebAppSettings) -> dict[str, str | None]:
    """The other services the staff screens call, as base URLs without a trailing slash (None: not offered)."""
    return {
        "footprints": settings.footprints_url.rstrip("/") or None,
        "volunteering": settings.volunteering_url.rstrip("/") or None,
    }


def security_headers(settings: WebAppSettings, directory: ProviderDirectory) -> dict[str, str]:
    tile_origin = _origin(settings.tile_url.replace("{s}", "a")).replace("://a.", "://*.")
    # The app calls the other services and, to exchange a sign-in for tokens, the identity provider's token endpoint.
    called = [url for url in _peer_services(settings).values() if url] + token_urls(settings, directory)
    origins = " ".join(sorted({_origin(url) for url in called} - {""}))
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob: {tile_origin}; connect-src 'self' {origins}; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    )
    return {"Content-Security-Policy": " ".join(policy.split()), "X-Content-Type-Options": "nosniff"}


@router.api_route("/app", methods=["GET", "HEAD"])
def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=308)


@router.get("/app/config.json")
def app_config(request: Request) -> Response:
    settings = webapp_settings(request)
    config: dict[str, Any] = {
        "tiles": {
            "url": settings.tile_url,
            "attribution": settings.tile_attribution,
            "max_zoom": settings.tile_max_zoom,
        }
        if settings.tile_url
        else None,
        "centre": {"lat": settings.centre_lat, "long": settings.centre_long},
        "api": {
            "support": _route_path(request, "POST", "/v1/reports/{report_id}/support"),
            "updates": _route_path(request, "GET", "/v1/reports/{report_id}/updates"),
            "staff_update": _route_path(request, "POST", "/v1/reports/{report_id}/updates"),
            "team_reports": _route_path(request, "GET", "/v1/reports/for-my-team"),
            "templates": _route_path(request, "GET", "/v1/response-templates"),
        },
        "services": _peer_services(settings),
    }
    sign_in = sign_in_config(settings, provider_directory(request))
    if sign_in is not None:
        config["sign_in"] = sign_in
    return Response(json.dumps(config), media_type="application/json", headers={"Cache-Control": "no-cache"})


@router.api_route("/app/{relative:path}", methods=["GET", "HEAD"])
def app_file(relative: str, request: Request) -> Response:
    relative = relative or "index.html"
    asset = _load(relative)
    extra: dict[str, str] = {}
    if relative == "index.html":
        extra = security_headers(webapp_settings(request), provider_directory(request))
    if relative == SERVICE_WORKER:
        extra = {"Service-Worker-Allowed": "/app/"}
    cache_control = "public, max-age=31536000, immutable" if relative.startswith(IMMUTABLE_PREFIXES) else "no-cache"
    return _respond(request, asset, cache_control, extra)
