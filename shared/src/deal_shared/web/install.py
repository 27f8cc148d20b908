"""Install the pieces every service shares onto a FastAPI app."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from deal_shared.tracing import configure_tracing, trace_requests
from deal_shared.web.body_limit import DEFAULT_BODY_LIMIT_BYTES, BodyLimit
from deal_shared.web.health import ReadinessCheck, health_router
from deal_shared.web.metrics import HttpMetrics
from deal_shared.web.middleware import RequestContextMiddleware
from deal_shared.web.problems import install_problem_handlers
from deal_shared.web.rate_limit import AnonymousWriteLimit, TokenBuckets
from deal_shared.web.url_text import UrlTextGuard


def install_common(
    app: FastAPI,
    *,
    service: str,
    readiness_checks: Callable[[], list[ReadinessCheck]],
    url_text_skip: tuple[str, ...] = (),
    body_limit_bytes: int = DEFAULT_BODY_LIMIT_BYTES,
    multipart_limit_bytes: int | None = None,
    anonymous_writes: TokenBuckets | None = None,
    otlp_endpoint: str = "",
) -> None:
    """`url_text_skip`: path prefixes of an API that answers in a format of its own and cleans its own URLs.
    `body_limit_bytes` bounds every request body, `multipart_limit_bytes` (if larger) multipart ones (photos).
    `anonymous_writes`: the burst limit per client address for writes without a token (none if not given).
    `otlp_endpoint`: where traces go (see `configure_tracing`); without one, requests are not traced."""
    metrics = HttpMetrics(service)
    app.state.metrics = metrics
    install_problem_handlers(app)
    # Added before the request-id middleware, so they run inside it and their refusals carry the request id. The
    # write limit is innermost of these: a request refused for its URL or size costs the client no token.
    app.add_middleware(AnonymousWriteLimit, buckets=anonymous_writes, skip=url_text_skip)
    app.add_middleware(UrlTextGuard, skip=url_text_skip)
    app.add_middleware(
        BodyLimit,
        limit_bytes=body_limit_bytes,
        multipart_limit_bytes=multipart_limit_bytes,
        own_errors=url_text_skip,
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.include_router(health_router(readiness_checks))
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    if configure_tracing(service, otlp_endpoint=otlp_endpoint):
        trace_requests(app)
