"""OpenTelemetry traces for a process: its provider exporting over OTLP, the HTTP server and clients instrumented.
Off unless an OTLP endpoint is configured. How a trace crosses an outbox: `deal_shared.trace_context`."""

from __future__ import annotations

import os

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

# Probes and scrapes every few seconds would drown the traces worth reading.
_UNTRACED = "healthz,readyz,metrics"
_STANDARD_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def configure_tracing(service: str, *, otlp_endpoint: str = "") -> bool:
    """Start tracing this process, if asked to; True when it is on.

    On when `otlp_endpoint` (a collector's base URL for OTLP over HTTP) or OpenTelemetry's own
    OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT is set; a process whose tracing was set up already (by
    `opentelemetry-instrument`, or a test with its own exporter) keeps the provider it has. Every httpx client made
    afterwards sends the current trace to the peer it calls."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        if not otlp_endpoint and not any(os.environ.get(name) for name in _STANDARD_ENDPOINTS):
            return False
        # Given a base URL the exporter does not add the signal's path; from the environment it does.
        exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces") if otlp_endpoint else None
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
        provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()
    return True


def trace_requests(app: FastAPI) -> None:
    """A server span for every request (continuing the caller's trace), probes and /metrics left out."""
    FastAPIInstrumentor.instrument_app(app, excluded_urls=_UNTRACED)
