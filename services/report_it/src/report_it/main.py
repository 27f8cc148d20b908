"""Build the Report IT app. Nothing is created at import: `create_app()` wires everything in `lifespan`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from deal_shared.auth import TokenVerifier
from deal_shared.db import migration_readiness
from deal_shared.geo import load_borough
from deal_shared.idempotency_expiry import ExpiryLoop
from deal_shared.outbox_metrics import register_outbox_gauges
from deal_shared.report_it import ReportCreate, ReportUpdateCreate
from deal_shared.web import install_common
from deal_shared.web.logging import configure_logging
from deal_shared.web.openapi import describe_api
from deal_shared.web.rate_limit import TokenBuckets
from deal_shared.working_time import WorkingCalendar
from report_it import submitting, targets
from report_it.api import (
    categories,
    exports,
    feed,
    intake,
    nearby,
    outbox,
    outcome_dashboard,
    outcomes,
    photos,
    reports,
    routing,
    subscriptions,
    templates,
    triage,
    updates,
    webhooks,
    work,
)
from report_it.api.submission import multipart_limit
from report_it.category_cache import CategoryCache
from report_it.config import Settings
from report_it.db import ALEMBIC_INI, metadata
from report_it.delivery import BackgroundDeliverer
from report_it.flytipping import router as flytipping
from report_it.models import IdempotencyRecord, OutboxMessage
from report_it.nearby_index import start_nearby_index
from report_it.office import router as office_router
from report_it.open311 import api as open311_api
from report_it.open311.openapi import document_open311
from report_it.routing.router import BackgroundRouter
from report_it.storage import build_storage
from report_it.volunteering_link import volunteering_client
from report_it.webapp import router as webapp_router

SERVICE = "report-it"


def anonymous_write_buckets(settings: Settings) -> TokenBuckets | None:
    if settings.anonymous_writes_per_minute <= 0:
        return None
    return TokenBuckets(per_minute=settings.anonymous_writes_per_minute, burst=settings.anonymous_write_burst)


def create_app(settings: Settings | None = None) -> FastAPI:
    chosen = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(SERVICE, chosen.log_level)
        engine = chosen.database_engine()
        app.state.settings = chosen
        targets.configure(WorkingCalendar.from_settings(chosen.working_time))
        app.state.engine = engine
        app.state.direct_writes = submitting.direct_writes(engine)
        app.state.categories = CategoryCache(engine)
        app.state.borough = load_borough(chosen.borough_geojson_path)
        app.state.storage = build_storage(chosen)
        app.state.volunteering = volunteering_client(chosen)
        app.state.token_verifier = TokenVerifier(chosen.auth)
        app.state.readiness = [migration_readiness(engine, ALEMBIC_INI, metadata)]
        outbox_gauges = register_outbox_gauges(app.state.metrics.registry, engine, OutboxMessage, service=SERVICE)
        expiry = ExpiryLoop(
            engine, IdempotencyRecord, ttl=chosen.idempotency_ttl(), every_s=chosen.idempotency_purge_seconds
        )
        expiry.start()
        deliverer = BackgroundDeliverer(engine, chosen) if chosen.run_deliverer else None
        if deliverer is not None:
            deliverer.start()
        routing_worker = BackgroundRouter(engine, chosen, app.state.borough) if chosen.run_router else None
        if routing_worker is not None:
            routing_worker.start()
        nearby_model = (
            start_nearby_index(
                engine,
                chosen,
                render=nearby.public_renderer(app.state.categories, chosen),
                registry=app.state.metrics.registry,
            )
            if chosen.nearby_in_memory
            else None
        )
        app.state.nearby_index = nearby_model.index if nearby_model else None
        try:
            yield
        finally:
            if nearby_model is not None:
                nearby_model.close()
            if routing_worker is not None:
                routing_worker.close()
            if deliverer is not None:
                deliverer.close()
            if app.state.volunteering is not None:
                app.state.volunteering.http.close()
            expiry.stop()
            app.state.metrics.registry.unregister(outbox_gauges)
            engine.dispose()

    app = FastAPI(
        title="Report IT",
        version="1.0.0",
        summary="Report street problems to Wigan Council: fly-tipping, litter, potholes and more.",
        lifespan=lifespan,
    )
    # Open311 answers in its own error format and cleans its own parameters.
    install_common(
        app,
        service=SERVICE,
        readiness_checks=lambda: app.state.readiness,
        url_text_skip=("/open311/",),
        multipart_limit_bytes=multipart_limit(chosen),
        anonymous_writes=anonymous_write_buckets(chosen),
        otlp_endpoint=chosen.otlp_endpoint,
    )
    # The intake and update bodies are read by hand (JSON or multipart), so their routes name the models in
    # `openapi_extra` and the models are registered here; Open311 documents its own formats.
    describe_api(
        app,
        extra_schemas=(ReportCreate, ReportUpdateCreate),
        own_errors=("/open311/",),
        then=document_open311,
    )
    # First the busiest write and read: routes are matched in order.
    app.include_router(intake.router)
    app.include_router(nearby.router)
    app.include_router(categories.router)
    # Fixed paths (/v1/reports/clusters, ...) before /v1/reports/{report_id}.
    app.include_router(work.router)
    app.include_router(feed.router)
    app.include_router(reports.router)
    app.include_router(updates.router)
    app.include_router(triage.router)
    app.include_router(templates.router)
    app.include_router(routing.router)
    app.include_router(webhooks.router)
    app.include_router(exports.router)
    app.include_router(outcomes.router)
    app.include_router(outcome_dashboard.router)
    app.include_router(flytipping.router)
    app.include_router(outbox.router)
    app.include_router(subscriptions.router)
    app.include_router(photos.router)
    app.include_router(open311_api.router)
    app.include_router(webapp_router)
    app.include_router(office_router)
    return app
