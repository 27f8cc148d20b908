"""The outbox as Prometheus sees it: how many rows wait to be delivered and how long the oldest has waited, read
from the database when /metrics is scraped (at most once per `max_age_s`, so several scrapers cost one query)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.outbox import OutboxRowBase, unsent

log = logging.getLogger(__name__)

PENDING = "outbox_pending_messages"
OLDEST_AGE = "outbox_oldest_pending_age_seconds"


class OutboxGauges:
    """Both gauges carry the service's name, and the same value on every replica (they read one database): alert
    on their `max by (service)`. While the database cannot be read they are left out of the scrape rather than
    shown as zero, which would read as "all delivered"."""

    def __init__(self, engine: Engine, table: type[OutboxRowBase], *, service: str, max_age_s: float = 10.0) -> None:
        self.engine = engine
        self.table = table
        self.service = service
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._reading: tuple[int, datetime | None] | None = None

    def _read(self) -> tuple[int, datetime | None] | None:
        with self._lock:
            if time.monotonic() - self._read_at < self.max_age_s:
                return self._reading
            try:
                with Session(self.engine) as session:
                    count, oldest = session.exec(
                        select(func.count(), func.min(col(self.table.created_at))).where(*unsent(self.table))
                    ).one()
                self._reading = (int(count), oldest)
            except Exception:  # a scrape must answer while the database is away; readiness says it is
                log.warning("outbox gauges unreadable", exc_info=True)
                self._reading = None
            self._read_at = time.monotonic()
            return self._reading

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(PENDING, "Outbox rows not yet delivered nor given up", labels=["service"]),
            GaugeMetricFamily(
                OLDEST_AGE,
                "Seconds since the oldest undelivered outbox row was written (0 if none)",
                labels=["service"],
            ),
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registering asks for the names; describing them spares a query at start-up.
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        reading = self._read()
        if reading is None:
            return
        count, oldest = reading
        pending, age = self._families()
        pending.add_metric([self.service], count)
        yield pending
        # SQLite hands back a naive datetime from min(); the column stores UTC.
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        age.add_metric([self.service], 0.0 if oldest is None else max((utcnow() - oldest).total_seconds(), 0.0))
        yield age


def register_outbox_gauges(
    registry: CollectorRegistry, engine: Engine, table: type[OutboxRowBase], *, service: str
) -> OutboxGauges:
    gauges = OutboxGauges(engine, table, service=service)
    registry.register(gauges)
    return gauges
