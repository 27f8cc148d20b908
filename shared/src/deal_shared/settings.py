"""Settings every service shares; each service subclasses with its own env prefix (e.g. REPORT_IT_)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine

from deal_shared.auth import AuthSettings
from deal_shared.client_credentials import ServiceIdentity
from deal_shared.db import make_engine
from deal_shared.working_time import WorkingTimeSettings


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    environment: Environment = Environment.development
    database_url: str
    # Connections each process keeps open to PostgreSQL, and how many more it may open at a peak. The deployment
    # sizes them to the pooler in front of the database (deploy/README.md, "Connections").
    database_pool_size: int = Field(default=10, ge=1, description="Connections kept open per process")
    database_max_overflow: int = Field(default=10, ge=0, description="Extra connections a process may open at a peak")
    auth: AuthSettings = Field(default_factory=AuthSettings)
    # This service's own identity at the identity provider, for calling the other services (client credentials).
    identity: ServiceIdentity = Field(default_factory=ServiceIdentity)
    # The council's hours and bank holidays, which targets, due dates and overdue counts are measured in.
    working_time: WorkingTimeSettings = Field(default_factory=WorkingTimeSettings)
    log_level: str = "INFO"
    public_base_url: str = Field(default="", description="Base URL clients reach this service at")
    idempotency_ttl_hours: float = Field(
        default=48.0, gt=0, description="How long an Idempotency-Key's answer is kept for retries"
    )
    worker_heartbeat_path: Path = Field(
        default=Path("var/worker-heartbeat"), description="Touched by the worker after every pass (liveness)"
    )
    idempotency_purge_seconds: float = Field(default=600.0, gt=0, description="How often expired keys are deleted")
    # Tracing is also on when OpenTelemetry's own OTEL_EXPORTER_OTLP_ENDPOINT is set (deal_shared.tracing).
    otlp_endpoint: str = Field(default="", description="OTLP/HTTP collector base URL traces are sent to (off if empty)")

    def database_engine(self) -> Engine:
        """The engine of `database_url` with this process's pool size: every engine a service makes comes here."""
        return make_engine(
            self.database_url, pool_size=self.database_pool_size, max_overflow=self.database_max_overflow
        )

    def idempotency_ttl(self) -> timedelta:
        return timedelta(hours=self.idempotency_ttl_hours)

    @model_validator(mode="after")
    def _production_refuses_dev_mode(self) -> ServiceSettings:
        if self.environment is Environment.production and self.auth.dev_mode:
            raise ValueError("dev mode (the development signing key) is refused in production")
        if self.environment is Environment.production and not self.auth.uses_identity_provider:
            raise ValueError("production needs auth.issuer (or auth.jwks_url): the council's identity provider")
        return self
