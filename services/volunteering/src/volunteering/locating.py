"""Footprint and ward of a place, from the footprints service: cached, and pending (filled in later) when it is down."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from sqlalchemy import Engine
from sqlmodel import Session, select

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import utcnow
from deal_shared.errors import RemoteError
from deal_shared.footprints import FootprintsClient, LocateResult
from volunteering.errors import OutsideBorough
from volunteering.models import Opportunity, Organisation

log = logging.getLogger(__name__)
Located = Organisation | Opportunity
MAX_CACHED = 10_000


class Locator:
    """Answers `locate` from a cache first; `None` means footprints could not answer now (try again later)."""

    def __init__(self, client: FootprintsClient, *, ttl_seconds: float) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self._cache: dict[tuple[float, float], tuple[float, LocateResult]] = {}
        self._lock = threading.Lock()

    def locate(self, lat: float, lon: float) -> LocateResult | None:
        # About a metre apart: the same place asked twice is one call.
        key = (round(lat, 5), round(lon, 5))
        with self._lock:
            hit = self._cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        try:
            result = self.client.locate(lat, lon)
        except RemoteError as exc:
            if exc.status == 422:
                raise OutsideBorough(
                    f"({lat}, {lon}) is outside the borough; volunteering happens within it.", lat=lat, long=lon
                ) from exc
            log.warning("footprint lookup pending, footprints did not answer: %s", exc)
            return None
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()  # places repeat rarely; a cold cache costs one call each, a full one memory
            self._cache[key] = (time.monotonic() + self.ttl, result)
        return result


def apply_area(row: Located, result: LocateResult | None) -> None:
    if result is None:
        return
    row.footprint_code = result.footprint.code
    row.footprint_number = result.footprint.number
    row.footprint_name = result.footprint.name
    row.ward_code = result.ward.code
    row.ward_name = result.ward.name
    row.located_at = utcnow()


def _pending(session: Session) -> Iterable[Located]:
    yield from session.exec(select(Organisation).where(Organisation.located_at.is_(None)))  # type: ignore[union-attr]
    yield from session.exec(select(Opportunity).where(Opportunity.located_at.is_(None)))  # type: ignore[union-attr]


def fill_pending(session: Session, locator: Locator) -> int:
    """Look up every place still waiting for its footprint; stop at the first failure (footprints is still down)."""
    filled = 0
    for row in list(_pending(session)):
        try:
            result = locator.locate(row.lat, row.lon)
        except OutsideBorough:
            log.warning("%s %s lies outside the borough; its footprint stays empty", type(row).__name__, row.id)
            row.located_at = utcnow()
            continue
        if result is None:
            break
        apply_area(row, result)
        filled += 1
    return filled


class FootprintFiller:
    """The retry loop: every `interval` seconds, fill in footprints that were pending when footprints was down."""

    def __init__(self, engine: Engine, locator: Locator, *, interval: float) -> None:
        self.engine = engine
        self.locator = locator
        self.interval = interval
        self._loop = DaemonLoop(self._run, name="footprint-filler")

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def run_once(self) -> int:
        with Session(self.engine, expire_on_commit=False) as session:
            filled = fill_pending(session, self.locator)
            session.commit()
        return filled

    def _run(self, stop: threading.Event) -> None:
        # A first pass at start-up catches what was left pending while this process was down.
        repeat_until_stopped(stop, self.run_once, rest_s=self.interval, log=log, failure="footprint fill pass failed")
