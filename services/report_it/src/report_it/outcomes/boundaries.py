"""Ward shapes for the outcome maps: Footprints holds the ward boundaries, Report IT asks it for them and keeps them
for an hour (they change at a boundary review), simplified to what a map a few hundred pixels wide can show."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from shapely.geometry import shape

from deal_shared.errors import RemoteError
from deal_shared.footprints import FootprintsClient, WardFeatureCollection
from deal_shared.outcomes import WardShape, WardShapes

KEEP_S = 3600.0
RETRY_S = 60.0
# About 20 m: finer than a pixel of a borough drawn at 600 px.
TOLERANCE_DEG = 0.0002


def shapes_of(collection: WardFeatureCollection) -> list[WardShape]:
    out: list[WardShape] = []
    for feature in collection.features:
        if not feature.geometry:
            continue
        geometry = shape(feature.geometry).simplify(TOLERANCE_DEG, preserve_topology=True)
        polygons = getattr(geometry, "geoms", [geometry])
        rings = [[[round(x, 5), round(y, 5)] for x, y in p.exterior.coords] for p in polygons if not p.is_empty]
        props = feature.properties
        out.append(WardShape(code=props.code, name=props.name, footprint_code=props.footprint_code, rings=rings))
    return sorted(out, key=lambda w: w.code)


class WardShapeCache:
    """One per app: the last answer, kept `KEEP_S`; a failure is kept `RETRY_S` so a dashboard does not wait on
    Footprints with every look."""

    def __init__(self, client_factory: Callable[[], FootprintsClient], *, clock: Callable[[], float] = time.monotonic):
        self._factory = client_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._held: tuple[float, WardShapes] | None = None

    def get(self) -> WardShapes:
        with self._lock:
            if self._held is not None and self._clock() < self._held[0]:
                return self._held[1]
            client = self._factory()
            try:
                answer = WardShapes(wards=shapes_of(client.wards()))
                until = self._clock() + KEEP_S
            except RemoteError as exc:
                answer = WardShapes(wards=[], note=f"Footprints, which holds the ward boundaries, could not be asked "
                                    f"({exc}); the figures are in the table.")  # fmt: skip
                until = self._clock() + RETRY_S
            finally:
                client.http.close()
            self._held = (until, answer)
            return answer
