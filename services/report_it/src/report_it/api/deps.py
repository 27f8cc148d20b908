"""Dependencies that hand routes the app's long-lived parts and the caller's identity.

They are async because they do no I/O: a plain `def` dependency costs a thread-pool hand-off per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from deal_shared.auth import optional_principal
from deal_shared.geo import Borough
from deal_shared.web.base_url import links_base_url
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
    return links_base_url(request, settings.public_base_url)


SettingsDep = Annotated[Settings, Depends(get_settings)]
BoroughDep = Annotated[Borough, Depends(get_borough)]
CategoriesDep = Annotated[CategoryCache, Depends(get_categories)]
StorageDep = Annotated[PhotoStorage, Depends(get_storage)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
BaseUrlDep = Annotated[str, Depends(base_url)]
