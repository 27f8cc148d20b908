"""Install the pieces every service shares onto a FastAPI app."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from deal_shared.web.health import ReadinessCheck, health_router
from deal_shared.web.metrics import HttpMetrics
from deal_shared.web.middleware import RequestContextMiddleware
from deal_shared.web.problems import install_problem_handlers


def install_common(app: FastAPI, *, service: str, readiness_checks: Callable[[], list[ReadinessCheck]]) -> None:
    metrics = HttpMetrics(service)
    app.state.metrics = metrics
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.include_router(health_router(readiness_checks))
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
