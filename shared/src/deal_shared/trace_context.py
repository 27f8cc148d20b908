"""The trace across an outbox: a row keeps the W3C `traceparent` of the request that wrote it, and its deliverer
sends it inside that trace. Only the OpenTelemetry API: without a configured provider both are no-ops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

# W3C Trace Context only, whatever OTEL_PROPAGATORS says: the column holds one `traceparent` header.
_W3C = TraceContextTextMapPropagator()
# Version 00 of the header: 2 + 32 + 16 + 2 hex digits and three dashes.
TRACEPARENT_LENGTH = 55


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the span now current, or None outside any (tracing off, a background pass)."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def continuing(traceparent: str | None, name: str, *, attributes: dict[str, str] | None = None) -> Iterator[Span]:
    """A span for sending an outbox row, a child of the request that wrote it (`traceparent`), so the call to the
    peer, and what the peer does, are part of that request's trace; a root span when the row carries none."""
    parent = _W3C.extract({"traceparent": traceparent}) if traceparent else None
    tracer = trace.get_tracer("deal_shared.outbox")
    with tracer.start_as_current_span(name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes) as span:
        yield span
