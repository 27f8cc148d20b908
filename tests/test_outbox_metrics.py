"""The outbox gauges: pending rows and the age of the oldest, read from each service's own table on both backends,
cached between scrapes, and left out (not zero) while the database cannot be read."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlmodel import Session

from deal_shared.db import make_engine, utcnow
from deal_shared.outbox import OutboxState
from deal_shared.outbox_metrics import OLDEST_AGE, PENDING, OutboxGauges
from footprints.db import migrate as migrate_footprints
from footprints.models import OutboxEvent
from report_it.db import migrate as migrate_report_it
from report_it.models import OutboxMessage


def scrape(gauges: OutboxGauges) -> dict[str, float]:
    registry = CollectorRegistry()
    registry.register(gauges)
    text = generate_latest(registry).decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels == {"service": gauges.service}
    }


def test_report_it_gauges_count_undelivered_rows_and_age_the_oldest(database_factory) -> None:
    url = database_factory("report_it_gauges")
    migrate_report_it(url)
    engine = make_engine(url)
    gauges = OutboxGauges(engine, OutboxMessage, service="report-it", max_age_s=0)
    assert scrape(gauges) == {PENDING: 0, OLDEST_AGE: 0}
    now = utcnow()
    with Session(engine) as session:
        session.add(OutboxMessage(kind="email", created_at=now - timedelta(minutes=10)))
        session.add(OutboxMessage(kind="webhook", created_at=now - timedelta(minutes=2)))
        # Delivered and given-up rows are not the backlog, however old.
        session.add(
            OutboxMessage(
                kind="email", state=OutboxState.delivered, delivered_at=now, created_at=now - timedelta(days=3)
            )
        )
        session.add(
            OutboxMessage(kind="email", state=OutboxState.failed, failed_at=now, created_at=now - timedelta(days=2))
        )
        session.commit()
    seen = scrape(gauges)
    assert seen[PENDING] == 2
    assert 600 <= seen[OLDEST_AGE] < 660
    engine.dispose()


def test_footprints_gauges_are_cached_between_scrapes(database_factory) -> None:
    url = database_factory("footprints_gauges")
    migrate_footprints(url)
    engine = make_engine(url)
    gauges = OutboxGauges(engine, OutboxEvent, service="footprints", max_age_s=60)
    assert scrape(gauges)[PENDING] == 0
    with Session(engine) as session:
        session.add(OutboxEvent(event_id="e1", destination="report_it", source_id="r1", payload={}))
        session.commit()
    assert scrape(gauges)[PENDING] == 0, "read again within max_age_s"
    gauges.max_age_s = 0
    assert scrape(gauges)[PENDING] == 1
    engine.dispose()


def test_gauges_are_left_out_while_the_database_is_unreadable(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    assert scrape(OutboxGauges(engine, OutboxMessage, service="report-it", max_age_s=0)) == {}
    engine.dispose()
