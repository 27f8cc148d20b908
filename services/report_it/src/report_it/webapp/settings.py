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
