"""The serving process's locator, rebuilt when a newer boundary import appears (checked every few seconds)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine
from sqlmodel import Session

from footprints.places.locator import Locator
from footprints.places.store import build_locator, latest_import


class PlaceCache:
    def __init__(self, engine: Engine, *, refresh_s: float) -> None:
        self._engine = engine
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._locator: Locator | None = None
        self._checked_at = 0.0

    def locator(self) -> Locator:
        now = time.monotonic()
        if self._locator is None or now - self._checked_at > self._refresh_s:
            with self._lock, Session(self._engine) as session:
                latest = latest_import(session)
                version = str(latest.id) if latest else "none"
                if self._locator is None or self._locator.version != version:
                    self._locator = build_locator(session)
                self._checked_at = now
        return self._locator

    def invalidate(self) -> None:
        self._checked_at = 0.0
