"""Build the Footprints app; everything is wired in `lifespan`, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from deal_shared.auth import TokenVerifier
from deal_shared.db import migration_readiness
from deal_shared.idempotency_expiry import ExpiryLoop
from deal_shared.outbox_metrics import register_outbox_gauges
from deal_shared.web import install_common
from deal_shared.web.cors import allow_browser_origins
from deal_shared.web.logging import configure_logging
from deal_shared.web.openapi import describe_api
from deal_shared.working_time import WorkingCalendar
from footprints.api import caseloads, cases, dispatch, people, places, rebalance
from footprints.config import Settings
from footprints.db import ALEMBIC_INI, metadata
from footprints.models import IdempotencyRecord, OutboxEvent
from footprints.outbox import Deliverer
from footprints.places.cache import PlaceCache
from footprints.report_it_link import report_it_http

SERVICE = "footprints"


def create_app(settings: Settings | None = None) -> FastAPI:
    chosen = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(SERVICE, chosen.log_level)
        engine = chosen.database_engine()
        app.state.settings = chosen
        app.state.engine = engine
        app.state.calendar = WorkingCalendar.from_settings(chosen.working_time)
        app.state.places = PlaceCache(engine, refresh_s=chosen.places_refresh_s)
        app.state.token_verifier = TokenVerifier(chosen.auth)
        app.state.readiness = [migration_readiness(engine, ALEMBIC_INI, metadata)]
        outbox_gauges = register_outbox_gauges(app.state.metrics.registry, engine, OutboxEvent, service=SERVICE)
        http = report_it_http(chosen)
        expiry = ExpiryLoop(
            engine, IdempotencyRecord, ttl=chosen.idempotency_ttl(), every_s=chosen.idempotency_purge_seconds
        )
        expiry.start()
        deliverer = None
        if chosen.deliver_in_process:
            deliverer = Deliverer(
                engine,
                http,
                poll_s=chosen.outbox_poll_s,
                backoff=chosen.outbox_backoff(),
                attempts=chosen.outbox_max_attempts,
                concurrency=chosen.outbox_concurrency,
                lease_s=chosen.outbox_lease_seconds,
            )
            deliverer.start()
        try:
            yield
        finally:
            if deliverer is not None:
                deliverer.stop()
            expiry.stop()
            app.state.metrics.registry.unregister(outbox_gauges)
            http.close()
            engine.dispose()

    app = FastAPI(
        title="Footprints",
        version="1.0.0",
        summary="Wigan's seven service delivery footprints: places, teams, cases and their allocation.",
        lifespan=lifespan,
    )
    install_common(
        app, service=SERVICE, readiness_checks=lambda: app.state.readiness, otlp_endpoint=chosen.otlp_endpoint
    )
    describe_api(app)
    for module in (places, cases, people, caseloads, rebalance, dispatch):
        app.include_router(module.router)
    allow_browser_origins(app, chosen.cors_origins)
    return app
