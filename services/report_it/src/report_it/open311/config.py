"""Open311 settings, from REPORT_IT_OPEN311_* environment variables (tests put their own on app.state)."""

from __future__ import annotations

from fastapi import Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Open311Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPORT_IT_OPEN311_", extra="ignore")

    agency_responsible: str = "Wigan Council"
    contact: str = "Wigan Council Report IT team, report.it@wigan.gov.uk"
    key_service: str = "Ask for an API key at report.it@wigan.gov.uk"
    batch_services: list[str] = Field(
        default_factory=list,
        description="Service codes answered with a token (type=batch) rather than a service_request_id",
    )
    max_page_size: int = 1000
    default_page_size: int = 100
    default_window_days: int = Field(default=90, description="GET requests without dates: this many recent days")


def get_open311_settings(request: Request) -> Open311Settings:
    settings = getattr(request.app.state, "open311_settings", None)
    if settings is None:
        settings = request.app.state.open311_settings = Open311Settings()
    return settings
