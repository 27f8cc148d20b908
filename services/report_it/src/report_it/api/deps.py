"""Dependencies that hand routes the app's long-lived parts and the caller's identity.

They are async because they do no I/O: a plain `def` dependency costs a thread-pool hand-off per request.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.datastructures import URL

from deal_shared.auth import optional_principal
from deal_shared.geo import Borough
from report_it.category_cache import CategoryCache
from report_it.config import Settings
from report_it.storage import PhotoStorage
from report_it.visibility import Viewer


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_borough(request: Request) -> Borough:
    return request.app.state.borough


async def get_categories(request: Request) -> CategoryCache:
    return request.app.state.categories


async def get_storage(request: Request) -> PhotoStorage:
    return request.app.state.storage


async def get_viewer(
    request: Request,
    tracking_token: Annotated[
        str | None, Header(alias="X-Tracking-Token", description="The reporter's secret from creation")
    ] = None,
) -> Viewer:
    # The caller's token is read here rather than through a dependency of its own: nearly every request asks who
    # is calling, and each dependency costs a resolution.
    return Viewer(principal=await optional_principal(request), tracking_token=tracking_token)


async def base_url(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> str:
    return public_base_url(request, settings)


def public_base_url(request: Request, settings: Settings) -> str:
    """Where links in answers point: the configured public URL, else the one the request came to."""
    configured = settings.public_base_url.rstrip("/")
    if configured:
        return configured
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), b"")
    root = scope.get("app_root_path", scope.get("root_path", ""))
    server = scope.get("server")
    return _base_url_of(scope.get("scheme", "http"), tuple(server) if server else None, host, root)


@lru_cache(maxsize=64)
def _base_url_of(scheme: str, server: tuple[str, int | None] | None, host: bytes, root_path: str) -> str:
    # What Starlette's `request.base_url` gives, from the only parts of the request it reads. Building that URL
    # costs more than the rest of a report's links; the few distinct hosts a service is reached by are kept (the
    # Host header is the client's to choose, hence a bounded cache).
    scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": root_path if root_path.endswith("/") else root_path + "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", host)] if host else [],
    }
    return str(URL(scope=scope)).rstrip("/")


SettingsDep = Annotated[Settings, Depends(get_settings)]
BoroughDep = Annotated[Borough, Depends(get_borough)]
CategoriesDep = Annotated[CategoryCache, Depends(get_categories)]
StorageDep = Annotated[PhotoStorage, Depends(get_storage)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
BaseUrlDep = Annotated[str, Depends(base_url)]
