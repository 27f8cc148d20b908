"""One trace across both services and both outboxes, recorded by the OpenTelemetry SDK's in-memory exporter: an
officer acknowledges a report; the case sync Report IT writes to its outbox carries that request's traceparent;
its delivery, Footprints' case upsert, the allocation event Footprints writes to its own outbox, and that event's
delivery back to Report IT are all spans of the same trace. Tracing is off without an endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util._once import Once
from sqlmodel import Session, col, select

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from deal_shared.outbox import OutboxRowBase
from deal_shared.tracing import configure_tracing
from footprints.config import Settings as FootprintsSettings
from footprints.db import migrate as migrate_footprints
from footprints.main import create_app as create_footprints
from footprints.models import OutboxEvent, Team, Worker
from footprints.places.store import load_illustrative
from report_it.categories import seed_categories
from report_it.config import Settings as ReportItSettings
from report_it.db import migrate as migrate_report_it
from report_it.main import create_app as create_report_it
from report_it.models import OutboxMessage
from tests.support.server import free_port, serve

WIGAN_CENTRAL = (53.547, -2.630)


def _reset_tracing() -> None:
    """Back to no provider, as opentelemetry-test-utils' reset_trace_globals does: the apps later tests build
    in this process must not find this test's provider and trace themselves."""
    HTTPXClientInstrumentor().uninstrument()
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None


@pytest.fixture()
def exporter() -> Iterator[InMemorySpanExporter]:
    assert not isinstance(trace.get_tracer_provider(), TracerProvider), "another test left a provider behind"
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        _reset_tracing()


def wait_for(fetch: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while not (value := fetch()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)
    return value


def the_span(spans: list[ReadableSpan], *, kind: SpanKind, route: str | None = None, name: str | None = None):
    found = [
        span
        for span in spans
        if span.kind is kind
        and (route is None or (span.attributes or {}).get("http.route") == route)
        and (name is None or span.name == name)
    ]
    assert len(found) == 1, [(span.name, span.kind, dict(span.attributes or {})) for span in spans]
    return found[0]


def traceparent_of(span: ReadableSpan) -> str:
    return f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"


def footprints_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'footprints.db'}"
    migrate_footprints(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_illustrative(session)
        team = Team(name="Wigan Central cleansing", footprint_code="wigan_central")
        session.add(team)
        session.flush()
        session.add(
            Worker(
                subject="worker.trace",
                display_name="Sam Trace",
                team_id=team.id,
                role="worker",
                skills=["street_cleansing"],
                full_time_points=50,
                home_lat=WIGAN_CENTRAL[0],
                home_long=WIGAN_CENTRAL[1],
            )
        )
        session.commit()
    engine.dispose()
    return url


def report_it_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'report_it.db'}"
    migrate_report_it(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
    engine.dispose()
    return url


def rows(url: str, table: type[OutboxRowBase]) -> list[OutboxRowBase]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = list(session.exec(select(table).order_by(col(table.created_at))).all())
    engine.dispose()
    return found


def test_an_acknowledgement_is_one_trace_through_both_outboxes(
    exporter: InMemorySpanExporter, tmp_path: Path, dev_key: Path, token_for
) -> None:
    auth = AuthSettings(dev_mode=True, dev_key_path=dev_key)
    ports = {"report_it": free_port(), "footprints": free_port()}
    report_it_db, footprints_db = report_it_database(tmp_path), footprints_database(tmp_path)
    report_it_app = create_report_it(
        ReportItSettings(
            database_url=report_it_db,
            environment="test",
            auth=auth,
            photo_dir=tmp_path / "photos",
            footprints_url=f"http://127.0.0.1:{ports['footprints']}",
            delivery_poll_seconds=0.1,
            run_router=False,
        )
    )
    footprints_app = create_footprints(
        FootprintsSettings(
            database_url=footprints_db,
            environment="test",
            auth=auth,
            places_refresh_s=0.0,
            outbox_poll_s=0.1,
            report_it_url=f"http://127.0.0.1:{ports['report_it']}",
        )
    )
    staff = {"Authorization": f"Bearer {token_for('staff', 'manager', sub='officer.trace')}"}
    with (
        serve(report_it_app, port=ports["report_it"]) as report_it,
        serve(footprints_app, port=ports["footprints"]) as footprints,
    ):
        categories = httpx.get(f"{report_it}/v1/categories").json()
        code = next(c["code"] for c in categories if c["skill"] == "street_cleansing" and not c["staff_only"])
        body = {
            "category": code,
            "location": {"lat": WIGAN_CENTRAL[0], "long": WIGAN_CENTRAL[1]},
            "description": "Bags dumped by the bins",
        }
        report_id = httpx.post(f"{report_it}/v1/reports", json=body, timeout=30).json()["id"]
        ack = httpx.post(
            f"{report_it}/v1/reports/{report_id}/updates", json={"status": "acknowledged"}, headers=staff, timeout=30
        )
        assert ack.status_code == 201, ack.text

        def allocated() -> bool:
            report = httpx.get(f"{report_it}/v1/reports/{report_id}", headers=staff, timeout=10).json()
            return report["status"] == "allocated"

        wait_for(allocated)
        wait_for(lambda: all(row.delivered_at for row in rows(footprints_db, OutboxEvent)))
        assert httpx.get(f"{footprints}/v1/cases/report_it/{report_id}", headers=staff).status_code == 200

    spans = list(exporter.get_finished_spans())
    acknowledge = the_span(spans, kind=SpanKind.SERVER, route="/v1/reports/{report_id}/updates")
    trace_id = acknowledge.context.trace_id
    in_trace = [span for span in spans if span.context.trace_id == trace_id]
    by_id = {span.context.span_id: span for span in in_trace}

    def parent(span: ReadableSpan) -> ReadableSpan:
        assert span.parent is not None, span.name
        return by_id[span.parent.span_id]

    # Report IT's outbox row carries the request's trace, and its delivery continues it.
    (case_sync,) = [row for row in rows(report_it_db, OutboxMessage) if row.kind == "case"]
    assert case_sync.traceparent == traceparent_of(acknowledge)
    deliver_case = the_span(in_trace, kind=SpanKind.CONSUMER, name="deliver case")
    assert parent(deliver_case) is acknowledge
    upsert = the_span(in_trace, kind=SpanKind.SERVER, route="/v1/cases/{source_system}/{source_id}")
    assert parent(upsert).kind is SpanKind.CLIENT and parent(parent(upsert)) is deliver_case

    # Footprints' event (the case allocated) was written in the upsert's trace and delivered in it, to Report IT.
    events = rows(footprints_db, OutboxEvent)
    assert events and {event.traceparent[3:35] for event in events} == {f"{trace_id:032x}"}
    deliver_events = [span for span in in_trace if span.name == "deliver case event"]
    assert len(deliver_events) == len(events)
    received = [
        span
        for span in in_trace
        if span.kind is SpanKind.SERVER
        and (span.attributes or {}).get("http.route") == "/v1/reports/{report_id}/case-events"
    ]
    assert len(received) == len(events)
    for span in received:
        assert parent(parent(span)) in deliver_events


def test_without_an_endpoint_nothing_is_traced(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert not configure_tracing("report-it")
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
    assert OutboxMessage(kind="email").traceparent is None


def test_an_endpoint_switches_tracing_on_for_the_service() -> None:
    try:
        assert configure_tracing("footprints", otlp_endpoint="http://127.0.0.1:9")
        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        assert provider.resource.attributes["service.name"] == "footprints"
        assert HTTPXClientInstrumentor().is_instrumented_by_opentelemetry
    finally:
        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            provider.shutdown()  # no span was made, so nothing is sent
        _reset_tracing()
