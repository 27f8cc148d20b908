"""Idempotency records do not last for ever: each is kept `ttl` after its request (48 hours unless configured:
long enough for a client's retries through any outage it would wait out), then deleted. A key sent again after
that is a new request. Every serving process runs the purge; deleting what another process already deleted is
harmless."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import utcnow
from deal_shared.idempotency import IdempotencyRecordBase

log = logging.getLogger(__name__)

# Rows deleted per transaction: short transactions, so no write waits long behind the purge (SQLite has one writer).
BATCH = 500


def purge_expired(engine: Engine, model: type[IdempotencyRecordBase], *, ttl: timedelta, batch: int = BATCH) -> int:
    """Delete the records older than `ttl`, `batch` at a time; returns how many went."""
    cutoff = utcnow() - ttl
    purged = 0
    while True:
        with Session(engine) as session:
            oldest = select(model.key).where(col(model.created_at) < cutoff).limit(batch)
            deleted = session.execute(delete(model).where(col(model.key).in_(oldest.scalar_subquery())))
            session.commit()
        count = int(deleted.rowcount or 0)
        purged += count
        if count < batch:
            return purged


class ExpiryLoop:
    """`purge_expired` every `every_s` on a daemon thread, for a serving process."""

    def __init__(self, engine: Engine, model: type[IdempotencyRecordBase], *, ttl: timedelta, every_s: float) -> None:
        self._engine = engine
        self._model = model
        self._ttl = ttl
        self._every_s = every_s
        self._loop = DaemonLoop(self._run, name=f"{model.__tablename__}-expiry")

    def run_once(self) -> int:
        purged = purge_expired(self._engine, self._model, ttl=self._ttl)
        if purged:
            log.info("idempotency records expired", extra={"purged": purged})
        return purged

    def _run(self, stop: threading.Event) -> None:
        repeat_until_stopped(
            stop, self.run_once, rest_s=self._every_s, log=log, failure="idempotency expiry failed; trying again"
        )

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()
