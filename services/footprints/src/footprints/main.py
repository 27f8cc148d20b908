"""Build the Footprints app; everything is wired in `lifespan`, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from deal_shared.auth import TokenVerifier
from deal_shared.db import make_engine, migration_readiness
from deal_shared.web import install_common
from deal_shared.web.logging import configure_logging
from footprints.config import Settings
from footprints.db import ALEMBIC_INI

SERVICE = "footprints"


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = settings or Settings()
        configure_logging(SERVICE, chosen.log_level)
        engine = make_engine(chosen.database_url)
        app.state.settings = chosen
        app.state.engine = engine
        app.state.token_verifier = TokenVerifier(chosen.auth)
        app.state.readiness = [migration_readiness(engine, ALEMBIC_INI)]
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="Footprints", version="0.1.0", lifespan=lifespan)
    install_common(app, service=SERVICE, readiness_checks=lambda: app.state.readiness)
    return app
