"""Volunteering's settings, from VOLUNTEERING_* environment variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from deal_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VOLUNTEERING_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///var/volunteering.db"
