"""The field app's settings, from REPORT_IT_APP_* environment variables (kept apart from the API's settings)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"


class WebAppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPORT_IT_APP_", extra="ignore")

    tile_url: str = Field(
        default=OSM_TILES,
        description="Map tiles as a {z}/{x}/{y} template; empty: no map, the app offers a plain position picker",
    )
    tile_attribution: str = OSM_ATTRIBUTION
    tile_max_zoom: int = Field(default=19, ge=1, le=22)
    centre_lat: float = Field(default=53.545, description="Where the map opens without a GPS fix (Wigan)")
    centre_long: float = -2.632
    # The staff screens call these services straight from the phone (each lists the app's origin in its CORS list).
    footprints_url: str = Field(
        default="http://127.0.0.1:8002",
        description="Footprints as phones reach it, for staff caseloads; empty: caseloads from Report IT only",
    )
    volunteering_url: str = Field(
        default="http://127.0.0.1:8003",
        description="Volunteering as phones reach it, for staff volunteering days; empty: not offered",
    )
    # Staff sign in with the council's identity provider (OAuth 2.0 authorization code with PKCE; the app is a
    # public client, so there is no secret to keep). Without an issuer, staff paste a token as before.
    sign_in_issuer: str = Field(
        default="",
        description="The identity provider's issuer (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0)",
    )
    sign_in_client_id: str = Field(default="", description="The field app's client (application) id at the provider")
    sign_in_scopes: str = Field(
        default="openid profile offline_access",
        description="Space-separated scopes to ask for: add the API's own (Entra ID: api://deal-digital/<scope>)",
    )
