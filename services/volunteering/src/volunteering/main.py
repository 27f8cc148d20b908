"""Build the Volunteering app; everything is wired in `lifespan`, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from deal_shared.auth import TokenVerifier
from deal_shared.db import migration_readiness
from deal_shared.footprints import FootprintsClient
from deal_shared.http import service_http_client
from deal_shared.idempotency_expiry import ExpiryLoop
from deal_shared.report_it import ReportItClient
from deal_shared.web import install_common
from deal_shared.web.cors import allow_browser_origins
from deal_shared.web.logging import configure_logging
from deal_shared.web.openapi import describe_api
from volunteering.api import absences, bookings, calendar, catalogue, reports, staff, suggestions
from volunteering.config import Settings
from volunteering.db import ALEMBIC_INI, metadata
from volunteering.locating import FootprintFiller, Locator
from volunteering.models import IdempotencyRecord

SERVICE = "volunteering"


def create_app(settings: Settings | None = None) -> FastAPI:
    chosen = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(SERVICE, chosen.log_level)
        engine = chosen.database_engine()
        # locate and the public hotspots need no token; short timeouts keep a slow peer from holding requests.
        footprints_http = service_http_client(chosen.footprints_url, timeout=3.0)
        report_it_http = service_http_client(chosen.report_it_url, timeout=10.0)
        locator = Locator(FootprintsClient(footprints_http), ttl_seconds=chosen.footprint_cache_seconds)
        filler = FootprintFiller(engine, locator, interval=chosen.footprint_retry_seconds)
        app.state.settings = chosen
        app.state.engine = engine
        app.state.locator = locator
        app.state.filler = filler
        app.state.report_it = ReportItClient(report_it_http)
        app.state.token_verifier = TokenVerifier(chosen.auth)
        app.state.readiness = [migration_readiness(engine, ALEMBIC_INI, metadata)]
        expiry = ExpiryLoop(
            engine, IdempotencyRecord, ttl=chosen.idempotency_ttl(), every_s=chosen.idempotency_purge_seconds
        )
        expiry.start()
        if chosen.run_background:
            filler.start()
        try:
            yield
        finally:
            if chosen.run_background:
                filler.stop()
            expiry.stop()
            footprints_http.close()
            report_it_http.close()
            engine.dispose()

    app = FastAPI(
        title="Volunteering",
        version="1.0.0",
        summary="Council staff's volunteering days: find, book, approve, count.",
        lifespan=lifespan,
    )
    install_common(
        app, service=SERVICE, readiness_checks=lambda: app.state.readiness, otlp_endpoint=chosen.otlp_endpoint
    )
    describe_api(app)
    for module in (staff, catalogue, bookings, absences, calendar, reports, suggestions):
        app.include_router(module.router)
    allow_browser_origins(app, chosen.cors_origins)
    return app
