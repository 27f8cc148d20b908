"""The nearby lookup's read model: where every open report is, per category, held in memory.

"Already reported nearby?" is asked before every report the app makes, so it is answered without a database round
trip: positions sit in a grid of cells per category, and each report's public JSON is kept once rendered (up to
`max_rendered`, oldest first out): those loaded at start are rendered ahead, changed ones when next asked about.
Only reports not yet rendered are read from the database.

How current it is:
- This process's own writes: any statement that writes to `report` or `photo` marks the model behind (as does
  intake's direct INSERT, which marks its connection with `WROTE_REPORTS`), and the next lookup catches up first,
  so a resident sees the report they just made (read-your-writes).
- Other processes' writes (another replica, the command line): caught up by `refresh` every second or so, reading
  rows whose `updated_at` moved, with a margin of `OVERLAP` for transactions that committed after others stamped
  later. Every change a resident can see moves `updated_at`; a report deleted outright does not, so every
  `reload_seconds` the open reports are counted and, if the count differs, the whole model is read again.

Readers never lock: there is one writer at a time, which appends to a cell's list (atomic in Python) and removes by
putting a new list in the cell's place, so a reader walks either the old list or the new one.
"""

from __future__ import annotations

import gc
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any
from uuid import UUID

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import Connection, Engine, bindparam, event, func
from sqlalchemy import select as sa_select
from sqlmodel import col

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import utcnow
from deal_shared.geo import METRES_PER_DEGREE, haversine_m
from report_it.config import Settings
from report_it.models import Report
from report_it.reports import OPEN_STATUS_VALUES

log = logging.getLogger(__name__)

# Cells of 0.0025 degrees: about 280 m north-south and 165 m east-west at Wigan's latitude, so the default 250 m
# circle touches a handful of cells of a few dozen reports each.
CELL_DEGREES = 0.0025
# From this many open reports, the model is taken out of garbage collection once loaded (see `load`).
FREEZE_FROM = 50_000
# A row stamped before another that committed first is still read if it commits within this margin.
OVERLAP = timedelta(seconds=10)

# A write to the report or photo table (including inside a WITH ... INSERT), in the SQL SQLAlchemy emits.
_WRITES_TO_REPORTS = re.compile(r"\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+\"?(?:report|photo)\b\"?", re.IGNORECASE)

_ALL_OPEN = sa_select(Report.id, Report.category_code, Report.lat, Report.lon, Report.updated_at).where(
    col(Report.status).in_(OPEN_STATUS_VALUES)
)
_CHANGED_SINCE = sa_select(
    Report.id, Report.category_code, Report.status, Report.lat, Report.lon, Report.updated_at
).where(col(Report.updated_at) >= bindparam("since"))
_COUNT_OPEN = sa_select(func.count()).select_from(Report).where(col(Report.status).in_(OPEN_STATUS_VALUES))

WROTE_REPORTS = "nearby_index.wrote"  # set on a connection's info while it holds an uncounted write

Entry = tuple[UUID, float, float]  # id, lat, lon
CellKey = tuple[str, int, int]  # category, row, column


# A report's public JSON for one kind of viewer: the `updated_at` (timestamp) and category look it was rendered
# from, the base URL of its photo links (None when it has none), and the JSON.
Rendering = tuple[float, str, str | None, bytes]
# What a renderer gives for one report: id, exact (the kind of viewer), updated_at, look, links' base, JSON.
Rendered = tuple[UUID, bool, datetime, str, str | None, bytes]
Renderer = Callable[[Connection, Sequence[UUID]], Iterator[Rendered]]
RENDER_BATCH = 1_000

# Where a report is held, and the `updated_at` (as a timestamp) it was held at. Kept small on purpose: one per open
# report; the cell key object is shared by every report in the cell.
Spot = tuple[CellKey, float]


_first, _second = itemgetter(0), itemgetter(1)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


# cos(latitude) is taken no smaller than this (about 89.99 degrees), so a window's size is always a number.
MIN_COS = 1e-4
# A lookup whose window has at most this many cells is answered on the event loop (a few microseconds each); a
# wider one is handed to the thread pool, so no lookup holds up the others.
INLINE_CELLS = 256


def window(lat: float, radius_m: float) -> tuple[int, int]:
    """How many cells a lookup walks on each side of its centre cell: (rows, columns)."""
    metres_per_lon = METRES_PER_DEGREE * max(math.cos(math.radians(lat)), MIN_COS)
    return math.ceil(radius_m / METRES_PER_DEGREE / CELL_DEGREES), math.ceil(radius_m / metres_per_lon / CELL_DEGREES)


def walks_inline(lat: float, radius_m: float) -> bool:
    rows, cols = window(lat, radius_m)
    return (2 * rows + 1) * (2 * cols + 1) <= INLINE_CELLS


class OpenReportIndex:
    def __init__(
        self,
        engine: Engine,
        *,
        render: Renderer | None = None,
        max_rendered: int = 50_000,
        reload_seconds: float = 600.0,
    ) -> None:
        """`render`: renders reports ahead of lookups, as they load and change, up to `max_rendered`."""
        self._engine = engine
        self._render = render
        self._render_lock = threading.Lock()  # for `_rendered`, written by lookups and by the writer
        self._warm = False
        self._cells: dict[CellKey, list[Entry]] = {}
        self._spots: dict[UUID, Spot] = {}
        self._rendered: dict[tuple[UUID, bool], Rendering] = {}
        self._max_rendered = max_rendered
        self._reload_seconds = reload_seconds
        self._writer = threading.Lock()
        self._high_water = utcnow()  # replaced by `load`
        self._loaded_at: float | None = None
        # Writes seen by this process, and how many of them the model had seen when it last caught up.
        self._writes = 0
        self._count_lock = threading.Lock()
        self._caught_up_to = 0
        self._listening = False

    # -- keeping current ------------------------------------------------------------------------------------------

    def listen(self) -> None:
        """Watch this process's statements for writes to reports, so the next lookup catches up first.

        A write counts once its connection goes back to the pool, that is once it is committed (or rolled back):
        counted any earlier, a catch-up running between the statement and its commit would miss the row."""
        event.listen(self._engine, "after_cursor_execute", self._note_statement)
        event.listen(self._engine, "checkin", self._note_checkin)
        self._listening = True

    def close(self) -> None:
        if self._listening:
            event.remove(self._engine, "after_cursor_execute", self._note_statement)
            event.remove(self._engine, "checkin", self._note_checkin)
            self._listening = False

    def _note_statement(self, connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("SELECT") and _WRITES_TO_REPORTS.search(statement):
            connection.info[WROTE_REPORTS] = True

    def _note_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(WROTE_REPORTS, False):
            with self._count_lock:  # connections come back on many threads; no increment may be lost
                self._writes += 1

    @property
    def ready(self) -> bool:
        return self._loaded_at is not None

    @property
    def warm(self) -> bool:
        """True once the reports loaded have been rendered ahead (up to `max_rendered`)."""
        return self._warm

    @property
    def behind(self) -> bool:
        """True when this process has written to reports since the model last caught up."""
        return self._writes != self._caught_up_to

    def refresh(self) -> int:
        """One pass of the background loop: load when not loaded, else catch up; every `reload_seconds` the open
        reports are counted, and everything is read again if the count differs (a report deleted outright leaves
        no `updated_at` behind). Returns the rows read."""
        if self._loaded_at is None:
            return self.load()
        read = self.catch_up()
        if time.monotonic() - self._loaded_at >= self._reload_seconds:
            with self._engine.connect() as connection:
                counted = connection.execute(_COUNT_OPEN).scalar()
            if counted != len(self._spots):
                return self.load()
            self._loaded_at = time.monotonic()
        return read

    def load(self) -> int:
        """Read every open report's position afresh (built aside, then swapped in whole)."""
        writes = self._writes
        cells: dict[CellKey, list[Entry]] = {}
        keys: dict[CellKey, CellKey] = {}
        spots: dict[UUID, Spot] = {}
        # Taken first: whatever changes from here on is read again by the catch-up below. (Not the newest
        # `updated_at` in the table: rows imported in bulk may share it, and every catch-up would read them all.)
        high_water = utcnow()
        with self._engine.connect() as connection:
            rows = connection.execution_options(yield_per=10_000).execute(_ALL_OPEN)
            for report_id, category, lat, lon, updated_at in rows:
                key = (category, *_cell(lat, lon))
                key = keys.setdefault(key, key)
                cells.setdefault(key, []).append((report_id, lat, lon))
                spots[report_id] = (key, updated_at.timestamp())
        with self._writer:
            self._cells = cells
            self._spots = spots
            self._high_water = high_water
            self._loaded_at = time.monotonic()
        # What changed while the table was being read is read again now.
        self.catch_up(writes_seen=writes)
        self._render_ahead(list(spots)[: self._max_rendered])
        if len(spots) >= FREEZE_FROM:
            # Millions of long-lived objects would otherwise be walked by every full garbage collection, pausing
            # the whole process for seconds; frozen, only reference counting frees them (the model has no cycles).
            # (Freezing takes every object of the process out of collection: not worth it for a small model.)
            gc.freeze()
        self._warm = True
        return len(spots)

    def _render_ahead(self, report_ids: Sequence[UUID]) -> None:
        if self._render is None or not report_ids:
            return
        for start in range(0, len(report_ids), RENDER_BATCH):
            with self._engine.connect() as connection:
                rendered = list(self._render(connection, report_ids[start : start + RENDER_BATCH]))
            for report_id, exact, updated_at, look, base, body in rendered:
                self.remember(report_id, exact=exact, look=look, base=base, updated_at=updated_at, body=body)

    def catch_up(self, *, writes_seen: int | None = None) -> int:
        """Apply the reports changed since the last pass (with `OVERLAP` of margin)."""
        writes = self._writes if writes_seen is None else writes_seen
        with self._writer:
            with self._engine.connect() as connection:
                rows = connection.execute(_CHANGED_SINCE, {"since": self._high_water - OVERLAP}).all()
            # A changed report's rendering no longer matches its stamp: it is rendered again when next asked about
            # (rendering every change ahead would cost most at the busiest times, for reports few may ask about).
            for report_id, category, status, lat, lon, updated_at in rows:
                self._apply(report_id, category, status in OPEN_STATUS_VALUES, lat, lon, updated_at)
                if updated_at > self._high_water:
                    self._high_water = updated_at
            self._caught_up_to = max(self._caught_up_to, writes)
        return len(rows)

    def _apply(self, report_id: UUID, category: str, is_open: bool, lat: float, lon: float, at: datetime) -> None:
        """Hold the report where it now is, or let it go if closed."""
        spot = self._spots.get(report_id)
        stamp = at.timestamp()
        if spot is not None:
            held_key, held_stamp = spot
            if is_open and held_stamp == stamp:
                return  # already applied: the overlap reads rows again (a move always changes `updated_at`)
            self._cells[held_key] = [e for e in self._cells.get(held_key, ()) if e[0] != report_id]
            del self._spots[report_id]
        if is_open:
            key = (category, *_cell(lat, lon))
            self._cells.setdefault(key, []).append((report_id, lat, lon))
            self._spots[report_id] = (key, stamp)

    # -- answering ------------------------------------------------------------------------------------------------

    def nearest(self, category: str, lat: float, lon: float, radius_m: float, limit: int) -> list[tuple[UUID, float]]:
        """Open reports of `category` within `radius_m` of the point, nearest first, with their distance.

        Chosen as `reports.nearby_open_reports` chooses in SQL: the nearest `limit + 5` by flat-earth distance
        (inside the circle with 1% to spare), then measured exactly, kept inside the radius, nearest first."""
        metres_per_lon = METRES_PER_DEGREE * max(math.cos(math.radians(lat)), MIN_COS)
        rows, cols = window(lat, radius_m)
        centre_row, centre_col = _cell(lat, lon)
        margin = (radius_m * 1.01) ** 2
        cells = self._cells
        # The work is bounded whatever the point: the window's cells, or every cell held when there are fewer (the
        # window grows with 1/cos(latitude), and towards a pole it would hold more cells than the model ever has).
        if (2 * rows + 1) * (2 * cols + 1) <= len(cells):
            lists = (
                cells.get((category, row, column), ())
                for row in range(centre_row - rows, centre_row + rows + 1)
                for column in range(centre_col - cols, centre_col + cols + 1)
            )
        else:
            low_row, high_row, low_col, high_col = (
                centre_row - rows, centre_row + rows, centre_col - cols, centre_col + cols
            )  # fmt: skip
            lists = (
                entries
                for (code, row, column), entries in list(cells.items())
                if code == category and low_row <= row <= high_row and low_col <= column <= high_col
            )
        shortlist = []
        for entries in lists:
            for entry in entries:
                dy = (entry[1] - lat) * METRES_PER_DEGREE
                dx = (entry[2] - lon) * metres_per_lon
                squared = dx * dx + dy * dy
                if squared <= margin:
                    shortlist.append((squared, entry))
        shortlist.sort(key=_first)
        found = []
        for _, (report_id, report_lat, report_lon) in shortlist[: limit + 5]:
            distance = haversine_m(lat, lon, report_lat, report_lon)
            if distance <= radius_m:
                found.append((report_id, distance))
        found.sort(key=_second)
        return found[:limit]

    def rendered(self, report_id: UUID, *, exact: bool, base: str, look: str) -> bytes | None:
        """The report's public JSON for this kind of viewer, if rendered from its current state. `look`: what of
        its category it shows; `base`: where its photo links must point."""
        held = self._rendered.get((report_id, exact))
        if held is None or held[1] != look or (held[2] is not None and held[2] != base):
            return None
        spot = self._spots.get(report_id)
        return held[3] if spot is not None and held[0] == spot[1] else None

    def remember(
        self, report_id: UUID, *, exact: bool, look: str, base: str | None, updated_at: datetime, body: bytes
    ) -> None:
        """`base`: the base URL of the JSON's links, or None if it has none."""
        # The oldest rendering goes first (a dict keeps its order): a report still asked about is rendered again
        # then, which costs less than keeping the order of use on every lookup.
        with self._render_lock:
            rendered = self._rendered
            rendered.pop((report_id, exact), None)
            rendered[(report_id, exact)] = (updated_at.timestamp(), look, base, body)
            while len(rendered) > self._max_rendered:
                del rendered[next(iter(rendered))]

    def __len__(self) -> int:
        return len(self._spots)


@dataclass(frozen=True)
class RunningIndex:
    index: OpenReportIndex
    loop: DaemonLoop

    def close(self) -> None:
        self.loop.stop()
        self.index.close()


def start_nearby_index(
    engine: Engine, settings: Settings, *, render: Renderer, registry: CollectorRegistry
) -> RunningIndex:
    """Build the model and keep it current on a thread of its own; lookups use the database until it has loaded."""
    index = OpenReportIndex(engine, render=render, max_rendered=settings.nearby_rendered_max)
    index.listen()
    Gauge("nearby_model_ready", "1 once the nearby lookup answers from memory", registry=registry).set_function(
        lambda: float(index.ready)
    )
    Gauge(
        "nearby_model_warm", "1 once the reports loaded have been rendered ahead of lookups", registry=registry
    ).set_function(lambda: float(index.warm))
    Gauge(
        "nearby_model_open_reports", "Open reports the nearby lookup holds in memory", registry=registry
    ).set_function(lambda: float(len(index)))

    def keep_current(stop: threading.Event) -> None:
        repeat_until_stopped(
            stop,
            index.refresh,
            rest_s=settings.nearby_refresh_seconds,
            log=log,
            failure="nearby lookup: catching up with the database failed; trying again",
        )

    loop = DaemonLoop(keep_current, name="nearby-index")
    loop.start()
    return RunningIndex(index, loop)
