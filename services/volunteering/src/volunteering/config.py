"""Volunteering's settings, from VOLUNTEERING_* environment variables."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from deal_shared.settings import ServiceSettings

# Where `make run` serves the field app, which calls this API from the staff's phones.
FIELD_APP_ORIGINS = ("http://127.0.0.1:8001", "http://localhost:8001")


class LeaveYearBasis(StrEnum):
    financial = "financial"
    calendar = "calendar"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VOLUNTEERING_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///var/volunteering.db"
    footprints_url: str = "http://127.0.0.1:8002"
    report_it_url: str = "http://127.0.0.1:8001"
    cors_origins: list[str] = Field(
        default_factory=lambda: list(FIELD_APP_ORIGINS),
        description="Browser origins allowed to call this API (the field app); empty: none",
    )

    leave_year: LeaveYearBasis = Field(
        default=LeaveYearBasis.financial, description="financial: April to March; calendar: January to December"
    )
    days_per_year: float = Field(default=2, gt=0, le=30, description="Full-time entitlement in days")
    full_time_weekly_hours: float = Field(default=37, gt=0, le=60)
    working_days_per_week: int = Field(default=5, ge=1, le=7)
    carry_over_max_days: float = Field(default=0, ge=0, description="Unused days that carry into the next year")
    open_data_min_count: int = Field(default=5, ge=1, description="Cells with fewer staff than this are suppressed")

    footprint_cache_seconds: float = Field(default=24 * 3600, ge=0)
    footprint_retry_seconds: float = Field(default=30, gt=0, description="How often pending footprints are retried")
    run_background: bool = Field(default=True, description="Retry pending footprint lookups inside the server")
    suggestion_categories: list[str] = Field(default_factory=lambda: ["fly_tipping", "litter"])
    suggestion_min_reports: int = Field(default=3, ge=2)

    @property
    def standard_day_minutes(self) -> int:
        return round(self.full_time_weekly_hours * 60 / self.working_days_per_week)
