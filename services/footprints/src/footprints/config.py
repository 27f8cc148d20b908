"""Footprints's settings, from FOOTPRINTS_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from deal_shared.outbox import Backoff
from deal_shared.settings import ServiceSettings

# Where `make run` serves the field app, which calls this API from the staff's phones.
FIELD_APP_ORIGINS = ("http://127.0.0.1:8001", "http://localhost:8001")


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FOOTPRINTS_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///var/footprints.db"
    report_it_url: str = "http://127.0.0.1:8001"
    service_token: SecretStr | None = None
    cors_origins: list[str] = Field(
        default_factory=lambda: list(FIELD_APP_ORIGINS),
        description="Browser origins allowed to call this API (the field app); empty: none",
    )

    boundary_tolerance_m2: float = Field(default=5000.0, description="Gaps and overlaps up to this are accepted")
    places_refresh_s: float = Field(default=30.0, description="How often serving processes look for new boundaries")

    lending_radius_m: float = 4000.0
    lending_penalty_m: float = 1500.0
    repair_lending_radius_m: float = 8000.0
    move_penalty_m: float = 2000.0
    fair_mode: bool = Field(default=False, description="Rising cost as a worker fills up: an even spread")
    fairness_m: float = 10000.0
    online_load_m: float = 1500.0
    rebalance_time_budget_s: float = 5.0

    deliver_in_process: bool = Field(default=True, description="Run the outbox deliverer inside `serve`")
    outbox_poll_s: float = 1.0
    outbox_backoff_base_s: float = Field(default=1.0, description="Longest wait after a first failed delivery")
    outbox_max_backoff_s: float = Field(default=300.0, description="Longest wait between two delivery attempts")
    outbox_max_attempts: int = 50
    outbox_concurrency: int = Field(default=4, ge=1, le=32, description="Reports whose events are sent at once")
    outbox_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a deliverer holds the events it took before another may take them over (at least "
        "twice the longest send to Report IT)",
    )

    def outbox_backoff(self) -> Backoff:
        return Backoff(first_s=self.outbox_backoff_base_s, cap_s=self.outbox_max_backoff_s)
