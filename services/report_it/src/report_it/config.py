"""Report IT's settings, from REPORT_IT_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from deal_shared.settings import ServiceSettings
from deal_shared.working_time import WorkingTimeSettings


class StorageBackend(StrEnum):
    local = "local"
    s3 = "s3"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORT_IT_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///var/report_it.db"
    borough_geojson_path: str | None = Field(default=None, description="The council's borough outline")
    flytipping_codes_path: str | None = Field(
        default=None, description="Defra's fly-tipping code lists (default: the file shipped in report_it/data)"
    )

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

    # The council's working hours and bank holidays: category targets in working time are measured on them.
    working_time: WorkingTimeSettings = Field(default_factory=WorkingTimeSettings)

    reopen_days: int = Field(default=28, description="How long after a fix the reporter may say 'not fixed'")
    retention_months: int = Field(default=24, description="Contact details go this long after a report closes")

    # Clusters ("hotspots"): single-linkage of open reports of one category, see report_it.clusters.
    cluster_link_m: float = 150.0
    cluster_link_days: int = 30
    cluster_default_window_days: int = 90

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Report IT <report-it@wigan.gov.uk>"

    footprints_url: str = "http://127.0.0.1:8002"
    # Where clean-ups held at hotspots are read from (outcomes); empty: they are not counted.
    volunteering_url: str = "http://127.0.0.1:8003"
    service_token: SecretStr | None = None

    # The nearby lookup's in-memory model of open reports (see nearby_index).
    nearby_in_memory: bool = Field(
        default=True, description="Answer the nearby lookup from an in-memory model of open reports (see nearby_index)"
    )
    nearby_refresh_seconds: float = Field(default=1.0, description="How soon other processes' changes reach it")
    nearby_rendered_max: int = Field(default=50_000, description="Reports whose public JSON it keeps rendered")

    # Routing rules applied to new reports in the background (see routing.router).
    run_router: bool = True
    routing_poll_seconds: float = 1.0
    routing_batch_size: int = 50

    # Abuse limits kept in the service (the gateway has its own): anonymous writes per client address, and reports
    # per e-mail address or phone number over a day. 0 switches a limit off.
    anonymous_writes_per_minute: float = Field(
        default=20.0, ge=0, description="Anonymous writes per client address a minute, after a first burst"
    )
    anonymous_write_burst: int = Field(default=20, ge=1, le=10_000, description="Anonymous writes at once")
    contact_reports_per_day: int = Field(
        default=20, ge=0, description="Reports from one e-mail address or phone number in 24 hours (all categories)"
    )
    repeat_hint_m: float = Field(
        default=50.0, ge=0, description="A report this close to the same reporter's earlier one of its category..."
    )
    repeat_hint_minutes: float = Field(
        default=60.0, ge=0, description="...made this recently is answered 409 PossibleRepeat first (0 is off)"
    )
    contact_reports_per_day_by_category: dict[str, int] = Field(
        default_factory=dict,
        description='A lower limit for some categories, e.g. {"fly_tipping": 5} (JSON in the environment)',
    )

    # Background delivery of the outbox (e-mail, webhooks, Footprints cases): in the serving process by default;
    # production may switch it off there and run `report-it worker` instead.
    run_deliverer: bool = True
    delivery_poll_seconds: float = 2.0
    delivery_batch_size: int = 50
    delivery_concurrency: int = Field(default=4, ge=1, le=32, description="Messages of one batch sent at once")
    delivery_lease_seconds: float = Field(
        default=60.0, description="How long a deliverer holds the batch it took before another may take it over"
    )
    delivery_max_attempts: int = 16
    delivery_backoff_seconds: float = Field(default=1.0, description="Longest wait after a first failed delivery")
    delivery_backoff_max_seconds: float = Field(default=900.0, description="Longest wait between two attempts")
    delivery_probe_seconds: float = Field(
        default=3.0, description="How often a message waiting for Footprints or the mail server is tried early"
    )
    webhook_timeout_seconds: float = 10.0
    # Webhooks pointing at loopback, private or reserved addresses are refused unless this is set (see
    # report_it.webhook_targets).
    webhook_allow_private_targets: bool = False
