"""Report IT's settings, from REPORT_IT_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from deal_shared.settings import ServiceSettings


class StorageBackend(StrEnum):
    local = "local"
    s3 = "s3"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORT_IT_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///var/report_it.db"
    borough_geojson_path: str | None = Field(default=None, description="The council's borough outline")

    storage_backend: StorageBackend = StorageBackend.local
    photo_dir: Path = Path("var/photos")
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "eu-west-2"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    max_photos_per_report: int = 6
    max_photo_bytes: int = 15 * 1024 * 1024
    max_photo_pixels: int = 50_000_000
    photo_max_edge: int = 2048
    thumbnail_edge: int = 320

    sensitive_grid_m: int = Field(default=250, description="Public location of sensitive reports snaps to this grid")
    idempotency_ttl_hours: int = 48
